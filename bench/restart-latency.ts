// Crash → restart latency: one program (autorestart=true, startsecs=0) whose fixture appends
// "PID $EPOCHREALTIME" to a stamp file the moment it starts. Per sample: wait until the API says
// RUNNING with the pid of the newest stamp, pause a random 20–120 ms, SIGKILL that pid, then
// watch only the stamp file (no API traffic in the measured window: a request would wake
// supervisord's poll loop early) until the next stamp appears. Latency = new stamp − kill time.
//
//   bun bench/restart-latency.ts [--samples 100]

import { argNumber, fixtureFloor, fmtMs, log, makeDaemon, nowReal, printRows, readStamps, sizeOf, sleep, summarize, withCleanup, type Daemon, type Kind, type Row, type Summary } from "./lib.ts";

async function sampleRestarts(d: Daemon, samples: number): Promise<{ latencies: number[]; spawns: number }> {
  const name = d.names[0]!;
  const file = d.stampFile(name);
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    // 1. The program is RUNNING, per the API, with the pid its latest stamp names.
    const deadline = performance.now() + 15_000;
    let pid = 0;
    for (;;) {
      const last = readStamps(file).at(-1);
      const svc = (await d.services().catch(() => [])).find((s) => s.name === name);
      if (last && svc?.state === "RUNNING" && svc.pid === last.pid) {
        pid = last.pid;
        break;
      }
      if (performance.now() > deadline) throw new Error(`${d.kind}: ${name} not RUNNING with a fresh stamp (api: ${JSON.stringify(svc)}, stamp: ${JSON.stringify(last)})`);
      await sleep(50);
    }
    await sleep(20 + Math.random() * 100);
    // 2. Kill it and watch the stamp file only.
    const before = sizeOf(file);
    const tKill = nowReal();
    process.kill(pid, "SIGKILL");
    const until = performance.now() + 10_000;
    while (sizeOf(file) === before) {
      if (performance.now() > until) throw new Error(`${d.kind}: no restart within 10 s of killing pid ${pid}`);
      await sleep(1);
    }
    let next = readStamps(file).at(-1)!;
    while (next.pid === pid) {
      await sleep(1);
      next = readStamps(file).at(-1)!;
    }
    latencies.push(next.t - tKill);
  }
  return { latencies, spawns: readStamps(file).length };
}

export async function benchRestart(opts: { samples: number }): Promise<{ rows: Row[]; detail: Record<Kind, Summary>; floor: Summary }> {
  const floor = await fixtureFloor(30);
  log(`fixture floor (Bun.spawn → its first stamp, no supervisor): median ${fmtMs(floor.p50)}, p99 ${fmtMs(floor.p99)}`);
  const detail = {} as Record<Kind, Summary>;
  for (const kind of ["tend", "supervisord"] as const) {
    const d = makeDaemon(kind, { programs: 1, prefix: "crash" });
    try {
      d.launch();
      await d.waitAllRunning(50);
      log(`${kind}: ${opts.samples} kill → restart samples…`);
      const { latencies } = await sampleRestarts(d, opts.samples);
      detail[kind] = summarize(latencies);
      const s = detail[kind];
      log(`${kind}: median ${fmtMs(s.p50)}  p90 ${fmtMs(s.p90)}  p99 ${fmtMs(s.p99)}  min ${fmtMs(s.min)}  max ${fmtMs(s.max)}`);
    } finally {
      await d.stop();
    }
  }
  const note = `${opts.samples} samples each; fixture floor (spawn → stamp, no supervisor) median ${fmtMs(floor.p50)}`;
  const rows: Row[] = [
    { metric: "crash → restart, median", unit: "ms", tend: detail.tend.p50, supervisord: detail.supervisord.p50, target: 5, better: "lower", note },
    { metric: "crash → restart, p99", unit: "ms", tend: detail.tend.p99, supervisord: detail.supervisord.p99, target: null, better: "lower" },
  ];
  return { rows, detail, floor };
}

if (import.meta.main) {
  const samples = argNumber(process.argv, "--samples", 100);
  await withCleanup(async () => {
    const { rows } = await benchRestart({ samples });
    printRows("crash → restart latency", rows);
  });
}
