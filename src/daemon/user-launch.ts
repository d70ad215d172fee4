// How a program with `user =` is spawned. Bun's uid/gid options drop every supplementary
// group (src/sys/exec-as.ts says why); a user with supplementary groups is launched through
// `tend __exec-as`, which sets them as initgroups(3) would, then execs the program in place.
// A user without any takes Bun's direct path: no extra exec.

import { userGroups } from "../sys/groups.ts";
import { selfArgv } from "../sys/self.ts";
import type { UserEntry } from "../sys/users.ts";

export interface Launch {
  readonly cmd: string[];
  readonly argv0?: string;
  readonly uid?: number;
  readonly gid?: number;
}

export const EXEC_AS = "__exec-as";

export function launchFor(user: UserEntry | null, file: string, argv0: string, args: readonly string[]): Launch {
  if (user === null) return { cmd: [file, ...args], argv0 };
  // Not root: `user` can only be tend's own user, whose groups tend already has (and cannot change).
  const groups = process.getuid?.() === 0 ? userGroups(user) : [user.gid];
  if (groups.length === 1) return { cmd: [file, ...args], argv0, uid: user.uid, gid: user.gid };
  return { cmd: [...selfArgv(), EXEC_AS, String(user.uid), String(user.gid), groups.join(","), file, argv0, ...args] };
}
