// Time to 100 programs RUNNING (startsecs=0), from the daemon's launch (just before spawn()).
//
// Two views, each over --runs fresh daemons per tool:
//  - polled: the bench asks the API for every program's state every --poll-ms (default 50 ms)
//    from the launch on; the figure is when the first answer showing all 100 RUNNING arrived.
//    Resolution is the poll interval. Polling changes supervisord's timing (each request wakes
//    its 1 s poll loop, see supervisord-api.md §11), so the same rate is used for both.
//    Also reported: when the 100th fixture process had started (latest stamp), in that run.
//  - unpolled: nobody talks to the daemon; the figure is the latest of the 100 fixture stamps,
//    i.e. when the last program's process was up. This is what a host sees at boot.
//
//   bun bench/startup.ts [--runs 5] [--poll-ms 50]

import { closeSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { argNumber, fmtMs, freshDir, isAlive, log, makeDaemon, median, nowReal, printRows, readStamps, sleep, withCleanup, writeFixture, type Daemon, type Kind, type Row } from "./lib.ts";

const N = 100;

function lastStamp(d: Daemon): number | null {
  let max = 0;
  for (const n of d.names) {
    const s = readStamps(d.stampFile(n))[0];
    if (!s) return null;
    max = Math.max(max, s.t);
  }
  return max;
}

function firstStamp(d: Daemon): number {
  return Math.min(...d.names.map((n) => readStamps(d.stampFile(n))[0]?.t ?? Infinity));
}

async function polledRun(kind: Kind, pollMs: number): Promise<{ running: number; spawned: number }> {
  const d = makeDaemon(kind, { programs: N });
  try {
    d.launch();
    const t = await d.waitAllRunning(pollMs);
    // With startsecs=0 a program is RUNNING as soon as it is spawned, possibly before its
    // fixture has written its stamp: wait for the stamps (not part of the RUNNING figure).
    let last: number | null;
    const until = performance.now() + 10_000;
    while ((last = lastStamp(d)) === null) {
      if (performance.now() > until) throw new Error(`${kind}: all RUNNING but some program never stamped within 10 s`);
      await sleep(2);
    }
    return { running: t - d.launchedAt, spawned: last - d.launchedAt };
  } finally {
    await d.stop();
  }
}

async function unpolledRun(kind: Kind): Promise<{ first: number; last: number }> {
  const d = makeDaemon(kind, { programs: N });
  try {
    d.launch();
    const deadline = performance.now() + 30_000;
    let last: number | null;
    while ((last = lastStamp(d)) === null) {
      if (performance.now() > deadline) throw new Error(`${kind}: not all ${N} programs started within 30 s`);
      await sleep(5);
    }
    // Only now (outside the measurement) check the daemon agrees.
    await d.waitAllRunning(50, 10_000);
    return { first: firstStamp(d) - d.launchedAt, last: last - d.launchedAt };
  } finally {
    await d.stop();
  }
}

/**
 * The floor: this bench process itself calls Bun.spawn for 100 fixtures in a row (stdout and
 * stderr to one log file, no supervisor logic), from the first call to the 100th stamp.
 */
async function spawnFloor(): Promise<{ loop: number; last: number }> {
  const dir = freshDir("spawnfloor");
  const fixture = writeFixture(dir);
  mkdirSync(join(dir, "stamps"));
  const out = openSync(join(dir, "out.log"), "a");
  const procs: ReturnType<typeof Bun.spawn>[] = [];
  const t0 = nowReal();
  try {
    for (let i = 0; i < N; i++) procs.push(Bun.spawn([fixture, join(dir, "stamps", `p${i}`)], { stdin: "ignore", stdout: out, stderr: out }));
    const loop = nowReal() - t0;
    let last = 0;
    for (let i = 0; i < N; i++) {
      let st;
      while (!(st = readStamps(join(dir, "stamps", `p${i}`))[0])) await sleep(2);
      last = Math.max(last, st.t);
    }
    return { loop, last: last - t0 };
  } finally {
    closeSync(out);
    for (const p of procs) if (isAlive(p.pid)) p.kill("SIGKILL");
    await Promise.all(procs.map((p) => p.exited));
  }
}

export async function benchStartup(opts: { runs: number; pollMs: number }): Promise<{ rows: Row[] }> {
  const polled: Record<Kind, { running: number[]; spawned: number[] }> = { tend: { running: [], spawned: [] }, supervisord: { running: [], spawned: [] } };
  const unpolled: Record<Kind, number[]> = { tend: [], supervisord: [] };
  const firsts: Record<Kind, number[]> = { tend: [], supervisord: [] };
  // One discarded warm-up per tool (page cache, Python bytecode cache), then --runs measured.
  for (const kind of ["tend", "supervisord"] as const) await polledRun(kind, opts.pollMs);
  for (let i = 0; i < opts.runs; i++) {
    for (const kind of ["tend", "supervisord"] as const) {
      const p = await polledRun(kind, opts.pollMs);
      polled[kind].running.push(p.running);
      polled[kind].spawned.push(p.spawned);
      const u = await unpolledRun(kind);
      unpolled[kind].push(u.last);
      firsts[kind].push(u.first);
      log(
        `run ${i + 1}/${opts.runs} ${kind}: polled: all RUNNING ${fmtMs(p.running)}, 100th started ${fmtMs(p.spawned)}; ` +
          `unpolled: 1st started ${fmtMs(u.first)}, 100th ${fmtMs(u.last)}`,
      );
    }
  }
  const floors: number[] = [];
  for (let i = 0; i < 3; i++) {
    const f = await spawnFloor();
    floors.push(f.last);
    log(`floor: the bench Bun.spawn-ing ${N} fixtures in a loop: loop ${fmtMs(f.loop)}, first call → 100th stamp ${fmtMs(f.last)}`);
  }
  const m = (xs: number[]) => median(xs);
  const rows: Row[] = [
    {
      metric: `100 programs RUNNING (API polled every ${opts.pollMs} ms)`,
      unit: "ms",
      tend: m(polled.tend.running),
      supervisord: m(polled.supervisord.running),
      target: 300,
      better: "lower",
      note: `median of ${opts.runs} fresh daemons each, from spawn() of the daemon; resolution ${opts.pollMs} ms`,
    },
    {
      metric: "  …100th process started (same polled runs)",
      unit: "ms",
      tend: m(polled.tend.spawned),
      supervisord: m(polled.supervisord.spawned),
      target: null,
      better: "lower",
    },
    {
      metric: "100th process started, no client traffic",
      unit: "ms",
      tend: m(unpolled.tend),
      supervisord: m(unpolled.supervisord),
      target: null,
      better: "lower",
      note:
        `from the fixtures' own start stamps; nothing talks to the daemon until all 100 are up. ` +
        `1st process started: tend ${fmtMs(m(firsts.tend))}, supervisord ${fmtMs(m(firsts.supervisord))}. ` +
        `Floor: the bench itself Bun.spawn-ing the 100 fixtures in a loop takes ${fmtMs(m(floors))} (median of 3)`,
    },
  ];
  return { rows };
}

if (import.meta.main) {
  const runs = argNumber(process.argv, "--runs", 5);
  const pollMs = argNumber(process.argv, "--poll-ms", 50);
  await withCleanup(async () => {
    const { rows } = await benchStartup({ runs, pollMs });
    printRows("time to 100 programs RUNNING", rows);
  });
}
