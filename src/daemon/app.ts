// The running daemon: config + supervisor + control, and the API backend over them.
// Boot and teardown order live here: config → logs → socket → supervisor → autostart;
// shutdown is the reverse, with every program stopped in reverse priority first.

import { closeSync, lstatSync, openSync, rmSync, statSync, truncateSync } from "node:fs";
import type { ApiBackend } from "../api/routes.ts";
import type { DaemonDTO, ReloadPlanDTO, ServiceDTO, ShutdownDTO } from "../api/dto.ts";
import type { Config, ProgramConfig } from "../config/types.ts";
import { isDevice } from "../config/instances.ts";
import { loadAnyConfig } from "../import/load.ts";
import { TendError } from "../core/errors.ts";
import { byNamespec } from "../core/names.ts";
import { isRunningState, isStoppedState } from "../core/states.ts";
import { VERSION } from "../version.ts";
import { Bus, type StateChange } from "./bus.ts";
import { describe } from "../core/describe.ts";
import { wantsRestart } from "../core/transitions.ts";
import { realClock } from "./clock.ts";
import { Control, type ActionResult } from "./control.ts";
import type { DaemonLog } from "./daemon-log.ts";
import { groupAlive, signalProcess, spawnProgram } from "./process-port.ts";
import { ConsoleOutput } from "./console-output.ts";
import { Fanout } from "../logs/fanout.ts";
import { readLogBytes, type ByteRead, type ByteReadResult } from "../logs/byte-reads.ts";
import { notifyReady, notifyReloading, notifyStopping } from "./sd-notify.ts";
import { ProgramOutput } from "./program-output.ts";
import { descendants } from "./reaper.ts";
import { isLive, namePid } from "../sys/proc.ts";
import { planReload } from "./reload-plan.ts";
import type { RunningFile } from "./running-file.ts";
import { serviceView } from "./service-view.ts";
import { withPrograms } from "../xmlrpc/config-ops.ts";
import { operationRanks } from "../config/order.ts";
import { Supervisor, type ProcessRecord } from "./supervisor.ts";
import { autostartOnlyChanges, setAutostart, type AutostartResultDTO } from "../http/autostart.ts";
import { eventStream } from "../http/events.ts";
import { readProcSelf, renderMetrics } from "../http/metrics.ts";

/** How long reading a log back may wait for a writer thread (a disk that stopped answering). */
const TAIL_WAIT_MS = 10_000;

const backupsOf = (cfg: ProgramConfig, stream: "stdout" | "stderr") =>
  stream === "stdout" ? cfg.stdoutLogfileBackups : cfg.stderrLogfileBackups;

/** A read back (on a writer thread) within TAIL_WAIT_MS, else a FAILED naming the file. */
function withinTail<T>(tail: T | Promise<T>, path: string): Promise<T> {
  if (!(tail instanceof Promise)) return Promise.resolve(tail);
  let timer: Timer | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TendError("FAILED", `${path}: its disk has not answered for ${TAIL_WAIT_MS / 1000} s; the program's output waits in memory and on its pipe`)),
      TAIL_WAIT_MS,
    );
  });
  return Promise.race([tail, late]).finally(() => clearTimeout(timer));
}

/** What a log path is, for clearLogs: only a regular file of its own is ever unlinked. */
function fileKind(path: string): "file" | "link-to-file" | "other" {
  try {
    const l = lstatSync(path);
    if (l.isFile()) return "file";
    return l.isSymbolicLink() && statSync(path).isFile() ? "link-to-file" : "other";
  } catch {
    return "other"; // gone, or a dangling link: nothing to clear
  }
}

/** Config.file of `tend run`, which has no file. */
export const RUN_MODE_FILE = "(tend run)";

export class App implements ApiBackend {
  readonly bus = new Bus();
  readonly sup: Supervisor;
  readonly control: Control;
  readonly startedAt = Date.now();
  /** Prefixes line up on the longest program name. */
  private readonly console = new ConsoleOutput(() => Math.max(0, ...this.config.programs.map((p) => p.name.length)));
  /** Where every child is recorded for the next daemon, should this one be killed (`tend daemon` only). */
  running: RunningFile | null = null;
  private reloading: Promise<unknown> = Promise.resolve();
  /** Starts asked for (API, reload) wait for this: what a previous daemon left must be gone first. */
  private booting: Promise<unknown> = Promise.resolve();
  private shutdownPromise: Promise<void> | null = null;
  private shutdownResult: Promise<ShutdownDTO> | null = null;

  constructor(
    public config: Config,
    readonly logger: DaemonLog,
    private readonly onShutdownComplete: (exitCode: number) => Promise<void>,
  ) {
    this.sup = new Supervisor(config.programs, {
      port: {
        spawn: (cfg, ctx) => {
          const child = spawnProgram(cfg, ctx);
          this.running?.add(cfg, child);
          return child;
        },
        signal: signalProcess,
        groupAlive,
      },
      clock: realClock,
      bus: this.bus,
      log: logger,
      spawnContext: { baseEnv: process.env, serverUrl: `unix://${config.daemon.socket}` },
      makeOutput: (cfg) => this.makeOutput(cfg),
    });
    this.control = new Control(this.sup, this.bus, () => this.reloading, () => this.operationRanks());
    this.bus.subscribe((c) => this.watchCritical(c));
  }

  /**
   * A `critical` program that gives up (FATAL) or ends for good (EXITED with no restart to
   * come) takes the daemon down, in order, with a non-zero exit: the container stops instead
   * of limping on without it.
   */
  private watchCritical(c: StateChange): void {
    const rec = this.sup.records.get(c.name);
    if (!rec?.config.critical || this.sup.shuttingDown) return;
    const forGood = c.to === "FATAL" || (c.to === "EXITED" && !wantsRestart(rec.config.autorestart, c.snapshot.expected === true));
    if (!forGood) return;
    this.logger.error(`critical program ${c.name} is ${c.to} (${describe(c.snapshot, Date.now(), c.name) || "exited"}): stopping everything`);
    void this.shutdown(1);
  }

  private makeOutput(cfg: ProgramConfig): ProgramOutput {
    const out = new ProgramOutput(cfg, (stream, msg) => {
      if (msg) this.logger.error(`${cfg.name}: cannot write ${stream} log: ${msg} (output is dropped until it works again)`);
      else this.logger.info(`${cfg.name}: ${stream} log writable again`);
    }, (stream, reason, slow) => {
      const msg = `${cfg.name}: ${stream} log ${reason}`;
      if (slow) this.logger.warn(msg);
      else this.logger.debug(msg);
    });
    if (this.config.daemon.consoleOutput) out.mirrorTo((stream) => this.console.sink(cfg.name, stream));
    return out;
  }

  /** Hold start, restart and reload until `done` settles (src/daemon/leftovers.ts). */
  holdStartsUntil(done: Promise<unknown>): void {
    this.booting = done;
    this.reloading = this.reloading.then(() => done);
  }

  private ranks: { of: Config; ranks: ReadonlyMap<string, number> } | null = null;

  /** supervisord's order for group and `all` answers, for the config running now. */
  operationRanks(): ReadonlyMap<string, number> {
    if (this.ranks?.of !== this.config) this.ranks = { of: this.config, ranks: operationRanks(this.config) };
    return this.ranks.ranks;
  }

  /** Start every autostart program, in priority order (supervisord: spawned in order, not awaited). */
  autostart(): void {
    for (const rec of this.sup.ordered()) if (rec.config.autostart) this.sup.dispatch(rec.name, { kind: "start" });
  }

  // ---- API backend ------------------------------------------------------------------------

  services(): ServiceDTO[] {
    const now = Date.now();
    // supervisord's getAllProcessInfo order (group, then name), so listings match supervisorctl.
    return this.sup.ordered().map((r) => serviceView(r, now)).sort(byNamespec);
  }

  service(name: string): ServiceDTO {
    const recs = this.control.resolve(name);
    if (recs.length !== 1 || name === "all" || name.endsWith(":*") || name.endsWith(":")) {
      throw new TendError("BAD_NAME", `${name} is a group; ask for one of: ${recs.map((r) => r.name).join(", ")}`);
    }
    return serviceView(recs[0]!, Date.now());
  }

  start(name: string, wait: boolean): Promise<ActionResult[]> {
    return this.booting.then(() => this.control.start(name, wait));
  }

  stop(name: string, wait: boolean): Promise<ActionResult[]> {
    return this.control.stop(name, wait);
  }

  restart(name: string, wait: boolean): Promise<ActionResult[]> {
    return this.booting.then(() => this.control.restart(name, wait));
  }

  signal(name: string, sig: string): ActionResult[] {
    return this.control.signal(name, sig);
  }

  async readLog(name: string, stream: "stdout" | "stderr", lines: number): Promise<string> {
    const rec = this.service(name);
    const path = stream === "stdout" ? rec.stdout_logfile : rec.stderr_logfile;
    if (!path) {
      throw new TendError("NO_FILE", `${rec.name} has no ${stream} log file (${stream === "stderr" ? "redirect_stderr is on or " : ""}it is set to "none")`);
    }
    const r = this.sup.records.get(rec.name)!;
    const file = r.output.stream(stream).file;
    const text = file ? await withinTail(file.tail(lines, backupsOf(r.config, stream)), path) : null;
    if (text === null) throw new TendError("NO_FILE", `${rec.name}'s ${stream} goes to ${path}, which is not a file: nothing to read back`);
    return text;
  }

  followLog(name: string, stream: "stdout" | "stderr", lines: number): ReadableStream<Uint8Array> {
    const dto = this.service(name);
    const rec = this.sup.records.get(dto.name)!;
    const log = rec.output.stream(stream);
    // The tail is asked for and the follower subscribed in one synchronous step: no write can
    // fall between them (a writer thread reads the tail after every write sent before), so
    // nothing is lost or repeated at the seam.
    const tail = log.file && lines > 0 ? log.file.tail(lines, backupsOf(rec.config, stream)) : null;
    const bytes = (text: string | null) => new TextEncoder().encode(text ?? "");
    const initial = tail instanceof Promise ? withinTail(tail, log.file!.path).then(bytes) : bytes(tail);
    return log.followers.follow(initial);
  }

  daemon(): DaemonDTO {
    return {
      pid: process.pid,
      version: VERSION,
      config_file: this.config.file,
      socket: this.config.daemon.socket,
      log_dir: this.config.daemon.logDir,
      started_at: new Date(this.startedAt).toISOString(),
      state: this.sup.shuttingDown ? "SHUTDOWN" : "RUNNING",
      programs: this.sup.records.size,
    };
  }

  // ---- supervisord compatibility (the XML-RPC adapter, src/xmlrpc/) --------------------------

  /** The config file again, as the daemon reads it (a supervisord .conf is converted). */
  readConfigFile(): Config {
    return loadAnyConfig(this.config.file);
  }

  /** supervisord's removelogs: delete a process's current log files and reopen them empty. */
  clearLogs(name: string): void {
    const rec = this.sup.records.get(name);
    if (!rec) throw new TendError("BAD_NAME", `no such process: ${name}`);
    for (const log of new Set([rec.output.stdout, rec.output.stderr])) {
      const path = log.file?.path;
      if (!path) continue;
      const kind = fileKind(path);
      if (kind === "file") {
        rmSync(path, { force: true });
        log.reopen();
        closeSync(openSync(path, "a", 0o644));
      } else if (kind === "link-to-file") truncateSync(path);
      // A device, FIFO or a link to one (/dev/stdout): nothing to clear, and never unlinked.
    }
  }

  /**
   * tend.log, for readMainLog, clearLog and /mainlogtail; null when `logfile` is a device
   * (/dev/stdout, /dev/null): there is nothing to read back, and clearLog must never unlink it.
   */
  mainLogPath(): string | null {
    const path = this.config.daemon.logfile;
    return isDevice(path) ? null : path;
  }

  /**
   * supervisord's offset read of a process's log (`stream`), or of tend.log (name null), done
   * where the file is written: on its writer thread when it has one (LogFile.read), so a disk
   * that stopped answering holds up this answer (FAILED after TAIL_WAIT_MS), never the daemon.
   * Null: the process's stream has no log file.
   */
  async readLogBytes(name: string | null, stream: "stdout" | "stderr", op: ByteRead): Promise<ByteReadResult | null> {
    if (name === null) {
      const path = this.config.daemon.logfile;
      return withinTail(this.logger.read(op) ?? readLogBytes(path, op), path);
    }
    const rec = this.sup.records.get(name);
    if (!rec) throw new TendError("BAD_NAME", `no such process: ${name}`);
    const file = rec.output.stream(stream).file;
    return file ? withinTail(file.read(op), file.path) : null;
  }

  clearMainLog(): void {
    const path = this.mainLogPath()!;
    rmSync(path, { force: true });
    this.logger.reopen();
    closeSync(openSync(path, "a", 0o644));
  }

  /** supervisord's addProcessGroup: run these programs too (autostart ones start now). */
  addPrograms(programs: readonly ProgramConfig[]): void {
    this.assertNoReloadApplying();
    const taken = programs.filter((cfg) => this.sup.records.has(cfg.name)).map((cfg) => cfg.name);
    if (taken.length) throw new TendError("FAILED", `already in the process table: ${taken.join(", ")}`);
    const fresh = programs.map((cfg) => this.sup.add(cfg));
    this.config = withPrograms(this.config, [...this.config.programs, ...programs]);
    for (const rec of this.sup.ordered()) if (fresh.includes(rec) && rec.config.autostart) this.sup.dispatch(rec.name, { kind: "start" });
  }

  /** supervisord's removeProcessGroup: forget stopped programs. */
  removePrograms(names: readonly string[]): void {
    this.assertNoReloadApplying();
    const gone = new Set(names.filter((n) => { const r = this.sup.records.get(n); return r !== undefined && isStoppedState(r.snapshot.state); }));
    for (const n of gone) this.sup.remove(n);
    this.config = withPrograms(this.config, this.config.programs.filter((p) => !gone.has(p.name)));
  }

  // ---- reload ------------------------------------------------------------------------------

  /** True from the moment a reload retires records until it has put their replacements in. */
  private applyingReload = false;

  /**
   * addProcessGroup/removeProcessGroup change the table by name; between a reload's decision
   * and its end they would change it under the reload's plan. Refused, as supervisord refuses
   * what it cannot do now; a retry after the reload works.
   */
  private assertNoReloadApplying(): void {
    if (this.applyingReload) throw new TendError("FAILED", "a reload is being applied; try again when it is done");
  }

  /** Re-read the config file and apply the per-program diff. One reload at a time. */
  reload(dryRun: boolean): Promise<ReloadPlanDTO> {
    const run = this.reloading.then(() => (dryRun ? this.reloadNow(true) : this.reloadNotifying()));
    this.reloading = run.catch(() => {});
    return run;
  }

  /** An applied reload, told to systemd (RELOADING=1 … READY=1) whatever its outcome. */
  private async reloadNotifying(): Promise<ReloadPlanDTO> {
    const told = !this.sup.shuttingDown && notifyReloading();
    try {
      return await this.reloadNow(false);
    } finally {
      if (told) {
        const all = [...this.sup.records.values()];
        notifyReady(`${all.filter((r) => isRunningState(r.snapshot.state)).length} of ${all.length} programs running`);
      }
    }
  }

  private async reloadNow(dryRun: boolean): Promise<ReloadPlanDTO> {
    if (this.sup.shuttingDown) throw new TendError("SHUTTING_DOWN", "tend is shutting down");
    if (this.config.file === RUN_MODE_FILE) throw new TendError("FAILED", "tend run has no config file to reload");
    // A bad config throws INVALID_CONFIG here, before anything is touched.
    const next = loadAnyConfig(this.config.file);
    const planned = planReload(this.config, next);
    // A change of autostart alone restarts nothing: those records take the new config in place.
    const retuned = autostartOnlyChanges(this.config, next, planned.changed);
    const plan = { ...planned, changed: planned.changed.filter((n) => !retuned.includes(n)), unchanged: [...planned.unchanged, ...retuned] };
    const dto: ReloadPlanDTO = {
      added: [...plan.added],
      changed: [...plan.changed],
      removed: [...plan.removed],
      unchanged: [...plan.unchanged],
      daemon_changed: [...plan.daemonChanged],
      applied: !dryRun,
    };
    if (dryRun) return dto;
    this.logger.info(
      `reload: added [${plan.added.join(", ")}], changed [${plan.changed.join(", ")}], removed [${plan.removed.join(", ")}]`,
    );
    if (plan.daemonChanged.length) this.logger.warn(`reload: ${plan.daemonChanged.join(", ")} changed; restart tend to apply`);
    this.logger.setLevel(next.daemon.loglevel);
    const byName = new Map(next.programs.map((p) => [p.name, p]));
    for (const name of retuned) this.sup.records.get(name)!.config = byName.get(name)!;

    const going = [...plan.removed, ...plan.changed].map((n) => this.sup.records.get(n)!);
    // Decided: from here on nothing can start the old records again (a restart waiting on one
    // carries on with its replacement), before the first await lets anyone else run.
    for (const rec of going) this.sup.retire(rec);
    this.applyingReload = true;
    try {
      await this.control.stopOrdered(going.filter((r) => !isStoppedState(r.snapshot.state)));
    } finally {
      this.applyingReload = false;
    }
    // Followers of a changed program (tail -f, the dashboard) carry on with its new config
    // instead of ending and missing what it writes next.
    const carried = new Map<string, { stdout: Fanout; stderr: Fanout }>();
    for (const rec of going) {
      if (!byName.has(rec.name)) continue;
      const out = rec.output;
      const hold = { stdout: new Fanout(), stderr: new Fanout() };
      out.stdout.followers.moveTo(hold.stdout);
      if (out.stderr !== out.stdout) out.stderr.followers.moveTo(hold.stderr);
      carried.set(rec.name, hold);
    }
    for (const rec of going) {
      // A program whose stop never completed (stuck in STOPPING) is removed once it exits.
      if (isStoppedState(rec.snapshot.state)) this.sup.remove(rec);
      else rec.removed = true;
    }
    // [daemon] and [http] take effect when tend restarts: keep describing what runs.
    this.config = { ...next, daemon: this.config.daemon, http: this.config.http };
    const fresh: ProcessRecord[] = [];
    for (const name of [...plan.changed, ...plan.added]) fresh.push(this.sup.add(byName.get(name)!));
    for (const rec of fresh) {
      const hold = carried.get(rec.name);
      if (!hold) continue;
      hold.stdout.moveTo(rec.output.stdout.followers);
      hold.stderr.moveTo(rec.output.stderr.followers);
    }
    for (const rec of this.sup.ordered()) {
      if (fresh.includes(rec) && rec.config.autostart) this.sup.dispatchTo(rec, { kind: "start" });
    }
    for (const fn of [...this.reloadListeners]) fn();
    return dto;
  }

  // ---- the HTTP extras (src/http/): event stream, metrics, autostart setting ---------------

  private readonly reloadListeners = new Set<() => void>();

  /** fn runs after every applied reload (the event stream then sends a fresh snapshot). */
  onReload(fn: () => void): () => void {
    this.reloadListeners.add(fn);
    return () => this.reloadListeners.delete(fn);
  }

  events(): ReadableStream<Uint8Array> {
    return eventStream(this);
  }

  metrics(): string {
    return renderMetrics(this.services(), this.daemon(), readProcSelf());
  }

  setAutostart(name: string, enabled: boolean): Promise<AutostartResultDTO> {
    return setAutostart(this, name, enabled);
  }

  // ---- shutdown ----------------------------------------------------------------------------

  /**
   * Stop everything in reverse priority order, sweep what escaped, check that nothing is
   * left, then leave with `exitCode` (1 if something is). Idempotent. Resolves, before the
   * daemon exits, with what the check found. Nothing thrown on the way (a descriptor
   * shortage, a bug) skips the killing: the programs never outlive the daemon for that.
   */
  shutdown(exitCode = 0): Promise<ShutdownDTO> {
    if (this.shutdownResult) return this.shutdownResult;
    this.sup.shuttingDown = true;
    notifyStopping();
    this.logger.info("shutting down: stopping all programs");
    let report: (r: ShutdownDTO) => void = () => {};
    this.shutdownResult = new Promise<ShutdownDTO>((r) => (report = r));
    this.shutdownPromise = (async () => {
      try {
        // BACKOFF and STARTING count as running: stopping them cancels pending retries.
        const recs = this.sup.ordered().filter((r) => !isStoppedState(r.snapshot.state));
        await this.control.stopOrdered(recs);
      } catch (e) {
        this.logger.error(`stopping programs failed (${(e as Error).message}): killing them all with SIGKILL`);
        this.forceKill();
      }
      const left = await this.killLeftovers();
      const survivors = left.map(namePid);
      if (survivors.length) this.logger.error(`shutdown left ${survivors.length} process(es) running: ${survivors.join(", ")}`);
      else this.logger.info("all programs stopped; exiting");
      report({
        ok: survivors.length === 0,
        message: survivors.length ? `left running: ${survivors.join(", ")}` : "every process stopped",
        survivors,
      });
      await this.onShutdownComplete(survivors.length && exitCode === 0 ? 1 : exitCode);
    })();
    return this.shutdownResult;
  }

  /** A second SIGTERM/SIGINT while stopping: SIGKILL every process group right away. */
  forceKill(): void {
    this.logger.warn("forced shutdown: killing every program with SIGKILL");
    for (const rec of this.sup.records.values()) if (rec.snapshot.pid) signalProcess(rec.snapshot.pid, "KILL", true);
  }

  /**
   * Processes that escaped their program's group (setsid, double fork) or outlived an exited
   * program are our descendants (we are their subreaper): TERM them, then KILL.
   */
  private async killLeftovers(): Promise<number[]> {
    let left = this.descendantsOrRecords();
    if (left.length === 0) return left;
    this.logger.warn(`stopping ${left.length} leftover process(es): ${left.join(", ")}`);
    for (const pid of left) signalProcess(pid, "TERM", false);
    const deadline = realClock.monotonic() + 2000;
    while ((left = this.descendantsOrRecords()).length > 0 && realClock.monotonic() < deadline) await Bun.sleep(20);
    for (const pid of left) signalProcess(pid, "KILL", false);
    // SIGKILL cannot be ignored, but a process in uninterruptible sleep (a hung disk, NFS)
    // takes it only when the kernel lets go: what is still there after this is named.
    const killed = realClock.monotonic() + 2000;
    while ((left = this.descendantsOrRecords()).length > 0 && realClock.monotonic() < killed) await Bun.sleep(20);
    return left;
  }

  /**
   * Our live descendants; if /proc cannot be read (no descriptor left to read it with), the
   * programs' own pids, so the sweep still signals them and what is alive is still named.
   */
  private descendantsOrRecords(): number[] {
    try {
      return descendants();
    } catch (e) {
      this.logger.error(`cannot list leftover processes (${(e as Error).message}): checking the programs' own pids only`);
      const pids = [...this.sup.records.values()].map((r) => r.snapshot.pid).filter((p): p is number => !!p);
      return pids.filter((p) => isLive(p));
    }
  }
}
