// Slows down password guessing, per client address: after a few wrong attempts each further
// attempt from that address waits (doubling up to a cap) before its credentials are checked,
// and attempts queue behind each other, so parallel guesses gain nothing. Too long a queue is
// answered 429 at once. Memory is bounded: old entries are forgotten, and past maxEntries the
// least recently failed address goes first.

export interface ThrottleOptions {
  /** Wrong attempts allowed before any delay. */
  readonly free: number;
  /** The first delay; each further failure doubles it. */
  readonly baseMs: number;
  readonly maxDelayMs: number;
  /** An attempt that would have to wait longer than this is refused (429). */
  readonly maxWaitMs: number;
  /** An address with no failure for this long starts afresh. */
  readonly forgetMs: number;
  readonly maxEntries: number;
  readonly now: () => number;
}

export const DEFAULT_THROTTLE: ThrottleOptions = {
  free: 5,
  baseMs: 250,
  maxDelayMs: 10_000,
  maxWaitMs: 30_000,
  forgetMs: 15 * 60_000,
  maxEntries: 4096,
  now: Date.now,
};

interface Entry {
  failures: number;
  lastFailure: number;
  /** No attempt from this address is checked before this time. */
  next: number;
}

export type Admission = { readonly waitMs: number } | { readonly refusedForMs: number };

export class AuthThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly o: ThrottleOptions;

  constructor(options: Partial<ThrottleOptions> = {}) {
    this.o = { ...DEFAULT_THROTTLE, ...options };
  }

  get size(): number {
    return this.entries.size;
  }

  /** The delay after `failures` wrong attempts. */
  delayAfter(failures: number): number {
    if (failures < this.o.free) return 0;
    return Math.min(this.o.maxDelayMs, this.o.baseMs * 2 ** Math.min(30, failures - this.o.free));
  }

  private entry(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e && this.o.now() - e.lastFailure > this.o.forgetMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  /** Call before checking credentials: how long to wait first, or that the attempt is refused. */
  admit(key: string): Admission {
    const e = this.entry(key);
    if (!e) return { waitMs: 0 };
    const delay = this.delayAfter(e.failures);
    if (delay === 0) return { waitMs: 0 };
    const now = this.o.now();
    const at = Math.max(now, e.next);
    if (at - now > this.o.maxWaitMs) return { refusedForMs: at - now };
    // Reserve the slot: the next attempt queues one delay behind this one.
    e.next = at + delay;
    return { waitMs: at - now };
  }

  failed(key: string): void {
    const now = this.o.now();
    const e = this.entry(key) ?? { failures: 0, lastFailure: now, next: 0 };
    e.failures++;
    e.lastFailure = now;
    e.next = Math.max(e.next, now + this.delayAfter(e.failures));
    // Re-insert: Map order is then least recently failed first, the eviction order.
    this.entries.delete(key);
    this.entries.set(key, e);
    while (this.entries.size > this.o.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  succeeded(key: string): void {
    this.entries.delete(key);
  }
}
