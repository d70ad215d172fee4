// Reaps orphans: as PID 1 or subreaper, processes whose parents died are reparented to us,
// and Bun only waits for pids it spawned. On SIGCHLD, reap every zombie child that Bun did
// not spawn (never a Bun pid: stealing its status makes its `exited` reject).
//
// Cost per exit is O(1), not O(children): SIGCHLDs are coalesced into one pass per loop turn,
// and a pass asks the kernel for a zombie with waitid(WNOWAIT) instead of listing
// /proc/self/task/*/children and reading each child's stat (that scan, on every exit, made
// `stop all` quadratic: a quarter of the daemon's CPU at 3000 programs).

import { readdirSync } from "node:fs";
import { becomeSubreaper, peekZombie, reapPid } from "../sys/libc.ts";
import { procStat } from "../sys/proc.ts";
import { bunPids } from "./process-port.ts";

/** A pass that meets a zombie of Bun's own looks again after this, doubling up to the max. */
const RETRY_MIN_MS = 5;
const RETRY_MAX_MS = 1000;

let passQueued = false;
let retry: Timer | null = null;
let retryMs = RETRY_MIN_MS;

/**
 * One pass: reap zombies until none is left or the next one is Bun's. The kernel shows the
 * same zombie until it is reaped, so an orphan behind one of Bun's waits for Bun to reap its
 * own (from its event loop, through a pidfd): the pass is tried again shortly.
 * Never throws: waitid needs no descriptor, and a failure leaves the zombie for next time.
 */
export function reapOrphans(): number {
  let n = 0;
  try {
    for (;;) {
      const pid = peekZombie();
      if (pid <= 0) {
        retryMs = RETRY_MIN_MS;
        return n;
      }
      if (bunPids.has(pid) || !reapPid(pid)) {
        retryLater();
        return n;
      }
      n++;
    }
  } catch {
    retryLater();
    return n;
  }
}

function retryLater(): void {
  if (retry) return;
  retry = setTimeout(() => {
    retry = null;
    reapOrphans();
  }, retryMs);
  // The daemon's life is held by its socket and children, never by this timer.
  retry.unref();
  retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
}

/** SIGCHLD: one pass once the signals of this turn are in, however many there were. */
function onSigchld(): void {
  if (passQueued) return;
  passQueued = true;
  setImmediate(() => {
    passQueued = false;
    reapOrphans();
  });
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
  process.on("SIGCHLD", onSigchld);
}
