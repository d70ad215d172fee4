// Shared machinery for the benchmarks: fresh temp dirs, a timestamping fixture program, the two
// daemons under test (tend's compiled binary and Debian's supervisord) behind one interface,
// /proc readers and small statistics. Nothing here is imported by src/ or by the test suite.
//
// Safety rules every benchmark follows: everything lives in a fresh mkdtemp dir; a daemon is
// stopped through its own shutdown path (tend: POST /api/shutdown, supervisord: SIGTERM to its
// pid), then SIGKILL by pid if it is still there; fixture processes are killed by pid only, and
// only when /proc/PID/cmdline still carries the fixture's marker argv[0].

import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = join(import.meta.dir, "..");

// ─── small utilities ──────────────────────────────────────────────────────────────────────

/** Wall-clock time in ms with µs resolution, on the same clock as bash's $EPOCHREALTIME. */
export const nowReal = (): number => performance.timeOrigin + performance.now();
export const sleep = (ms: number): Promise<void> => Bun.sleep(ms);

export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  // nearest-rank: the smallest value with at least q of the samples at or below it
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[i]!;
}
export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}
export function summarize(xs: readonly number[]): Summary {
  return {
    n: xs.length,
    min: Math.min(...xs),
    p50: median(xs),
    p90: quantile(xs, 0.9),
    p99: quantile(xs, 0.99),
    max: Math.max(...xs),
    mean: mean(xs),
  };
}

export const fmtMs = (ms: number): string =>
  !Number.isFinite(ms) ? "n/a" : ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(2)} ms`;
export function fmtRatio(supervisord: number, tend: number): string {
  if (!Number.isFinite(supervisord) || !Number.isFinite(tend) || tend <= 0) return "n/a";
  const r = supervisord / tend;
  return r >= 10 ? `${r.toFixed(0)}×` : r >= 1 ? `${r.toFixed(1)}×` : `${r.toPrecision(2)}×`;
}

export function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

// ─── results, shared by every benchmark and run-all ───────────────────────────────────────

export interface Row {
  metric: string;
  unit: string; // "ms", "%", "MB", "/s", "/min"
  tend: number;
  supervisord: number;
  /** Target for tend (from the issue), same unit; null = informational row. */
  target: number | null;
  /** How to compare with the target. */
  better: "lower";
  note?: string;
}

export function fmtValue(v: number, unit: string): string {
  if (!Number.isFinite(v)) return "n/a";
  switch (unit) {
    case "ms":
      return fmtMs(v);
    case "%":
      return `${v.toFixed(3)} %`;
    case "MB":
      return `${v.toFixed(1)} MB`;
    case "/s":
      return `${v.toFixed(2)}/s`;
    case "/min":
      return `${v.toFixed(0)}/min`;
    case "s":
      return `${v.toFixed(2)} s`;
    case "":
      return v.toFixed(2);
    default:
      return `${v} ${unit}`;
  }
}

export const targetMet = (r: Row): boolean | null => (r.target === null ? null : r.tend <= r.target);

/** supervisord ÷ tend: how many times better tend is (for "lower is better" metrics). */
export function ratio(r: Row): string {
  if ((r.unit === "/s" || r.unit === "/min" || r.unit === "%") && r.tend === 0) return r.supervisord > 0 ? "∞" : "=";
  return fmtRatio(r.supervisord, r.tend);
}

export function printRows(title: string, rows: readonly Row[]): void {
  const lines = [`\n== ${title} ==`];
  for (const r of rows) {
    const met = targetMet(r);
    const tgt = r.target === null ? "" : `  target ≤ ${fmtValue(r.target, r.unit)}: ${met ? "MET" : "NOT MET"}`;
    lines.push(
      `${r.metric.padEnd(44)} tend ${fmtValue(r.tend, r.unit).padStart(10)}   supervisord ${fmtValue(r.supervisord, r.unit).padStart(10)}   ratio ${ratio(r).padStart(7)}${tgt}`,
    );
    if (r.note) lines.push(`    ${r.note}`);
  }
  console.log(lines.join("\n"));
}

export function markdownTable(rows: readonly Row[]): string {
  const out = ["| metric | tend | supervisord | supervisord ÷ tend | target (tend) | met |", "|---|---:|---:|---:|---:|:---:|"];
  for (const r of rows) {
    const met = targetMet(r);
    out.push(
      `| ${r.metric} | ${fmtValue(r.tend, r.unit)} | ${fmtValue(r.supervisord, r.unit)} | ${ratio(r)} | ${r.target === null ? "–" : `≤ ${fmtValue(r.target, r.unit)}`} | ${met === null ? "–" : met ? "yes" : "**no**"} |`,
    );
  }
  return out.join("\n");
}

// ─── command-line options shared by the scripts ───────────────────────────────────────────

export function argValue(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  if (i >= 0) return argv[i + 1];
  const eq = argv.find((a) => a.startsWith(`${name}=`));
  return eq?.slice(name.length + 1);
}
export function argNumber(argv: readonly string[], name: string, dflt: number): number {
  const v = argValue(argv, name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} wants a positive number, got ${JSON.stringify(v)}`);
  return n;
}

// ─── cleanup on every exit path ───────────────────────────────────────────────────────────

const cleanups = new Set<() => Promise<void> | void>();
export function onCleanup(fn: () => Promise<void> | void): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}
async function runCleanups(): Promise<void> {
  for (const fn of [...cleanups].reverse()) {
    try {
      await fn();
    } catch (e) {
      log(`cleanup failed: ${(e as Error).message}`);
    }
    cleanups.delete(fn);
  }
}
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(sig, () => {
    log(`${sig}: cleaning up`);
    void runCleanups().then(() => process.exit(130));
  });
}

/** Run `body`, then every cleanup registered meanwhile (daemons, temp dirs), even on error. */
export async function withCleanup<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } finally {
    await runCleanups();
  }
}

// ─── temp dirs and binaries ───────────────────────────────────────────────────────────────

export function freshDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `tend-bench-${label}-`));
  if (process.env.BENCH_KEEP) log(`keeping ${dir}`);
  else onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface Binaries {
  tend: string;
  tendVersion: string;
  supervisord: string;
  supervisorctl: string;
  supervisordVersion: string;
}

let binaries: Binaries | null = null;
/**
 * The tend binary under test: $TEND_BIN, else a private copy of dist/tend (so a concurrent
 * `npm run build` cannot swap the executable in the middle of a run).
 */
export function getBinaries(): Binaries {
  if (binaries) return binaries;
  let tend = process.env.TEND_BIN;
  if (!tend) {
    const built = join(ROOT, "dist", "tend");
    if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` first`);
    const dir = freshDir("bin");
    tend = join(dir, "tend");
    copyFileSync(built, tend);
    chmodSync(tend, 0o755);
  }
  const v = Bun.spawnSync([tend, "version"], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  if (v.exitCode !== 0) throw new Error(`${tend} version failed: ${v.stderr.toString()}`);
  const supervisord = process.env.SUPERVISORD ?? Bun.which("supervisord") ?? "";
  const supervisorctl = process.env.SUPERVISORCTL ?? Bun.which("supervisorctl") ?? "";
  if (!supervisord || !supervisorctl) throw new Error("supervisord/supervisorctl not found: apt-get install -y supervisor");
  const sv = Bun.spawnSync([supervisord, "--version"], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  binaries = { tend, tendVersion: v.stdout.toString().trim(), supervisord, supervisorctl, supervisordVersion: sv.stdout.toString().trim() };
  return binaries;
}

export const loadavg = (): string => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

export function machine(): string {
  const c = cpus();
  let kernel = "";
  try {
    kernel = readFileSync("/proc/sys/kernel/osrelease", "utf8").trim();
  } catch {
    /* not linux */
  }
  const memKb = Number(/MemTotal:\s+(\d+)/.exec(readFileSync("/proc/meminfo", "utf8"))?.[1] ?? 0);
  return `${c.length} × ${c[0]?.model ?? "?"}, ${(memKb / 1024 / 1024).toFixed(0)} GB RAM, Linux ${kernel}`;
}

// ─── the fixture program ──────────────────────────────────────────────────────────────────

/** argv[0] of every fixture process: how cleanup recognises what it may kill. */
export const FIXTURE_ARGV0 = "tend-bench-fixture";

/**
 * A bash script that appends "PID EPOCHREALTIME" to the file named by $1 as its first action
 * (bash's $EPOCHREALTIME is a builtin: no fork), then execs `sleep infinity` under a marker
 * argv[0]. The PID written is the one the supervisor sees (exec keeps it).
 */
export function writeFixture(dir: string): string {
  const path = join(dir, "fixture.sh");
  writeFileSync(path, `#!/bin/bash\necho "$$ $EPOCHREALTIME" >> "$1"\nexec -a ${FIXTURE_ARGV0} sleep infinity\n`);
  chmodSync(path, 0o755);
  return path;
}

export interface Stamp {
  pid: number;
  /** ms since the epoch, µs resolution */
  t: number;
}
export function readStamps(file: string): Stamp[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  const out: Stamp[] = [];
  for (const line of text.split("\n")) {
    const m = /^(\d+) (\d+)[.,](\d+)$/.exec(line.trim());
    if (m) out.push({ pid: Number(m[1]), t: Number(m[2]) * 1000 + Number(`0.${m[3]}`) * 1000 });
  }
  return out;
}

/**
 * How long the fixture itself takes from spawn() to its timestamp, with no supervisor in the
 * way: the floor under every "until the new process started" figure.
 */
export async function fixtureFloor(samples = 30): Promise<Summary> {
  const dir = freshDir("floor");
  const fixture = writeFixture(dir);
  const xs: number[] = [];
  for (let i = 0; i < samples; i++) {
    const file = join(dir, `s${i}`);
    const t0 = nowReal();
    const p = Bun.spawn([fixture, file], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    let st: Stamp[] = [];
    while ((st = readStamps(file)).length === 0) await sleep(1);
    xs.push(st[0]!.t - t0);
    p.kill("SIGKILL");
    await p.exited;
  }
  return summarize(xs);
}

// ─── /proc ────────────────────────────────────────────────────────────────────────────────

export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat[stat.lastIndexOf(")") + 2] !== "Z";
  } catch {
    return false;
  }
}

function isFixture(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0] === FIXTURE_ARGV0;
  } catch {
    return false;
  }
}

/** SIGKILL every fixture pid recorded in `stampDir` that is still a fixture. Returns how many. */
export function killLeftoverFixtures(stampDir: string): number {
  let n = 0;
  let files: string[] = [];
  try {
    files = readdirSync(stampDir);
  } catch {
    return 0;
  }
  for (const f of files) {
    for (const s of readStamps(join(stampDir, f))) {
      if (isAlive(s.pid) && isFixture(s.pid)) {
        try {
          process.kill(s.pid, "SIGKILL");
          n++;
        } catch {
          /* gone meanwhile */
        }
      }
    }
  }
  return n;
}

export interface ProcSample {
  /** utime+stime of the whole process, clock ticks (1/100 s) */
  ticks: number;
  /** sum over threads of /proc/PID/task/TID/schedstat run time, ns */
  runNs: number;
  /** sum over threads of schedstat "timeslices run": each is one trip onto a CPU, i.e. a wake-up or a preemption */
  slices: number;
  /** sum over threads of voluntary + nonvoluntary context switches */
  ctxt: number;
  /** per thread (by tid) */
  threads: Map<string, { comm: string; runNs: number; slices: number; ctxt: number }>;
  rssKb: number;
  rssAnonKb: number;
  rssFileKb: number;
  hwmKb: number;
}

const kb = (status: string, key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? NaN);

export function procSample(pid: number): ProcSample {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields after "(comm)": index 0 = state (field 3); utime = field 14, stime = field 15
  const ticks = Number(f[11]) + Number(f[12]);
  let runNs = 0;
  let slices = 0;
  let ctxt = 0;
  const threads = new Map<string, { comm: string; runNs: number; slices: number; ctxt: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const [run, , n] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").trim().split(" ").map(Number);
      const st = readFileSync(`/proc/${pid}/task/${tid}/status`, "utf8");
      const c = kb(st, "voluntary_ctxt_switches") + kb(st, "nonvoluntary_ctxt_switches");
      const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
      runNs += run ?? 0;
      slices += n ?? 0;
      ctxt += c;
      threads.set(tid, { comm, runNs: run ?? 0, slices: n ?? 0, ctxt: c });
    } catch {
      /* thread exited meanwhile */
    }
  }
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return {
    ticks,
    runNs,
    slices,
    ctxt,
    threads,
    rssKb: kb(status, "VmRSS"),
    rssAnonKb: kb(status, "RssAnon"),
    rssFileKb: kb(status, "RssFile"),
    hwmKb: kb(status, "VmHWM"),
  };
}

// ─── the two daemons behind one interface ─────────────────────────────────────────────────

export type Kind = "tend" | "supervisord";

export interface Service {
  name: string;
  state: string;
  pid: number;
}

export interface DaemonOptions {
  programs: number;
  /** name prefix; programs are PREFIX001…  */
  prefix?: string;
  /** stderr into stdout (one pipe and one log file per program instead of two): bench/scale.ts. */
  redirectStderr?: boolean;
}

const pad = (i: number) => String(i).padStart(3, "0");

export abstract class Daemon {
  readonly stampDir: string;
  readonly fixture: string;
  readonly names: string[];
  readonly conf: string;
  readonly redirectStderr: boolean;
  proc: ReturnType<typeof Bun.spawn> | null = null;
  /** realtime (ms) just before spawn() */
  launchedAt = 0;
  private unregister: (() => void) | null = null;

  constructor(
    readonly kind: Kind,
    readonly dir: string,
    opts: DaemonOptions,
  ) {
    this.stampDir = join(dir, "stamps");
    mkdirSync(this.stampDir, { recursive: true });
    mkdirSync(join(dir, "log"), { recursive: true });
    this.fixture = writeFixture(dir);
    this.names = Array.from({ length: opts.programs }, (_, i) => `${opts.prefix ?? "p"}${pad(i + 1)}`);
    this.redirectStderr = opts.redirectStderr ?? false;
    this.conf = this.writeConfig();
  }

  get pid(): number {
    if (!this.proc) throw new Error(`${this.kind} is not running`);
    return this.proc.pid;
  }

  stampFile(name: string): string {
    return join(this.stampDir, name);
  }

  protected abstract writeConfig(): string;
  protected abstract argv(): string[];
  /** The daemon's view of every program, through its API (tend: JSON, supervisord: XML-RPC). */
  abstract services(): Promise<Service[]>;
  /** CLI argv for `status`, `stop all`, `start all`: `-c CONF ARGS`. */
  abstract cli(...args: string[]): string[];
  /** The same, naming the socket (`-s`) instead of the config file. */
  abstract cliSocket(...args: string[]): string[];
  protected abstract requestShutdown(): Promise<void>;

  launch(): void {
    const out = openSync(join(this.dir, "daemon.out"), "a");
    this.launchedAt = nowReal();
    this.proc = Bun.spawn(this.argv(), { cwd: this.dir, stdin: "ignore", stdout: out, stderr: out, env: { ...process.env, NO_COLOR: "1" } });
    closeSync(out);
    this.unregister = onCleanup(() => this.stop());
  }

  /** Poll the API every `intervalMs` until every program is RUNNING; resolves with the realtime of the answer that showed it. */
  async waitAllRunning(intervalMs = 50, timeoutMs = 30_000): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const tick = performance.now();
      try {
        const s = await this.services();
        if (s.length === this.names.length && s.every((x) => x.state === "RUNNING")) return nowReal();
      } catch {
        /* socket not there yet */
      }
      if (this.proc?.exitCode !== null && this.proc?.exitCode !== undefined) throw new Error(`${this.kind} exited with ${this.proc.exitCode}: ${this.tail()}`);
      if (performance.now() > deadline) throw new Error(`${this.kind}: not all RUNNING after ${timeoutMs} ms`);
      const wait = intervalMs - (performance.now() - tick);
      if (wait > 0) await sleep(wait);
    }
  }

  tail(): string {
    try {
      return readFileSync(join(this.dir, "daemon.out"), "utf8").split("\n").slice(-8).join("\n");
    } catch {
      return "";
    }
  }

  run(args: string[], via: "config" | "socket" = "config"): { ms: number; code: number; out: string } {
    const argv = via === "config" ? this.cli(...args) : this.cliSocket(...args);
    const t0 = performance.now();
    const r = Bun.spawnSync(argv, { cwd: this.dir, stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
    const ms = performance.now() - t0;
    return { ms, code: r.exitCode ?? -1, out: r.stdout.toString() + r.stderr.toString() };
  }

  /** Shut down through the daemon's own path, then SIGKILL by pid; then any leftover fixture by pid. */
  async stop(): Promise<void> {
    this.unregister?.();
    this.unregister = null;
    const p = this.proc;
    if (p && p.exitCode === null && p.signalCode === null) {
      try {
        await this.requestShutdown();
      } catch (e) {
        log(`${this.kind}: shutdown request failed (${(e as Error).message}); sending SIGTERM to ${p.pid}`);
        try {
          process.kill(p.pid, "SIGTERM");
        } catch {
          /* gone */
        }
      }
      const done = await Promise.race([p.exited.then(() => true), sleep(15_000).then(() => false)]);
      if (!done) {
        log(`${this.kind}: pid ${p.pid} still alive 15 s after shutdown; SIGKILL`);
        p.kill("SIGKILL");
        await p.exited;
      }
    }
    let n = killLeftoverFixtures(this.stampDir);
    // A fixture spawned just before its daemon died may write its stamp only now (seen with
    // supervisord SIGKILLed in the middle of starting 1000 programs): look once more.
    if (n) {
      await sleep(1000);
      n += killLeftoverFixtures(this.stampDir);
    }
    if (n) log(`${this.kind}: killed ${n} leftover fixture process(es) after shutdown`);
  }
}

export class TendDaemon extends Daemon {
  readonly sock: string;
  constructor(dir: string, opts: DaemonOptions) {
    super("tend", dir, opts);
    this.sock = join(dir, "tend.sock");
  }
  protected writeConfig(): string {
    const sock = join(this.dir, "tend.sock");
    const lines = [`[daemon]`, `socket = ${JSON.stringify(sock)}`, `log_dir = ${JSON.stringify(join(this.dir, "log"))}`, ``];
    for (const n of this.names) {
      lines.push(`[program.${n}]`, `command = ${JSON.stringify([this.fixture, this.stampFile(n)])}`, `startsecs = 0`, `autorestart = true`, ...(this.redirectStderr ? [`redirect_stderr = true`] : []), ``);
    }
    const conf = join(this.dir, "tend.toml");
    writeFileSync(conf, lines.join("\n"));
    return conf;
  }
  protected argv(): string[] {
    return [getBinaries().tend, "daemon", "-c", this.conf];
  }
  cli(...args: string[]): string[] {
    return [getBinaries().tend, "-c", this.conf, ...args];
  }
  cliSocket(...args: string[]): string[] {
    return [getBinaries().tend, "-s", this.sock, ...args];
  }
  async api(method: string, path: string): Promise<unknown> {
    // No pooled keep-alive connection: an idle open connection keeps a daemon's timers busy,
    // which would pollute the idle measurement (and is not what a one-shot CLI does).
    const res = await fetch(`http://localhost${path}`, { method, unix: this.sock, keepalive: false, headers: { connection: "close" } });
    const body = await res.text();
    if (!res.ok && res.status !== 207 && res.status !== 202) throw new Error(`${method} ${path}: HTTP ${res.status} ${body}`);
    return JSON.parse(body);
  }
  async services(): Promise<Service[]> {
    const list = (await this.api("GET", "/api/services")) as Array<{ name: string; state: string; pid: number | null }>;
    return list.map((s) => ({ name: s.name, state: s.state, pid: s.pid ?? 0 }));
  }
  protected async requestShutdown(): Promise<void> {
    await this.api("POST", "/api/shutdown");
  }
}

export class SupervisorDaemon extends Daemon {
  readonly sock: string;
  constructor(dir: string, opts: DaemonOptions) {
    super("supervisord", dir, opts);
    this.sock = join(dir, "supervisor.sock");
  }
  protected writeConfig(): string {
    const d = this.dir;
    const lines = [
      `[unix_http_server]`,
      `file=${join(d, "supervisor.sock")}`,
      `[supervisord]`,
      `logfile=${join(d, "supervisord.log")}`,
      `pidfile=${join(d, "supervisord.pid")}`,
      `childlogdir=${join(d, "log")}`,
      `nodaemon=true`,
      `[rpcinterface:supervisor]`,
      `supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface`,
      `[supervisorctl]`,
      `serverurl=unix://${join(d, "supervisor.sock")}`,
      ``,
    ];
    for (const n of this.names) {
      lines.push(`[program:${n}]`, `command=${this.fixture} ${this.stampFile(n)}`, `startsecs=0`, `autorestart=true`, ...(this.redirectStderr ? [`redirect_stderr=true`] : []), ``);
    }
    const conf = join(d, "supervisord.conf");
    writeFileSync(conf, lines.join("\n"));
    return conf;
  }
  protected argv(): string[] {
    return [getBinaries().supervisord, "-c", this.conf, "-n"];
  }
  cli(...args: string[]): string[] {
    return [getBinaries().supervisorctl, "-c", this.conf, ...args];
  }
  cliSocket(...args: string[]): string[] {
    return [getBinaries().supervisorctl, "-s", `unix://${this.sock}`, ...args];
  }
  async rpc(method: string): Promise<string> {
    const body = `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params></params></methodCall>`;
    const res = await fetch("http://localhost/RPC2", { method: "POST", unix: this.sock, body, keepalive: false, headers: { "content-type": "text/xml", connection: "close" } });
    const text = await res.text();
    if (!res.ok || text.includes("<fault>")) throw new Error(`${method}: HTTP ${res.status} ${text.slice(0, 300)}`);
    return text;
  }
  async services(): Promise<Service[]> {
    const xml = await this.rpc("supervisor.getAllProcessInfo");
    const out: Service[] = [];
    for (const struct of xml.split("<struct>").slice(1)) {
      const m: Record<string, string> = {};
      for (const mm of struct.matchAll(/<name>([^<]*)<\/name>\s*<value>\s*(?:<(\w+)>([^<]*)<\/\2>|([^<]*))\s*<\/value>/g)) m[mm[1]!] = mm[3] ?? mm[4] ?? "";
      out.push({ name: m.name ?? "", state: m.statename ?? "", pid: Number(m.pid ?? 0) });
    }
    return out;
  }
  protected async requestShutdown(): Promise<void> {
    // supervisord's SIGTERM handler = orderly shutdown (stops every program, then exits).
    process.kill(this.pid, "SIGTERM");
  }
}

export function makeDaemon(kind: Kind, opts: DaemonOptions): Daemon {
  const dir = freshDir(kind);
  return kind === "tend" ? new TendDaemon(dir, opts) : new SupervisorDaemon(dir, opts);
}

export const KINDS: readonly Kind[] = ["tend", "supervisord"];

/** Size of a file, 0 if missing: used to watch stamp files without touching the daemon. */
export function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
