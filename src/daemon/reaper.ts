// Reaps orphans: as PID 1 or subreaper, processes whose parents died are reparented to us,
// and Bun only waits for pids it spawned. On SIGCHLD, reap every zombie child that Bun did
// not spawn (never a Bun pid: stealing its status makes its `exited` reject).

import { readFileSync, readdirSync } from "node:fs";
import { becomeSubreaper, reapPid } from "../sys/libc.ts";
import { bunPids } from "./process-port.ts";

function childPids(): number[] {
  const pids: number[] = [];
  for (const t of readdirSync("/proc/self/task")) {
    try {
      for (const p of readFileSync(`/proc/self/task/${t}/children`, "utf8").split(" ")) if (p) pids.push(Number(p));
    } catch {
      /* thread gone */
    }
  }
  return pids;
}

function isZombie(pid: number): boolean {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    return s[s.lastIndexOf(")") + 2] === "Z";
  } catch {
    return false;
  }
}

export function reapOrphans(): number {
  let n = 0;
  for (const pid of childPids()) if (!bunPids.has(pid) && isZombie(pid) && reapPid(pid)) n++;
  return n;
}

/** Every live descendant of ours (children and their children …), Bun-spawned or not. */
export function descendants(): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const s = readFileSync(`/proc/${entry}/stat`, "utf8");
      const rest = s.slice(s.lastIndexOf(")") + 2).split(" ");
      if (rest[0] !== "Z") parentOf.set(Number(entry), Number(rest[1]));
    } catch {
      /* gone */
    }
  }
  const mine = new Set<number>([process.pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parentOf) if (!mine.has(pid) && mine.has(ppid)) (mine.add(pid), (grew = true));
  }
  mine.delete(process.pid);
  return [...mine];
}

export function installReaper(): void {
  if (process.pid !== 1) becomeSubreaper();
  process.on("SIGCHLD", () => reapOrphans());
}
