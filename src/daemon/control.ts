// Operator commands on the process table: resolve names (instance, group:instance, GROUP:*,
// all), act, and wait for the outcome as supervisorctl does (start returns once RUNNING or
// failed, stop once gone). One result per process, never a half-answer.
//
// A reload may replace or remove a program while a command waits on it. The reload retires
// the old record first (it can never spawn again); a command that meets a retired record
// waits for the reload and carries on with the record that holds the name afterwards.

import { TendError, type ErrorCode } from "../core/errors.ts";
import { parseSignal } from "../core/signals.ts";
import { isRunningState, isSignallable, isStoppedState, type ProcessState } from "../core/states.ts";
import type { ProcessSnapshot } from "../core/transitions.ts";
import { byNamespec, isMany, namespec, selects } from "../core/names.ts";
import type { Bus } from "./bus.ts";
import type { ProcessRecord, Supervisor } from "./supervisor.ts";
import { leftInGroup } from "./survivors.ts";
import { inOperationOrder } from "../config/order.ts";

export interface ActionResult {
  readonly name: string;
  readonly group: string;
  readonly ok: boolean;
  /** Error code when !ok (supervisord's fault name), or null. */
  readonly code: ErrorCode | null;
  /** "started", "stopped", "signalled", or the error text ("spawn error", "not running"). */
  readonly message: string;
  readonly state: ProcessState;
  /** restart only: it was running and was stopped first (supervisorctl prints both steps). */
  readonly stopped?: boolean;
}

export class Control {
  constructor(
    private readonly sup: Supervisor,
    private readonly bus: Bus,
    /** Resolves once every reload asked for so far is done. */
    private readonly reloads: () => Promise<unknown> = () => Promise.resolve(),
    /** Instance name → place in the order group and `all` answers list (config/order.ts). */
    private readonly ranks: () => ReadonlyMap<string, number> = () => new Map(),
  ) {}

  /**
   * The record that holds `rec`'s name now: `rec` itself unless a reload retired it; then,
   * once the reload is done, its replacement, or null when the reload removed the program.
   */
  private async current(rec: ProcessRecord): Promise<ProcessRecord | null> {
    while (rec.retired) {
      await this.reloads();
      const now = this.sup.records.get(rec.name);
      if (!now || now === rec) return null;
      rec = now;
    }
    return rec;
  }

  /** Expand a name to records, in supervisord's order. Throws BAD_NAME listing the names that exist. */
  resolve(spec: string): ProcessRecord[] {
    const all = this.sup.ordered();
    const hit = all.filter((r) => selects(spec, r.config));
    if (hit.length === 0 && spec !== "all") throw this.badName(spec, isMany(spec));
    return inOperationOrder(this.ranks(), hit);
  }

  private badName(spec: string, group: boolean): TendError {
    const recs = this.sup.ordered().map((r) => r.config).sort(byNamespec);
    const names = recs.map(namespec);
    const groups = [...new Set(recs.map((r) => r.group))];
    const known = group ? groups.map((g) => `${g}:*`) : names;
    return new TendError(
      "BAD_NAME",
      `no such ${group ? "group" : "process"}: ${spec} (known: ${known.length ? known.join(", ") : "none"})`,
      { names, groups },
    );
  }

  private assertAccepting(): void {
    if (this.sup.shuttingDown) throw new TendError("SHUTTING_DOWN", "tend is shutting down");
  }

  /**
   * Resolve when the record's state satisfies `done` (checked now, then on every change).
   * The record's own snapshot is what counts: a replacement under the same name publishes
   * changes too.
   */
  waitFor(rec: ProcessRecord, done: (s: ProcessSnapshot) => boolean): Promise<ProcessSnapshot> {
    if (done(rec.snapshot)) return Promise.resolve(rec.snapshot);
    return new Promise((resolve) => {
      // Keyed by name: a change reaches its own waiters only (stop all holds one per process).
      const off = this.bus.subscribeTo(rec.name, () => {
        if (done(rec.snapshot)) {
          off();
          resolve(rec.snapshot);
        }
      });
    });
  }

  async start(spec: string, wait = true): Promise<ActionResult[]> {
    this.assertAccepting();
    let recs = this.resolve(spec);
    // For a group or all, supervisord reports only the processes it had to start.
    if (isMany(spec)) recs = recs.filter((r) => !isRunningState(r.snapshot.state));
    return Promise.all(recs.map((r) => this.startOne(r, wait)));
  }

  private async startOne(held: ProcessRecord, wait: boolean): Promise<ActionResult> {
    let rec: ProcessRecord | null = held;
    let s: ProcessSnapshot;
    for (;;) {
      rec = await this.current(rec);
      if (!rec) return result(held, "BAD_NAME", "removed meanwhile (by a reload or removeProcessGroup)");
      if (rec.snapshot.state === "STOPPING") {
        await this.waitFor(rec, (x) => isStoppedState(x.state));
        continue;
      }
      if (this.sup.shuttingDown) return result(rec, "SHUTTING_DOWN", "tend is shutting down");
      if (!isRunningState(rec.snapshot.state)) this.sup.dispatchTo(rec, { kind: "start" });
      // A replacement the reload has started already is the answer: it runs what was asked.
      else if (rec === held) return result(rec, "ALREADY_STARTED", "already started");
      if (!wait) return result(rec, null, "starting");
      s = await this.waitFor(rec, (x) => x.state !== "STARTING");
      if (!rec.retired) break;
      // A reload replaced it while it started: report on the replacement.
    }
    if (s.state === "RUNNING") return result(rec, null, "started");
    if (s.spawnerr) {
      const kind = rec.lastSpawnErrorKind;
      if (kind === "NO_FILE") return result(rec, "NO_FILE", `no such file (${s.spawnerr})`);
      if (kind === "NOT_EXECUTABLE") return result(rec, "NOT_EXECUTABLE", `file is not executable (${s.spawnerr})`);
      return result(rec, "SPAWN_ERROR", `spawn error (${s.spawnerr})`);
    }
    return result(rec, "ABNORMAL_TERMINATION", "abnormal termination");
  }

  async stop(spec: string, wait = true): Promise<ActionResult[]> {
    let recs = this.resolve(spec);
    // For a group or all, only the processes that were running (supervisord's listing).
    if (isMany(spec)) recs = recs.filter((r) => r.snapshot.state === "STOPPING" || isRunningState(r.snapshot.state));
    if (!wait) return Promise.all(recs.map((r) => this.stopCurrent(r, false)));
    // Stopped by priority level; answered in the order asked (supervisord's, as resolve's).
    return inOperationOrder(this.ranks(), await this.stopOrdered(recs, true));
  }

  /**
   * Stop in reverse priority order, one priority at a time (each level in parallel). With
   * `follow`, a record a reload retires is followed to its replacement (an operator's stop
   * must not be undone by the reload starting the new one); the reload itself and shutdown
   * stop exactly the records they name.
   */
  async stopOrdered(recs: ProcessRecord[], follow = false): Promise<ActionResult[]> {
    const byPriority = new Map<number, ProcessRecord[]>();
    for (const r of recs) {
      const level = byPriority.get(r.config.priority);
      if (level) level.push(r);
      else byPriority.set(r.config.priority, [r]);
    }
    const results: ActionResult[] = [];
    for (const p of [...byPriority.keys()].sort((a, b) => b - a)) {
      const stop = (r: ProcessRecord) => (follow ? this.stopCurrent(r, true) : this.stopOne(r, true));
      results.push(...(await Promise.all(byPriority.get(p)!.map(stop))));
    }
    return results;
  }

  /** Stop what holds `held`'s name once any reload replacing it is done. */
  private async stopCurrent(held: ProcessRecord, wait: boolean): Promise<ActionResult> {
    const rec = await this.current(held);
    // The reload removed it: it stopped it on the way out.
    if (!rec) return result(held, null, "stopped");
    const r = await this.stopOne(rec, wait);
    return rec.retired ? this.stopCurrent(rec, wait) : r;
  }

  private async stopOne(rec: ProcessRecord, wait: boolean): Promise<ActionResult> {
    const st = rec.snapshot.state;
    if (st !== "STOPPING" && !isRunningState(st)) return result(rec, "NOT_RUNNING", "not running");
    const pid = rec.snapshot.pid;
    if (st !== "STOPPING") this.sup.dispatchTo(rec, { kind: "stop" });
    if (!wait) return result(rec, null, "stopping");
    await this.waitFor(rec, (s) => isStoppedState(s.state));
    // "stopped" only when its process group is empty too; otherwise name what is left.
    const left = pid ? await leftInGroup(pid) : [];
    if (left.length) return result(rec, "STILL_RUNNING", `stopped, but its process group still runs: ${left.join(", ")}`);
    return result(rec, null, "stopped");
  }

  async restart(spec: string, wait = true): Promise<ActionResult[]> {
    this.assertAccepting();
    const recs = this.resolve(spec);
    const running = recs.filter((r) => r.snapshot.state === "STOPPING" || isRunningState(r.snapshot.state));
    if (!wait) return this.restartNoWait(recs, running);
    await this.stopOrdered(running);
    const wasStopped = new Set(running.map((r) => r.name));
    return Promise.all(recs.map((r) => this.startOne(r, true))).then((rs) =>
      rs.map((r) => ({ ...(r.ok ? { ...r, message: "restarted" } : r), stopped: wasStopped.has(r.name) })),
    );
  }

  /**
   * restart with wait=false, as start and stop with wait=false: every stop is asked for now
   * and the answer goes at once ("restarting", or "starting" for what was not running); the
   * starts follow once every stop is done, as in a waited restart. What becomes of them is
   * seen in the state, the events and the log, as after `start?wait=false`.
   */
  private async restartNoWait(recs: ProcessRecord[], running: ProcessRecord[]): Promise<ActionResult[]> {
    const asked = await Promise.all(running.map((r) => this.stopCurrent(r, false)));
    const startAll = () => Promise.all(recs.map((r) => this.startOne(r, false)));
    // startOne and stopCurrent settle with a result, not an error; anything unforeseen reaches
    // the daemon's unhandledRejection log (daemon.ts), as nobody waits for this.
    void this.stopOrdered(running, true).then(startAll);
    const stopping = new Set(asked.filter((r) => r.ok).map((r) => r.name));
    return recs.map((r) => result(r, null, stopping.has(r.name) ? "restarting" : "starting"));
  }

  signal(spec: string, sig: string): ActionResult[] {
    const name = parseSignal(sig);
    if (!name) throw new TendError("BAD_SIGNAL", `unknown signal: ${sig}`);
    let recs = this.resolve(spec);
    // For a group or all, supervisord signals only the members that can be signalled.
    if (isMany(spec)) recs = recs.filter((r) => isSignallable(r.snapshot.state) && r.snapshot.pid);
    return recs.map((rec) => {
      if (!isSignallable(rec.snapshot.state) || !rec.snapshot.pid) return result(rec, "NOT_RUNNING", "not running");
      const err = this.sup.port().signal(rec.snapshot.pid, name, false);
      return err ? result(rec, "FAILED", err) : result(rec, null, "signalled");
    });
  }
}

function result(rec: ProcessRecord, code: ErrorCode | null, message: string): ActionResult {
  return { name: rec.name, group: rec.config.group, ok: code === null, code, message, state: rec.snapshot.state };
}
