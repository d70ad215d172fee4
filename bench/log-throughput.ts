// Program output, tend vs supervisord vs no supervisor, in one run:
// 1. throughput: a program writes N bytes (default 500 MB) to stdout as fast as it can; the
//    time from its first byte (a stamp it writes just before) until the log file holds all
//    N bytes. "direct" is the same program redirected straight to a file by the shell.
// 2. tail -f latency: a program writes a line carrying its wall-clock time every 20 ms;
//    `tend tail -f` and `supervisorctl tail -f` each print it; latency = arrival − stamp.
//
//   bun bench/log-throughput.ts [--mb 500] [--lines 200]

import { statSync, writeFileSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import {
  argNumber, freshDir, getBinaries, log, markdownTable, nowReal, onCleanup, printRows, summarize, withCleanup, type Row,
} from "./lib.ts";

const MB = 1024 * 1024;

function writer(dir: string, bytes: number): string {
  const p = join(dir, "spew.sh");
  // The stamp is taken by bash itself (no fork) right before the first byte.
  writeFileSync(p, `#!/bin/bash\necho "$EPOCHREALTIME" > "$1"\nhead -c ${bytes} /dev/zero\nexec -a tend-bench-fixture sleep infinity\n`, { mode: 0o755 });
  return p;
}

function ticker(dir: string): string {
  const p = join(dir, "ticker.sh");
  writeFileSync(p, `#!/bin/bash\nwhile true; do echo "T $EPOCHREALTIME"; sleep 0.02; done\n`, { mode: 0o755 });
  return p;
}

const stampMs = (file: string) => Number(readFileSync(file, "utf8").trim()) * 1000;

async function untilSize(path: string, bytes: number, timeoutMs = 120_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (existsSync(path) && statSync(path).size >= bytes) return nowReal();
    if (performance.now() > deadline) throw new Error(`${path} did not reach ${bytes} bytes`);
    await Bun.sleep(1);
  }
}

function spawnDaemon(argv: string[], dir: string): ReturnType<typeof Bun.spawn> {
  const p = Bun.spawn(argv, { cwd: dir, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  onCleanup(async () => {
    if (p.exitCode === null) {
      p.kill("SIGTERM");
      await Promise.race([p.exited, Bun.sleep(15_000)]);
      if (p.exitCode === null) p.kill("SIGKILL");
    }
  });
  return p;
}

function tendConf(dir: string, command: string[], maxbytes: string): string {
  const conf = join(dir, "tend.toml");
  writeFileSync(
    conf,
    `[daemon]\nsocket = "${join(dir, "tend.sock")}"\nlog_dir = "${join(dir, "log")}"\n` +
      `[program.w]\ncommand = ${JSON.stringify(command)}\nstartsecs = 0\nautorestart = false\nstdout_logfile_maxbytes = "${maxbytes}"\n`,
  );
  return conf;
}

function supervisordConf(dir: string, command: string[]): string {
  const conf = join(dir, "supervisord.conf");
  writeFileSync(
    conf,
    `[unix_http_server]\nfile=${join(dir, "sd.sock")}\n[supervisord]\nlogfile=${join(dir, "supervisord.log")}\npidfile=${join(dir, "sd.pid")}\nchildlogdir=${dir}\n` +
      `[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n` +
      `[supervisorctl]\nserverurl=unix://${join(dir, "sd.sock")}\n` +
      `[program:w]\ncommand=${command.join(" ")}\nstartsecs=0\nautorestart=false\nstdout_logfile=${join(dir, "w.out.log")}\nstdout_logfile_maxbytes=0\n`,
  );
  return conf;
}

async function throughput(bytes: number): Promise<Row[]> {
  const bins = getBinaries();
  // direct: the shell writes straight to the file.
  const dDir = freshDir("direct");
  const spew = writer(dDir, bytes);
  const t0 = nowReal();
  Bun.spawnSync(["bash", "-c", `head -c ${bytes} /dev/zero > ${join(dDir, "out")}`]);
  const direct = nowReal() - t0;

  const tDir = freshDir("tput-tend");
  const tStamp = join(tDir, "stamp");
  spawnDaemon([bins.tend, "daemon", "-c", tendConf(tDir, [writer(tDir, bytes), tStamp], "0")], tDir);
  const tDone = await untilSize(join(tDir, "log", "w.out.log"), bytes);
  const tend = tDone - stampMs(tStamp);

  const sDir = freshDir("tput-supervisord");
  const sStamp = join(sDir, "stamp");
  spawnDaemon([bins.supervisord, "-n", "-c", supervisordConf(sDir, [writer(sDir, bytes), sStamp])], sDir);
  const sDone = await untilSize(join(sDir, "w.out.log"), bytes);
  const supervisord = sDone - stampMs(sStamp);
  void spew;
  log(`throughput: direct ${direct.toFixed(0)} ms, tend ${tend.toFixed(0)} ms, supervisord ${supervisord.toFixed(0)} ms for ${(bytes / MB).toFixed(0)} MiB`);
  const rate = (ms: number) => bytes / MB / (ms / 1000);
  return [
    { metric: `${(bytes / MB).toFixed(0)} MiB to the log, wall`, unit: "ms", tend, supervisord, target: null, better: "lower", note: `direct to a file: ${direct.toFixed(0)} ms; MiB/s: tend ${rate(tend).toFixed(0)}, supervisord ${rate(supervisord).toFixed(0)}, direct ${rate(direct).toFixed(0)}; tend ÷ direct throughput = ${(direct / tend).toFixed(2)}× (target ≥ 0.9×)` },
    // Rates in the note: the table compares times (lower is better) throughout.
  ];
}

async function followLatency(samples: number): Promise<Row[]> {
  const bins = getBinaries();
  const measure = async (argv: string[], label: string): Promise<number[]> => {
    const p = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "ignore" });
    onCleanup(() => void (p.exitCode === null && p.kill("SIGKILL")));
    const got: number[] = [];
    let partial = "";
    const dec = new TextDecoder();
    for await (const chunk of p.stdout as ReadableStream<Uint8Array>) {
      const now = nowReal();
      const text = partial + dec.decode(chunk, { stream: true });
      const lines = text.split("\n");
      partial = lines.pop()!;
      for (const l of lines) {
        const m = /^T (\d+\.\d+)$/.exec(l);
        if (m) got.push(now - Number(m[1]) * 1000);
      }
      // Skip the first lines (the initial tail), keep live ones.
      if (got.length >= samples + 20) break;
    }
    p.kill("SIGKILL");
    log(`tail -f ${label}: ${got.length} lines`);
    return got.slice(20);
  };
  const tDir = freshDir("follow-tend");
  const tConf = tendConf(tDir, [ticker(tDir)], "50MB");
  spawnDaemon([bins.tend, "daemon", "-c", tConf], tDir);
  await Bun.sleep(500);
  const tend = await measure([bins.tend, "-c", tConf, "tail", "-f", "w"], "tend");

  const sDir = freshDir("follow-supervisord");
  const sConf = supervisordConf(sDir, [ticker(sDir)]);
  spawnDaemon([bins.supervisord, "-n", "-c", sConf], sDir);
  await Bun.sleep(1500);
  const supervisord = await measure([bins.supervisorctl, "-c", sConf, "tail", "-f", "w"], "supervisord");
  const t = summarize(tend);
  const s = summarize(supervisord);
  return [
    { metric: "tail -f latency, median", unit: "ms", tend: t.p50, supervisord: s.p50, target: null, better: "lower", note: `${tend.length} / ${supervisord.length} lines` },
    { metric: "tail -f latency, p90", unit: "ms", tend: t.p90, supervisord: s.p90, target: null, better: "lower", note: "" },
    { metric: "tail -f latency, p99", unit: "ms", tend: t.p99, supervisord: s.p99, target: 10, better: "lower", note: "target p99 ≤ 10 ms" },
  ];
}

if (import.meta.main) {
  await withCleanup(async () => {
    const bytes = argNumber(process.argv, "--mb", 500) * 1_000_000;
    const rows = [...(await throughput(bytes)), ...(await followLatency(argNumber(process.argv, "--lines", 200)))];
    printRows("program output", rows);
    console.log(`\n${markdownTable(rows)}`);
  });
}
