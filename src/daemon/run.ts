// `tend run -- CMD [ARG...]`: supervise one command with no config file, as a container
// entrypoint. Output passes through unchanged; any exit is a failure and is restarted up to
// the retry limit, then tend exits 1 so the orchestrator sees it; SIGTERM stops the command
// gracefully and exits 0. Exit codes: 0 clean stop, the command's own code with --no-restart,
// 1 retries exhausted, 126 not executable, 127 command not found.

import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { daemonDefaults } from "../config/defaults.ts";
import { parseEnvSwitch } from "../config/overrides.ts";
import type { Config, LogLevel, ProgramConfig } from "../config/types.ts";
import { parseSignal, signalNumber, type SignalName } from "../core/signals.ts";
import { TendError } from "../core/errors.ts";
import { App, RUN_MODE_FILE } from "./app.ts";
import { ConsoleOutput } from "./console-output.ts";
import { DaemonLog } from "./daemon-log.ts";
import { supervise } from "./daemon.ts";

export interface RunOptions {
  readonly command: readonly string[];
  readonly name: string;
  readonly retries: number;
  readonly restart: boolean;
  readonly startsecs: number;
  readonly stopsignal: string;
  readonly stopwaitsecs: number;
  /** Also write the output to <logDir>/<name>.out.log / .err.log. */
  readonly logDir: string | null;
  /** Serve the API here (so `tend status` works from `docker exec`). */
  readonly socket: string | null;
  readonly loglevel: LogLevel;
}

const NAME = /^[A-Za-z0-9_.-]+$/;

/** argv after `run` → options; the image-wide PROCESS_* and LOG_LEVEL variables are defaults. */
export function parseRunArgs(argv: readonly string[], env: Record<string, string | undefined>): RunOptions {
  const dash = argv.indexOf("--");
  const opts = dash === -1 ? argv : argv.slice(0, dash);
  const command = dash === -1 ? [] : argv.slice(dash + 1);
  const bad = (msg: string) => new TendError("BAD_REQUEST", `tend run: ${msg}`);
  const recovery = env.PROCESS_AUTO_RECOVERY === undefined ? true : parseEnvSwitch(env.PROCESS_AUTO_RECOVERY);
  if (recovery === undefined) throw bad(`PROCESS_AUTO_RECOVERY must be true or false (1/0, yes/no, on/off), got "${env.PROCESS_AUTO_RECOVERY}"`);
  // The daemon's config accepts "warning" for warn; so does tend run.
  const level = (v: string) => (v.toLowerCase() === "warning" ? "warn" : v.toLowerCase()) as LogLevel;
  const out = {
    command,
    name: "app",
    retries: env.PROCESS_MAX_START_RETRIES !== undefined ? Number(env.PROCESS_MAX_START_RETRIES) : 3,
    restart: recovery,
    startsecs: 1,
    stopsignal: "TERM",
    stopwaitsecs: 10,
    logDir: null as string | null,
    socket: env.TEND_SOCKET ?? null,
    loglevel: level(env.LOG_LEVEL ?? "warn"),
  };
  for (let i = 0; i < opts.length; i++) {
    const a = opts[i]!;
    const val = () => {
      const v = opts[++i];
      if (v === undefined) throw bad(`${a} needs a value`);
      return v;
    };
    const num = (min: number, max: number) => {
      const raw = val();
      const n = Number(raw);
      if (!Number.isFinite(n) || n < min || n > max) throw bad(`${a} must be a number from ${min} to ${max}, got "${raw}"`);
      return n;
    };
    switch (a) {
      case "--name": out.name = val(); break;
      case "--retries": out.retries = num(0, 1000); if (!Number.isInteger(out.retries)) throw bad("--retries must be an integer"); break;
      case "--no-restart": out.restart = false; break;
      case "--startsecs": out.startsecs = num(0, 86400); break;
      case "--stop-signal": out.stopsignal = val(); break;
      case "--stop-timeout": out.stopwaitsecs = num(0, 86400); break;
      case "--log-dir": out.logDir = resolve(val()); break;
      case "-s": case "--socket": out.socket = resolve(val()); break;
      case "--log-level": out.loglevel = level(val()); break;
      default: throw bad(`unknown option ${a} (options go before --, the command after it)`);
    }
  }
  if (command.length === 0) throw bad("no command: use tend run [options] -- CMD [ARG...]");
  if (!NAME.test(out.name)) throw bad(`--name must be letters, digits, _ . - only, got "${out.name}"`);
  if (!Number.isInteger(out.retries) || out.retries < 0) throw bad(`PROCESS_MAX_START_RETRIES must be a non-negative integer, got "${env.PROCESS_MAX_START_RETRIES}"`);
  if (!["debug", "info", "warn", "error"].includes(out.loglevel)) throw bad(`log level must be debug, info, warn or error, got "${out.loglevel}"`);
  const sig = parseSignal(out.stopsignal);
  if (!sig) throw bad(`unknown stop signal "${out.stopsignal}"`);
  out.stopsignal = sig;
  return out;
}

function configFor(o: RunOptions): Config {
  const program: ProgramConfig = {
    name: o.name, program: o.name, group: o.name, processNum: 0, command: o.command,
    directory: null, environment: {}, user: null, umask: null, priority: 999,
    autostart: true,
    // Restarts are counted and decided by the run controller below, across every kind of exit.
    autorestart: false, exitcodes: [0], startsecs: o.startsecs, startretries: o.restart ? o.retries : 0,
    stopsignal: o.stopsignal, stopwaitsecs: o.stopwaitsecs, stopasgroup: true, killasgroup: true,
    redirectStderr: false, critical: false, timestamps: false, rlimitNofile: null,
    stdoutLogfile: o.logDir ? join(o.logDir, `${o.name}.out.log`) : null,
    stdoutLogfileMaxbytes: 50 * 1024 * 1024, stdoutLogfileBackups: 10,
    stderrLogfile: o.logDir ? join(o.logDir, `${o.name}.err.log`) : null,
    stderrLogfileMaxbytes: 50 * 1024 * 1024, stderrLogfileBackups: 10,
  };
  const defaults = daemonDefaults(process.getuid?.() ?? 0, process.env, homedir());
  return {
    file: RUN_MODE_FILE,
    daemon: { socket: o.socket ?? defaults.socket, socketMode: 0o600, socketOwner: null, logDir: o.logDir ?? defaults.logDir, pidfile: null,
      logfile: join(o.logDir ?? defaults.logDir, "tend.log"), logfileMaxbytes: 50 * 1024 * 1024, logfileBackups: 10, loglevel: o.loglevel, consoleOutput: false, minfds: null },
    http: null,
    programs: [program],
    groups: { [o.name]: [o.name] },
    notes: [],
    sources: {},
  };
}

export async function runCommand(o: RunOptions): Promise<number> {
  const config = configFor(o);
  const log = new DaemonLog(o.loglevel, true);
  if (o.logDir) log.setFile(join(o.logDir, "tend.log"));
  return supervise(config, log, {
    serve: o.socket !== null,
    reload: false,
    started: (app) => {
      const rec = app.sup.records.get(o.name)!;
      rec.output.mirrorTo((stream) => ConsoleOutput.raw(stream));
      attachRunController(app, o);
      app.autostart();
    },
  });
}

/** Any exit is a failure: restart up to `retries` times, then leave with 1. */
function attachRunController(app: App, o: RunOptions): void {
  let restarts = 0;
  app.bus.subscribe((c) => {
    if (c.name !== o.name || app.sup.shuttingDown) return;
    const rec = app.sup.records.get(o.name)!;
    const s = c.snapshot;
    // A command that is not there will not appear by retrying: say so and leave at once,
    // with the shell's codes for it.
    const kind = rec.lastSpawnErrorKind;
    if ((c.to === "BACKOFF" || c.to === "FATAL") && (kind === "NO_FILE" || kind === "NOT_EXECUTABLE")) {
      app.logger.error(`${o.name}: ${s.spawnerr}`);
      void app.shutdown(kind === "NO_FILE" ? 127 : 126);
      return;
    }
    const how = s.exitSignal ? `was killed by SIG${s.exitSignal}` : `exited with status ${s.exitstatus}`;
    if (!o.restart && (c.to === "EXITED" || c.to === "FATAL")) {
      app.logger.info(`${o.name} ${how}`);
      const sig = s.exitSignal ? parseSignal(s.exitSignal) : null;
      void app.shutdown(sig ? 128 + signalNumber(sig as SignalName) : kind ? 1 : s.exitstatus);
      return;
    }
    if (c.to === "FATAL") {
      app.logger.error(`${o.name}: ${s.spawnerr}; gave up after ${o.retries + 1} attempts`);
      void app.shutdown(1);
      return;
    }
    if (c.to !== "EXITED") return;
    if (restarts >= o.retries) {
      app.logger.error(`${o.name} ${how}; gave up after ${restarts} restart${restarts === 1 ? "" : "s"}`);
      void app.shutdown(1);
      return;
    }
    restarts++;
    app.logger.warn(`${o.name} ${how}; restarting (${restarts}/${o.retries})`);
    queueMicrotask(() => app.sup.dispatch(o.name, { kind: "start" }));
  });
}
