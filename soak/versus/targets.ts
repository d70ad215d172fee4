// The two daemons the side-by-side probes run, behind one interface: tend (the sources, or the
// binary in $TEND_BIN) and supervisord (Debian's `supervisor` package). Each gets the same
// programs, a unix socket, optionally a password-protected TCP port, and its log dir.

import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { onCleanup } from "../../bench/lib.ts";
import { makeTempDir, tendArgv, waitFor } from "../lib/daemon.ts";

export type Kind = "tend" | "supervisord";

export interface ProgramSpec {
  readonly name: string;
  readonly command: readonly string[];
  readonly startsecs?: number;
  readonly autorestart?: boolean;
  readonly autostart?: boolean;
  readonly stopwaitsecs?: number;
  readonly startretries?: number;
  /** A path for stdout's log (else the log dir's default). */
  readonly stdoutLog?: string;
}

export interface TargetOpts {
  readonly programs: readonly ProgramSpec[];
  readonly tcpPort?: number;
  readonly user?: string;
  readonly password?: string;
}

export abstract class Target {
  readonly dir = makeTempDir(`tend-versus-`);
  readonly logDir = join(this.dir, "log");
  proc: ReturnType<typeof Bun.spawn> | null = null;
  /** Stops this daemon if the run is interrupted (bench/lib.ts onCleanup). */
  private release: (() => void) | null = null;

  constructor(
    readonly kind: Kind,
    readonly opts: TargetOpts,
  ) {
    mkdirSync(this.logDir, { recursive: true });
  }

  abstract get socket(): string;
  /** The daemon's own log file. */
  abstract get mainLog(): string;
  protected abstract argv(): string[];
  /** One cheap status call on the unix socket (the operator's door). */
  abstract statusCall(): Promise<void>;
  /** Names and states, through the daemon's API. */
  abstract states(): Promise<Array<{ name: string; state: string; pid: number }>>;
  abstract requestShutdown(): Promise<void>;
  /** Start a program that has autostart off, without waiting for it. */
  abstract startProgram(name: string): Promise<void>;

  get pid(): number {
    return this.proc!.pid;
  }

  async start(): Promise<void> {
    this.release ??= onCleanup(() => this.stop());
    const out = openSync(join(this.dir, "daemon.out"), "a");
    this.proc = Bun.spawn(this.argv(), { cwd: this.dir, stdin: "ignore", stdout: out, stderr: out, env: { ...process.env, NO_COLOR: "1" } });
    closeSync(out);
    await waitFor(
      async () => {
        if (this.proc!.exitCode !== null) throw new Error(`${this.kind} exited: ${readFileSync(join(this.dir, "daemon.out"), "utf8").slice(-500)}`);
        await this.statusCall();
        return true;
      },
      { what: `${this.kind} to answer`, timeout: 30_000 },
    );
  }

  async allRunning(timeout = 60_000): Promise<void> {
    const want = this.opts.programs.filter((p) => p.autostart !== false).length;
    await waitFor(async () => (await this.states()).filter((s) => s.state === "RUNNING").length >= want, { what: `${this.kind}: programs RUNNING`, timeout });
  }

  async stop(): Promise<void> {
    this.release?.();
    this.release = null;
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await this.requestShutdown().catch(() => p.kill("SIGTERM"));
    const done = await Promise.race([p.exited.then(() => true), Bun.sleep(30_000).then(() => false)]);
    if (!done) {
      p.kill("SIGKILL");
      await p.exited;
    }
  }

  logSize(): number {
    return existsSync(this.mainLog) ? statSync(this.mainLog).size : 0;
  }
}

const xmlCall = (method: string, params = "") => `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params>${params}</params></methodCall>`;

class TendTarget extends Target {
  constructor(opts: TargetOpts) {
    super("tend", opts);
    const progs = opts.programs
      .map((p) =>
        [
          `[program.${p.name}]`,
          `command = ${JSON.stringify(p.command)}`,
          p.startsecs !== undefined ? `startsecs = ${p.startsecs}` : "",
          p.autorestart !== undefined ? `autorestart = ${p.autorestart}` : "",
          p.autostart !== undefined ? `autostart = ${p.autostart}` : "",
          p.stopwaitsecs !== undefined ? `stopwaitsecs = ${p.stopwaitsecs}` : "",
          p.startretries !== undefined ? `startretries = ${p.startretries}` : "",
          p.stdoutLog ? `stdout_logfile = ${JSON.stringify(p.stdoutLog)}\nstdout_logfile_maxbytes = "1GB"` : "",
        ].filter(Boolean).join("\n"),
      )
      .join("\n\n");
    const http = opts.tcpPort ? `[http]\nlisten = "127.0.0.1:${opts.tcpPort}"\nusername = "${opts.user}"\npassword = "${opts.password}"\n` : "";
    writeFileSync(
      join(this.dir, "tend.toml"),
      `[daemon]\nsocket = "${this.socket}"\nlog_dir = "${this.logDir}"\npidfile = "${join(this.dir, "tend.pid")}"\n\n${http}\n${progs}\n`,
    );
  }
  get socket() {
    return join(this.dir, "tend.sock");
  }
  get mainLog() {
    return join(this.logDir, "tend.log");
  }
  protected argv() {
    return tendArgv("daemon", "-c", join(this.dir, "tend.toml"));
  }
  async statusCall() {
    const r = await fetch("http://localhost/api/services", { unix: this.socket, signal: AbortSignal.timeout(60_000) });
    await r.arrayBuffer();
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
  }
  async states() {
    const r = await fetch("http://localhost/api/services", { unix: this.socket });
    return ((await r.json()) as Array<{ name: string; state: string; pid: number | null }>).map((s) => ({ name: s.name, state: s.state, pid: s.pid ?? 0 }));
  }
  async requestShutdown() {
    await fetch("http://localhost/api/shutdown", { method: "POST", unix: this.socket });
  }
  async startProgram(name: string) {
    await fetch(`http://localhost/api/services/${name}/start?wait=false`, { method: "POST", unix: this.socket });
  }
}

class SupervisordTarget extends Target {
  constructor(opts: TargetOpts) {
    super("supervisord", opts);
    const progs = opts.programs
      .map((p) =>
        [
          `[program:${p.name}]`,
          `command=${p.command.join(" ")}`,
          p.startsecs !== undefined ? `startsecs=${p.startsecs}` : "",
          p.autorestart !== undefined ? `autorestart=${p.autorestart}` : "",
          p.autostart !== undefined ? `autostart=${p.autostart}` : "",
          p.stopwaitsecs !== undefined ? `stopwaitsecs=${p.stopwaitsecs}` : "",
          p.startretries !== undefined ? `startretries=${p.startretries}` : "",
          p.stdoutLog ? `stdout_logfile=${p.stdoutLog}\nstdout_logfile_maxbytes=1GB` : "",
        ].filter(Boolean).join("\n"),
      )
      .join("\n\n");
    const inet = opts.tcpPort ? `[inet_http_server]\nport=127.0.0.1:${opts.tcpPort}\nusername=${opts.user}\npassword=${opts.password}\n` : "";
    writeFileSync(
      join(this.dir, "supervisord.conf"),
      [
        `[unix_http_server]\nfile=${this.socket}\n`,
        inet,
        `[supervisord]\nlogfile=${this.mainLog}\npidfile=${join(this.dir, "supervisord.pid")}\nchildlogdir=${this.logDir}\nnodaemon=true\n`,
        `[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n`,
        progs,
      ].join("\n"),
    );
  }
  get socket() {
    return join(this.dir, "supervisor.sock");
  }
  get mainLog() {
    return join(this.dir, "supervisord.log");
  }
  protected argv() {
    return ["/usr/bin/supervisord", "-c", join(this.dir, "supervisord.conf"), "-n"];
  }
  private async rpc(method: string, timeout = 60_000, params = ""): Promise<string> {
    const r = await fetch("http://localhost/RPC2", { method: "POST", unix: this.socket, body: xmlCall(method, params), headers: { "content-type": "text/xml" }, signal: AbortSignal.timeout(timeout) });
    const t = await r.text();
    if (!r.ok || t.includes("<fault>")) throw new Error(`${method}: ${t.slice(0, 200)}`);
    return t;
  }
  async statusCall() {
    await this.rpc("supervisor.getState");
  }
  async states() {
    const xml = await this.rpc("supervisor.getAllProcessInfo");
    return xml.split("<struct>").slice(1).map((struct) => {
      const m: Record<string, string> = {};
      for (const mm of struct.matchAll(/<name>([^<]*)<\/name>\s*<value>\s*(?:<(\w+)>([^<]*)<\/\2>|([^<]*))\s*<\/value>/g)) m[mm[1]!] = mm[3] ?? mm[4] ?? "";
      return { name: m.name ?? "", state: m.statename ?? "", pid: Number(m.pid ?? 0) };
    });
  }
  async requestShutdown() {
    process.kill(this.pid, "SIGTERM");
  }
  async startProgram(name: string) {
    await this.rpc("supervisor.startProcess", 60_000, `<param><value><string>${name}</string></value></param><param><value><boolean>0</boolean></value></param>`);
  }
}

export const haveSupervisord = () => existsSync("/usr/bin/supervisord");

export function makeTarget(kind: Kind, opts: TargetOpts): Target {
  return kind === "tend" ? new TendTarget(opts) : new SupervisordTarget(opts);
}

export const XMLRPC_ALL = xmlCall("supervisor.getAllProcessInfo");
