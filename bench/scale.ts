// Scale: tend and supervisord side by side from 10 to 5000 programs (issue #16). For each
// size N and each tool, on one fresh daemon (startsecs=0, the bench's bash fixture):
//
//  - launch → all RUNNING: from just before the daemon is spawned to the first API answer that
//    shows every program RUNNING (the bench waits for every fixture's stamp first, so its polls
//    do not load the daemon while it starts);
//  - `stop all`: wall time of the CLI (`tend -c CONF stop all`, `supervisorctl -c CONF stop all`),
//    then every program is checked STOPPED;
//  - `start all`, sent through the API (tend POST /api/services/all/start, supervisord XML-RPC
//    startAllProcesses): wall time until it answers (no CLI start-up in the figure); and the
//    answer time of one status request (tend GET /api/services/p001, supervisord
//    getProcessInfo) sent 150 ms after start all was sent;
//  - status at N: `tend -s SOCK status` vs `supervisorctl -s unix://SOCK status` (median of 3);
//    for tend also `-c tend.toml` and `-c supervisord.conf` (a client-side .conf naming tend's
//    socket, with the N program sections: the client reads only its socket, #16.6);
//  - the daemon's CPU (utime+stime) for launch, stop all and start all, and its peak RSS
//    (VmHWM) at the end.
//
// Then the log-log slope of each timing from 1000 to the largest size (1.0 = linear).
//
// Programs run with redirect_stderr = true in both tools: one pipe and one log file each, so a
// program holds 3 descriptors in tend (pipe read end, pidfd, log file) and about as many in
// supervisord (stdin and stdout pipes, log file); with stderr apart it is 5, and 5000 programs
// would not fit a 20000 hard limit. 5000 programs still need more than the usual 1024/4096:
// the bench raises its own RLIMIT_NOFILE with `prlimit --pid SELF --nofile=…` (what an operator
// does with `ulimit -n`, LimitNOFILE= or prlimit) and the daemons inherit it; where the hard
// limit cannot be raised (a container without CAP_SYS_RESOURCE) it says so.
//
//   bun bench/scale.ts [--sizes 10,100,1000,3000,5000] [--supervisord-max 3000]
//
// --supervisord-max N skips supervisord above N programs (its start at 5000 can take minutes);
// the skipped figures print as n/a and the output says so.

import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  argNumber,
  argValue,
  fmtMs,
  getBinaries,
  loadavg,
  log,
  machine,
  makeDaemon,
  markdownTable,
  median,
  printRows,
  procSample,
  sizeOf,
  sleep,
  withCleanup,
  type Daemon,
  type Kind,
  type Row,
  SupervisorDaemon,
  TendDaemon,
} from "./lib.ts";

const PROBE_AFTER_MS = 150;
const TICK_S = 0.01;

interface Figures {
  launchMs: number;
  stopMs: number;
  startMs: number;
  probeMs: number;
  statusMs: number;
  /** tend only: `-c tend.toml` and `-c supervisord.conf` */
  statusTomlMs: number;
  statusConfMs: number;
  cpuLaunchS: number;
  cpuStopS: number;
  cpuStartS: number;
  peakRssMb: number;
}

const SKIPPED: Figures = {
  launchMs: NaN,
  stopMs: NaN,
  startMs: NaN,
  probeMs: NaN,
  statusMs: NaN,
  statusTomlMs: NaN,
  statusConfMs: NaN,
  cpuLaunchS: NaN,
  cpuStopS: NaN,
  cpuStartS: NaN,
  peakRssMb: NaN,
};

/**
 * Raise this process's open-files limit to at least `want` (the daemons inherit it), as far
 * as the hard limit allows without privileges; say what was done.
 */
function raiseNofile(want: number): string {
  const line = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "utf8"));
  const soft = line?.[1] === "unlimited" ? Infinity : Number(line?.[1]);
  const hard = line?.[2] === "unlimited" ? Infinity : Number(line?.[2]);
  if (soft >= want) return `open files: soft ${soft}, hard ${hard}: enough for ${want}`;
  try {
    execFileSync("prlimit", ["--pid", String(process.pid), `--nofile=${want}:${Math.max(want, hard)}`], { stdio: "pipe" });
    return `open files raised with \`prlimit --pid ${process.pid} --nofile=${want}:${Math.max(want, hard)}\` (was ${soft}/${hard})`;
  } catch {
    const to = Math.min(want, hard);
    if (to > soft) execFileSync("prlimit", ["--pid", String(process.pid), `--soft`, `--nofile=${to}`], { stdio: "pipe" });
    return `open files: wanted ${want}, the hard limit ${hard} cannot be raised here (no CAP_SYS_RESOURCE): soft ${Math.max(soft, to)}`;
  }
}

/** Wait until every fixture has written its stamp (cheap stats, no request to the daemon). */
async function waitStamps(d: Daemon, timeoutMs: number): Promise<void> {
  let left = d.names.map((n) => d.stampFile(n));
  const deadline = performance.now() + timeoutMs;
  while (left.length) {
    left = left.filter((f) => sizeOf(f) === 0);
    if (!left.length) return;
    if (d.proc?.exitCode !== null && d.proc?.exitCode !== undefined) throw new Error(`${d.kind} exited with ${d.proc.exitCode}: ${d.tail()}`);
    if (performance.now() > deadline) throw new Error(`${d.kind}: ${left.length} programs not started after ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** The daemon's CPU so far, seconds. */
const cpuS = (d: Daemon): number => procSample(d.pid).ticks * TICK_S;

async function rpc(d: SupervisorDaemon, method: string, params: string): Promise<string> {
  const body = `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params>${params}</params></methodCall>`;
  const res = await fetch("http://localhost/RPC2", { method: "POST", unix: d.sock, body, keepalive: false, headers: { "content-type": "text/xml", connection: "close" } });
  const text = await res.text();
  if (!res.ok || text.includes("<fault>")) throw new Error(`${method}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return text;
}

/** start all through the API, and one status request PROBE_AFTER_MS after it was sent. */
async function startAllWithProbe(d: Daemon): Promise<{ startMs: number; probeMs: number }> {
  const t0 = performance.now();
  const start =
    d instanceof TendDaemon
      ? d.api("POST", "/api/services/all/start")
      : rpc(d as SupervisorDaemon, "supervisor.startAllProcesses", "<param><value><boolean>1</boolean></value></param>");
  const done = start.then(() => performance.now() - t0);
  await sleep(PROBE_AFTER_MS - (performance.now() - t0));
  const p0 = performance.now();
  const first = d.names[0]!;
  if (d instanceof TendDaemon) await d.api("GET", `/api/services/${first}`);
  else await rpc(d as SupervisorDaemon, "supervisor.getProcessInfo", `<param><value><string>${first}</string></value></param>`);
  const probeMs = performance.now() - p0;
  return { startMs: await done, probeMs };
}

/** Median wall time of a CLI call that must exit 0 (every program RUNNING). */
function cliMedian(d: Daemon, argv: string[], runs = 3): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = Bun.spawnSync(argv, { cwd: d.dir, stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
    times.push(performance.now() - t0);
    if (r.exitCode !== 0) throw new Error(`${argv.join(" ")}: exit ${r.exitCode}\n${r.stderr.toString().slice(0, 500)}`);
  }
  return median(times);
}

/** A supervisord-style .conf naming tend's socket, with the N program sections: what `tend -c x.conf` reads. */
function clientConf(d: TendDaemon): string {
  const lines = [`[unix_http_server]`, `file=${d.sock}`, `[supervisord]`, `logfile=/dev/null`, ``];
  for (const n of d.names) lines.push(`[program:${n}]`, `command=${d.fixture} ${d.stampFile(n)}`, `startsecs=0`, `autorestart=true`, ``);
  const file = join(d.dir, "client.conf");
  writeFileSync(file, lines.join("\n"));
  return file;
}

async function measure(kind: Kind, n: number): Promise<Figures> {
  const d = makeDaemon(kind, { programs: n, redirectStderr: true });
  // supervisord starts a few programs per pass of its 1 s loop: allow it minutes.
  const timeout = 60_000 + n * (kind === "supervisord" ? 600 : 60);
  try {
    d.launch();
    await waitStamps(d, timeout);
    const running = await d.waitAllRunning(50, timeout);
    const launchMs = running - d.launchedAt;
    const cpuLaunchS = cpuS(d);
    log(`${kind} ${n}: launch → all RUNNING ${fmtMs(launchMs)}, CPU ${cpuLaunchS.toFixed(2)} s`);
    await sleep(300);

    const statusMs = cliMedian(d, d.cliSocket("status"));
    let statusTomlMs = NaN;
    let statusConfMs = NaN;
    if (d instanceof TendDaemon) {
      statusTomlMs = cliMedian(d, d.cli("status"));
      statusConfMs = cliMedian(d, [getBinaries().tend, "-c", clientConf(d), "status"]);
    }
    log(`${kind} ${n}: status -s ${fmtMs(statusMs)}${d instanceof TendDaemon ? `, -c tend.toml ${fmtMs(statusTomlMs)}, -c x.conf ${fmtMs(statusConfMs)}` : ""}`);

    const c0 = cpuS(d);
    const stop = d.run(["stop", "all"]);
    const cpuStopS = cpuS(d) - c0;
    if (stop.code !== 0) throw new Error(`${kind} stop all: exit ${stop.code}\n${stop.out.slice(0, 1000)}`);
    const notStopped = (await d.services()).filter((s) => s.state !== "STOPPED");
    if (notStopped.length) throw new Error(`${kind}: after stop all, ${notStopped.length} not STOPPED`);
    log(`${kind} ${n}: stop all ${fmtMs(stop.ms)}, CPU ${cpuStopS.toFixed(2)} s`);
    await sleep(300);

    const c1 = cpuS(d);
    const { startMs, probeMs } = await startAllWithProbe(d);
    const cpuStartS = cpuS(d) - c1;
    await d.waitAllRunning(50, timeout);
    log(`${kind} ${n}: start all ${fmtMs(startMs)} (CPU ${cpuStartS.toFixed(2)} s); a request sent ${PROBE_AFTER_MS} ms in answered in ${fmtMs(probeMs)}`);

    const peakRssMb = procSample(d.pid).hwmKb / 1024;
    return { launchMs, stopMs: stop.ms, startMs, probeMs, statusMs, statusTomlMs, statusConfMs, cpuLaunchS, cpuStopS, cpuStartS, peakRssMb };
  } finally {
    await d.stop();
  }
}

/** log-log slope of y over n between the first size ≥ 1000 and the largest (1.0 = linear). */
function slope(sizes: number[], ys: number[]): number {
  const i = sizes.findIndex((s) => s >= 1000);
  const j = sizes.length - 1;
  if (i < 0 || j <= i || !(ys[i]! > 0) || !(ys[j]! > 0)) return NaN;
  return Math.log(ys[j]! / ys[i]!) / Math.log(sizes[j]! / sizes[i]!);
}

const TARGETS: Record<string, (n: number) => number | null> = {
  launch: (n) => (n === 3000 ? 3000 : null),
  stop: (n) => (n === 3000 ? 1000 : null),
  start: (n) => (n === 3000 ? 3000 : null),
  probe: (n) => (n === 3000 ? 50 : null),
  status: (n) => (n === 5000 ? 100 : null),
};

if (import.meta.main) {
  const sizes = (argValue(process.argv, "--sizes") ?? "10,100,1000,3000,5000").split(",").map(Number);
  if (sizes.some((s) => !Number.isInteger(s) || s <= 0)) throw new Error("--sizes wants positive integers, e.g. 10,100,1000");
  sizes.sort((a, b) => a - b);
  const svMax = argNumber(process.argv, "--supervisord-max", Infinity);
  // 3 descriptors per program with redirect_stderr (pipe, pidfd, log file), and tend's reserve.
  const nofile = raiseNofile(Math.max(4096, 3 * sizes.at(-1)! + 2048));
  await withCleanup(async () => {
    const b = getBinaries();
    const header = [
      `tend ${b.tendVersion}; ${b.supervisordVersion ? `supervisord ${b.supervisordVersion}` : ""}`,
      `machine: ${machine()}; load average at start ${loadavg()}`,
      nofile,
      svMax < Infinity ? `supervisord skipped above ${svMax} programs (--supervisord-max)` : "",
    ].filter(Boolean);
    for (const h of header) log(h);
    const results: Record<Kind, Figures[]> = { tend: [], supervisord: [] };
    for (const n of sizes) {
      for (const kind of ["tend", "supervisord"] as const) {
        if (kind === "supervisord" && n > svMax) {
          log(`supervisord ${n}: skipped (--supervisord-max ${svMax})`);
          results[kind].push(SKIPPED);
          continue;
        }
        try {
          results[kind].push(await measure(kind, n));
        } catch (e) {
          // One size failing (a timeout on a loaded machine) leaves the others' figures.
          log(`${kind} ${n}: FAILED: ${(e as Error).message.split("\n")[0]}`);
          results[kind].push(SKIPPED);
        }
      }
    }
    log(`load average at the end ${loadavg()}`);

    const rows: Row[] = [];
    const row = (metric: string, unit: string, key: keyof Figures, i: number, target: number | null, note?: string) =>
      rows.push({ metric, unit, tend: results.tend[i]![key], supervisord: results.supervisord[i]![key], target, better: "lower", note });
    sizes.forEach((n, i) => {
      row(`launch → all RUNNING, ${n}`, "ms", "launchMs", i, TARGETS.launch!(n));
      row(`\`stop all\` (CLI), ${n}`, "ms", "stopMs", i, TARGETS.stop!(n));
      row(`\`start all\` (API), ${n}`, "ms", "startMs", i, TARGETS.start!(n));
      row(`API answer ${PROBE_AFTER_MS} ms into start all, ${n}`, "ms", "probeMs", i, TARGETS.probe!(n));
      row(`\`status\` -s (CLI), ${n}`, "ms", "statusMs", i, TARGETS.status!(n));
      rows.push({
        metric: `tend \`status\` -c tend.toml / -c x.conf, ${n}`,
        unit: "ms",
        tend: results.tend[i]!.statusTomlMs,
        supervisord: results.tend[i]!.statusConfMs,
        target: null,
        better: "lower",
        note: "both columns are tend's client: -c tend.toml | -c supervisord-style .conf",
      });
      const cpu = (k: Kind) => {
        const f = results[k][i]!;
        return f.cpuLaunchS + f.cpuStopS + f.cpuStartS;
      };
      rows.push({
        metric: `daemon CPU, launch + stop all + start all, ${n}`,
        unit: "s",
        tend: cpu("tend"),
        supervisord: cpu("supervisord"),
        target: null,
        better: "lower",
        note: `tend ${results.tend[i]!.cpuLaunchS.toFixed(2)} + ${results.tend[i]!.cpuStopS.toFixed(2)} + ${results.tend[i]!.cpuStartS.toFixed(2)} s; supervisord ${results.supervisord[i]!.cpuLaunchS.toFixed(2)} + ${results.supervisord[i]!.cpuStopS.toFixed(2)} + ${results.supervisord[i]!.cpuStartS.toFixed(2)} s`,
      });
      row(`daemon peak RSS (VmHWM), ${n}`, "MB", "peakRssMb", i, null);
    });
    const slopeRow = (metric: string, key: keyof Figures, target: number | null) =>
      rows.push({
        metric: `log-log slope, ${metric}, ${sizes.find((s) => s >= 1000) ?? "?"} → ${sizes.at(-1)}`,
        unit: "",
        tend: slope(sizes, results.tend.map((f) => f[key])),
        supervisord: slope(sizes, results.supervisord.map((f) => f[key])),
        target,
        better: "lower",
      });
    // Only with a size ≥ 1000 and a larger one to compare it with.
    const from = sizes.findIndex((s) => s >= 1000);
    if (from >= 0 && from < sizes.length - 1) {
      slopeRow("launch", "launchMs", null);
      slopeRow("stop all", "stopMs", 1.1);
      slopeRow("start all", "startMs", null);
      slopeRow("status -s", "statusMs", null);
    }
    printRows(`scale (${sizes.join(", ")} programs)`, rows);
    console.log(`\n${header.join("\n")}\n\n${markdownTable(rows)}`);
  });
}

