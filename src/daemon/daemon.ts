// `tend daemon`: load the config, take the socket, start supervising, and handle the
// daemon's own signals (TERM/INT stop everything in order and exit; HUP reloads; USR2
// reopens logs). Handlers are always installed: as PID 1, Bun ignores TERM without one.
// `tend run` (run.ts) shares all of this through `supervise`.

import { handle } from "../api/routes.ts";
import { openHttp } from "../http/listen.ts";
import { drainWriters } from "../logs/writer-threads.ts";
import { serveNode, type NodeListener } from "../http/node-adapter.ts";
import { MAX_BODY_BYTES, type HttpListener } from "../http/server.ts";
import { formatIssues, loadConfig } from "../config/load.ts";
import type { Config, ConfigIssue } from "../config/types.ts";
import { isTendError } from "../core/errors.ts";
import { App } from "./app.ts";
import { AfterBurst } from "./after-burst.ts";
import { admitAtLimit, raiseFdLimit, reserveFor } from "./fd-reserve.ts";
import { holdLowFds } from "./low-fds.ts";
import { DaemonLog, logsToStderr } from "./daemon-log.ts";
import { installReaper, reapOrphans } from "./reaper.ts";
import { takeOverRunningFile } from "./leftovers.ts";
import { runningFilePath } from "./running-file.ts";
import { listenUnix, removeFile, writePidfile } from "./runtime-files.ts";
import { claimNotifySocket, notifyReady } from "./sd-notify.ts";
import { isRunningState } from "../core/states.ts";

/**
 * systemd Type=notify: READY=1 once every program that is starting has had its outcome
 * (RUNNING, or a failure), so `systemctl start tend` returns with the programs up.
 */
async function readyWhenStarted(app: App): Promise<void> {
  const starting = [...app.sup.records.values()].filter((r) => r.snapshot.state === "STARTING");
  await Promise.all(starting.map((r) => app.control.waitFor(r, (s) => s.state !== "STARTING")));
  if (app.sup.shuttingDown) return;
  const up = [...app.sup.records.values()].filter((r) => isRunningState(r.snapshot.state)).length;
  notifyReady(`${up} of ${app.sup.records.size} programs running`);
}

export interface DaemonOptions {
  readonly configFile: string;
  /** -s/--socket or $TEND_SOCKET: overrides [daemon] socket. */
  readonly socket?: string;
}

/** How long the exit waits for log files on writer threads to be written. */
const DRAIN_MS = 5000;

/** Runs until shutdown; resolves with the process exit code. */
export async function runDaemon(opts: DaemonOptions): Promise<number> {
  let config = loadConfig(opts.configFile);
  if (opts.socket) config = { ...config, daemon: { ...config.daemon, socket: opts.socket } };
  const log = new DaemonLog(config.daemon.loglevel, logsToStderr());
  log.setFile(config.daemon.logfile, { maxBytes: config.daemon.logfileMaxbytes, backups: config.daemon.logfileBackups });
  return supervise(config, log, { serve: true, reload: true, runningFile: true, started: (app) => app.autostart() });
}

export interface SuperviseOptions {
  /** Listen on config.daemon.socket (tend run only does when asked for a socket). */
  readonly serve: boolean;
  /** SIGHUP re-reads the config file. */
  readonly reload: boolean;
  /**
   * Record every child in the running file, and first stop what a previous daemon left there
   * (leftovers.ts). `tend run` does not: it has no config of its own to name the file after,
   * and as a container's PID 1 its programs end with it.
   */
  readonly runningFile?: boolean;
  /** Called once the API is up: start programs, attach controllers. */
  readonly started: (app: App) => void;
}

/** The daemon's life: serve, start, handle signals, and resolve with the exit code. */
export async function supervise(config: Config, log: DaemonLog, opts: SuperviseOptions): Promise<number> {
  // Before anything is spawned: programs must not inherit systemd's notify socket.
  claimNotifySocket();
  // A closed console (the terminal went away, a pipe reader exited) must never take the
  // daemon down: its log file still has everything.
  process.stdout.on("error", () => {});
  process.stderr.on("error", () => {});
  // A supervisor must be the last thing to fail: an error nothing caught (a descriptor
  // shortage in some corner) is logged, and the daemon carries on supervising.
  process.on("uncaughtException", (e) => log.error(`internal error (tend carries on): ${e?.stack ?? e}`));
  process.on("unhandledRejection", (e) => log.error(`internal error (tend carries on): ${(e as Error)?.stack ?? e}`));
  const fds = raiseFdLimit(config.daemon.minfds);
  if (fds.after.hard !== fds.before.hard) log.info(`open files: hard limit raised from ${fds.before.hard} to ${fds.after.hard} (minfds)`);
  if (fds.after.soft !== fds.before.soft) log.info(`open files: soft limit raised from ${fds.before.soft} to ${fds.after.soft}`);
  log.debug(`open files: limit ${fds.after.soft}, ${reserveFor(fds.after.soft)} kept free of program starts`);
  // Before anything else is opened: the daemon's own descriptors land above 1024 (low-fds.ts).
  const held = holdLowFds(fds.after.soft);
  if (held > 0) log.debug(`open files: ${held} numbers below 1024 held for setting programs' limits at spawn`);
  let server: NodeListener | null = null;
  let http: HttpListener | null = null;
  let resolveExit: (code: number) => void = () => {};
  const exited = new Promise<number>((r) => (resolveExit = r));
  // Boot, reloads, requests and state changes leave garbage and mapped pages of the
  // executable behind: once they are over, collect and give the pages back.
  const afterBurst = new AfterBurst(({ heapBytes, pagedOutKb }) =>
    log.debug(`quiet: heap ${(heapBytes / 1048576).toFixed(1)} MB after a full collection${pagedOutKb === null ? "" : `, ${(pagedOutKb / 1024).toFixed(1)} MB of the executable unmapped`}`),
  );
  const onRequest = () => afterBurst.touch();
  const app = new App(config, log, async (code) => {
    afterBurst.stop();
    // Let in-flight answers (the shutdown request's own 202) go out; then cut streams.
    if (server || http) await Promise.race([Promise.all([server?.stop(false), http?.stop(false)]), Bun.sleep(500)]);
    void server?.stop(true);
    void http?.stop(true);
    if (server) removeFile(app.config.daemon.socket);
    removeFile(app.config.daemon.pidfile);
    app.running?.close();
    // Log files on writer threads (a slow disk, /dev/stdout, a FIFO) get what they were
    // given before the process ends; a target that stopped accepting writes is named.
    const behind = await drainWriters(DRAIN_MS);
    if (behind.length) log.warn(`exiting before these logs accepted all output: ${behind.join(", ")}`);
    await Promise.race([log.close(), Bun.sleep(DRAIN_MS)]);
    resolveExit(code);
  });

  // Until what a previous daemon left is stopped, starts asked for through the API wait.
  let tookOver = () => {};
  if (opts.runningFile) app.holdStartsUntil(new Promise<void>((r) => (tookOver = r)));

  if (opts.serve) {
    server = await listenUnix(config.daemon.socket, config.daemon.socketMode, config.daemon.socketOwner, () =>
      // node:http, not Bun.serve: supervisorctl's tail -f (src/http/node-adapter.ts says why).
      // No idle or body deadline on the socket: streams (log follow) may be quiet for hours.
      serveNode(
        { unix: config.daemon.socket },
        { fetch: (req) => handle(app, req), maxBodyBytes: MAX_BODY_BYTES, bodyTimeoutSecs: 0, idleTimeoutSecs: 0, admit: admitAtLimit, onRequest },
      ),
    );
  }
  try {
    // [http]: the same API on TCP, behind Basic auth (src/http/).
    http = await openHttp(app, config, log, { onRequest });
  } catch (e) {
    void server?.stop(true);
    if (server) removeFile(config.daemon.socket);
    throw e;
  }
  writePidfile(config.daemon.pidfile);
  installReaper();

  let signals = 0;
  const stop = (sig: string) => {
    signals++;
    if (signals === 1) {
      log.info(`received SIG${sig}: shutting down`);
      void app.shutdown(0);
    } else {
      app.forceKill();
    }
  };
  process.on("SIGTERM", () => stop("TERM"));
  process.on("SIGINT", () => stop("INT"));
  process.on("SIGQUIT", () => stop("QUIT"));
  process.on("SIGHUP", () => {
    if (!opts.reload) return;
    log.info("received SIGHUP: reloading the config");
    app.reload(false).catch((e) => {
      const issues = isTendError(e) && Array.isArray(e.details) ? formatIssues(e.details as ConfigIssue[]) : "";
      log.error(`reload failed; keeping the running config: ${(e as Error).message}${issues ? `\n${issues}` : ""}`);
    });
  });
  process.on("SIGUSR2", () => {
    log.info("received SIGUSR2: reopening log files");
    log.reopen();
    for (const rec of app.sup.records.values()) rec.output.reopen();
  });

  log.info(`tend started with pid ${process.pid}, config ${config.file}${opts.serve ? `, socket ${config.daemon.socket}` : ""}`);
  // What a SIGKILLed daemon left running is stopped before anything starts (port-bound
  // programs would fail beside it, the rest would run twice).
  if (opts.runningFile) {
    try {
      await takeOverRunningFile(runningFilePath(config.daemon.logDir, config.daemon.socket), log, (file) => (app.running = file));
    } catch (e) {
      log.error(`could not stop what a previous tend left running: ${(e as Error).message}`);
    } finally {
      tookOver();
    }
  }
  if (app.sup.shuttingDown) return exited;
  app.bus.subscribe(() => afterBurst.touch());
  afterBurst.touch();
  opts.started(app);
  void readyWhenStarted(app);
  // Orphans may predate our handler (PID 1 in a container started by a shell script).
  reapOrphans();
  return exited;
}
