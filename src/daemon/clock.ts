// The real clock and timers, behind an interface so the supervisor can be driven by a fake
// clock in tests.

export interface Clock {
  /** Wall time (ms since the epoch): only for times shown to people (started_at, stopped_at). */
  now(): number;
  /**
   * Monotonic time (ms from an arbitrary origin): for every deadline and duration, which a
   * wall-clock jump (NTP, an operator's `date -s`) must not shorten or stretch.
   */
  monotonic(): number;
  setTimer(ms: number, fn: () => void): unknown;
  clearTimer(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  // Bun's timers run on the monotonic clock.
  setTimer: (ms, fn) => setTimeout(fn, ms),
  clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};
