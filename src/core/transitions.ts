// The process state machine: (snapshot, event, context) → (next snapshot, effects).
// Pure: no Bun APIs, no timers, no clock (time arrives inside events and the context).
// Semantics follow supervisord's Subprocess (reference/supervisord-api.md §8), made
// event-driven: a timer or an exit moves the machine at once instead of on a 1 s poll.

import type { AutoRestart } from "../config/types.ts";
import type { Effect, EventKind, ProcessEvent } from "./events.ts";
import type { ProcessState } from "./states.ts";

export interface ProcessSnapshot {
  readonly state: ProcessState;
  /** 0 when there is no process. */
  readonly pid: number;
  /** Failed starts in a row; reset on RUNNING and on an operator's start. */
  readonly backoff: number;
  /** Why the last start failed ("" when it did not), shown for BACKOFF and FATAL. */
  readonly spawnerr: string;
  /** Last exit code; -1 when the process was killed by a signal (as supervisord reports). */
  readonly exitstatus: number;
  /** Signal name that ended the last run, or null. */
  readonly exitSignal: string | null;
  /** Whether the last exit was listed in exitcodes (null before any exit). */
  readonly expected: boolean | null;
  /** ms since the epoch of the last spawn, 0 if never started. */
  readonly startedAt: number;
  /** ms since the epoch of the last exit or stop, 0 if never. */
  readonly stoppedAt: number;
}

export const INITIAL_SNAPSHOT: ProcessSnapshot = Object.freeze({
  state: "STOPPED",
  pid: 0,
  backoff: 0,
  spawnerr: "",
  exitstatus: 0,
  exitSignal: null,
  expected: null,
  startedAt: 0,
  stoppedAt: 0,
});

export interface TransitionContext {
  readonly startsecs: number;
  readonly startretries: number;
  readonly autorestart: AutoRestart;
  readonly exitcodes: readonly number[];
  readonly stopsignal: string;
  readonly stopwaitsecs: number;
  readonly stopasgroup: boolean;
  readonly killasgroup: boolean;
  /** While the daemon shuts down nothing is restarted. */
  readonly shuttingDown: boolean;
}

export type Step = { readonly next: ProcessSnapshot; readonly effects: readonly Effect[] };
export type Outcome = ({ readonly ok: true } & Step) | { readonly ok: false; readonly reason: string };

type Handler<K extends EventKind> = (
  s: ProcessSnapshot,
  e: Extract<ProcessEvent, { kind: K }>,
  ctx: TransitionContext,
) => Step;
type Row = { readonly [K in EventKind]?: Handler<K> };

export const TOO_QUICKLY = "Exited too quickly (process log may have details)";

// ---- steps --------------------------------------------------------------------------------

const step = (next: ProcessSnapshot, ...effects: Effect[]): Step => ({ next, effects });

/** STOPPED | EXITED | FATAL | BACKOFF → STARTING: spawn; the outcome comes back as an event. */
const toStarting = (s: ProcessSnapshot, resetBackoff: boolean): Step =>
  step({ ...s, state: "STARTING", pid: 0, backoff: resetBackoff ? 0 : s.backoff, spawnerr: "" }, {
    kind: "spawn",
  });

/** A start failed (spawn error or exit before startsecs): BACKOFF and retry, or FATAL. */
function toBackoffOrFatal(s: ProcessSnapshot, reason: string, ctx: TransitionContext, extra: Partial<ProcessSnapshot> = {}): Step {
  const backoff = s.backoff + 1;
  const base = { ...s, ...extra, pid: 0, spawnerr: reason };
  // supervisord: startretries + 1 attempts in all, then FATAL ("gave up").
  if (backoff > ctx.startretries || ctx.shuttingDown) {
    return step({ ...base, state: "FATAL", backoff: 0 }, { kind: "cancel-timer", timer: "startsecs" });
  }
  // Linear back-off as supervisord: 1 s, 2 s, 3 s … after the 1st, 2nd, 3rd failure.
  return step(
    { ...base, state: "BACKOFF", backoff },
    { kind: "cancel-timer", timer: "startsecs" },
    { kind: "arm-timer", timer: "backoff", ms: backoff * 1000 },
  );
}

/** Ask the process to stop: stopsignal now, SIGKILL after stopwaitsecs. */
const toStopping = (s: ProcessSnapshot, ctx: TransitionContext, ...extra: Effect[]): Step =>
  step(
    { ...s, state: "STOPPING" },
    ...extra,
    { kind: "signal", signal: ctx.stopsignal, group: ctx.stopasgroup },
    { kind: "arm-timer", timer: "stopwait", ms: ctx.stopwaitsecs * 1000 },
  );

function exitFields(e: Extract<ProcessEvent, { kind: "exited" }>, ctx: TransitionContext): Partial<ProcessSnapshot> {
  const exitstatus = e.signal ? -1 : (e.code ?? -1);
  return {
    pid: 0,
    exitstatus,
    exitSignal: e.signal,
    expected: e.signal === null && ctx.exitcodes.includes(exitstatus),
    stoppedAt: e.at,
  };
}

/** Does autorestart ask for a new run after this exit? (supervisord's EXITED handling) */
export function wantsRestart(autorestart: AutoRestart, expected: boolean): boolean {
  if (autorestart === "unexpected") return !expected;
  return autorestart;
}

/** RUNNING → EXITED, then maybe STARTING again through an `auto-restart` event. */
function afterExit(s: ProcessSnapshot, e: Extract<ProcessEvent, { kind: "exited" }>, ctx: TransitionContext): Step {
  const fields = exitFields(e, ctx);
  const expected = fields.expected === true;
  const spawnerr = expected ? "" : `Bad exit code ${fields.exitstatus}`;
  const next: ProcessSnapshot = { ...s, ...fields, state: "EXITED", spawnerr };
  if (!ctx.shuttingDown && wantsRestart(ctx.autorestart, expected)) {
    return step(next, { kind: "enqueue", event: { kind: "auto-restart" } });
  }
  return step(next);
}

// ---- the table: one row per state; a missing cell is an illegal (ignored) event -----------

export const TABLE: { readonly [S in ProcessState]: Row } = {
  STOPPED: {
    start: (s) => toStarting(s, true),
  },
  STARTING: {
    // STARTING → RUNNING at once when startsecs is 0, else after startsecs alive.
    spawned: (s, e, ctx) =>
      ctx.startsecs === 0
        ? step({ ...s, state: "RUNNING", pid: e.pid, startedAt: e.at, backoff: 0 })
        : step({ ...s, pid: e.pid, startedAt: e.at }, { kind: "arm-timer", timer: "startsecs", ms: ctx.startsecs * 1000 }),
    // STARTING → BACKOFF | FATAL: the command could not be started at all.
    "spawn-failed": (s, e, ctx) => toBackoffOrFatal({ ...s, startedAt: e.at, stoppedAt: e.at }, e.reason, ctx),
    // STARTING → BACKOFF | FATAL: it died before startsecs ("too quickly").
    exited: (s, e, ctx) => toBackoffOrFatal(s, TOO_QUICKLY, ctx, exitFields(e, ctx)),
    "startsecs-elapsed": (s) => step({ ...s, state: "RUNNING", backoff: 0 }),
    // STARTING with no pid: its spawn still waits for its turn (the daemon spawns in slices),
    // so nothing runs and nothing is signalled → STOPPED, and the spawn is dropped.
    stop: (s, _e, ctx) =>
      s.pid === 0
        ? step({ ...s, state: "STOPPED" }, { kind: "cancel-timer", timer: "startsecs" })
        : toStopping(s, ctx, { kind: "cancel-timer", timer: "startsecs" }),
  },
  RUNNING: {
    exited: afterExit,
    stop: (s, _e, ctx) => toStopping(s, ctx),
  },
  BACKOFF: {
    // BACKOFF → STARTING; but while shutting down nothing respawns: → FATAL (supervisord's stop_all).
    "backoff-elapsed": (s, _e, ctx) =>
      ctx.shuttingDown ? step({ ...s, state: "FATAL", backoff: 0 }) : toStarting(s, false),
    // BACKOFF → STOPPED: nothing runs, so nothing to signal (supervisord does the same).
    stop: (s) => step({ ...s, state: "STOPPED", spawnerr: "" }, { kind: "cancel-timer", timer: "backoff" }),
  },
  STOPPING: {
    exited: (s, e, ctx) => step({ ...s, ...exitFields(e, ctx), state: "STOPPED" }, { kind: "cancel-timer", timer: "stopwait" }),
    // Still alive after stopwaitsecs: SIGKILL, and stay STOPPING until it is reaped; like
    // supervisord, SIGKILL again every stopwaitsecs while it lingers.
    "stop-timeout": (s, _e, ctx) =>
      step(
        s,
        { kind: "signal", signal: "KILL", group: ctx.killasgroup },
        { kind: "arm-timer", timer: "stopwait", ms: ctx.stopwaitsecs * 1000 },
      ),
  },
  EXITED: {
    start: (s) => toStarting(s, true),
    "auto-restart": (s) => toStarting(s, false),
  },
  FATAL: {
    start: (s) => toStarting(s, true),
  },
  UNKNOWN: {},
};

export function transition(s: ProcessSnapshot, e: ProcessEvent, ctx: TransitionContext): Outcome {
  const handler = TABLE[s.state][e.kind] as Handler<typeof e.kind> | undefined;
  if (!handler) return { ok: false, reason: `illegal transition: ${s.state} on ${e.kind}` };
  return { ok: true, ...handler(s, e as never, ctx) };
}
