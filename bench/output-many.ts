// Program output at disk speed, tend vs supervisord vs the floors, in one run (issue #16.3):
//   1 writer:   one program writes --mb MB (default 500) of 100-byte lines into a log file
//               rotated at 50 MB;
//   N writers:  --writers programs (default 20) write --mb/N MB each at the same moment, no
//               rotation.
// Every program waits for a "go" file, so all start together once the daemon is up; time =
// from "go" until the log files hold every byte. Floors, the same bytes without a supervisor:
// "pipe floor" = `yes | head -c N | cat > file` (what any supervisor reading a pipe does at
// best: one more process copying the bytes) and "direct" = `yes | head -c N > file`. RSS
// growth = the daemon's peak resident memory during the transfer minus just before it.
// Rounds alternate tend, supervisord and the floors; medians are printed.
//
//   npm run build && bun bench/output-many.ts [--mb 500] [--writers 20] [--rounds 3]

import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  argNumber, freshDir, getBinaries, loadavg, log, markdownTable, nowReal, onCleanup, printRows, quantile, withCleanup, type Row,
} from "./lib.ts";

const MB = 1_000_000;
const ROTATE_AT = 50 * MB;
const LINE = "x".repeat(99); // + "\n" from yes: 100-byte lines

function writerScript(dir: string): string {
  const p = join(dir, "spew.sh");
  // $1 ready marker, $2 go file, $3 bytes.
  writeFileSync(
    p,
    `#!/bin/bash\n: > "$1"\nwhile [ ! -e "$2" ]; do sleep 0.005; done\nyes ${LINE} | head -c "$3"\nexec -a tend-bench-fixture sleep infinity\n`,
    { mode: 0o755 },
  );
  return p;
}

/** Bytes in `base` and its rotated files (base.1, base.2, …). */
function bytesIn(base: string): number {
  const dir = base.slice(0, base.lastIndexOf("/"));
  const name = base.slice(base.lastIndexOf("/") + 1);
  let total = 0;
  for (const f of readdirSync(dir)) {
    if (f !== name && !f.startsWith(`${name}.`)) continue;
    try {
      total += statSync(join(dir, f)).size;
    } catch {
      /* rotated away meanwhile: counted under its new name on the next look */
    }
  }
  return total;
}

const rssKb = (pid: number): number => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? NaN);

interface Outcome {
  ms: number;
  rssGrowthMb: number;
  /** tend moved a log file to a writer thread (a write took ≥ 20 ms: a loaded machine). */
  moved: boolean;
}

async function waitFor(ok: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!ok()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

type Kind = "tend" | "supervisord";

/** One daemon, `n` programs, `bytes` each: time from "go" to every byte in the files. */
async function supervised(kind: Kind, n: number, bytes: number, rotate: boolean): Promise<Outcome> {
  const bins = getBinaries();
  const dir = freshDir(`out-${kind}`);
  const spew = writerScript(dir);
  const go = join(dir, "go");
  const logs: string[] = [];
  let conf: string;
  let argv: string[];
  if (kind === "tend") {
    let text = `[daemon]\nsocket = "${join(dir, "tend.sock")}"\nlog_dir = "${join(dir, "log")}"\n`;
    for (let i = 0; i < n; i++) {
      text +=
        `[program.w${i}]\ncommand = ${JSON.stringify([spew, join(dir, `ready.${i}`), go, String(bytes)])}\nstartsecs = 0\nautorestart = false\n` +
        `stdout_logfile_maxbytes = "${rotate ? ROTATE_AT : 0}"\nstdout_logfile_backups = 30\n`;
      logs.push(join(dir, "log", `w${i}.out.log`));
    }
    conf = join(dir, "tend.toml");
    writeFileSync(conf, text);
    argv = [bins.tend, "daemon", "-c", conf];
  } else {
    let text =
      `[unix_http_server]\nfile=${join(dir, "sd.sock")}\n[supervisord]\nlogfile=${join(dir, "supervisord.log")}\npidfile=${join(dir, "sd.pid")}\nchildlogdir=${dir}\n` +
      `[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n`;
    for (let i = 0; i < n; i++) {
      text +=
        `[program:w${i}]\ncommand=${spew} ${join(dir, `ready.${i}`)} ${go} ${bytes}\nstartsecs=0\nautorestart=false\n` +
        `stdout_logfile=${join(dir, `w${i}.out.log`)}\nstdout_logfile_maxbytes=${rotate ? ROTATE_AT : 0}\nstdout_logfile_backups=30\n`;
      logs.push(join(dir, `w${i}.out.log`));
    }
    conf = join(dir, "supervisord.conf");
    writeFileSync(conf, text);
    argv = [bins.supervisord, "-n", "-c", conf];
  }
  const p = Bun.spawn(argv, { cwd: dir, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  const stop = async () => {
    if (p.exitCode !== null) return;
    p.kill("SIGTERM");
    await Promise.race([p.exited, Bun.sleep(15_000)]);
    if (p.exitCode === null) p.kill("SIGKILL");
  };
  onCleanup(stop);
  await waitFor(() => Array.from({ length: n }, (_, i) => existsSync(join(dir, `ready.${i}`))).every(Boolean), `${kind}: ${n} programs up`);
  await Bun.sleep(200); // let the start settle before taking the baseline
  const before = rssKb(p.pid!);
  let peak = before;
  const t0 = nowReal();
  writeFileSync(go, "");
  const want = bytes;
  await waitFor(() => {
    peak = Math.max(peak, rssKb(p.pid!));
    return logs.every((l) => bytesIn(l) >= want);
  }, `${kind}: ${n} × ${bytes} bytes logged`, 300_000);
  const ms = nowReal() - t0;
  peak = Math.max(peak, rssKb(p.pid!));
  await stop();
  const daemonLog = join(dir, "log", "tend.log");
  const moved = kind === "tend" && existsSync(daemonLog) && readFileSync(daemonLog, "utf8").includes("written from a separate thread");
  return { ms, rssGrowthMb: (peak - before) / 1024, moved };
}

/** `n` shell pipelines at once, no supervisor: `yes | head -c B [| cat] > file`. */
async function floor(n: number, bytes: number, throughCat: boolean): Promise<number> {
  const dir = freshDir(throughCat ? "out-floor" : "out-direct");
  const t0 = nowReal();
  const procs = Array.from({ length: n }, (_, i) =>
    Bun.spawn(["bash", "-c", `yes ${LINE} | head -c ${bytes} ${throughCat ? "| cat " : ""}> ${join(dir, `w${i}`)}`], { stdin: "ignore", stdout: "ignore", stderr: "inherit" }),
  );
  await Promise.all(procs.map((p) => p.exited));
  return nowReal() - t0;
}

const median = (xs: number[]) => quantile(xs, 0.5);

async function scenario(label: string, n: number, total: number, rotate: boolean, rounds: number): Promise<Row[]> {
  const each = Math.floor(total / n);
  const t: Outcome[] = [];
  const s: Outcome[] = [];
  const piped: number[] = [];
  const direct: number[] = [];
  for (let r = 0; r < rounds; r++) {
    t.push(await supervised("tend", n, each, rotate));
    s.push(await supervised("supervisord", n, each, rotate));
    piped.push(await floor(n, each, true));
    direct.push(await floor(n, each, false));
    log(`${label} round ${r + 1}: tend ${t.at(-1)!.ms.toFixed(0)} ms (+${t.at(-1)!.rssGrowthMb.toFixed(1)} MB${t.at(-1)!.moved ? ", moved to a writer thread" : ""}), supervisord ${s.at(-1)!.ms.toFixed(0)} ms (+${s.at(-1)!.rssGrowthMb.toFixed(1)} MB), pipe floor ${piped.at(-1)!.toFixed(0)} ms, direct ${direct.at(-1)!.toFixed(0)} ms; load ${loadavg()}`);
  }
  const tm = median(t.map((o) => o.ms));
  const sm = median(s.map((o) => o.ms));
  const pm = median(piped);
  const dm = median(direct);
  return [
    {
      metric: `${label}, wall`, unit: "ms", tend: tm, supervisord: sm, target: null, better: "lower",
      note: `pipe floor (yes | head | cat > file) ${pm.toFixed(0)} ms, direct ${dm.toFixed(0)} ms; throughput ÷ supervisord ${(sm / tm).toFixed(2)}×, ÷ pipe floor ${(pm / tm).toFixed(2)}×, ÷ direct ${(dm / tm).toFixed(2)}× (medians of ${rounds}); rounds where tend moved a log to a writer thread: ${t.filter((o) => o.moved).length}`,
    },
    {
      metric: `${label}, daemon RSS growth`, unit: "MB", tend: median(t.map((o) => o.rssGrowthMb)), supervisord: median(s.map((o) => o.rssGrowthMb)), target: 8, better: "lower",
      note: `peak during the transfer − just before; tend per round: ${t.map((o) => o.rssGrowthMb.toFixed(1)).join(", ")}`,
    },
  ];
}

if (import.meta.main) {
  await withCleanup(async () => {
    const total = argNumber(process.argv, "--mb", 500) * MB;
    const writers = argNumber(process.argv, "--writers", 20);
    const rounds = argNumber(process.argv, "--rounds", 3);
    log(`load average at start: ${loadavg()}`);
    const rows = [
      ...(await scenario(`1 writer, ${total / MB} MB, rotated at 50 MB`, 1, total, true, rounds)),
      ...(await scenario(`${writers} writers, ${total / MB} MB in all`, writers, total, false, rounds)),
    ];
    log(`load average at end: ${loadavg()}`);
    printRows("program output, many writers", rows);
    console.log(`\n${markdownTable(rows)}`);
  });
}
