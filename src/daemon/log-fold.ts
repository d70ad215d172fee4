// Folds repeats in the daemon's own log. A crash loop logs the same few lines (spawned,
// entered RUNNING, exited) hundreds of times a second, each with a new pid: once a line, or a
// run of up to MAX_PERIOD lines, has come twice in a row, further repeats are counted instead
// of written, and one line says how many: "… last 3 lines repeated 2210 more times".
// Lines count as the same when only their numbers differ (pids, exit codes, counters); a
// number inside a name (web-1, app_02) is part of the name.

import type { LogLevel } from "../config/types.ts";

/** The longest run of lines recognised as repeating (a crash loop is 3 lines at info). */
export const MAX_PERIOD = 10;
/** A fold is written out at least this often, so a loop that goes on is still seen going on. */
export const FLUSH_MS = 5_000;

export interface LogEntry {
  readonly level: LogLevel;
  readonly msg: string;
  /** When it was logged (ISO), kept when a held line is written later. */
  readonly time: string;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** The message with every free-standing number masked: what "the same line" compares. */
export function lineShape(msg: string): string {
  return msg.replace(/(^|[\s(#=])\d+(?:\.\d+)?(?=$|[\s),;:%]|s\b|ms\b)/g, "$1#");
}

interface Fold {
  readonly period: number;
  /** The highest level in the repeating run: the summary is written at that level. */
  readonly level: LogLevel;
  /** Whole repeats held back since the fold began (or was last written). */
  cycles: number;
  /** Lines of the repeat under way, written as they are if the run breaks off. */
  held: LogEntry[];
}

export interface FoldTimers {
  set(ms: number, fn: () => void): unknown;
  clear(handle: unknown): void;
}

const realTimers: FoldTimers = {
  set: (ms, fn) => {
    const t = setTimeout(fn, ms);
    // Never what keeps a process alive: the log's owner flushes at close.
    t.unref?.();
    return t;
  },
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class LogFold {
  /** Shapes (level + lineShape) of the last lines seen, written or held: 2 × MAX_PERIOD. */
  private history: string[] = [];
  private fold: Fold | null = null;
  private timer: unknown = null;

  constructor(
    private readonly emit: (entry: LogEntry) => void,
    private readonly timers: FoldTimers = realTimers,
  ) {}

  push(entry: LogEntry): void {
    const key = `${entry.level} ${lineShape(entry.msg)}`;
    const f = this.fold;
    if (f) {
      if (key === this.history[this.history.length - f.period]) {
        this.hold(f, entry, key);
        return;
      }
      this.flush();
    }
    const period = this.repeating(key);
    if (period) {
      const levels = this.history.slice(-period).map((k) => k.slice(0, k.indexOf(" ")) as LogLevel);
      const level = levels.reduce((a, b) => (RANK[b] > RANK[a] ? b : a), "debug" as LogLevel);
      const fold: Fold = { period, level, cycles: 0, held: [] };
      this.fold = fold;
      this.timer = this.timers.set(FLUSH_MS, () => {
        this.timer = null;
        this.flush();
      });
      this.hold(fold, entry, key);
      return;
    }
    this.emit(entry);
    this.remember(key);
  }

  /** Write what a fold holds (its count, then the lines of an unfinished repeat) and end it. */
  flush(): void {
    const f = this.fold;
    if (!f) return;
    this.fold = null;
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    if (f.cycles > 0) {
      const what = f.period === 1 ? "last line" : `last ${f.period} lines`;
      this.emit({ level: f.level, msg: `… ${what} repeated ${f.cycles} more time${f.cycles === 1 ? "" : "s"}`, time: new Date().toISOString() });
    }
    for (const e of f.held) this.emit(e);
    // Written afresh: the next repeats show twice in full before they fold again.
    this.history = [];
  }

  private hold(f: Fold, entry: LogEntry, key: string): void {
    f.held.push(entry);
    if (f.held.length === f.period) {
      f.cycles++;
      f.held = [];
    }
    this.remember(key);
  }

  private remember(key: string): void {
    this.history.push(key);
    if (this.history.length > 2 * MAX_PERIOD) this.history.shift();
  }

  /** The shortest period p such that the last 2p lines are a run twice over and `key` starts it again. */
  private repeating(key: string): number {
    const h = this.history;
    const n = h.length;
    for (let p = 1; p <= MAX_PERIOD && 2 * p <= n; p++) {
      if (h[n - p] !== key) continue;
      let twice = true;
      for (let i = 1; i <= p && twice; i++) twice = h[n - i] === h[n - i - p];
      if (twice) return p;
    }
    return 0;
  }
}
