// Operator commands on the process table: resolve names (instance, group:instance, GROUP:*,
// all), act, and wait for the outcome as supervisorctl does (start returns once RUNNING or
// failed, stop once gone). One result per process, never a half-answer.

import { TendError, type ErrorCode } from "../core/errors.ts";
import { parseSignal } from "../core/signals.ts";
import { isRunningState, isSignallable, isStoppedState, type ProcessState } from "../core/states.ts";
import type { ProcessSnapshot } from "../core/transitions.ts";
import { byNamespec, isMany, namespec, selects } from "../core/names.ts";
import type { Bus } from "./bus.ts";
import type { ProcessRecord, Supervisor } from "./supervisor.ts";

export interface ActionResult {
  readonly name: string;
  readonly group: string;
  readonly ok: boolean;
  /** Error code when !ok (supervisord's fault name), or null. */
  readonly code: ErrorCode | null;
  /** "started", "stopped", "signalled", or the error text ("spawn error", "not running"). */
  readonly message: string;
  readonly state: ProcessState;
}

export class Control {
  constructor(
    private readonly sup: Supervisor,
    private readonly bus: Bus,
  ) {}

  /** Expand a name to records. Throws BAD_NAME listing the names that exist. */
  resolve(spec: string): ProcessRecord[] {
    const all = this.sup.ordered();
    const hit = all.filter((r) => selects(spec, r.config));
    if (hit.length === 0 && spec !== "all") throw this.badName(spec, isMany(spec));
    return hit;
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

  /** Resolve when the record's state satisfies `done` (checked now, then on every change). */
  waitFor(rec: ProcessRecord, done: (s: ProcessSnapshot) => boolean): Promise<ProcessSnapshot> {
    if (done(rec.snapshot)) return Promise.resolve(rec.snapshot);
    return new Promise((resolve) => {
      const off = this.bus.subscribe((c) => {
        if (c.name === rec.name && done(c.snapshot)) {
          off();
          resolve(c.snapshot);
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

  private async startOne(rec: ProcessRecord, wait: boolean): Promise<ActionResult> {
    if (isRunningState(rec.snapshot.state)) return result(rec, "ALREADY_STARTED", "already started");
    if (rec.snapshot.state === "STOPPING") await this.waitFor(rec, (s) => isStoppedState(s.state));
    this.sup.dispatch(rec.name, { kind: "start" });
    if (!wait) return result(rec, null, "starting");
    const s = await this.waitFor(rec, (x) => x.state !== "STARTING");
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
    if (!wait) return Promise.all(recs.map((r) => this.stopOne(r, false)));
    return this.stopOrdered(recs);
  }

  /** Stop in reverse priority order, one priority at a time (each level in parallel). */
  async stopOrdered(recs: ProcessRecord[]): Promise<ActionResult[]> {
    const byPriority = new Map<number, ProcessRecord[]>();
    for (const r of recs) byPriority.set(r.config.priority, [...(byPriority.get(r.config.priority) ?? []), r]);
    const results: ActionResult[] = [];
    for (const p of [...byPriority.keys()].sort((a, b) => b - a)) {
      results.push(...(await Promise.all(byPriority.get(p)!.map((r) => this.stopOne(r, true)))));
    }
    return results;
  }

  private async stopOne(rec: ProcessRecord, wait: boolean): Promise<ActionResult> {
    const st = rec.snapshot.state;
    if (st !== "STOPPING" && !isRunningState(st)) return result(rec, "NOT_RUNNING", "not running");
    if (st !== "STOPPING") this.sup.dispatch(rec.name, { kind: "stop" });
    if (!wait) return result(rec, null, "stopping");
    await this.waitFor(rec, (s) => isStoppedState(s.state));
    return result(rec, null, "stopped");
  }

  async restart(spec: string): Promise<ActionResult[]> {
    this.assertAccepting();
    const recs = this.resolve(spec);
    await this.stopOrdered(recs.filter((r) => r.snapshot.state === "STOPPING" || isRunningState(r.snapshot.state)));
    return Promise.all(recs.map((r) => this.startOne(r, true))).then((rs) =>
      rs.map((r) => (r.ok ? { ...r, message: "restarted" } : r)),
    );
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
