// A slow disk under one program, tend vs supervisord, in one run: program "slow" logs a line
// every 10 ms to a file on a disk whose every write takes 50 ms (a FUSE passthrough,
// test/fixtures/fs/slow-disk.py); program "fast" logs a line carrying its wall-clock time
// every 20 ms to a file on the ordinary disk. Measured: how long each of fast's lines takes
// to reach its log file (arrival − stamp, found by polling the file every millisecond). With
// nothing slow, both supervisors take about a millisecond; the question is what the slow disk
// does to the program that is not on it.
//
//   bun bench/slow-disk.ts [--lines 200] [--delay-ms 50]     (root and python3-fusepy)

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  argNumber, freshDir, getBinaries, log, markdownTable, nowReal, onCleanup, printRows, ROOT, summarize, withCleanup, type Row,
} from "./lib.ts";

const SLOW_DISK = join(ROOT, "test", "fixtures", "fs", "slow-disk.py");

function script(dir: string, name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/bash\n${body}\n`, { mode: 0o755 });
  return p;
}

async function mountSlowDisk(dir: string, delayMs: number): Promise<string> {
  const back = join(dir, "back");
  const mnt = join(dir, "mnt");
  mkdirSync(back);
  mkdirSync(mnt);
  const fuse = Bun.spawn(["/usr/bin/python3", SLOW_DISK, back, mnt, String(delayMs / 1000), join(dir, "no-hold")], {
    stdout: "ignore",
    stderr: "ignore",
  });
  onCleanup(async () => {
    Bun.spawnSync(["umount", mnt]);
    await Promise.race([fuse.exited, Bun.sleep(5000)]);
    if (fuse.exitCode === null) {
      fuse.kill("SIGKILL");
      Bun.spawnSync(["umount", "-l", mnt]);
    }
  });
  const deadline = performance.now() + 10_000;
  while (!readFileSync("/proc/self/mounts", "utf8").includes(` ${mnt} fuse`)) {
    if (performance.now() > deadline) throw new Error("the slow disk did not mount");
    await Bun.sleep(20);
  }
  return mnt;
}

/** Start a supervisor; the returned function stops it (also run at cleanup). */
function spawnDaemon(argv: string[], dir: string): () => Promise<void> {
  const p = Bun.spawn(argv, { cwd: dir, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  const stop = async () => {
    if (p.exitCode === null) {
      p.kill("SIGTERM");
      await Promise.race([p.exited, Bun.sleep(15_000)]);
      if (p.exitCode === null) p.kill("SIGKILL");
    }
  };
  onCleanup(stop);
  return stop;
}

/** Poll `path` every millisecond; the latency of each new "T <epoch seconds>" line. */
async function lineLatencies(path: string, samples: number): Promise<number[]> {
  const got: number[] = [];
  let seen = 0;
  const deadline = performance.now() + 60_000 + samples * 100;
  while (got.length < samples + 10) {
    if (performance.now() > deadline) throw new Error(`${path}: only ${got.length} lines arrived`);
    await Bun.sleep(1);
    if (!existsSync(path)) continue;
    const text = readFileSync(path, "utf8");
    const now = nowReal();
    const complete = text.slice(0, text.lastIndexOf("\n") + 1);
    if (complete.length <= seen) continue;
    for (const l of complete.slice(seen).split("\n")) {
      const m = /^T (\d+\.\d+)$/.exec(l);
      if (m) got.push(now - Number(m[1]) * 1000);
    }
    seen = complete.length;
  }
  return got.slice(10); // the first lines arrive while things start up
}

async function run(label: "tend" | "supervisord", samples: number, delayMs: number): Promise<number[]> {
  const bins = getBinaries();
  const dir = freshDir(`slow-disk-${label}`);
  const mnt = await mountSlowDisk(dir, delayMs);
  const slow = script(dir, "slow.sh", `while true; do echo "slow line $EPOCHREALTIME"; sleep 0.01; done`);
  const fast = script(dir, "fast.sh", `while true; do echo "T $EPOCHREALTIME"; sleep 0.02; done`);
  const fastLog = join(dir, "fast.out.log");
  let stop: () => Promise<void>;
  if (label === "tend") {
    const conf = join(dir, "tend.toml");
    writeFileSync(
      conf,
      `[daemon]\nsocket = "${join(dir, "tend.sock")}"\nlog_dir = "${dir}"\n` +
        `[program.slow]\ncommand = "${slow}"\nstartsecs = 0\nstdout_logfile = "${join(mnt, "slow.out.log")}"\n` +
        `[program.fast]\ncommand = "${fast}"\nstartsecs = 0\nstdout_logfile = "${fastLog}"\n`,
    );
    stop = spawnDaemon([bins.tend, "daemon", "-c", conf], dir);
  } else {
    const conf = join(dir, "supervisord.conf");
    writeFileSync(
      conf,
      `[unix_http_server]\nfile=${join(dir, "sd.sock")}\n[supervisord]\nlogfile=${join(dir, "supervisord.log")}\npidfile=${join(dir, "sd.pid")}\nchildlogdir=${dir}\n` +
        `[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n` +
        `[program:slow]\ncommand=${slow}\nstartsecs=0\nstdout_logfile=${join(mnt, "slow.out.log")}\n` +
        `[program:fast]\ncommand=${fast}\nstartsecs=0\nstdout_logfile=${fastLog}\n`,
    );
    stop = spawnDaemon([bins.supervisord, "-n", "-c", conf], dir);
  }
  const got = await lineLatencies(fastLog, samples);
  await stop(); // before the other supervisor runs: one at a time on the machine
  log(`${label}: ${got.length} lines of the fast program`);
  return got;
}

if (import.meta.main) {
  const fuseReady =
    process.getuid?.() === 0 &&
    existsSync("/dev/fuse") &&
    existsSync("/usr/bin/python3") &&
    Bun.spawnSync(["/usr/bin/python3", "-c", "import fusepy"], { stderr: "ignore" }).exitCode === 0;
  if (!fuseReady) {
    console.error("bench/slow-disk.ts needs root, /dev/fuse and Debian's python3-fusepy");
    process.exit(2);
  }
  await withCleanup(async () => {
    const samples = argNumber(process.argv, "--lines", 200);
    const delayMs = argNumber(process.argv, "--delay-ms", 50);
    const tend = summarize(await run("tend", samples, delayMs));
    const supervisord = summarize(await run("supervisord", samples, delayMs));
    const note = `another program logs to a disk whose writes take ${delayMs} ms`;
    const rows: Row[] = [
      { metric: "fast program's line to its log, median", unit: "ms", tend: tend.p50, supervisord: supervisord.p50, target: null, better: "lower", note },
      { metric: "fast program's line to its log, p90", unit: "ms", tend: tend.p90, supervisord: supervisord.p90, target: null, better: "lower", note: "" },
      { metric: "fast program's line to its log, p99", unit: "ms", tend: tend.p99, supervisord: supervisord.p99, target: null, better: "lower", note: "" },
    ];
    printRows("a slow disk under one program", rows);
    console.log(`\n${markdownTable(rows)}`);
  });
}
