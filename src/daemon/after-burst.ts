// Once a burst of work is over (boot, a reload, API requests, programs changing state) and
// the daemon has been quiet for a while: one full garbage collection, then the executable's
// pages that the burst mapped are handed back (src/sys/page-out.ts). Armed by activity only:
// a daemon that stays idle never wakes for it.

import { pageOutExecutable } from "../sys/page-out.ts";

/** How long the daemon must have been quiet: a burst of requests is over, a client's next command is not on its way. */
export const QUIET_MS = 5000;

export interface BurstReport {
  /** JS heap after the collection, bytes. */
  readonly heapBytes: number;
  /** kB of the executable that were resident and are now unmapped (null: /proc unreadable). */
  readonly pagedOutKb: number | null;
}

export class AfterBurst {
  private timer: Timer | null = null;
  private last = 0;
  private stopped = false;

  constructor(
    private readonly report: (r: BurstReport) => void,
    private readonly quietMs = QUIET_MS,
  ) {}

  /** Something happened: the quiet period starts (again) now. Cheap enough to call per request. */
  touch(): void {
    if (this.stopped) return;
    this.last = performance.now();
    if (!this.timer) this.arm(this.quietMs);
  }

  /** The daemon is going away: no more collections. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.fire(), ms);
    this.timer.unref();
  }

  private fire(): void {
    this.timer = null;
    if (this.stopped) return;
    // Touched since the timer was armed: wait out the rest of the quiet period.
    const left = this.last + this.quietMs - performance.now();
    if (left > 1) return this.arm(left);
    Bun.gc(true);
    const pagedOutKb = pageOutExecutable();
    this.report({ heapBytes: process.memoryUsage().heapUsed, pagedOutKb });
  }
}
