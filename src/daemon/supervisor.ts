// Owns the process table. dispatch(name, event) → core transition → commit → run effects.
// Effects that finish later (the spawn outcome, an exit, a timer) come back as new events
// through the same queue, so events for all processes are applied one at a time, in order.

import type { ProgramConfig } from "../config/types.ts";
import type { Effect, ProcessEvent, TimerName } from "../core/events.ts";
import { INITIAL_SNAPSHOT, transition, type ProcessSnapshot, type TransitionContext } from "../core/transitions.ts";
import type { Bus } from "./bus.ts";
import type { Clock } from "./clock.ts";
import type { DaemonLog } from "./daemon-log.ts";
import { SpawnError, type ChildHandle, type ExitInfo, type SpawnContext } from "./process-port.ts";
import { ProgramOutput } from "./program-output.ts";
import { SpawnSlicer } from "./spawn-slicer.ts";

/** At most this much spawning per loop turn, so requests are answered during a big start. */
const SPAWN_BUDGET_MS = 8;

/** The process port the supervisor drives; the real one is process-port.ts. */
export interface ProcessPort {
  spawn(cfg: ProgramConfig, ctx: SpawnContext): ChildHandle;
  signal(pid: number, signal: string, group: boolean): string | null;
  /** Is any member of process group `pgid` still alive? */
  groupAlive(pgid: number): boolean;
}

export class ProcessRecord {
  snapshot: ProcessSnapshot = INITIAL_SNAPSHOT;
  child: ChildHandle | null = null;
  readonly timers = new Map<TimerName, unknown>();
  /** Spawns after the first: the restart count shown in status and metrics. */
  spawns = 0;
  /** What kind of error the last spawn failure was (NO_FILE, NOT_EXECUTABLE, FAILED). */
  lastSpawnErrorKind: SpawnError["kind"] | null = null;
  output: ProgramOutput;
  /** Its spawn waits for a later loop turn (SpawnSlicer); the state is STARTING, pid 0. */
  spawnQueued = false;
  /** Set when a reload removed this program: it goes once it is stopped. */
  removed = false;
  /**
   * Set (synchronously, when a reload decides to replace or remove the program, or when the
   * record leaves the table) for good: the record may still stop, but never spawn again, so
   * no operation that held it across an await can start a process no record owns.
   */
  retired = false;

  constructor(
    public config: ProgramConfig,
    output: ProgramOutput,
  ) {
    this.output = output;
  }

  get name(): string {
    return this.config.name;
  }
}

const TIMER_EVENT: Record<TimerName, ProcessEvent> = {
  startsecs: { kind: "startsecs-elapsed" },
  backoff: { kind: "backoff-elapsed" },
  stopwait: { kind: "stop-timeout" },
};

export interface SupervisorDeps {
  readonly port: ProcessPort;
  readonly clock: Clock;
  readonly bus: Bus;
  readonly log: DaemonLog;
  readonly spawnContext: SpawnContext;
  readonly makeOutput: (cfg: ProgramConfig) => ProgramOutput;
  /** How spawns share the loop; by default SPAWN_BUDGET_MS per turn, the rest in later turns. */
  readonly spawnSlicer?: SpawnSlicer;
}

export class Supervisor {
  readonly records = new Map<string, ProcessRecord>();
  shuttingDown = false;
  private readonly queue: Array<[ProcessRecord, ProcessEvent]> = [];
  private draining = false;
  private readonly slicer: SpawnSlicer;

  constructor(
    programs: readonly ProgramConfig[],
    private readonly deps: SupervisorDeps,
  ) {
    this.slicer = deps.spawnSlicer ?? new SpawnSlicer(SPAWN_BUDGET_MS, () => deps.clock.monotonic(), setImmediate);
    for (const cfg of programs) this.add(cfg);
  }

  port(): ProcessPort {
    return this.deps.port;
  }

  add(cfg: ProgramConfig): ProcessRecord {
    const held = this.records.get(cfg.name);
    // One live record per name: a second one would hide the first one's process from status.
    if (held && !held.retired) throw new Error(`${cfg.name} is already in the process table`);
    const rec = new ProcessRecord(cfg, this.deps.makeOutput(cfg));
    this.records.set(cfg.name, rec);
    return rec;
  }

  /** Forget a program (by name, or that very record); it must be in a stopped state. */
  remove(target: string | ProcessRecord): void {
    const rec = typeof target === "string" ? this.records.get(target) : target;
    if (!rec) return;
    rec.retired = true;
    this.cancelAllTimers(rec);
    rec.output.close();
    // A reload may already have put a new record under this name: leave that one be.
    if (this.records.get(rec.name) === rec) this.records.delete(rec.name);
  }

  /** Records in start order: priority ascending, then name. */
  ordered(): ProcessRecord[] {
    return [...this.records.values()].sort(
      (a, b) => a.config.priority - b.config.priority || a.name.localeCompare(b.name),
    );
  }

  /** A record that will be replaced or removed: it never spawns again (see `retired`). */
  retire(rec: ProcessRecord): void {
    rec.retired = true;
  }

  dispatch(name: string, event: ProcessEvent): void {
    const rec = this.records.get(name);
    if (rec) this.dispatchTo(rec, event);
  }

  /**
   * Events that come back from a process or a timer go to the record that caused them, not
   * to whatever record holds the name now (a reload may have replaced it meanwhile). Operator
   * commands use it too, for the record they resolved.
   */
  dispatchTo(rec: ProcessRecord, event: ProcessEvent): void {
    this.queue.push([rec, event]);
    this.drain();
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let item = this.queue.shift(); item; item = this.queue.shift()) this.apply(item[0], item[1]);
    } finally {
      this.draining = false;
    }
  }

  private apply(rec: ProcessRecord, event: ProcessEvent): void {
    const name = rec.name;
    const ctx: TransitionContext = { ...rec.config, shuttingDown: this.shuttingDown };
    const out = transition(rec.snapshot, event, ctx);
    if (!out.ok) {
      // Stale timers and duplicate requests land here; they change nothing.
      this.deps.log.debug(`${name}: ${out.reason}`);
      return;
    }
    // The one gate every spawn goes through: a retired record, or any record once the daemon
    // shuts down, would start a process nobody is going to stop.
    if ((rec.retired || this.shuttingDown) && out.effects.some((e) => e.kind === "spawn")) {
      this.deps.log.info(`${name}: not started (${rec.retired ? "a reload replaced or removed it" : "tend is shutting down"})`);
      return;
    }
    this.commit(rec, out.next);
    for (const effect of out.effects) this.run(rec, effect);
  }

  /** The one place a record's state changes: set, log, publish. */
  private commit(rec: ProcessRecord, next: ProcessSnapshot): void {
    const prev = rec.snapshot;
    rec.snapshot = next;
    if (prev.state === next.state) return;
    this.logChange(rec, prev, next);
    // A record that a reload replaced (or that left the table) is no longer what its name
    // shows: its late changes (an old process that exits after its replacement started) reach
    // only the waiters that hold that very record, never the event stream, metrics or the
    // critical-program watch, which would take them for the new record's.
    const holdsName = this.records.get(rec.name) === rec;
    this.deps.bus.publish(
      {
        name: rec.name,
        group: rec.config.group,
        from: prev.state,
        to: next.state,
        snapshot: next,
        at: this.deps.clock.now(),
      },
      holdsName,
    );
  }

  private logChange(rec: ProcessRecord, prev: ProcessSnapshot, next: ProcessSnapshot): void {
    const { log } = this.deps;
    const n = rec.name;
    switch (next.state) {
      case "STARTING":
        return log.debug(`${n}: starting`);
      case "RUNNING":
        return log.info(`success: ${n} entered RUNNING state (pid ${next.pid})`);
      case "BACKOFF":
        return log.warn(`${n}: start failed (${next.spawnerr}); retry ${next.backoff} in ${next.backoff}s`);
      case "FATAL":
        return log.error(`gave up: ${n} entered FATAL state, too many start retries too quickly (${next.spawnerr})`);
      case "EXITED":
        return log.info(`exited: ${n} (${exitText(next)}; ${next.expected ? "expected" : "not expected"})`);
      case "STOPPING":
        return log.info(`${n}: stopping (pid ${prev.pid})`);
      case "STOPPED":
        return log.info(prev.state === "STOPPING" ? `stopped: ${n} (${exitText(next)})` : `${n}: stopped`);
      default:
        return log.info(`${n}: ${prev.state} -> ${next.state}`);
    }
  }

  private run(rec: ProcessRecord, effect: Effect): void {
    switch (effect.kind) {
      case "spawn":
        return this.requestSpawn(rec);
      case "signal": {
        if (!rec.snapshot.pid) return;
        const err = this.deps.port.signal(rec.snapshot.pid, effect.signal, effect.group);
        if (err) this.deps.log.error(`${rec.name}: could not send SIG${effect.signal}: ${err}`);
        else if (effect.signal === "KILL") this.deps.log.warn(`killing '${rec.name}' (${rec.snapshot.pid}) with SIGKILL`);
        return;
      }
      case "arm-timer": {
        this.cancelTimer(rec, effect.timer);
        const handle = this.deps.clock.setTimer(effect.ms, () => {
          if (rec.timers.get(effect.timer) !== handle) return;
          rec.timers.delete(effect.timer);
          this.dispatchTo(rec, TIMER_EVENT[effect.timer]);
        });
        rec.timers.set(effect.timer, handle);
        return;
      }
      case "cancel-timer":
        return this.cancelTimer(rec, effect.timer);
      case "enqueue":
        this.queue.push([rec, effect.event]);
        return;
      default: {
        const never: never = effect;
        throw new Error(`unhandled effect ${JSON.stringify(never)}`);
      }
    }
  }

  /**
   * The spawn effect: now, or in a later turn when this turn's spawning budget is spent.
   * Until then the record is STARTING with pid 0; a stop meanwhile makes it STOPPED (the
   * transition table) and the spawn is dropped.
   */
  private requestSpawn(rec: ProcessRecord): void {
    if (rec.spawnQueued) return;
    rec.spawnQueued = true;
    this.slicer.run(() => {
      rec.spawnQueued = false;
      const s = rec.snapshot;
      if (s.state !== "STARTING" || s.pid !== 0 || rec.child) return;
      // The same gate as apply's, for a spawn asked for in an earlier turn.
      if (rec.retired || this.shuttingDown) {
        this.deps.log.info(`${rec.name}: not started (${rec.retired ? "a reload replaced or removed it" : "tend is shutting down"})`);
        this.queue.push([rec, { kind: "stop" }]);
      } else {
        this.spawn(rec);
      }
      // Run now from a later turn: apply what the spawn queued. (From apply: its drain does.)
      this.drain();
    });
  }

  private spawn(rec: ProcessRecord): void {
    const at = this.deps.clock.now();
    let child: ChildHandle;
    try {
      child = this.deps.port.spawn(rec.config, this.deps.spawnContext);
    } catch (e) {
      const reason = e instanceof SpawnError ? e.message : `unknown error during spawn: ${(e as Error).message}`;
      rec.lastSpawnErrorKind = e instanceof SpawnError ? e.kind : "FAILED";
      this.deps.log.warn(`spawnerr: ${rec.name}: ${reason}`);
      this.queue.push([rec, { kind: "spawn-failed", reason, at }]);
      return;
    }
    rec.lastSpawnErrorKind = null;
    if (rec.snapshot.startedAt !== 0) rec.spawns++;
    rec.child = child;
    const drained = rec.output.attach(child);
    this.deps.log.info(`spawned: '${rec.name}' with pid ${child.pid}`);
    this.queue.push([rec, { kind: "spawned", pid: child.pid, at }]);
    void child.exited.then((info) => this.onExit(rec, child, info, drained));
  }

  private async onExit(rec: ProcessRecord, child: ChildHandle, info: ExitInfo, drained: Promise<void>): Promise<void> {
    // Let the last bytes reach the log before the exit is reported, without letting a
    // grandchild that keeps the pipe open hold the exit back.
    await rec.output.settled(drained);
    if (rec.snapshot.state === "STOPPING" && rec.config.killasgroup) await this.reapGroupStragglers(rec, child.pid);
    if (rec.child === child) rec.child = null;
    this.dispatchTo(rec, { kind: "exited", code: info.code, signal: info.signal, at: this.deps.clock.now() });
    if (rec.removed && rec.child === null) this.remove(rec);
  }

  /**
   * The leader died while stopping but members of its group may live on (one ignoring
   * SIGTERM, say). STOPPING lasts until the whole group is gone: they get until the stop
   * deadline, then SIGKILL, so a stopped program never leaves processes behind.
   */
  private async reapGroupStragglers(rec: ProcessRecord, pgid: number): Promise<void> {
    const { port, clock } = this.deps;
    const deadline = clock.monotonic() + rec.config.stopwaitsecs * 1000;
    if (port.groupAlive(pgid)) this.deps.log.info(`${rec.name}: pid ${pgid} is gone, not yet the rest of its process group: SIGKILL in ${rec.config.stopwaitsecs} s if it stays`);
    while (port.groupAlive(pgid) && clock.monotonic() < deadline) await Bun.sleep(20);
    if (port.groupAlive(pgid)) {
      this.deps.log.warn(`killing what is left of '${rec.name}' (process group ${pgid}) with SIGKILL`);
      port.signal(pgid, "KILL", true);
    }
  }

  private cancelTimer(rec: ProcessRecord, timer: TimerName): void {
    const h = rec.timers.get(timer);
    if (h !== undefined) {
      this.deps.clock.clearTimer(h);
      rec.timers.delete(timer);
    }
  }

  private cancelAllTimers(rec: ProcessRecord): void {
    for (const t of [...rec.timers.keys()]) this.cancelTimer(rec, t);
  }
}

function exitText(s: ProcessSnapshot): string {
  return s.exitSignal ? `terminated by SIG${s.exitSignal}` : `exit status ${s.exitstatus}`;
}
