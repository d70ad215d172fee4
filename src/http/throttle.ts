// Slows down password guessing, per client address, without ever slowing the owner. Every
// attempt is checked at once (constant time, auth.ts); a right one is answered at once whatever
// its address did before, so nobody who shares an address (a local user, everyone behind a
// reverse proxy) can lock the owner out. Only wrong attempts are held: after a few, each wrong
// answer waits (doubling up to a cap) and wrong answers from one address leave one delay apart,
// so a guesser that waits for its answers gains nothing by sending them in parallel. A wrong
// attempt that would wait longer than maxWaitMs is answered 429 at once (no pile of held
// requests). A right password clears the address's record, as before: someone who mistyped
// starts afresh. (A guesser sharing the owner's address gets its free guesses back then; and
// since answers are not withheld from a client that gives up waiting, the throttle slows
// guessers that wait for their answers, nothing more: the password's length is the defence.)
// Memory is bounded: an address is forgotten forgetMs after its last wrong attempt, and past
// maxEntries the least recently failed address goes first.
// Windows are measured on the monotonic clock: a wall-clock jump neither frees nor locks.

export interface ThrottleOptions {
  /** Wrong attempts allowed before any delay. */
  readonly free: number;
  /** The first delay; each further failure doubles it. */
  readonly baseMs: number;
  readonly maxDelayMs: number;
  /** A wrong attempt whose answer would have to wait longer than this is refused (429). */
  readonly maxWaitMs: number;
  /** An address with no failure for this long starts afresh. */
  readonly forgetMs: number;
  readonly maxEntries: number;
  /** Milliseconds on a monotonic clock. */
  readonly now: () => number;
}

export const DEFAULT_THROTTLE: ThrottleOptions = {
  free: 5,
  baseMs: 250,
  maxDelayMs: 10_000,
  maxWaitMs: 30_000,
  forgetMs: 15 * 60_000,
  maxEntries: 4096,
  now: () => performance.now(),
};

interface Entry {
  failures: number;
  lastFailure: number;
  /** The time the last held wrong answer from this address leaves. */
  next: number;
}

/** What to do with the answer to a wrong attempt: hold it this long, or refuse it (429) now. */
export type Verdict = { readonly waitMs: number } | { readonly refusedForMs: number };

export class AuthThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly o: ThrottleOptions;

  constructor(options: Partial<ThrottleOptions> = {}) {
    this.o = { ...DEFAULT_THROTTLE, ...options };
  }

  get size(): number {
    return this.entries.size;
  }

  /** The delay of a wrong attempt that follows `failures` earlier ones. */
  delayAfter(failures: number): number {
    if (failures < this.o.free) return 0;
    return Math.min(this.o.maxDelayMs, this.o.baseMs * 2 ** Math.min(30, failures - this.o.free));
  }

  private entry(key: string, now: number): Entry | undefined {
    const e = this.entries.get(key);
    if (e && now - e.lastFailure > this.o.forgetMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  /** Record a wrong attempt from `key` and say how long its answer waits (or that it is refused). */
  failed(key: string): Verdict {
    const now = this.o.now();
    const e = this.entry(key, now) ?? { failures: 0, lastFailure: now, next: now };
    const delay = this.delayAfter(e.failures);
    e.failures++;
    e.lastFailure = now;
    // Re-insert: Map order is then least recently failed first, the eviction order.
    this.entries.delete(key);
    this.entries.set(key, e);
    while (this.entries.size > this.o.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    if (delay === 0) return { waitMs: 0 };
    // Queue behind the wrong answers already held: one delay after the later of now and the last.
    const at = Math.max(now, e.next) + delay;
    if (at - now > this.o.maxWaitMs) return { refusedForMs: at - now };
    e.next = at;
    return { waitMs: at - now };
  }

  succeeded(key: string): void {
    this.entries.delete(key);
  }
}
