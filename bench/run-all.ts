// Runs every benchmark, tend (compiled dist/tend) and supervisord side by side, and prints one
// table (plain text, and markdown ready for BENCHMARKS.md). Takes ≈ 5 minutes with defaults.
//
//   bun bench/run-all.ts [--idle-secs 60] [--settle 35] [--samples 100] [--runs 5] [--stop-runs 10]
//                        [--status-runs 30] [--poll-ms 50] [--only status,restart,startup,stop,idle]
//                        [--json results.json]
//   bun bench/run-all.ts --quick      # idle window 15 s after a 5 s settle, 3/5 runs, 50 restarts
//
// Needs: `npm run build` (dist/tend) and `apt-get install -y supervisor`. $TEND_BIN picks another
// tend binary; BENCH_KEEP=1 keeps the temp dirs.

import { writeFileSync } from "node:fs";
import { benchIdle } from "./idle.ts";
import { argNumber, argValue, getBinaries, loadavg, log, machine, markdownTable, printRows, withCleanup, type Row } from "./lib.ts";
import { benchRestart } from "./restart-latency.ts";
import { benchStartup } from "./startup.ts";
import { benchStatus } from "./status.ts";
import { benchStopAll } from "./stop-all.ts";

const argv = process.argv.slice(2);
if (argv.includes("-h") || argv.includes("--help")) {
  console.log("usage: bun bench/run-all.ts [--quick] [--idle-secs N] [--settle N] [--samples N] [--runs N] [--stop-runs N] [--status-runs N] [--poll-ms N] [--only a,b] [--json FILE]");
  process.exit(0);
}
const quick = argv.includes("--quick");
const opts = {
  idleSecs: argNumber(argv, "--idle-secs", quick ? 15 : 60),
  settle: argNumber(argv, "--settle", quick ? 5 : 35),
  samples: argNumber(argv, "--samples", quick ? 50 : 100),
  runs: argNumber(argv, "--runs", quick ? 3 : 5),
  stopRuns: argNumber(argv, "--stop-runs", quick ? 5 : 10),
  statusRuns: argNumber(argv, "--status-runs", 30),
  pollMs: argNumber(argv, "--poll-ms", 50),
};
const ALL = ["status", "restart", "startup", "stop", "idle"] as const;
const only = (argValue(argv, "--only")?.split(",") ?? [...ALL]) as string[];
for (const o of only) if (!(ALL as readonly string[]).includes(o)) throw new Error(`--only: unknown benchmark "${o}" (known: ${ALL.join(", ")})`);
const jsonOut = argValue(argv, "--json");

await withCleanup(async () => {
  const bins = getBinaries();
  const header = [
    `date:        ${new Date().toISOString()}`,
    `machine:     ${machine()}`,
    `tend:        ${bins.tendVersion} (${process.env.TEND_BIN ? bins.tend : "copy of dist/tend"})`,
    `supervisord: ${bins.supervisordVersion} (${bins.supervisord}, Python ${Bun.spawnSync(["/usr/bin/python3", "--version"]).stdout.toString().trim().replace(/^Python /, "")})`,
    `bun (bench): ${Bun.version}`,
    `load avg:    ${loadavg()} at the start (1, 5, 15 min)`,
    `command:     bun bench/run-all.ts ${argv.join(" ")}`.trimEnd(),
    `options:     ${JSON.stringify(opts)}`,
  ].join("\n");
  console.log(header);
  const load1 = Number(loadavg().split(" ")[0]);
  if (load1 > 1.5) log(`WARNING: load average ${load1} on ${navigator.hardwareConcurrency} CPUs: other work is running, timings will be noisy (both tools alike)`);
  const rows: Row[] = [];
  const section = async (name: (typeof ALL)[number], title: string, fn: () => Promise<{ rows: Row[] }>) => {
    if (!only.includes(name)) return;
    log(`── ${title} ── (load average ${loadavg()})`);
    const t0 = performance.now();
    const r = await fn();
    printRows(title, r.rows);
    log(`${title}: ${((performance.now() - t0) / 1000).toFixed(0)} s (load average ${loadavg()})`);
    rows.push(...r.rows);
  };
  await section("status", "status wall time", () => benchStatus({ runs: opts.statusRuns }));
  await section("restart", "crash → restart latency", () => benchRestart({ samples: opts.samples }));
  await section("startup", "time to 100 programs RUNNING", () => benchStartup({ runs: opts.runs, pollMs: opts.pollMs }));
  await section("stop", "stop all", () => benchStopAll({ runs: opts.stopRuns }));
  await section("idle", "idle cost", () => benchIdle({ secs: opts.idleSecs, settle: opts.settle }));

  console.log(`\nload average at the end: ${loadavg()}`);
  console.log(`\n== summary (ratio = supervisord ÷ tend; > 1 means tend is better) ==\n`);
  console.log(markdownTable(rows));
  console.log("\nnotes:");
  for (const r of rows) if (r.note) console.log(`- ${r.metric.trim()}: ${r.note}`);
  if (jsonOut) {
    writeFileSync(jsonOut, JSON.stringify({ header, opts, rows }, null, 2));
    log(`wrote ${jsonOut}`);
  }
});
