// How a program is launched. Bun's uid/gid options drop every supplementary group
// (src/sys/exec-as.ts says why); a user with supplementary groups is launched through
// `tend __exec-as`, which sets them as initgroups(3) would, then execs the program in place.
// So is a program whose open-files limit the daemon cannot set around the spawn
// (child-fd-limit.ts). Everything else takes Bun's direct path: no extra exec.

import { userGroups } from "../sys/groups.ts";
import type { FdLimit } from "../sys/libc.ts";
import { selfArgv } from "../sys/self.ts";
import type { UserEntry } from "../sys/users.ts";

export interface Launch {
  readonly cmd: string[];
  readonly argv0?: string;
  readonly uid?: number;
  readonly gid?: number;
  /** Through `tend __exec-as`, which sets the open-files limit itself. */
  readonly helper: boolean;
}

export const EXEC_AS = "__exec-as";

/**
 * `nofile`: the program's open-files limit. The helper always sets it: it is a Bun process,
 * and Bun raises its own soft limit when it starts. `viaHelper`: the daemon cannot set it
 * around the spawn, so the helper must.
 */
export function launchFor(user: UserEntry | null, file: string, argv0: string, args: readonly string[], nofile: FdLimit, viaHelper = false): Launch {
  // Not root: `user` can only be tend's own user, whose groups tend already has (and cannot change).
  const groups = user === null ? [] : process.getuid?.() === 0 ? userGroups(user) : [user.gid];
  if (!viaHelper && groups.length <= 1) {
    return user === null ? { cmd: [file, ...args], argv0, helper: false } : { cmd: [file, ...args], argv0, uid: user.uid, gid: user.gid, helper: false };
  }
  const who = user === null ? ["-", "-", "-"] : [String(user.uid), String(user.gid), groups.join(",")];
  return { cmd: [...selfArgv(), EXEC_AS, `${nofile.soft}:${nofile.hard}`, ...who, file, argv0, ...args], helper: true };
}
