// A log target that is slow, or stops taking writes altogether, holds up only the program
// that writes to it: the daemon keeps answering and every other program's output keeps
// reaching its log (src/logs/log-file.ts moves such files to a writer thread). Nothing is
// lost: once the target takes writes again, everything arrives, in order.

import { afterEach, describe, expect, test } from "bun:test";
import { closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeMethodCall, parseMethodResponse, type RpcValue } from "../../src/xmlrpc/codec.ts";
import { Daemon, fixture, makeTempDir, ROOT, tendArgv, waitFor } from "../helpers/daemon-harness.ts";

let d: Daemon | null = null;
const cleanups: Array<() => void | Promise<void>> = [];

afterEach(async () => {
  await d?.stop();
  for (const c of cleanups.splice(0).reverse()) await c();
  d?.cleanup();
  d = null;
});

const numbers = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${from + i}\n`).join("");
const read = (p: string) => (existsSync(p) ? readFileSync(p, "utf8") : "");

/** Ask a numbered-lines.sh program (its request file `req`) for `n` more lines. */
function requestLines(req: string, n: number): void {
  writeFileSync(`${req}.tmp`, String(n));
  renameSync(`${req}.tmp`, req);
}

/** Kernel function a process sleeps in ("pipe_write" when blocked on a full pipe). */
const wchan = (pid: number) => read(`/proc/${pid}/wchan`);

const rssBytes = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(read(`/proc/${pid}/status`))?.[1] ?? 0) * 1024;

/** While the log target is stuck, the daemon still serves the other program and the API. */
async function othersKeepGoing(dd: Daemon, req: string, upTo: number): Promise<void> {
  const out = join(dd.logDir, "steady.out.log");
  let have = read(out).split("\n").length - 1;
  while (have < upTo) {
    requestLines(req, 5);
    have += 5;
    await waitFor(() => read(out) === numbers(1, have), { what: `steady's lines 1-${have} in its log` });
    expect((await dd.services()).map((s) => s.name).sort()).toEqual(expect.arrayContaining(["steady"]));
  }
}

describe("a stalled log target holds up only its own program", () => {
  test("a FIFO nobody reads: the others go on, memory stays flat, nothing is lost or reordered", async () => {
    const dir = makeTempDir();
    const fifo = join(dir, "stalled.fifo");
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
    d = new Daemon(
      dir,
      `[program.stalled]\ncommand = ["seq", "1", "100000000"]\nstdout_logfile = "${fifo}"\nstartsecs = 0\nautorestart = false\n` +
        `[program.steady]\ncommand = ["${fixture("numbered-lines.sh")}", "0", "more"]\nstartsecs = 0\n`,
    );
    await d.start();
    const { pid } = await d.waitState("stalled", "RUNNING");
    const rssBefore = rssBytes(d.pid);
    // seq has filled the FIFO, the thread's queue and its own pipe: it is blocked writing.
    await waitFor(() => /pipe_write$/.test(wchan(pid!)), { what: "seq to block on its full pipe" });
    await othersKeepGoing(d, join(dir, "more"), 20);
    // Backpressure, not buffering: seq has up to 900 MB to write.
    expect(rssBytes(d.pid) - rssBefore).toBeLessThan(64 * 1024 * 1024);
    expect((await d.service("stalled")).state).toBe("RUNNING");

    // A reader comes: the output is all there, from the first line, in order.
    const reader = Bun.spawn(["head", "-c", "2000000", fifo], { stdout: "pipe", stderr: "ignore" });
    const got = await new Response(reader.stdout).text();
    expect(got.length).toBe(2_000_000);
    const lines = got.split("\n").slice(0, -1); // the last one may be cut by head
    expect(lines.length).toBeGreaterThan(200_000);
    lines.forEach((l, i) => {
      if (l !== String(i + 1)) throw new Error(`line ${i + 1} of the FIFO is ${JSON.stringify(l)}`);
    });

    // Stopping works while the target is stuck again, and so does shutting down: the
    // daemon does not wait forever for a log that takes no writes, and says so.
    expect((await d.cli("stop", "stalled")).code).toBe(0);
    await othersKeepGoing(d, join(dir, "more"), 25);
    expect(await d.stop()).toBe(0);
    expect(read(join(d.logDir, "tend.log"))).toContain(`exiting before these logs accepted all output: ${fifo}`);
  });

  test("a program writing to /dev/stdout of a daemon whose stdout nobody reads does not stall the daemon", async () => {
    const dir = makeTempDir();
    d = new Daemon(
      dir,
      `[program.loud]\ncommand = ["seq", "1", "100000000"]\nstdout_logfile = "/dev/stdout"\nstartsecs = 0\nautorestart = false\n` +
        `[program.steady]\ncommand = ["${fixture("numbered-lines.sh")}", "0", "more"]\nstartsecs = 0\n`,
    );
    // The daemon's stdout is a FIFO nobody reads for now (a container runtime that fell behind).
    const fifo = join(dir, "daemon-stdout.fifo");
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
    const fd = openSync(fifo, constants.O_RDWR);
    d.proc = Bun.spawn(tendArgv("daemon", "-c", d.configFile), { cwd: dir, stdin: "ignore", stdout: fd, stderr: "ignore" });
    closeSync(fd);
    await waitFor(async () => (await d!.api("GET", "/api/daemon").catch(() => null))?.ok, { what: "daemon socket" });
    const { pid } = await d.waitState("loud", "RUNNING");
    await waitFor(() => /pipe_write$/.test(wchan(pid!)), { what: "seq to block on its full pipe" });
    await othersKeepGoing(d, join(dir, "more"), 15);
    // Reading the daemon's stdout now gets loud's output from its first line.
    const reader = Bun.spawn(["head", "-c", "100000", fifo], { stdout: "pipe", stderr: "ignore" });
    const lines = (await new Response(reader.stdout).text()).split("\n").slice(0, -1);
    expect(lines.length).toBeGreaterThan(10_000);
    lines.forEach((l, i) => {
      if (l !== String(i + 1)) throw new Error(`line ${i + 1} on the daemon's stdout is ${JSON.stringify(l)}`);
    });
  });
});

describe("a console nobody reads (the daemon's stdout is a full pipe)", () => {
  /** A FIFO opened read-write and never read: writes to it block once it holds 64 KB. */
  function stuckConsole(dir: string): { fifo: string; fd: number } {
    const fifo = join(dir, "console.fifo");
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
    return { fifo, fd: openSync(fifo, constants.O_RDWR) };
  }

  /** Every "prefix N" line of `text` (bar a cut last one) numbers 1, 2, 3, … in order. */
  function inOrder(text: string, prefix: string, atLeast: number): void {
    const lines = text.split("\n").slice(0, -1);
    expect(lines.length).toBeGreaterThan(atLeast);
    lines.forEach((l, i) => {
      if (l !== `${prefix}${i + 1}`) throw new Error(`console line ${i + 1} is ${JSON.stringify(l)}`);
    });
  }

  test("console_output: the program waits for the console; the daemon answers, stops and exits", async () => {
    const dir = makeTempDir();
    d = new Daemon(dir, `[program.loud]\ncommand = ["seq", "1", "100000000"]\nstartsecs = 0\nautorestart = false\n`, "console_output = true");
    const { fifo, fd } = stuckConsole(dir);
    d.proc = Bun.spawn(tendArgv("daemon", "-c", d.configFile), { cwd: dir, stdin: "ignore", stdout: fd, stderr: "ignore" });
    closeSync(fd);
    await waitFor(async () => (await d!.api("GET", "/api/daemon").catch(() => null))?.ok, { what: "daemon socket" });
    const { pid } = await d.waitState("loud", "RUNNING");
    await waitFor(() => /pipe_write$/.test(wchan(pid!)), { what: "seq to block on its full pipe" });
    // Nothing is dropped: the log file has what the console has taken so far, and the
    // console, once read, starts at the first line.
    const reader = Bun.spawn(["head", "-c", "200000", fifo], { stdout: "pipe", stderr: "ignore" });
    inOrder(await new Response(reader.stdout).text(), "loud | ", 10_000);
    expect((await d.cli("stop", "loud")).code).toBe(0);
    expect(await d.stop()).toBe(0);
  });

  test("tend run: SIGTERM still stops the command and tend while its stdout is stuck", async () => {
    const dir = makeTempDir();
    const { fifo, fd } = stuckConsole(dir);
    const run = Bun.spawn(tendArgv("run", "--", "seq", "1", "100000000"), { cwd: dir, stdin: "ignore", stdout: fd, stderr: "pipe" });
    closeSync(fd);
    cleanups.push(() => {
      if (run.exitCode === null) run.kill("SIGKILL");
    });
    const seqPid = await waitFor(() => {
      const kids = read(`/proc/${run.pid}/task/${run.pid}/children`).trim().split(/\s+/).filter(Boolean).map(Number);
      return kids.find((k) => /pipe_write$/.test(wchan(k))) ?? null;
    }, { what: "seq to block on its full pipe" });
    expect(seqPid).toBeGreaterThan(0);
    const reader = Bun.spawn(["head", "-c", "100000", fifo], { stdout: "pipe", stderr: "ignore" });
    inOrder(await new Response(reader.stdout).text(), "", 10_000);
    run.kill("SIGTERM");
    expect(await waitFor(async () => (run.exitCode !== null ? String(run.exitCode) : null), { what: "tend run to exit" })).toBe("0");
  });
});

/** An XML-RPC call over the daemon's socket: its value, or throws with the fault. */
async function rpc(dd: Daemon, method: string, params: RpcValue[] = []): Promise<RpcValue> {
  const res = await fetch("http://localhost/RPC2", { method: "POST", body: encodeMethodCall(method, params), headers: { "content-type": "text/xml" }, unix: dd.socket });
  const r = parseMethodResponse(await res.text());
  if ("fault" in r) throw new Error(`${method}: fault ${r.fault.code} ${r.fault.text}`);
  return r.value;
}

/** `tend tail -f -n 100 NAME`, collecting what it prints; killed after the test. */
function follow(dd: Daemon, name: string): { text: () => string } {
  const p = Bun.spawn(tendArgv("-s", dd.socket, "tail", "-f", "-n", "100", name), {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "ignore",
    env: { ...process.env, NO_COLOR: "1" },
  });
  cleanups.push(() => void p.kill("SIGKILL"));
  let text = "";
  void (async () => {
    for await (const chunk of p.stdout) text += new TextDecoder().decode(chunk);
  })();
  return { text: () => text };
}

// ---- a real slow disk: a FUSE filesystem whose writes sleep, and hang on request ---------

const SLOW_DISK = join(ROOT, "test", "fixtures", "fs", "slow-disk.py");
const fuseReady =
  process.getuid?.() === 0 &&
  existsSync("/dev/fuse") &&
  existsSync("/usr/bin/python3") &&
  Bun.spawnSync(["/usr/bin/python3", "-c", "import fusepy"], { stderr: "ignore" }).exitCode === 0;

describe.skipIf(!fuseReady)("a slow disk (FUSE; needs root and python3-fusepy)", () => {
  async function mountSlowDisk(dir: string, delaySecs: number, subtype?: string): Promise<{ mnt: string; back: string; hold: string }> {
    const back = join(dir, "back");
    const mnt = join(dir, "mnt");
    const hold = join(dir, "hold");
    mkdirSync(back);
    mkdirSync(mnt);
    const argv = ["/usr/bin/python3", SLOW_DISK, back, mnt, String(delaySecs), hold, ...(subtype ? [subtype] : [])];
    const fuse = Bun.spawn(argv, { stdout: "ignore", stderr: "pipe" });
    cleanups.push(async () => {
      rmSync(hold, { force: true });
      Bun.spawnSync(["umount", mnt]);
      await Promise.race([fuse.exited, Bun.sleep(5000)]);
      if (fuse.exitCode === null) {
        fuse.kill("SIGKILL");
        Bun.spawnSync(["umount", "-l", mnt]);
      }
    });
    await waitFor(() => read("/proc/self/mounts").includes(` ${mnt} fuse${subtype ? `.${subtype}` : ""} `), { what: "the slow disk to be mounted" });
    return { mnt, back, hold };
  }

  test("writes that take 0.1 s, then hang: the file moves to a writer thread and the others go on", async () => {
    const dir = makeTempDir();
    const { mnt, back, hold } = await mountSlowDisk(dir, 0.1);
    d = new Daemon(
      dir,
      `[program.slowpoke]\ncommand = ["${fixture("numbered-lines.sh")}", "0", "more-slow"]\nstartsecs = 0\n` +
        `stdout_logfile = "${join(mnt, "slowpoke.out.log")}"\n` +
        `[program.steady]\ncommand = ["${fixture("numbered-lines.sh")}", "0", "more"]\nstartsecs = 0\n`,
    );
    await d.start();
    await d.waitState("slowpoke", "RUNNING");
    const onDisk = join(back, "slowpoke.out.log");
    requestLines(join(dir, "more-slow"), 3);
    await waitFor(() => read(onDisk) === numbers(1, 3), { what: "slowpoke's first lines on the slow disk" });
    await waitFor(() => read(join(d!.logDir, "tend.log")).match(/slowpoke: stdout log written from a separate thread from now on: a write took \d+ ms/), {
      what: "the move to a writer thread in tend.log",
    });
    // A follower from before: it keeps getting live lines while the disk hangs, from memory.
    const early = follow(d, "slowpoke");
    await waitFor(() => early.text() === numbers(1, 3), { what: "the early follower's tail" });
    // The disk hangs.
    writeFileSync(hold, "");
    requestLines(join(dir, "more-slow"), 5);
    await waitFor(() => early.text() === numbers(1, 8), { what: `lines 4-8 live; has ${JSON.stringify(early.text())}` });
    // Reading it back now waits for the disk (on its thread, after the held writes), not the daemon.
    const tail = d.cli("tail", "-n", "100", "slowpoke");
    const late = follow(d, "slowpoke");
    await othersKeepGoing(d, join(dir, "more"), 20);
    expect((await d.service("slowpoke")).state).toBe("RUNNING");
    expect(read(onDisk)).toBe(numbers(1, 3));
    expect(late.text()).toBe("");
    // It comes back: what waited is written, in order, once, and the readers get it.
    rmSync(hold);
    await waitFor(() => read(onDisk) === numbers(1, 8), { what: "slowpoke's held lines on the disk" });
    expect(await tail).toMatchObject({ code: 0, stdout: numbers(1, 8) });
    requestLines(join(dir, "more-slow"), 2);
    await waitFor(() => read(onDisk) === numbers(1, 10), { what: "slowpoke's later lines" });
    // Both followers: the past, then live lines, none twice, none missing.
    await waitFor(() => late.text() === numbers(1, 10), { what: `the late follower to have lines 1-10; has ${JSON.stringify(late.text())}` });
    await waitFor(() => early.text() === numbers(1, 10), { what: "the early follower to have lines 1-10" });
    expect((await d.service("slowpoke")).log_errors).toEqual([]);
  });

  test("a network filesystem (here fuse.sshfs) whose server is away from the start: the daemon never waits on it", async () => {
    const dir = makeTempDir();
    const { mnt, back, hold } = await mountSlowDisk(dir, 0, "sshfs");
    // The server is away before tend starts: a stat of the log path, or its first write,
    // would hang until it comes back.
    writeFileSync(hold, "");
    d = new Daemon(
      dir,
      `[program.remote]\ncommand = ["${fixture("numbered-lines.sh")}", "0", "more-remote"]\nstartsecs = 0\n` +
        `stdout_logfile = "${join(mnt, "remote.out.log")}"\n` +
        `[program.steady]\ncommand = ["${fixture("numbered-lines.sh")}", "0", "more"]\nstartsecs = 0\n`,
      'loglevel = "debug"',
    );
    await d.start();
    await d.waitState("remote", "RUNNING");
    expect(read(join(d.logDir, "tend.log"))).toContain("remote: stdout log written from a separate thread from now on: on fuse.sshfs, a network filesystem");
    requestLines(join(dir, "more-remote"), 4);
    await othersKeepGoing(d, join(dir, "more"), 15);
    expect((await d.service("remote")).state).toBe("RUNNING");
    // The server is back: the lines are there, once, in order.
    rmSync(hold);
    await waitFor(() => read(join(back, "remote.out.log")) === numbers(1, 4), { what: "remote's lines on the disk" });
  });

  test("XML-RPC log reads, /logtail and /mainlogtail wait on the disk's writer thread, not the daemon: status answers while they are stuck", async () => {
    const dir = makeTempDir();
    // Looks like sshfs: the program's log and tend.log are written (and so read) on a thread from the start.
    const { mnt, back, hold } = await mountSlowDisk(dir, 0, "sshfs");
    d = new Daemon(
      dir,
      `[program.remote]\ncommand = ["${fixture("numbered-lines.sh")}", "0", "more-remote"]\nstartsecs = 0\n` +
        `stdout_logfile = "${join(mnt, "remote.out.log")}"\n`,
      `logfile = "${join(mnt, "tend.log")}"`,
    );
    await d.start();
    await d.waitState("remote", "RUNNING");
    requestLines(join(dir, "more-remote"), 3);
    await waitFor(() => read(join(back, "remote.out.log")) === numbers(1, 3), { what: "remote's lines on the disk" });
    await waitFor(() => read(join(back, "tend.log")).includes("remote"), { what: "tend.log on the disk" });

    // The server goes away; every kind of log read is asked for.
    writeFileSync(hold, "");
    const settled: string[] = [];
    const ask = <T,>(label: string, p: Promise<T>) => p.finally(() => settled.push(label));
    const reads = [
      ask("readProcessStdoutLog", rpc(d, "supervisor.readProcessStdoutLog", ["remote", -100, 0])),
      ask("tailProcessStdoutLog", rpc(d, "supervisor.tailProcessStdoutLog", ["remote", 0, 100])),
      ask("readLog", rpc(d, "supervisor.readLog", [-100, 0])),
      ask("/logtail", fetch("http://localhost/logtail/remote", { unix: d.socket })),
      ask("/mainlogtail", fetch("http://localhost/mainlogtail", { unix: d.socket })),
    ] as const;
    // The daemon answers meanwhile, over XML-RPC and its own API.
    const status = Promise.all([rpc(d, "supervisor.getAllProcessInfo"), d.services()]);
    const answered = await Promise.race([status.then(() => true), Bun.sleep(30_000).then(() => false)]);
    if (!answered) rmSync(hold); // a daemon stuck on the disk: let it go, so it can be stopped
    expect(answered).toBe(true);
    // ...while every read still waits for the disk.
    expect(settled).toEqual([]);

    // The server is back: each read answers with what the file holds.
    rmSync(hold);
    const [readOut, tailOut, main, logtail, mainlogtail] = await Promise.all(reads);
    expect(readOut).toBe(numbers(1, 3));
    expect(tailOut).toEqual([numbers(1, 3), numbers(1, 3).length, false]);
    expect(String(main)).toContain("remote");
    expect(logtail.status).toBe(200);
    const body = logtail.body!.getReader();
    expect(new TextDecoder().decode((await body.read()).value)).toBe(numbers(1, 3));
    await body.cancel();
    // maintail -f: the end of tend.log, then what the daemon logs next, each step read on the thread.
    expect(mainlogtail.status).toBe(200);
    const mainBody = mainlogtail.body!.getReader();
    let mainText = "";
    expect((await d.cli("stop", "remote")).code).toBe(0);
    while (!mainText.includes("stopped: remote")) {
      const { done, value } = await mainBody.read();
      if (done) throw new Error(`mainlogtail ended: ${mainText}`);
      mainText += new TextDecoder().decode(value);
    }
    await mainBody.cancel();
  });

  test("an exit is reported once the slow disk has the program's last lines", async () => {
    const dir = makeTempDir();
    const { mnt, back } = await mountSlowDisk(dir, 0.05);
    d = new Daemon(
      dir,
      `[program.brief]\ncommand = ["seq", "1", "20000"]\nstartsecs = 0\nautorestart = false\n` +
        `stdout_logfile = "${join(mnt, "brief.out.log")}"\n`,
    );
    await d.start();
    await d.waitState("brief", "EXITED");
    expect(read(join(back, "brief.out.log"))).toBe(numbers(1, 20000));
  });
});
