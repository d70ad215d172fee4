// Runs a real tend daemon in a temporary directory with its own socket and log dir, and
// always stops it (and anything it started) when the test is done, SIGKILL on a deadline.

import { closeSync, mkdtempSync, openSync, writeFileSync, rmSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { ServiceDTO } from "../../src/api/dto.ts";
import { isGone, waitFor } from "./wait-for.ts";

export const ROOT = join(import.meta.dir, "..", "..");
export const PROGRAMS = join(ROOT, "test", "fixtures", "programs");
const BUN = process.execPath;
const MAIN = join(ROOT, "src", "main.ts");

/**
 * How tests run tend: the compiled binary when TEND_BIN is set, else the sources. A relative
 * TEND_BIN (`TEND_BIN=dist/tend`) is taken from where the run started: daemons are spawned in
 * their temp dirs, where it would name nothing.
 */
const TEND_BIN = process.env.TEND_BIN ? resolve(process.env.TEND_BIN) : null;
export function tendArgv(...args: string[]): string[] {
  return TEND_BIN ? [TEND_BIN, ...args] : [BUN, MAIN, ...args];
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function makeTempDir(prefix = "tend-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Pids a fixture recorded in `file`, one a line (spawns-grandchildren.sh writes "parent N" too). */
export function pidsIn(file: string): number[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").map((l) => Number(l.replace(/^parent /, ""))).filter((n) => n > 0);
}

export function fixture(name: string): string {
  return join(PROGRAMS, name);
}

export class Daemon {
  proc: ReturnType<typeof Bun.spawn> | null = null;
  readonly socket: string;
  readonly logDir: string;
  readonly configFile: string;
  readonly daemonLog: string;

  constructor(
    readonly dir: string,
    programsToml: string,
    daemonExtra = "",
  ) {
    this.socket = join(dir, "tend.sock");
    this.logDir = join(dir, "log");
    this.configFile = join(dir, "tend.toml");
    this.daemonLog = join(dir, "daemon.stderr");
    this.writeConfig(programsToml, daemonExtra);
  }

  writeConfig(programsToml: string, daemonExtra = ""): void {
    writeFileSync(
      this.configFile,
      `[daemon]\nsocket = "${this.socket}"\nlog_dir = "${this.logDir}"\n${daemonExtra}\n\n${programsToml}\n`,
    );
  }

  /** Start the daemon and wait until its socket answers. */
  async start(
    opts: { waitReady?: boolean; env?: Record<string, string>; nofile?: number | { soft: number; hard: number }; readyTimeout?: number } = {},
  ): Promise<this> {
    // One O_APPEND descriptor for both streams, so stdout and stderr never overwrite each other.
    const fd = openSync(this.daemonLog, "a");
    const argv = tendArgv("daemon", "-c", this.configFile);
    // nofile: the daemon runs under `ulimit -n` (soft and hard, or each its own), as an
    // operator's shell would set it.
    const ulimit = typeof opts.nofile === "number" ? `ulimit -n ${opts.nofile}` : opts.nofile ? `ulimit -Sn ${opts.nofile.soft} && ulimit -Hn ${opts.nofile.hard}` : null;
    this.proc = Bun.spawn(ulimit ? ["sh", "-c", `${ulimit} && exec "$@"`, "sh", ...argv] : argv, {
      cwd: this.dir,
      stdin: "ignore",
      stdout: fd,
      stderr: fd,
      env: { ...process.env, NO_COLOR: "1", ...opts.env },
    });
    closeSync(fd);
    if (opts.waitReady !== false) {
      await waitFor(
        async () => {
          if (this.proc!.exitCode !== null) throw new Error(`daemon exited ${this.proc!.exitCode}: ${this.stderr()}`);
          return (await this.api("GET", "/api/daemon").catch(() => null))?.ok;
        },
        { what: "daemon socket", timeout: opts.readyTimeout },
      );
    }
    return this;
  }

  get pid(): number {
    return this.proc!.pid;
  }

  stderr(): string {
    return existsSync(this.daemonLog) ? readFileSync(this.daemonLog, "utf8") : "";
  }

  api(method: string, path: string): Promise<Response> {
    return fetch(`http://localhost${path}`, { method, unix: this.socket });
  }

  async services(): Promise<ServiceDTO[]> {
    return (await (await this.api("GET", "/api/services")).json()) as ServiceDTO[];
  }

  async service(name: string): Promise<ServiceDTO> {
    const res = await this.api("GET", `/api/services/${name}`);
    if (!res.ok) throw new Error(`GET ${name}: ${res.status} ${await res.text()}`);
    return (await res.json()) as ServiceDTO;
  }

  /** Wait until `name` is in `state` (and optionally satisfies more), returning it. */
  waitState(name: string, state: string, timeout = 15_000, extra?: (s: ServiceDTO) => boolean): Promise<ServiceDTO> {
    return waitFor(
      async () => {
        const s = await this.service(name);
        return s.state === state && (!extra || extra(s)) ? s : null;
      },
      { timeout, what: `${name} to be ${state}` },
    );
  }

  /** Run a tend client command against this daemon. */
  async cli(...args: string[]): Promise<CliResult> {
    return runCli(["-s", this.socket, "-c", this.configFile, ...args], this.dir);
  }

  log(file: string): string {
    const p = join(this.logDir, file);
    return existsSync(p) ? readFileSync(p, "utf8") : "";
  }

  /** Graceful stop (SIGTERM), SIGKILL after the deadline; then remove the temp dir. */
  async stop(timeout = 15_000): Promise<number | null> {
    const proc = this.proc;
    if (!proc) return null;
    const pids = await this.services().then((ss) => ss.map((s) => s.pid).filter((p): p is number => !!p), () => []);
    if (proc.exitCode === null) {
      proc.kill("SIGTERM");
      const done = await Promise.race([proc.exited.then(() => true), Bun.sleep(timeout).then(() => false)]);
      if (!done) {
        proc.kill("SIGKILL");
        await proc.exited;
      }
    }
    for (const pid of pids) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        /* gone: good */
      }
    }
    this.proc = null;
    return proc.exitCode;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function runCli(args: string[], cwd?: string, env: Record<string, string> = {}): Promise<CliResult> {
  const p = Bun.spawn(tendArgv(...args), {
    cwd,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1", ...env },
  });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

/** A daemon for one test: `await using d = await daemon(toml)` is not in Bun yet, so tests call stop(). */
export async function startDaemon(programsToml: string, daemonExtra = ""): Promise<Daemon> {
  return new Daemon(makeTempDir(), programsToml, daemonExtra).start();
}

export { waitFor, isGone };
