// `status` wall time with 10 programs RUNNING: `tend -c CONF status` (the compiled binary) vs
// `supervisorctl -c CONF status`, each a fresh process timed around Bun.spawnSync (output piped,
// so no tty and no colour). 3 warm-up runs, then --runs timed runs, alternating the two tools.
// The spawnSync overhead is shown by timing /bin/true the same way. A second row names the socket
// (`tend -s SOCK status`, `supervisorctl -s unix://SOCK status`) instead of the config file, to
// show what reading the config costs the client (supervisorctl then still reads
// /etc/supervisor/supervisord.conf if it exists, as it always does).
//
//   bun bench/status.ts [--runs 30]

import { argNumber, fmtMs, getBinaries, log, makeDaemon, printRows, summarize, withCleanup, type Daemon, type Kind, type Row, type Summary } from "./lib.ts";

function timeCmd(argv: string[], runs: number): Summary {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    Bun.spawnSync(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    xs.push(performance.now() - t0);
  }
  return summarize(xs);
}

export async function benchStatus(opts: { runs: number }): Promise<{ rows: Row[]; detail: Record<Kind, Summary>; floor: Summary }> {
  const daemons = { tend: makeDaemon("tend", { programs: 10 }), supervisord: makeDaemon("supervisord", { programs: 10 }) } as Record<Kind, Daemon>;
  try {
    for (const d of Object.values(daemons)) d.launch();
    for (const d of Object.values(daemons)) await d.waitAllRunning(50);
    const times: Record<Kind, number[]> = { tend: [], supervisord: [] };
    const timesSock: Record<Kind, number[]> = { tend: [], supervisord: [] };
    for (let i = 0; i < 3 + opts.runs; i++) {
      for (const kind of ["tend", "supervisord"] as const) {
        for (const via of ["config", "socket"] as const) {
          const r = daemons[kind].run(["status"], via);
          const lines = r.out.trim().split("\n").filter((l) => /\bRUNNING\b/.test(l));
          if (r.code !== 0 || lines.length !== 10) throw new Error(`${kind} status (${via}): exit ${r.code}, ${lines.length} RUNNING lines:\n${r.out}`);
          if (i >= 3) (via === "config" ? times : timesSock)[kind].push(r.ms);
        }
      }
    }
    const floor = timeCmd(["/bin/true"], opts.runs);
    const version = timeCmd([getBinaries().tend, "version"], opts.runs);
    const detail = { tend: summarize(times.tend), supervisord: summarize(times.supervisord) };
    for (const kind of ["tend", "supervisord"] as const) {
      const s = detail[kind];
      log(`${kind} status: median ${fmtMs(s.p50)}  p90 ${fmtMs(s.p90)}  min ${fmtMs(s.min)}  max ${fmtMs(s.max)} (${s.n} runs)`);
    }
    const sock = { tend: summarize(timesSock.tend), supervisord: summarize(timesSock.supervisord) };
    log(`with -s SOCKET: tend median ${fmtMs(sock.tend.p50)}, supervisorctl median ${fmtMs(sock.supervisord.p50)}`);
    log(`spawnSync(/bin/true) overhead: median ${fmtMs(floor.p50)}; \`tend version\` (cold start, no I/O): median ${fmtMs(version.p50)}`);
    const rows: Row[] = [
      {
        metric: "`status`, 10 programs, median wall",
        unit: "ms",
        tend: detail.tend.p50,
        supervisord: detail.supervisord.p50,
        target: 15,
        better: "lower",
        note: `${opts.runs} runs each after 3 warm-ups; p90 tend ${fmtMs(detail.tend.p90)}, supervisord ${fmtMs(detail.supervisord.p90)}; spawning /bin/true the same way: ${fmtMs(floor.p50)}`,
      },
      {
        metric: "  …same, naming the socket (-s) not the config",
        unit: "ms",
        tend: sock.tend.p50,
        supervisord: sock.supervisord.p50,
        target: null,
        better: "lower",
        note: `\`tend version\` (binary cold start, no socket, no config) timed the same way: ${fmtMs(version.p50)}`,
      },
    ];
    return { rows, detail, floor };
  } finally {
    for (const d of Object.values(daemons)) await d.stop();
  }
}

if (import.meta.main) {
  const runs = argNumber(process.argv, "--runs", 30);
  await withCleanup(async () => {
    const { rows } = await benchStatus({ runs });
    printRows("status wall time", rows);
  });
}
