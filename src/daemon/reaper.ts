// Reaps orphans: as PID 1 or subreaper, processes whose parents died are reparented to us,
// and Bun only waits for pids it spawned. On SIGCHLD, reap every zombie child that Bun did
// not spawn (never a Bun pid: stealing its status makes its `exited` reject).

import { readFileSync, readdirSync } from "node:fs";
import { becomeSubreaper, reapPid } from "../sys/libc.ts";
import { procStat } from "../sys/proc.ts";
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

const isZombie = (pid: number): boolean => procStat(pid)?.state === "Z";

/**
 * Never throws: it runs from a signal handler, and /proc cannot be read when every
 * descriptor is taken. A zombie left then is reaped at the next SIGCHLD.
 */
export function reapOrphans(): number {
  let n = 0;
  try {
    for (const pid of childPids()) if (!bunPids.has(pid) && isZombie(pid) && reapPid(pid)) n++;
  } catch {
    /* EMFILE: next time */
  }
  return n;
}

/** Every live descendant of ours (children and their children …), Bun-spawned or not. */
export function descendants(): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const st = procStat(entry);
    if (st && st.state !== "Z") parentOf.set(Number(entry), st.ppid);
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
