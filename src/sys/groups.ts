// Group lookup from /etc/group, read as users.ts reads /etc/passwd (a static file: no NSS
// through FFI, nothing that can hang). Gives a user every group it belongs to, as
// getgrouplist(3) does for initgroups(3), and resolves socket_owner's group.

import { readFileSync } from "node:fs";
import type { UserEntry } from "./users.ts";

interface GroupLine {
  readonly name: string;
  readonly gid: number;
  readonly members: readonly string[];
}

function readGroups(groupFile: string): GroupLine[] {
  let text: string;
  try {
    text = readFileSync(groupFile, "utf8");
  } catch {
    return [];
  }
  const out: GroupLine[] = [];
  for (const line of text.split("\n")) {
    const f = line.split(":");
    if (f.length < 4 || f[0] === "" || !/^\d+$/.test(f[2]!)) continue;
    out.push({ name: f[0]!, gid: Number(f[2]), members: f[3]!.split(",").map((m) => m.trim()).filter(Boolean) });
  }
  return out;
}

/** A group name or numeric gid → its gid; null when the name is not in the file. */
export function lookupGroup(spec: string, groupFile = "/etc/group"): number | null {
  if (/^\d+$/.test(spec)) return Number(spec);
  return readGroups(groupFile).find((g) => g.name === spec)?.gid ?? null;
}

/**
 * The groups a process running as `user` gets, as initgroups(3) sets them: the primary
 * group first, then every group that lists the user as a member, each once.
 */
export function userGroups(user: UserEntry, groupFile = "/etc/group"): number[] {
  const gids = [user.gid];
  for (const g of readGroups(groupFile)) if (g.members.includes(user.name) && !gids.includes(g.gid)) gids.push(g.gid);
  return gids;
}
