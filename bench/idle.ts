// Idle cost with 100 programs RUNNING. Both daemons run side by side (each in its own temp dir);
// once the API shows all 100 RUNNING (polled every 50 ms, then never again), nothing talks to
// either daemon and the bench only reads /proc, which does not wake the process:
//  - CPU: utime+stime of /proc/PID/stat (1/100 s ticks; includes threads that have exited),
//    and per-thread /proc/PID/task/TID/schedstat run time (ns) as a finer lower bound;
//  - wake-ups: per-thread schedstat "timeslices" (each is one trip onto a CPU: a wake-up or a
//    preemption) summed over all threads, plus in how many 1-s intervals the daemon ran at all;
//  - memory: VmRSS (and its RssAnon/RssFile split) of the daemon pid at the end.
// The daemon pid is tend's own process, and supervisord's python3 process.
//
// Two phases, measured back to back:
//  - warm-down: the first --settle seconds (default 35) after all 100 are RUNNING. Bun runs a
//    1 s GC timer for its first ~30 s, then slows it to 30 s; this phase shows that.
//  - steady: the next --secs seconds (default 60): what a long-running daemon costs.
//
//   bun bench/idle.ts [--secs 60] [--settle 35]
// Environment variables pass through to both daemons, e.g. BUN_GC_TIMER_DISABLE=1 to see tend
// without Bun's GC timer.

import { argNumber, fmtMs, log, makeDaemon, printRows, procSample, sleep, withCleanup, type Daemon, type Kind, type ProcSample, type Row } from "./lib.ts";

const N = 100;
const STEP_MS = 200;

interface Acc {
  runNs: number;
  slices: number;
  ctxt: number;
  newThreads: number;
  byComm: Map<string, number>;
  activeSeconds: Set<number>;
  /** wake-ups in each 1-s interval */
  perSecond: number[];
}
const newAcc = (): Acc => ({ runNs: 0, slices: 0, ctxt: 0, newThreads: 0, byComm: new Map(), activeSeconds: new Set(), perSecond: [] });

/** Add the per-thread deltas from `a` to `b`; returns how many wake-ups that was. */
function accumulate(acc: Acc, a: ProcSample, b: ProcSample): number {
  let ran = 0;
  for (const [tid, t] of b.threads) {
    const old = a.threads.get(tid);
    if (!old) acc.newThreads++;
    const slices = t.slices - (old?.slices ?? 0);
    acc.slices += slices;
    acc.ctxt += t.ctxt - (old?.ctxt ?? 0);
    acc.runNs += t.runNs - (old?.runNs ?? 0);
    if (slices > 0) {
      ran += slices;
      acc.byComm.set(t.comm, (acc.byComm.get(t.comm) ?? 0) + slices);
    }
  }
  return ran;
}

export interface PhaseResult {
  secs: number;
  cpuPctTicks: number;
  cpuPctRun: number;
  wakeups: number;
  ctxt: number;
  activeSeconds: number;
  newThreads: number;
  byThread: string;
  /** wake-ups per 1-s interval, as a string of digits (9 = 9 or more) */
  timeline: string;
  end: ProcSample;
}

/**
 * Sample every 200 ms for `secs`. Threads come and go (Bun/JSC helper threads), so per-thread
 * counters are accumulated between consecutive samples: a thread seen for the first time
 * contributes all of its counts, a thread that died loses at most its last 200 ms.
 */
async function observe(daemons: Record<Kind, Daemon>, secs: number): Promise<Record<Kind, PhaseResult>> {
  const start: Record<Kind, ProcSample> = { tend: procSample(daemons.tend.pid), supervisord: procSample(daemons.supervisord.pid) };
  const prev = { ...start };
  const acc: Record<Kind, Acc> = { tend: newAcc(), supervisord: newAcc() };
  const t0 = performance.now();
  const steps = Math.round((secs * 1000) / STEP_MS);
  for (let i = 1; i <= steps; i++) {
    await sleep(t0 + i * STEP_MS - performance.now());
    for (const kind of ["tend", "supervisord"] as const) {
      const cur = procSample(daemons[kind].pid);
      const woke = accumulate(acc[kind], prev[kind], cur);
      const sec = Math.ceil((i * STEP_MS) / 1000);
      acc[kind].perSecond[sec - 1] = (acc[kind].perSecond[sec - 1] ?? 0) + woke;
      if (woke) acc[kind].activeSeconds.add(sec);
      prev[kind] = cur;
    }
  }
  const elapsed = (performance.now() - t0) / 1000;
  const out = {} as Record<Kind, PhaseResult>;
  for (const kind of ["tend", "supervisord"] as const) {
    const a = acc[kind];
    out[kind] = {
      secs: elapsed,
      cpuPctTicks: ((prev[kind].ticks - start[kind].ticks) / 100 / elapsed) * 100,
      cpuPctRun: (a.runNs / 1e9 / elapsed) * 100,
      wakeups: a.slices,
      ctxt: a.ctxt,
      activeSeconds: a.activeSeconds.size,
      newThreads: a.newThreads,
      byThread: [...a.byComm].map(([c, n]) => `${c} ${n}`).join(", ") || "none",
      timeline: Array.from({ length: Math.round(secs) }, (_, i) => String(Math.min(9, a.perSecond[i] ?? 0))).join(""),
      end: prev[kind],
    };
  }
  return out;
}

function describe(kind: Kind, phase: string, x: PhaseResult): string {
  const secs = Math.round(x.secs);
  return (
    `${kind} ${phase} (${secs} s, ${x.end.threads.size} threads at the end, ${x.newThreads} created): ` +
    `CPU ${x.cpuPctTicks.toFixed(3)} % (ticks), ≥ ${x.cpuPctRun.toFixed(4)} % (schedstat); ` +
    `${x.wakeups} wake-ups (${x.ctxt} context switches), ran in ${x.activeSeconds} of ${secs} 1-s intervals; by thread: ${x.byThread}\n` +
    `    wake-ups per second: ${x.timeline}`
  );
}

export async function benchIdle(opts: { secs: number; settle: number }): Promise<{ rows: Row[]; warm: Record<Kind, PhaseResult>; steady: Record<Kind, PhaseResult> }> {
  const daemons = { tend: makeDaemon("tend", { programs: N }), supervisord: makeDaemon("supervisord", { programs: N }) } as Record<Kind, Daemon>;
  try {
    for (const d of Object.values(daemons)) d.launch();
    for (const d of Object.values(daemons)) await d.waitAllRunning(50);
    log(`warm-down: ${opts.settle} s after all RUNNING, no client traffic…`);
    const warm = await observe(daemons, opts.settle);
    for (const kind of ["tend", "supervisord"] as const) log(describe(kind, "warm-down", warm[kind]));
    log(`steady window: ${opts.secs} s, no client traffic…`);
    const steady = await observe(daemons, opts.secs);
    for (const kind of ["tend", "supervisord"] as const) {
      const e = steady[kind].end;
      log(`${describe(kind, "steady", steady[kind])}; RSS ${(e.rssKb / 1024).toFixed(1)} MB (anon ${(e.rssAnonKb / 1024).toFixed(1)}, file ${(e.rssFileKb / 1024).toFixed(1)})`);
    }
    const t = steady.tend;
    const sv = steady.supervisord;
    const mb = (k: number) => (k / 1024).toFixed(1);
    const rows: Row[] = [
      {
        metric: `idle CPU, 100 programs, ${opts.secs} s steady window`,
        unit: "%",
        tend: t.cpuPctTicks,
        supervisord: sv.cpuPctTicks,
        target: null,
        better: "lower",
        note:
          `utime+stime ticks of the daemon pid, window starting ${opts.settle} s after all RUNNING; per-thread schedstat run time: ` +
          `tend ${fmtMs(t.cpuPctRun * t.secs * 10)}, supervisord ${fmtMs(sv.cpuPctRun * sv.secs * 10)} of CPU over the window`,
      },
      {
        metric: "idle: seconds with any wake-up, per minute",
        unit: "/min",
        tend: (t.activeSeconds / t.secs) * 60,
        supervisord: (sv.activeSeconds / sv.secs) * 60,
        // "no periodic wake-ups": the daemon should not run at all while nothing happens.
        target: 0,
        better: "lower",
        note:
          `1-s intervals of the steady window in which any thread of the daemon ran; per second: ` +
          `tend ${t.timeline}, supervisord ${sv.timeline}`,
      },
      {
        metric: "idle wake-ups, steady window (all threads)",
        unit: "/s",
        tend: t.wakeups / t.secs,
        supervisord: sv.wakeups / sv.secs,
        target: null,
        better: "lower",
        note:
          `schedstat timeslices over ${Math.round(t.secs)} s: tend ${t.wakeups} (${t.byThread}), ` +
          `supervisord ${sv.wakeups} (${sv.byThread})`,
      },
      {
        metric: `idle wake-ups, first ${opts.settle} s after start`,
        unit: "/s",
        tend: warm.tend.wakeups / warm.tend.secs,
        supervisord: warm.supervisord.wakeups / warm.supervisord.secs,
        target: null,
        better: "lower",
        note:
          `tend ran in ${warm.tend.activeSeconds} of ${Math.round(warm.tend.secs)} 1-s intervals (${warm.tend.byThread}; per second ${warm.tend.timeline}); ` +
          `CPU tend ${warm.tend.cpuPctTicks.toFixed(3)} %, supervisord ${warm.supervisord.cpuPctTicks.toFixed(3)} %`,
      },
      {
        metric: "RSS of the daemon, 100 programs",
        unit: "MB",
        tend: t.end.rssKb / 1024,
        supervisord: sv.end.rssKb / 1024,
        target: 40,
        better: "lower",
        note: `VmRSS at the end of the window; anon/file: tend ${mb(t.end.rssAnonKb)}/${mb(t.end.rssFileKb)} MB, supervisord ${mb(sv.end.rssAnonKb)}/${mb(sv.end.rssFileKb)} MB`,
      },
    ];
    return { rows, warm, steady };
  } finally {
    for (const d of Object.values(daemons)) await d.stop();
  }
}

if (import.meta.main) {
  const secs = argNumber(process.argv, "--secs", 60);
  const settle = argNumber(process.argv, "--settle", 35);
  await withCleanup(async () => {
    const { rows } = await benchIdle({ secs, settle });
    printRows("idle cost", rows);
  });
}
