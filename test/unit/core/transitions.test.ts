// The pure process state machine (src/core/transitions.ts) against supervisord's Subprocess
// semantics (reference/supervisord-api.md §8), made event-driven. Four parts:
//   1. a table: one row per legal (state, event, context) case, exact next snapshot + effects;
//   2. whole walks: crash loops to FATAL, budget resets;
//   3. totality: every state × every event kind is either listed as legal here or rejected;
//   4. properties: seeded random event sequences, invariants checked after every step.

import { describe, expect, test } from "bun:test";
import { EVENT_KINDS, type Effect, type EventKind, type ProcessEvent, type TimerName } from "../../../src/core/events.ts";
import { PROCESS_STATES, type ProcessState } from "../../../src/core/states.ts";
import {
  INITIAL_SNAPSHOT,
  TOO_QUICKLY,
  transition,
  type ProcessSnapshot,
  type Step,
  type TransitionContext,
} from "../../../src/core/transitions.ts";

// ---- fixtures -------------------------------------------------------------------------------

const T0 = Date.UTC(2024, 10, 22, 1, 0, 0); // the last spawn of the process under test
const AT = T0 + 90_000; // when the event under test happens
const PID = 4242;
const NO_CMD = "can't find command 'x'";

const BASE_CTX: TransitionContext = {
  startsecs: 1,
  startretries: 3,
  autorestart: "unexpected",
  exitcodes: [0],
  stopsignal: "TERM",
  stopwaitsecs: 10,
  stopasgroup: false,
  killasgroup: false,
  shuttingDown: false,
};
const ctx = (o: Partial<TransitionContext> = {}): TransitionContext => ({ ...BASE_CTX, ...o });

/** A full snapshot: anything not given is INITIAL_SNAPSHOT's (0, "", null). */
const snap = (o: Partial<ProcessSnapshot>): ProcessSnapshot => ({ ...INITIAL_SNAPSHOT, ...o });

const START: ProcessEvent = { kind: "start" };
const AUTO_RESTART: ProcessEvent = { kind: "auto-restart" };
const STOP: ProcessEvent = { kind: "stop" };
const STARTSECS_ELAPSED: ProcessEvent = { kind: "startsecs-elapsed" };
const BACKOFF_ELAPSED: ProcessEvent = { kind: "backoff-elapsed" };
const STOP_TIMEOUT: ProcessEvent = { kind: "stop-timeout" };
const spawned = (pid = PID, at = AT): ProcessEvent => ({ kind: "spawned", pid, at });
const spawnFailed = (reason = NO_CMD, at = AT): ProcessEvent => ({ kind: "spawn-failed", reason, at });
const exited = (code: number | null, signal: string | null = null, at = AT): ProcessEvent => ({ kind: "exited", code, signal, at });

const SPAWN: Effect = { kind: "spawn" };
const arm = (timer: TimerName, ms: number): Effect => ({ kind: "arm-timer", timer, ms });
const cancel = (timer: TimerName): Effect => ({ kind: "cancel-timer", timer });
const sig = (signal: string, group: boolean): Effect => ({ kind: "signal", signal, group });
const ENQUEUE_RESTART: Effect = { kind: "enqueue", event: { kind: "auto-restart" } };

// Snapshots as the machine leaves them (fields from earlier runs included on purpose, so a
// handler that drops or resets a field it should keep is caught).
const STOPPED_NEVER = INITIAL_SNAPSHOT;
/** BACKOFF → STOPPED by an operator: the failure count is still there. */
const STOPPED_AFTER_BACKOFF = snap({ state: "STOPPED", backoff: 2, exitstatus: 1, expected: false, startedAt: T0, stoppedAt: T0 + 100 });
const STOPPED_AFTER_STOP = snap({ state: "STOPPED", exitstatus: -1, exitSignal: "TERM", expected: false, startedAt: T0, stoppedAt: T0 + 60_000 });
const EXITED_BAD = snap({ state: "EXITED", spawnerr: "Bad exit code 2", exitstatus: 2, expected: false, startedAt: T0, stoppedAt: T0 + 60_000 });
/** backoff is 0 in EXITED in practice (RUNNING reset it); 1 here makes start-vs-auto-restart observable. */
const EXITED_BACKOFF_1 = { ...EXITED_BAD, backoff: 1 };
const FATAL_NO_CMD = snap({ state: "FATAL", spawnerr: NO_CMD, startedAt: T0, stoppedAt: T0 });
/** Just entered STARTING for the first time: spawn outcome not back yet. */
const STARTING_FRESH = snap({ state: "STARTING" });
/** Third attempt after two quick exits: spawn outcome not back yet. */
const STARTING_RETRY_2 = snap({ state: "STARTING", backoff: 2, exitstatus: 1, expected: false, startedAt: T0, stoppedAt: T0 + 200 });
/** Spawned, waiting out startsecs, first attempt. */
const STARTING_UP = snap({ state: "STARTING", pid: PID, startedAt: T0 });
/** Spawned, waiting out startsecs, third attempt. */
const STARTING_UP_RETRY_2 = snap({ state: "STARTING", pid: PID, backoff: 2, exitstatus: 1, expected: false, startedAt: T0, stoppedAt: T0 - 500 });
/** Up; the previous run was killed by SIGHUP (fields survive until the next exit). */
const RUNNING_UP = snap({ state: "RUNNING", pid: PID, exitstatus: -1, exitSignal: "HUP", expected: false, startedAt: T0, stoppedAt: T0 - 1000 });
const BACKOFF_2 = snap({ state: "BACKOFF", backoff: 2, spawnerr: TOO_QUICKLY, exitstatus: 1, expected: false, startedAt: T0, stoppedAt: T0 + 300 });
const STOPPING_UP = snap({ state: "STOPPING", pid: PID, startedAt: T0, stoppedAt: T0 - 1000 });

// ---- 1. the table ---------------------------------------------------------------------------

interface Row {
  readonly name: string;
  readonly from: ProcessSnapshot;
  readonly event: ProcessEvent;
  readonly ctx?: Partial<TransitionContext>;
  readonly to: ProcessSnapshot;
  readonly effects: readonly Effect[];
}

const ROWS: readonly Row[] = [
  // -- start / auto-restart: into STARTING ------------------------------------------------------
  {
    name: "STOPPED → STARTING when started for the first time (autostart)",
    from: STOPPED_NEVER, event: START,
    to: snap({ state: "STARTING" }),
    effects: [SPAWN],
  },
  {
    name: "STOPPED → STARTING when started after a stopped BACKOFF (backoff reset to 0)",
    from: STOPPED_AFTER_BACKOFF, event: START,
    to: snap({ state: "STARTING", backoff: 0, exitstatus: 1, expected: false, startedAt: T0, stoppedAt: T0 + 100 }),
    effects: [SPAWN],
  },
  {
    name: "STOPPED → STARTING when started after an operator stop",
    from: STOPPED_AFTER_STOP, event: START,
    to: snap({ state: "STARTING", exitstatus: -1, exitSignal: "TERM", expected: false, startedAt: T0, stoppedAt: T0 + 60_000 }),
    effects: [SPAWN],
  },
  {
    name: "EXITED → STARTING when started (spawnerr cleared, backoff reset to 0)",
    from: EXITED_BACKOFF_1, event: START,
    to: snap({ state: "STARTING", backoff: 0, spawnerr: "", exitstatus: 2, expected: false, startedAt: T0, stoppedAt: T0 + 60_000 }),
    effects: [SPAWN],
  },
  {
    name: "EXITED → STARTING when auto-restarted (spawnerr cleared, backoff NOT reset)",
    from: EXITED_BACKOFF_1, event: AUTO_RESTART,
    to: snap({ state: "STARTING", backoff: 1, spawnerr: "", exitstatus: 2, expected: false, startedAt: T0, stoppedAt: T0 + 60_000 }),
    effects: [SPAWN],
  },
  {
    name: "FATAL → STARTING when started (spawnerr cleared)",
    from: FATAL_NO_CMD, event: START,
    to: snap({ state: "STARTING", spawnerr: "", startedAt: T0, stoppedAt: T0 }),
    effects: [SPAWN],
  },
  {
    name: "FATAL → STARTING when started even with a leftover backoff (backoff reset to 0)",
    from: { ...FATAL_NO_CMD, backoff: 3 }, event: START,
    to: snap({ state: "STARTING", backoff: 0, spawnerr: "", startedAt: T0, stoppedAt: T0 }),
    effects: [SPAWN],
  },
  {
    name: "BACKOFF → STARTING when the backoff delay is over (backoff kept, spawnerr cleared)",
    from: BACKOFF_2, event: BACKOFF_ELAPSED,
    to: snap({ state: "STARTING", backoff: 2, spawnerr: "", exitstatus: 1, expected: false, startedAt: T0, stoppedAt: T0 + 300 }),
    effects: [SPAWN],
  },

  // -- STARTING: the spawn outcome --------------------------------------------------------------
  {
    name: "STARTING → RUNNING when spawned with startsecs 0 (straight to RUNNING, backoff reset)",
    from: STARTING_RETRY_2, event: spawned(PID, AT), ctx: { startsecs: 0 },
    to: snap({ state: "RUNNING", pid: PID, backoff: 0, exitstatus: 1, expected: false, startedAt: AT, stoppedAt: T0 + 200 }),
    effects: [],
  },
  {
    name: "STARTING → STARTING when spawned with startsecs 1 (arms a 1000 ms startsecs timer)",
    from: STARTING_FRESH, event: spawned(77, AT), ctx: { startsecs: 1 },
    to: snap({ state: "STARTING", pid: 77, startedAt: AT }),
    effects: [arm("startsecs", 1000)],
  },
  {
    name: "STARTING → STARTING when spawned with startsecs 5 (arms a 5000 ms timer, backoff kept)",
    from: STARTING_RETRY_2, event: spawned(PID, AT), ctx: { startsecs: 5 },
    to: snap({ state: "STARTING", pid: PID, backoff: 2, exitstatus: 1, expected: false, startedAt: AT, stoppedAt: T0 + 200 }),
    effects: [arm("startsecs", 5000)],
  },
  {
    name: "STARTING → BACKOFF when the spawn fails the 1st time (retry in 1000 ms)",
    from: STARTING_FRESH, event: spawnFailed(NO_CMD, AT),
    to: snap({ state: "BACKOFF", backoff: 1, spawnerr: NO_CMD, startedAt: AT, stoppedAt: AT }),
    effects: [cancel("startsecs"), arm("backoff", 1000)],
  },
  {
    name: "STARTING → BACKOFF when the spawn fails the 2nd time (retry in 2000 ms)",
    from: snap({ state: "STARTING", backoff: 1, startedAt: T0, stoppedAt: T0 }), event: spawnFailed(NO_CMD, AT),
    to: snap({ state: "BACKOFF", backoff: 2, spawnerr: NO_CMD, startedAt: AT, stoppedAt: AT }),
    effects: [cancel("startsecs"), arm("backoff", 2000)],
  },
  {
    name: "STARTING → BACKOFF when the spawn fails the 3rd time with startretries 3 (retry in 3000 ms)",
    from: STARTING_RETRY_2, event: spawnFailed(NO_CMD, AT), ctx: { startretries: 3 },
    to: snap({ state: "BACKOFF", backoff: 3, spawnerr: NO_CMD, exitstatus: 1, expected: false, startedAt: AT, stoppedAt: AT }),
    effects: [cancel("startsecs"), arm("backoff", 3000)],
  },
  {
    name: "STARTING → FATAL when the spawn fails the 4th time with startretries 3 (backoff reset)",
    from: snap({ state: "STARTING", backoff: 3, startedAt: T0, stoppedAt: T0 }), event: spawnFailed(NO_CMD, AT), ctx: { startretries: 3 },
    to: snap({ state: "FATAL", backoff: 0, spawnerr: NO_CMD, startedAt: AT, stoppedAt: AT }),
    effects: [cancel("startsecs")],
  },
  {
    name: "STARTING → FATAL when the spawn fails once with startretries 0",
    from: STARTING_FRESH, event: spawnFailed("command is empty", AT), ctx: { startretries: 0 },
    to: snap({ state: "FATAL", backoff: 0, spawnerr: "command is empty", startedAt: AT, stoppedAt: AT }),
    effects: [cancel("startsecs")],
  },
  {
    name: "STARTING → FATAL when the spawn fails while shutting down (retries left but no retry)",
    from: STARTING_FRESH, event: spawnFailed(NO_CMD, AT), ctx: { startretries: 3, shuttingDown: true },
    to: snap({ state: "FATAL", backoff: 0, spawnerr: NO_CMD, startedAt: AT, stoppedAt: AT }),
    effects: [cancel("startsecs")],
  },

  // -- STARTING: exits before startsecs ----------------------------------------------------------
  {
    name: "STARTING → BACKOFF when it exits before startsecs",
    from: STARTING_UP, event: exited(1, null, AT),
    to: snap({ state: "BACKOFF", pid: 0, backoff: 1, spawnerr: TOO_QUICKLY, exitstatus: 1, exitSignal: null, expected: false, startedAt: T0, stoppedAt: AT }),
    effects: [cancel("startsecs"), arm("backoff", 1000)],
  },
  {
    name: "STARTING → BACKOFF when it exits before startsecs even with an expected exit code",
    from: STARTING_UP, event: exited(0, null, AT),
    to: snap({ state: "BACKOFF", pid: 0, backoff: 1, spawnerr: TOO_QUICKLY, exitstatus: 0, exitSignal: null, expected: true, startedAt: T0, stoppedAt: AT }),
    effects: [cancel("startsecs"), arm("backoff", 1000)],
  },
  {
    name: "STARTING → BACKOFF when it is killed by a signal before startsecs (exitstatus -1)",
    from: STARTING_UP, event: exited(null, "SEGV", AT),
    to: snap({ state: "BACKOFF", pid: 0, backoff: 1, spawnerr: TOO_QUICKLY, exitstatus: -1, exitSignal: "SEGV", expected: false, startedAt: T0, stoppedAt: AT }),
    effects: [cancel("startsecs"), arm("backoff", 1000)],
  },
  {
    name: "STARTING → BACKOFF when it exits before startsecs on the 3rd attempt (retry in 3000 ms)",
    from: STARTING_UP_RETRY_2, event: exited(2, null, AT), ctx: { startretries: 3 },
    to: snap({ state: "BACKOFF", pid: 0, backoff: 3, spawnerr: TOO_QUICKLY, exitstatus: 2, expected: false, startedAt: T0, stoppedAt: AT }),
    effects: [cancel("startsecs"), arm("backoff", 3000)],
  },
  {
    name: "STARTING → FATAL when it exits before startsecs on the last attempt (startretries 2)",
    from: STARTING_UP_RETRY_2, event: exited(2, null, AT), ctx: { startretries: 2 },
    to: snap({ state: "FATAL", pid: 0, backoff: 0, spawnerr: TOO_QUICKLY, exitstatus: 2, expected: false, startedAt: T0, stoppedAt: AT }),
    effects: [cancel("startsecs")],
  },
  {
    name: "STARTING → FATAL when it exits before startsecs while shutting down",
    from: STARTING_UP, event: exited(1, null, AT), ctx: { shuttingDown: true },
    to: snap({ state: "FATAL", pid: 0, backoff: 0, spawnerr: TOO_QUICKLY, exitstatus: 1, expected: false, startedAt: T0, stoppedAt: AT }),
    effects: [cancel("startsecs")],
  },

  // -- STARTING: survives startsecs -------------------------------------------------------------
  {
    name: "STARTING → RUNNING when startsecs elapse (backoff reset to 0)",
    from: STARTING_UP_RETRY_2, event: STARTSECS_ELAPSED,
    to: snap({ state: "RUNNING", pid: PID, backoff: 0, exitstatus: 1, expected: false, startedAt: T0, stoppedAt: T0 - 500 }),
    effects: [],
  },

  // -- stop ---------------------------------------------------------------------------------------
  {
    name: "STARTING → STOPPING when stopped (cancels startsecs, stopsignal to the pid, arms stopwait)",
    from: STARTING_UP, event: STOP,
    to: snap({ state: "STOPPING", pid: PID, startedAt: T0 }),
    effects: [cancel("startsecs"), sig("TERM", false), arm("stopwait", 10_000)],
  },
  {
    name: "STARTING → STOPPING when stopped with stopasgroup (stopsignal INT to the group, stopwait 3000 ms)",
    from: STARTING_UP, event: STOP, ctx: { stopsignal: "INT", stopasgroup: true, stopwaitsecs: 3 },
    to: snap({ state: "STOPPING", pid: PID, startedAt: T0 }),
    effects: [cancel("startsecs"), sig("INT", true), arm("stopwait", 3000)],
  },
  {
    name: "RUNNING → STOPPING when stopped (stopsignal to the pid, arms stopwait)",
    from: RUNNING_UP, event: STOP,
    to: { ...RUNNING_UP, state: "STOPPING" },
    effects: [sig("TERM", false), arm("stopwait", 10_000)],
  },
  {
    name: "RUNNING → STOPPING when stopped with stopasgroup and stopsignal QUIT (group, stopwait 1000 ms)",
    from: RUNNING_UP, event: STOP, ctx: { stopsignal: "QUIT", stopasgroup: true, killasgroup: true, stopwaitsecs: 1 },
    to: { ...RUNNING_UP, state: "STOPPING" },
    effects: [sig("QUIT", true), arm("stopwait", 1000)],
  },
  {
    name: "RUNNING → STOPPING when stopped with killasgroup only (stopsignal still to the pid alone)",
    from: RUNNING_UP, event: STOP, ctx: { stopasgroup: false, killasgroup: true },
    to: { ...RUNNING_UP, state: "STOPPING" },
    effects: [sig("TERM", false), arm("stopwait", 10_000)],
  },
  {
    name: "BACKOFF → STOPPED when stopped (cancels the backoff timer, nothing to signal)",
    from: BACKOFF_2, event: STOP,
    to: snap({ state: "STOPPED", backoff: 2, spawnerr: "", exitstatus: 1, expected: false, startedAt: T0, stoppedAt: T0 + 300 }),
    effects: [cancel("backoff")],
  },

  // -- RUNNING: exits and autorestart ----------------------------------------------------------
  {
    name: "RUNNING → EXITED (expected, no restart) when it exits 0 with autorestart unexpected",
    from: RUNNING_UP, event: exited(0, null, AT), ctx: { autorestart: "unexpected" },
    to: snap({ state: "EXITED", pid: 0, spawnerr: "", exitstatus: 0, exitSignal: null, expected: true, startedAt: T0, stoppedAt: AT }),
    effects: [],
  },
  {
    name: "RUNNING → EXITED + auto-restart when it exits 2 with autorestart unexpected",
    from: RUNNING_UP, event: exited(2, null, AT), ctx: { autorestart: "unexpected" },
    to: snap({ state: "EXITED", pid: 0, spawnerr: "Bad exit code 2", exitstatus: 2, exitSignal: null, expected: false, startedAt: T0, stoppedAt: AT }),
    effects: [ENQUEUE_RESTART],
  },
  {
    name: "RUNNING → EXITED (expected, no restart) when it exits 2 with autorestart unexpected and exitcodes [0, 2]",
    from: RUNNING_UP, event: exited(2, null, AT), ctx: { autorestart: "unexpected", exitcodes: [0, 2] },
    to: snap({ state: "EXITED", pid: 0, spawnerr: "", exitstatus: 2, exitSignal: null, expected: true, startedAt: T0, stoppedAt: AT }),
    effects: [],
  },
  {
    name: "RUNNING → EXITED + auto-restart when it exits 0 with autorestart unexpected and exitcodes [2]",
    from: RUNNING_UP, event: exited(0, null, AT), ctx: { autorestart: "unexpected", exitcodes: [2] },
    to: snap({ state: "EXITED", pid: 0, spawnerr: "Bad exit code 0", exitstatus: 0, exitSignal: null, expected: false, startedAt: T0, stoppedAt: AT }),
    effects: [ENQUEUE_RESTART],
  },
  {
    name: "RUNNING → EXITED + auto-restart when it exits 0 with autorestart true",
    from: RUNNING_UP, event: exited(0, null, AT), ctx: { autorestart: true },
    to: snap({ state: "EXITED", pid: 0, spawnerr: "", exitstatus: 0, exitSignal: null, expected: true, startedAt: T0, stoppedAt: AT }),
    effects: [ENQUEUE_RESTART],
  },
  {
    name: "RUNNING → EXITED + auto-restart when it exits 3 with autorestart true",
    from: RUNNING_UP, event: exited(3, null, AT), ctx: { autorestart: true },
    to: snap({ state: "EXITED", pid: 0, spawnerr: "Bad exit code 3", exitstatus: 3, exitSignal: null, expected: false, startedAt: T0, stoppedAt: AT }),
    effects: [ENQUEUE_RESTART],
  },
  {
    name: "RUNNING → EXITED (no restart) when it exits 0 with autorestart false",
    from: RUNNING_UP, event: exited(0, null, AT), ctx: { autorestart: false },
    to: snap({ state: "EXITED", pid: 0, spawnerr: "", exitstatus: 0, exitSignal: null, expected: true, startedAt: T0, stoppedAt: AT }),
    effects: [],
  },
  {
    name: "RUNNING → EXITED (no restart) when it exits 3 with autorestart false",
    from: RUNNING_UP, event: exited(3, null, AT), ctx: { autorestart: false },
    to: snap({ state: "EXITED", pid: 0, spawnerr: "Bad exit code 3", exitstatus: 3, exitSignal: null, expected: false, startedAt: T0, stoppedAt: AT }),
    effects: [],
  },
  {
    name: "RUNNING → EXITED + auto-restart when killed by SIGKILL (exitstatus -1, unexpected)",
    from: RUNNING_UP, event: exited(null, "KILL", AT), ctx: { autorestart: "unexpected" },
    to: snap({ state: "EXITED", pid: 0, spawnerr: "Bad exit code -1", exitstatus: -1, exitSignal: "KILL", expected: false, startedAt: T0, stoppedAt: AT }),
    effects: [ENQUEUE_RESTART],
  },
  {
    name: "RUNNING → EXITED (no restart) when killed by SIGTERM with autorestart false",
    from: RUNNING_UP, event: exited(null, "TERM", AT), ctx: { autorestart: false },
    to: snap({ state: "EXITED", pid: 0, spawnerr: "Bad exit code -1", exitstatus: -1, exitSignal: "TERM", expected: false, startedAt: T0, stoppedAt: AT }),
    effects: [],
  },
  {
    name: "RUNNING → EXITED (no restart) when it exits 1 with autorestart true while shutting down",
    from: RUNNING_UP, event: exited(1, null, AT), ctx: { autorestart: true, shuttingDown: true },
    to: snap({ state: "EXITED", pid: 0, spawnerr: "Bad exit code 1", exitstatus: 1, exitSignal: null, expected: false, startedAt: T0, stoppedAt: AT }),
    effects: [],
  },
  {
    name: "RUNNING → EXITED (no restart) when killed by a signal with autorestart unexpected while shutting down",
    from: RUNNING_UP, event: exited(null, "KILL", AT), ctx: { autorestart: "unexpected", shuttingDown: true },
    to: snap({ state: "EXITED", pid: 0, spawnerr: "Bad exit code -1", exitstatus: -1, exitSignal: "KILL", expected: false, startedAt: T0, stoppedAt: AT }),
    effects: [],
  },

  // -- STOPPING ------------------------------------------------------------------------------------
  {
    name: "STOPPING → STOPPED when it dies of the stop signal (cancels stopwait)",
    from: STOPPING_UP, event: exited(null, "TERM", AT),
    to: snap({ state: "STOPPED", pid: 0, exitstatus: -1, exitSignal: "TERM", expected: false, startedAt: T0, stoppedAt: AT }),
    effects: [cancel("stopwait")],
  },
  {
    name: "STOPPING → STOPPED when it exits 0 on the stop signal (expected, cancels stopwait)",
    from: STOPPING_UP, event: exited(0, null, AT),
    to: snap({ state: "STOPPED", pid: 0, exitstatus: 0, exitSignal: null, expected: true, startedAt: T0, stoppedAt: AT }),
    effects: [cancel("stopwait")],
  },
  {
    name: "STOPPING → STOPPED (no restart) when it exits with an unexpected code and autorestart true",
    from: STOPPING_UP, event: exited(143, null, AT), ctx: { autorestart: true },
    to: snap({ state: "STOPPED", pid: 0, exitstatus: 143, exitSignal: null, expected: false, startedAt: T0, stoppedAt: AT }),
    effects: [cancel("stopwait")],
  },
  {
    name: "STOPPING → STOPPING when stopwaitsecs pass (SIGKILL to the pid, re-armed every stopwaitsecs)",
    from: STOPPING_UP, event: STOP_TIMEOUT, ctx: { killasgroup: false },
    to: STOPPING_UP,
    effects: [sig("KILL", false), arm("stopwait", 10_000)],
  },
  {
    name: "STOPPING → STOPPING when stopwaitsecs pass with killasgroup (SIGKILL to the group)",
    from: STOPPING_UP, event: STOP_TIMEOUT, ctx: { stopasgroup: true, killasgroup: true },
    to: STOPPING_UP,
    effects: [sig("KILL", true), arm("stopwait", 10_000)],
  },
  {
    name: "STOPPING → STOPPING when stopwaitsecs pass with stopasgroup but not killasgroup (SIGKILL to the pid)",
    from: STOPPING_UP, event: STOP_TIMEOUT, ctx: { stopasgroup: true, killasgroup: false },
    to: STOPPING_UP,
    effects: [sig("KILL", false), arm("stopwait", 10_000)],
  },
];

/** Apply one event that must be legal; returns the step. */
function drive(s: ProcessSnapshot, e: ProcessEvent, c: TransitionContext): Step {
  const out = transition(s, e, c);
  if (!out.ok) throw new Error(`expected a legal transition, got: ${out.reason}`);
  return { next: out.next, effects: out.effects };
}

describe("transition table", () => {
  test.each(ROWS.map((r) => [r.name, r] as const))("%s", (_name, row) => {
    const out = transition(row.from, row.event, ctx(row.ctx));
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.next).toEqual(row.to);
    expect(out.effects).toEqual(row.effects);
  });

  test("a transition never mutates the snapshot it is given", () => {
    for (const row of ROWS) {
      const before = structuredClone(row.from);
      transition(row.from, row.event, ctx(row.ctx));
      expect(row.from).toEqual(before);
    }
  });

  test("INITIAL_SNAPSHOT is STOPPED, never started, and frozen", () => {
    expect(INITIAL_SNAPSHOT).toEqual({
      state: "STOPPED", pid: 0, backoff: 0, spawnerr: "", exitstatus: 0,
      exitSignal: null, expected: null, startedAt: 0, stoppedAt: 0,
    });
    expect(Object.isFrozen(INITIAL_SNAPSHOT)).toBe(true);
  });

  test("stopwait and startsecs timers scale with the seconds settings", () => {
    for (const secs of [0, 1, 7, 30]) {
      expect(drive(RUNNING_UP, STOP, ctx({ stopwaitsecs: secs })).effects).toContainEqual(arm("stopwait", secs * 1000));
      if (secs > 0) expect(drive(STARTING_FRESH, spawned(), ctx({ startsecs: secs })).effects).toEqual([arm("startsecs", secs * 1000)]);
    }
  });
});

// ---- 2. whole walks -------------------------------------------------------------------------

describe("crash loops", () => {
  // A command that always fails: odd attempts fail to spawn, even ones spawn and die before
  // startsecs, so both failure paths count toward the same budget.
  const CASES = [
    { startretries: 0, states: ["STARTING", "FATAL"], backoffMs: [] },
    { startretries: 1, states: ["STARTING", "BACKOFF", "STARTING", "FATAL"], backoffMs: [1000] },
    {
      startretries: 3,
      states: ["STARTING", "BACKOFF", "STARTING", "BACKOFF", "STARTING", "BACKOFF", "STARTING", "FATAL"],
      backoffMs: [1000, 2000, 3000],
    },
  ] as const;

  test.each(CASES.map((c) => [c.startretries, c] as const))(
    "startretries %d: STARTING → … → FATAL after startretries + 1 failed attempts",
    (_n, { startretries, states, backoffMs }) => {
      const c = ctx({ startretries, startsecs: 1 });
      let s: ProcessSnapshot = INITIAL_SNAPSHOT;
      const seen: ProcessState[] = [];
      const armedBackoff: number[] = [];
      let spawns = 0;
      let attempt = 0;
      const apply = (e: ProcessEvent): Step => {
        const st = drive(s, e, c);
        s = st.next;
        spawns += st.effects.filter((x) => x.kind === "spawn").length;
        for (const x of st.effects) if (x.kind === "arm-timer" && x.timer === "backoff") armedBackoff.push(x.ms);
        if (seen.at(-1) !== s.state) seen.push(s.state);
        return st;
      };
      // Read through a function: TypeScript cannot see that apply() moves `s`.
      const state = (): ProcessState => s.state;

      apply(START);
      while (state() === "STARTING") {
        attempt++;
        if (attempt % 2 === 1) {
          apply(spawnFailed(NO_CMD, T0 + attempt));
        } else {
          expect(apply(spawned(1000 + attempt, T0 + attempt)).effects).toEqual([arm("startsecs", 1000)]);
          apply(exited(1, null, T0 + attempt + 10));
        }
        if (state() === "BACKOFF") {
          expect(s.backoff).toBe(attempt);
          expect(s.pid).toBe(0);
          expect(apply(BACKOFF_ELAPSED).effects).toEqual([SPAWN]);
        }
        if (attempt > 10) throw new Error("crash loop never reached FATAL");
      }

      expect(seen).toEqual([...states]);
      expect(armedBackoff).toEqual([...backoffMs]);
      expect(spawns).toBe(startretries + 1);
      expect(attempt).toBe(startretries + 1);
      expect(s.state).toBe("FATAL");
      expect(s.backoff).toBe(0);
      expect(s.pid).toBe(0);
      expect(s.spawnerr).toBe(startretries % 2 === 0 ? NO_CMD : TOO_QUICKLY);
      // FATAL is left only by hand.
      for (const kind of ["auto-restart", "backoff-elapsed", "startsecs-elapsed", "stop"] as const) {
        expect(transition(s, { kind }, c).ok).toBe(false);
      }
    },
  );

  test("a start after FATAL gets the whole retry budget again", () => {
    const c = ctx({ startretries: 1 });
    let s = drive(INITIAL_SNAPSHOT, START, c).next;
    s = drive(s, spawnFailed(), c).next;
    s = drive(s, BACKOFF_ELAPSED, c).next;
    s = drive(s, spawnFailed(), c).next;
    expect(s.state).toBe("FATAL");
    s = drive(s, START, c).next;
    expect(s).toMatchObject({ state: "STARTING", backoff: 0, spawnerr: "" });
    const st = drive(s, spawnFailed(), c);
    expect(st.next).toMatchObject({ state: "BACKOFF", backoff: 1 });
    expect(st.effects).toEqual([cancel("startsecs"), arm("backoff", 1000)]);
  });

  test("reaching RUNNING resets the budget: a later crash loop starts again at 1 s", () => {
    const c = ctx({ startretries: 2, autorestart: true });
    let s = drive(INITIAL_SNAPSHOT, START, c).next;
    s = drive(s, spawned(1), c).next;
    s = drive(s, exited(1), c).next; // too quickly #1
    s = drive(s, BACKOFF_ELAPSED, c).next;
    s = drive(s, spawned(2), c).next;
    s = drive(s, exited(1), c).next; // too quickly #2
    expect(s).toMatchObject({ state: "BACKOFF", backoff: 2 });
    s = drive(s, BACKOFF_ELAPSED, c).next;
    s = drive(s, spawned(3), c).next;
    s = drive(s, STARTSECS_ELAPSED, c).next;
    expect(s).toMatchObject({ state: "RUNNING", pid: 3, backoff: 0 });
    const exit = drive(s, exited(1), c);
    expect(exit.effects).toEqual([ENQUEUE_RESTART]);
    s = drive(exit.next, AUTO_RESTART, c).next;
    expect(s).toMatchObject({ state: "STARTING", backoff: 0 });
    s = drive(s, spawned(4), c).next;
    const quick = drive(s, exited(1), c);
    expect(quick.next).toMatchObject({ state: "BACKOFF", backoff: 1 });
    expect(quick.effects).toEqual([cancel("startsecs"), arm("backoff", 1000)]);
  });

  test("startsecs 0 with autorestart true: a crash loop restarts forever without backoff (as supervisord)", () => {
    const c = ctx({ startsecs: 0, startretries: 0, autorestart: true });
    let s = drive(INITIAL_SNAPSHOT, START, c).next;
    for (let i = 1; i <= 20; i++) {
      s = drive(s, spawned(i), c).next;
      expect(s).toMatchObject({ state: "RUNNING", pid: i, backoff: 0 });
      const exit = drive(s, exited(1), c);
      expect(exit.next.state).toBe("EXITED");
      expect(exit.effects).toEqual([ENQUEUE_RESTART]);
      const again = drive(exit.next, AUTO_RESTART, c);
      expect(again.effects).toEqual([SPAWN]);
      s = again.next;
    }
  });

  test("stop during STARTING, SIGKILL after stopwaitsecs, then reaped: STOPPED and startable again", () => {
    const c = ctx({ stopasgroup: true, killasgroup: true, stopwaitsecs: 2 });
    let s = drive(INITIAL_SNAPSHOT, START, c).next;
    s = drive(s, spawned(9), c).next;
    const stop = drive(s, STOP, c);
    expect(stop.effects).toEqual([cancel("startsecs"), sig("TERM", true), arm("stopwait", 2000)]);
    const kill = drive(stop.next, STOP_TIMEOUT, c);
    expect(kill.next).toEqual(stop.next);
    expect(kill.effects).toEqual([sig("KILL", true), arm("stopwait", 2000)]);
    s = drive(kill.next, exited(null, "KILL", AT), c).next;
    expect(s).toMatchObject({ state: "STOPPED", pid: 0, exitstatus: -1, exitSignal: "KILL", stoppedAt: AT });
    expect(drive(s, START, c).effects).toEqual([SPAWN]);
  });
});

// ---- 3. totality ----------------------------------------------------------------------------

/**
 * Every (state, event kind) the machine accepts. Anything else must be rejected. A new cell
 * in TABLE makes the totality test fail until it is listed here, and the coverage test fails
 * until it has a row in ROWS.
 */
const LEGAL: { readonly [S in ProcessState]: readonly EventKind[] } = {
  STOPPED: ["start"],
  STARTING: ["spawned", "spawn-failed", "exited", "startsecs-elapsed", "stop"],
  RUNNING: ["exited", "stop"],
  BACKOFF: ["backoff-elapsed", "stop"],
  STOPPING: ["exited", "stop-timeout"],
  EXITED: ["start", "auto-restart"],
  FATAL: ["start"],
  UNKNOWN: [],
};

const SAMPLE: { readonly [K in EventKind]: ProcessEvent } = {
  start: START,
  "auto-restart": AUTO_RESTART,
  stop: STOP,
  spawned: spawned(),
  "spawn-failed": spawnFailed(),
  exited: exited(0),
  "startsecs-elapsed": STARTSECS_ELAPSED,
  "backoff-elapsed": BACKOFF_ELAPSED,
  "stop-timeout": STOP_TIMEOUT,
};

const PAIRS = PROCESS_STATES.flatMap((state) => EVENT_KINDS.map((kind) => [state, kind] as const));

describe("totality: every state × every event kind", () => {
  test("the state and event vocabularies are the ones this file knows", () => {
    expect<string[]>([...PROCESS_STATES].sort()).toEqual(Object.keys(LEGAL).sort());
    expect<string[]>([...EVENT_KINDS].sort()).toEqual(Object.keys(SAMPLE).sort());
    expect(PAIRS).toHaveLength(8 * 9);
  });

  test.each(PAIRS)("%s on %s: legal, or rejected as illegal", (state, kind) => {
    const s = snap({ state, pid: state === "STARTING" || state === "RUNNING" || state === "STOPPING" ? PID : 0, startedAt: T0 });
    for (const shuttingDown of [false, true]) {
      const out = transition(s, SAMPLE[kind], ctx({ shuttingDown }));
      if (LEGAL[state].includes(kind)) {
        expect(out.ok).toBe(true);
      } else {
        expect(out).toEqual({ ok: false, reason: `illegal transition: ${state} on ${kind}` });
      }
    }
  });

  test("every legal (state, event) pair has at least one row in the transition table", () => {
    const missing = PAIRS.filter(
      ([state, kind]) => LEGAL[state].includes(kind) && !ROWS.some((r) => r.from.state === state && r.event.kind === kind),
    );
    expect(missing).toEqual([]);
  });

  test("every row's from-state and event are listed as legal", () => {
    const unlisted = ROWS.filter((r) => !LEGAL[r.from.state].includes(r.event.kind)).map((r) => r.name);
    expect(unlisted).toEqual([]);
  });
});

// ---- fixed divergences from supervisord (regression tests) ---------------------------------

describe("known divergences from supervisord", () => {
  // supervisord §8 "Daemon shutdown": "There is no more autostart, autorestart or backoff
  // spawning" (its transition() only re-spawns from BACKOFF when mood > RESTARTING, and
  // stop_all() moves BACKOFF to FATAL). tend's BACKOFF row ignores ctx.shuttingDown, and the
  // daemon stops groups one priority at a time, so a BACKOFF process in a group that is
  // stopped later gets a brand-new spawn in the middle of the shutdown.
  test("BACKOFF → FATAL, with no spawn, on backoff-elapsed while shutting down", () => {
    const out = transition(BACKOFF_2, BACKOFF_ELAPSED, ctx({ shuttingDown: true }));
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.effects).toEqual([]);
    expect(out.next.state).toBe("FATAL");
    expect(out.next.backoff).toBe(0);
  });
});

// ---- 4. properties over random sequences ---------------------------------------------------

/** mulberry32: small, fast, good enough for test sequences; same seed, same run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rnd: () => number, xs: readonly T[]): T => {
  const x = xs[Math.floor(rnd() * xs.length)];
  if (x === undefined) throw new Error("pick from an empty list");
  return x;
};

function randomCtx(rnd: () => number): TransitionContext {
  return {
    startsecs: pick(rnd, [0, 0, 1, 3]),
    startretries: pick(rnd, [0, 1, 2, 3, 5]),
    autorestart: pick(rnd, [true, false, "unexpected"] as const),
    exitcodes: pick(rnd, [[0], [0, 2], [1]]),
    stopsignal: pick(rnd, ["TERM", "INT", "QUIT"]),
    stopwaitsecs: pick(rnd, [0, 1, 10]),
    stopasgroup: rnd() < 0.5,
    killasgroup: rnd() < 0.5,
    shuttingDown: false,
  };
}

const PID_FREE: readonly ProcessState[] = ["STOPPED", "EXITED", "FATAL", "BACKOFF"];

/** What the checker knows independently of the machine. */
interface Model {
  /** Failed start attempts in a row since the last operator start or RUNNING. */
  failures: number;
  spawnEffects: number;
  fatalByRetries: number;
  fatalByShutdown: number;
  visited: Set<ProcessState>;
  rejected: number;
  accepted: number;
}

const newModel = (): Model => ({
  failures: 0, spawnEffects: 0, fatalByRetries: 0, fatalByShutdown: 0, visited: new Set(), rejected: 0, accepted: 0,
});

function addInto(total: Model, m: Model): void {
  total.spawnEffects += m.spawnEffects;
  total.fatalByRetries += m.fatalByRetries;
  total.fatalByShutdown += m.fatalByShutdown;
  total.rejected += m.rejected;
  total.accepted += m.accepted;
  for (const v of m.visited) total.visited.add(v);
}

/** Apply one event and check every invariant; returns the snapshot to continue from. */
function checkedStep(m: Model, s: ProcessSnapshot, e: ProcessEvent, c: TransitionContext, where: string): Step | null {
  const out = transition(s, e, c);
  if (!out.ok) {
    m.rejected++;
    expect(out.reason).toBe(`illegal transition: ${s.state} on ${e.kind}`);
    expect(LEGAL[s.state]).not.toContain(e.kind);
    return null;
  }
  m.accepted++;
  expect(LEGAL[s.state]).toContain(e.kind);
  const { next, effects } = out;
  const entering = (st: ProcessState) => next.state === st && s.state !== st;
  m.visited.add(next.state);

  // Model bookkeeping, before the checks that use it.
  if (e.kind === "start") m.failures = 0;
  if (s.state === "STARTING" && (next.state === "BACKOFF" || next.state === "FATAL")) m.failures++;
  if (next.state === "RUNNING") m.failures = 0;

  const fail = (what: string) => `${where}: ${what} (${s.state} on ${JSON.stringify(e)} → ${JSON.stringify(next)}, effects ${JSON.stringify(effects)})`;

  // pid is 0 whenever there is no process.
  if (PID_FREE.includes(next.state) && next.pid !== 0) throw new Error(fail("pid must be 0"));
  // backoff stays within [0, startretries].
  if (next.backoff < 0 || next.backoff > c.startretries) throw new Error(fail("backoff out of range"));
  // In BACKOFF, backoff counts the failed attempts in a row and the delay is backoff seconds.
  if (entering("BACKOFF")) {
    if (next.backoff !== m.failures) throw new Error(fail(`backoff ${next.backoff} != failures ${m.failures}`));
    if (!effects.some((x) => x.kind === "arm-timer" && x.timer === "backoff" && x.ms === next.backoff * 1000)) {
      throw new Error(fail("BACKOFF without its backoff timer"));
    }
  }
  // FATAL only after startretries + 1 failed attempts in a row (or a failure while shutting down).
  if (entering("FATAL")) {
    const fromFailedStart = s.state === "STARTING" && (e.kind === "spawn-failed" || e.kind === "exited");
    // While shutting down, a pending retry gives up instead of respawning (BACKOFF → FATAL).
    const retryAbandoned = s.state === "BACKOFF" && e.kind === "backoff-elapsed" && c.shuttingDown;
    if (!fromFailedStart && !retryAbandoned) throw new Error(fail("FATAL not from a failed start"));
    if (retryAbandoned) m.fatalByShutdown++;
    else if (m.failures === c.startretries + 1) m.fatalByRetries++;
    else if (c.shuttingDown) m.fatalByShutdown++;
    else throw new Error(fail(`FATAL after ${m.failures} failures with startretries ${c.startretries}`));
    if (next.backoff !== 0) throw new Error(fail("FATAL keeps a backoff"));
    m.failures = 0;
  }
  // A spawn effect exactly when entering STARTING, and only then.
  const spawns = effects.filter((x) => x.kind === "spawn").length;
  m.spawnEffects += spawns;
  if (spawns !== (entering("STARTING") ? 1 : 0)) throw new Error(fail(`${spawns} spawn effects`));
  // Restarts are only enqueued on entering EXITED, never while shutting down.
  const enqueues = effects.filter((x) => x.kind === "enqueue");
  if (enqueues.length > 0) {
    if (!entering("EXITED") || c.shuttingDown || enqueues.length !== 1) throw new Error(fail("unexpected enqueue"));
    expect<Effect | undefined>(enqueues[0]).toEqual(ENQUEUE_RESTART);
  }
  // The machine never touches the timestamps except from the event's own `at`.
  if (next.startedAt !== s.startedAt && !("at" in e && next.startedAt === e.at)) throw new Error(fail("startedAt from nowhere"));
  if (next.stoppedAt !== s.stoppedAt && !("at" in e && next.stoppedAt === e.at)) throw new Error(fail("stoppedAt from nowhere"));
  return { next, effects };
}

describe("properties over random event sequences", () => {
  // Arbitrary mode: any event kind with any payload, in any order (most are rejected; the
  // accepted ones still have to keep every invariant). Biased toward legal kinds to go deep.
  test("arbitrary events: invariants hold for 40 seeds × 250 steps", () => {
    const total = newModel();
    for (let seed = 1; seed <= 40; seed++) {
      const rnd = prng(seed);
      const c0 = randomCtx(rnd);
      const m = newModel();
      let s: ProcessSnapshot = INITIAL_SNAPSHOT;
      let now = T0;
      for (let i = 0; i < 250; i++) {
        now += Math.floor(rnd() * 5000);
        const kind = rnd() < 0.75 && LEGAL[s.state].length > 0 ? pick(rnd, LEGAL[s.state]) : pick(rnd, EVENT_KINDS);
        const e: ProcessEvent =
          kind === "spawned" ? { kind, pid: 1 + Math.floor(rnd() * 99_999), at: now }
          : kind === "spawn-failed" ? { kind, reason: pick(rnd, [NO_CMD, "command is empty"]), at: now }
          : kind === "exited" ? (rnd() < 0.3
            ? { kind, code: null, signal: pick(rnd, ["TERM", "KILL", "SEGV"]), at: now }
            : { kind, code: pick(rnd, [0, 1, 2, 127]), signal: null, at: now })
          : { kind };
        const c = { ...c0, shuttingDown: rnd() < 0.1 };
        const st = checkedStep(m, s, e, c, `seed ${seed} step ${i}`);
        if (st) s = st.next;
      }
      addInto(total, m);
    }
    // Not vacuous: the walk went everywhere, and gave up by exhausting retries at least once.
    expect([...total.visited].sort()).toEqual(["BACKOFF", "EXITED", "FATAL", "RUNNING", "STARTING", "STOPPED", "STOPPING"]);
    expect(total.fatalByRetries).toBeGreaterThan(0);
    expect(total.fatalByShutdown).toBeGreaterThan(0);
    expect(total.accepted).toBeGreaterThan(5000);
    expect(total.rejected).toBeGreaterThan(0);
  });

  // Realistic mode: events arrive as the daemon produces them. A spawn effect is answered at
  // once by spawned or spawn-failed, enqueue effects are fed back, timers fire only while
  // armed, a process exits only if one is alive, operators start and stop at random, and the
  // daemon may begin shutting down (after which nobody starts anything).
  test("daemon-like events: invariants, no lost process, no stray timer, for 40 seeds × 300 steps", () => {
    const total = newModel();
    for (let seed = 1001; seed <= 1040; seed++) {
      const rnd = prng(seed);
      let c = randomCtx(rnd);
      const shutdownAt = rnd() < 0.5 ? 200 + Math.floor(rnd() * 100) : -1;
      const m = newModel();
      let s: ProcessSnapshot = INITIAL_SNAPSHOT;
      let now = T0;
      let nextPid = 100;
      let alive = 0; // the live child's pid, 0 if none
      const armed = new Set<TimerName>();
      const queue: ProcessEvent[] = [];

      const feed = (e: ProcessEvent, where: string) => {
        const st = checkedStep(m, s, e, c, where);
        if (!st) return;
        s = st.next;
        if (e.kind === "spawned") alive = e.pid;
        if (e.kind === "exited") alive = 0;
        for (const x of st.effects) {
          if (x.kind === "arm-timer") armed.add(x.timer);
          else if (x.kind === "cancel-timer") armed.delete(x.timer);
          else if (x.kind === "enqueue") queue.push(x.event);
          else if (x.kind === "spawn") {
            if (alive !== 0) throw new Error(`${where}: spawn while pid ${alive} is alive`);
            queue.push(rnd() < 0.3 ? spawnFailed(NO_CMD, now) : spawned(nextPid++, now));
          } else if (x.kind === "signal") {
            if (alive === 0 || s.pid !== alive) throw new Error(`${where}: signal with no live process`);
          }
        }
        // The machine tracks the live process, and timers only run in their own state.
        if (s.pid !== alive) throw new Error(`${where}: snapshot pid ${s.pid} but live pid ${alive}`);
        if (armed.has("startsecs") && s.state !== "STARTING") throw new Error(`${where}: startsecs timer armed in ${s.state}`);
        if (armed.has("backoff") && s.state !== "BACKOFF") throw new Error(`${where}: backoff timer armed in ${s.state}`);
        if (armed.has("stopwait") && s.state !== "STOPPING") throw new Error(`${where}: stopwait timer armed in ${s.state}`);
      };

      for (let i = 0; i < 300; i++) {
        const where = `seed ${seed} step ${i}`;
        now += 1 + Math.floor(rnd() * 3000);
        if (i === shutdownAt) c = { ...c, shuttingDown: true };
        // Operators act now and then; exits and timers are what usually happens.
        const options: ProcessEvent[] = [STOP];
        if (!c.shuttingDown) options.push(START);
        if (alive) options.push(exited(pick(rnd, [0, 1, 2]), null, now), exited(0, null, now), exited(null, "KILL", now));
        if (armed.has("startsecs")) options.push(STARTSECS_ELAPSED, STARTSECS_ELAPSED, STARTSECS_ELAPSED);
        if (armed.has("backoff")) options.push(BACKOFF_ELAPSED, BACKOFF_ELAPSED, BACKOFF_ELAPSED);
        if (armed.has("stopwait")) options.push(STOP_TIMEOUT, STOP_TIMEOUT);
        const e = pick(rnd, options);
        if (e.kind === "startsecs-elapsed" || e.kind === "backoff-elapsed" || e.kind === "stop-timeout") {
          const timer: TimerName = e.kind === "startsecs-elapsed" ? "startsecs" : e.kind === "backoff-elapsed" ? "backoff" : "stopwait";
          armed.delete(timer);
          // A timer only fires while armed, and armed timers always match the state: legal.
          expect(LEGAL[s.state]).toContain(e.kind);
        }
        feed(e, where);
        for (let q = queue.shift(); q; q = queue.shift()) {
          const before = m.rejected;
          feed(q, `${where} (queued ${q.kind})`);
          // Spawn outcomes and enqueued restarts come back in the state that asked for them.
          expect(m.rejected).toBe(before);
        }
      }
      addInto(total, m);
    }
    expect([...total.visited].sort()).toEqual(["BACKOFF", "EXITED", "FATAL", "RUNNING", "STARTING", "STOPPED", "STOPPING"]);
    expect(total.fatalByRetries).toBeGreaterThan(0);
    expect(total.spawnEffects).toBeGreaterThan(2000);
    expect(total.accepted).toBeGreaterThan(8000);
  });
});
