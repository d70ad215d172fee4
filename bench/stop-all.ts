// `stop all` with 100 programs RUNNING: wall time of `tend -c CONF stop all` vs
// `supervisorctl -c CONF stop all` (CLI process included), --runs times on one daemon per
// tool: start all → wait until the API shows 100 RUNNING → settle 300 ms → time `stop all`.
// Right after the CLI returns, the bench counts fixture processes still alive (not zombies)
// and checks every program reads STOPPED: a stop that returns early would show up there.
//
//   bun bench/stop-all.ts [--runs 10]

import { argNumber, fmtMs, isAlive, log, makeDaemon, median, printRows, readStamps, sleep, withCleanup, type Daemon, type Kind, type Row } from "./lib.ts";

const N = 100;

async function oneStop(d: Daemon): Promise<{ ms: number; aliveAfter: number }> {
  await d.waitAllRunning(50);
  await sleep(300);
  const pids = d.names.map((n) => readStamps(d.stampFile(n)).at(-1)!.pid);
  const r = d.run(["stop", "all"]);
  const aliveAfter = pids.filter(isAlive).length;
  const stopped = r.out.split("\n").filter((l) => /stopped/i.test(l)).length;
  if (r.code !== 0 || stopped !== N) throw new Error(`${d.kind} stop all: exit ${r.code}, ${stopped} "stopped" lines:\n${r.out}`);
  const states = await d.services();
  const notStopped = states.filter((s) => s.state !== "STOPPED");
  if (notStopped.length) throw new Error(`${d.kind}: after stop all, ${notStopped.length} not STOPPED: ${JSON.stringify(notStopped.slice(0, 3))}`);
  return { ms: r.ms, aliveAfter };
}

export async function benchStopAll(opts: { runs: number }): Promise<{ rows: Row[] }> {
  const times: Record<Kind, number[]> = { tend: [], supervisord: [] };
  const alive: Record<Kind, number[]> = { tend: [], supervisord: [] };
  for (const kind of ["tend", "supervisord"] as const) {
    const d = makeDaemon(kind, { programs: N });
    try {
      d.launch();
      for (let i = 0; i < opts.runs; i++) {
        if (i > 0) {
          const r = d.run(["start", "all"]);
          if (r.code !== 0) throw new Error(`${kind} start all: exit ${r.code}\n${r.out}`);
        }
        const { ms, aliveAfter } = await oneStop(d);
        times[kind].push(ms);
        alive[kind].push(aliveAfter);
        log(`${kind} stop all #${i + 1}: ${fmtMs(ms)}, ${aliveAfter} of ${N} processes still alive when it returned`);
      }
    } finally {
      await d.stop();
    }
  }
  const rows: Row[] = [
    {
      metric: "`stop all`, 100 programs, median wall",
      unit: "ms",
      tend: median(times.tend),
      supervisord: median(times.supervisord),
      target: 200,
      better: "lower",
      note:
        `median of ${opts.runs}; min/max tend ${fmtMs(Math.min(...times.tend))}/${fmtMs(Math.max(...times.tend))}, ` +
        `supervisord ${fmtMs(Math.min(...times.supervisord))}/${fmtMs(Math.max(...times.supervisord))}; ` +
        `processes still alive when the CLI returned: tend ${Math.max(...alive.tend)}, supervisord ${Math.max(...alive.supervisord)} (max over runs)`,
    },
  ];
  return { rows };
}

if (import.meta.main) {
  const runs = argNumber(process.argv, "--runs", 10);
  await withCleanup(async () => {
    const { rows } = await benchStopAll({ runs });
    printRows("stop all", rows);
  });
}
