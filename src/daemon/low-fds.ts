// Descriptor numbers below 1024 held for spawns. A program's open-files limit is set by
// lowering the daemon's own soft limit to it for the moment of the spawn (child-fd-limit.ts),
// and the spawn needs free numbers below that limit (its pidfd lands there). The kernel hands
// out the lowest free number, so a daemon with hundreds of programs would fill 0–1023 with
// its pipes, log files and connections, and every start would then take the slower way
// through `tend __exec-as`. So at start, a daemon whose limit is large enough holds every free
// number below 1024 with a close-on-exec copy of /dev/null: everything it opens afterwards
// lands above 1024. A spawn frees a few of them, and afterwards the pool takes back whatever
// is free below 1024 again (the pidfd keeps its number while the program runs).

import { closeSync, openSync } from "node:fs";
import { dupAtLeast } from "../sys/libc.ts";

/** The numbers held: below 1024, the default child limit (child-fd-limit.ts). */
const FLOOR = 1024;

/**
 * Held only when the daemon's soft limit is at least this: the pool takes up to ~1000 numbers,
 * at most 1/8 of the daemon's (tend raises it to the hard limit, typically 524288 or more).
 */
export const POOL_MIN_LIMIT = 8 * FLOOR;

/** Numbers freed for one spawn: its pidfd, what Bun takes while spawning, a writer thread's open. */
export const FREED_PER_SPAWN = 8;

let source = -1;
const held: number[] = [];

/** Hold every free number below 1024 from now on (once; only with a large enough limit). */
export function holdLowFds(daemonSoftLimit: number): number {
  if (source !== -1 || daemonSoftLimit < POOL_MIN_LIMIT) return 0;
  try {
    source = openSync("/dev/null", "r");
  } catch {
    return 0;
  }
  topUpLowFds();
  return held.length;
}

/** Take back every free number below 1024 (after a spawn, or whenever numbers were freed). */
export function topUpLowFds(): void {
  if (source === -1) return;
  for (;;) {
    const fd = dupAtLeast(source, 0);
    if (fd < 0) return;
    if (fd >= FLOOR) {
      closeSync(fd);
      return;
    }
    held.push(fd);
  }
}

/** Whether `n` held numbers below `limit` can be freed for a spawn. */
export function canFreeLowFds(limit: number, n = FREED_PER_SPAWN): boolean {
  let count = 0;
  for (const fd of held) if (fd < limit && ++count >= n) return true;
  return false;
}

/** Free up to `n` held numbers below `limit`, for a spawn (topUpLowFds takes them back). */
export function freeLowFds(limit: number, n = FREED_PER_SPAWN): void {
  for (let i = held.length - 1; i >= 0 && n > 0; i--) {
    if (held[i]! >= limit) continue;
    closeSync(held.splice(i, 1)[0]!);
    n--;
  }
}

/** How many numbers are held (the debug log says). */
export const heldLowFds = (): number => held.length;
