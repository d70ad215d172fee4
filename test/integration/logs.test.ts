// Program output through the real daemon: rotation, the two streams, tail and follow, last
// words, /dev/stdout, console mirroring, timestamps, SIGUSR2 and tend.log (issue #3).

import { afterEach, describe, expect, test } from "bun:test";
import { closeSync, existsSync, lstatSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { osPipe } from "../../src/sys/libc.ts";
import { cutMarker, TAIL_LIMITS } from "../../src/logs/tail.ts";
import { Daemon, fixture, makeTempDir, startDaemon, tendArgv, waitFor } from "../helpers/daemon-harness.ts";

let d: Daemon | null = null;
afterEach(async () => {
  await d?.stop();
  d?.cleanup();
  d = null;
});

const MB = 1024 * 1024;
const CHUNK = 64 * 1024;

/** `first..last`, one a line, as numbered-lines.sh prints them. */
const numbers = (first: number, last: number): string => {
  let s = "";
  for (let i = first; i <= last; i++) s += `${i}\n`;
  return s;
};

const read = (path: string): string => (existsSync(path) ? readFileSync(path, "utf8") : "");

/** A log and its rotated files, oldest first: NAME.N … NAME.1, NAME. */
function logFiles(path: string): string[] {
  const files: string[] = [];
  for (let i = 1; existsSync(`${path}.${i}`); i++) files.unshift(`${path}.${i}`);
  return existsSync(path) ? [...files, path] : files;
}

const allOf = (path: string): string => logFiles(path).map(read).join("");

/** Ask numbered-lines.sh (started with a request file) for `k` more lines. */
function requestLines(file: string, k: number): void {
  writeFileSync(`${file}.tmp`, String(k));
  renameSync(`${file}.tmp`, file);
}

/** Collects a byte stream's text as it arrives. */
class Collector {
  text = "";
  readonly done: Promise<void>;
  constructor(stream: ReadableStream<Uint8Array>) {
    const dec = new TextDecoder();
    this.done = (async () => {
      try {
        for await (const chunk of stream) this.text += dec.decode(chunk, { stream: true });
      } catch {
        /* cancelled or cut: what arrived is kept */
      }
    })();
  }
  until(suffix: string, what: string, timeout = 20_000): Promise<true> {
    return waitFor(
      () => {
        if (this.text.endsWith(suffix)) return true as const;
        // Reported if the deadline passes.
        throw new Error(`have ${this.text.length} chars ending ${JSON.stringify(this.text.slice(-40))}`);
      },
      { timeout, what },
    );
  }
}

/**
 * The harness's daemon with its stdout on a real pipe (as under docker or systemd) rather than
 * a file, read as it comes: /dev/stdout is then a non-seekable target, and the console lines
 * can be read without the daemon's stderr sharing the file.
 */
class PipedDaemon extends Daemon {
  stdout = "";
  private reading: Promise<void> | null = null;

  override async start(): Promise<this> {
    const [r, w] = osPipe();
    try {
      this.proc = Bun.spawn(tendArgv("daemon", "-c", this.configFile), {
        cwd: this.dir,
        stdin: "ignore",
        stdout: w,
        stderr: Bun.file(this.daemonLog),
        env: { ...process.env, NO_COLOR: "1" },
      }) as unknown as Daemon["proc"];
    } finally {
      closeSync(w);
    }
    const dec = new TextDecoder();
    this.reading = (async () => {
      try {
        for await (const chunk of Bun.file(r).stream()) this.stdout += dec.decode(chunk, { stream: true });
      } finally {
        closeSync(r);
      }
    })();
    await waitFor(
      async () => {
        if (this.proc!.exitCode !== null) throw new Error(`daemon exited ${this.proc!.exitCode}: ${this.stderr()}`);
        return (await this.api("GET", "/api/daemon").catch(() => null))?.ok;
      },
      { what: "daemon socket" },
    );
    return this;
  }

  override async stop(timeout?: number): Promise<number | null> {
    const code = await super.stop(timeout);
    // EOF once the daemon is gone (its children never hold its stdout).
    await Promise.race([this.reading, Bun.sleep(10_000)]);
    return code;
  }
}

describe("rotation", () => {
  test("a million numbered lines through 1MB rotation: every line once, in order; no file past maxbytes by more than a line, none split", async () => {
    d = await startDaemon(
      `[program.count]\ncommand = ["${fixture("numbered-lines.sh")}", "1000000"]\nstartsecs = 0\nautorestart = false\n` +
        `stdout_logfile_maxbytes = "1MB"\nstdout_logfile_backups = 50\n`,
    );
    const expected = numbers(1, 1_000_000);
    const out = join(d.logDir, "count.out.log");
    await d.waitState("count", "EXITED", 30_000);
    // Everything is in the files by EXITED (a program's last output is never left behind).
    expect(allOf(out) === expected).toBe(true);
    const files = logFiles(out);
    // 6.9 MB at 1 MB a file: at least six rotations, none dropped (50 backups is plenty).
    expect(files.length).toBeGreaterThanOrEqual(7);
    expect(existsSync(`${out}.50`)).toBe(false);
    for (const f of files) {
      const size = statSync(f).size;
      // Past maxbytes at most by the rest of the line that crosses it (a line is ≤ 8 bytes
      // here): a line the pipe delivered in two reads is finished before the file rotates.
      expect(size).toBeLessThan(MB + 8);
      if (f === out) continue;
      // Rotated only once full, at a line boundary: within one line of maxbytes, ending in a
      // newline, so no line is split across files.
      expect(size).toBeGreaterThan(MB - 8);
      expect(readFileSync(f).at(-1)).toBe(10);
    }
    const s = await d.service("count");
    expect(s.bytes_logged).toBe(expected.length);
    expect(s.log_errors).toEqual([]);

    // tail reads back across every file: the whole log, and a span of several files.
    const whole = await d.cli("tail", "-n", "1000000", "count");
    expect(whole.code).toBe(0);
    expect(whole.stdout === expected).toBe(true);
    const span = await d.cli("tail", "-n", "300000", "count");
    expect(span.stdout === numbers(700_001, 1_000_000)).toBe(true);
    const api = await d.api("GET", "/api/services/count/log?stream=stdout&lines=3");
    expect(await api.text()).toBe("999998\n999999\n1000000\n");
  });

  test("backups = 2 keeps only the newest two rotated files: the end of the output, nothing repeated", async () => {
    d = await startDaemon(
      `[program.count]\ncommand = ["${fixture("numbered-lines.sh")}", "200000"]\nstartsecs = 0\nautorestart = false\n` +
        `stdout_logfile_maxbytes = "100KB"\nstdout_logfile_backups = 2\n`,
    );
    const out = join(d.logDir, "count.out.log");
    await d.waitState("count", "EXITED", 30_000);
    await waitFor(async () => ((await d!.service("count")).bytes_logged === numbers(1, 200_000).length ? true : null), { what: "all output read" });
    expect(existsSync(`${out}.1`)).toBe(true);
    expect(existsSync(`${out}.2`)).toBe(true);
    expect(existsSync(`${out}.3`)).toBe(false);
    // What is kept is the end of the output, byte for byte, from the start of a line (rotation
    // cuts at line ends).
    const kept = allOf(out);
    const all = numbers(1, 200_000);
    expect(all.endsWith(kept)).toBe(true);
    expect(all[all.length - kept.length - 1]).toBe("\n");
    expect(kept.length).toBeGreaterThanOrEqual(2 * 100 * 1024);
  });
});

/** One log's files (oldest first) as whole text, checked line by line: `LINE` lines only. */
function checkWholeLines(path: string, maxBytes: number, lineBytes: number): { texts: string[]; lines: string[] } {
  const files = logFiles(path);
  const texts = files.map(read);
  files.forEach((f, i) => {
    const t = texts[i]!;
    // Every file starts a line and every rotated one ends one: a line is never split.
    if (f !== path) expect({ file: f, end: t.slice(-40) }).toEqual({ file: f, end: expect.stringMatching(/\n$/) });
    const broken = t.split("\n").slice(0, f === path ? undefined : -1).filter((l) => l !== "" && !/^\d{5}:\d{23}$/.test(l));
    expect({ file: f, broken }).toEqual({ file: f, broken: [] });
    // A line a write never takes a file past maxbytes.
    expect(t.length).toBeLessThanOrEqual(maxBytes);
    if (f !== path) expect(t.length).toBeGreaterThan(maxBytes - lineBytes);
  });
  return { texts, lines: texts.join("").split("\n").slice(0, -1) };
}

describe("rotation of a program that writes a line at a time", () => {
  // writes-lines-slowly.sh: 30-byte lines, one write each, as most programs log.
  test("1KB files of whole lines: each starts a line and ends with a newline, every line once, in order", async () => {
    d = await startDaemon(
      `[program.slow]\ncommand = ["${fixture("writes-lines-slowly.sh")}", "300"]\nstartsecs = 0\nautorestart = false\n` +
        `stdout_logfile_maxbytes = "1KB"\nstdout_logfile_backups = 100\n`,
    );
    const out = join(d.logDir, "slow.out.log");
    await d.waitState("slow", "EXITED", 60_000);
    await waitFor(async () => ((await d!.service("slow")).bytes_logged === 300 * 30 ? true : null), { what: "all output read" });
    const { texts, lines } = checkWholeLines(out, 1024, 30);
    // 9000 bytes at ≤ 1024 a file, whole 30-byte lines: 34 lines (1020 bytes) a rotated file.
    expect(texts.length).toBe(9);
    expect(lines.map((l) => Number(l.slice(0, 5)))).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  });

  test("restarting fast (a run of 40 lines, again and again): rotated files still end with a newline, no byte lost", async () => {
    d = await startDaemon(
      `[program.again]\ncommand = ["${fixture("writes-lines-slowly.sh")}", "40", "0"]\nstartsecs = 0\nautorestart = true\n` +
        `stdout_logfile_maxbytes = "1KB"\nstdout_logfile_backups = 300\n`,
    );
    const out = join(d.logDir, "again.out.log");
    await waitFor(async () => ((await d!.service("again")).bytes_logged >= 400 * 30 ? true : null), { timeout: 60_000, what: "400 lines" });
    expect((await d.cli("stop", "again")).code).toBe(0);
    const logged = (await d.service("again")).bytes_logged;
    expect(existsSync(`${out}.300`)).toBe(false);
    const { texts, lines } = checkWholeLines(out, 1024, 30);
    expect(texts.length).toBeGreaterThanOrEqual(10);
    // No byte lost across the chain, and each run's lines are 1..n in order.
    expect(lines.length * 30).toBe(logged);
    const runs = new Map<string, number[]>();
    for (const l of lines) {
      const pid = l.slice(6);
      runs.set(pid, [...(runs.get(pid) ?? []), Number(l.slice(0, 5))]);
    }
    expect(runs.size).toBeGreaterThanOrEqual(10);
    for (const ns of runs.values()) expect(ns).toEqual(Array.from({ length: ns.length }, (_, i) => i + 1));
  });
});

describe("streams", () => {
  test("stdout and stderr go to their own files, each line in the right one only", async () => {
    d = await startDaemon(`[program.both]\ncommand = ["${fixture("writes-both-streams.sh")}", "500"]\nstartsecs = 0\n`);
    const outs = Array.from({ length: 500 }, (_, i) => `out ${i + 1}\n`).join("");
    const errs = Array.from({ length: 500 }, (_, i) => `err ${i + 1}\n`).join("");
    await waitFor(() => (d!.log("both.out.log").length >= outs.length && d!.log("both.err.log").length >= errs.length ? true : null), {
      what: "500 lines in each file",
    });
    expect(d.log("both.out.log")).toBe(outs);
    expect(d.log("both.err.log")).toBe(errs);
    const s = await d.service("both");
    expect(s.stdout_logfile).toBe(join(d.logDir, "both.out.log"));
    expect(s.stderr_logfile).toBe(join(d.logDir, "both.err.log"));

    // tail and the API pick the stream; `tend logs` labels them "|" and "!".
    expect((await d.cli("tail", "-n", "2", "both", "stderr")).stdout).toBe("err 499\nerr 500\n");
    expect((await d.cli("tail", "-n", "2", "both", "stdout")).stdout).toBe("out 499\nout 500\n");
    expect((await d.cli("tail", "-n", "1", "both")).stdout).toBe("out 500\n");
    expect(await (await d.api("GET", "/api/services/both/log?stream=stderr&lines=1")).text()).toBe("err 500\n");
    const logs = await d.cli("logs", "-n", "1", "both");
    expect(logs.stdout).toBe("both | out 500\nboth ! err 500\n");
  });

  test("redirect_stderr merges both streams into .out.log in write order, and there is no .err.log", async () => {
    d = await startDaemon(`[program.merged]\ncommand = ["${fixture("writes-both-streams.sh")}", "300"]\nstartsecs = 0\nredirect_stderr = true\n`);
    const both = Array.from({ length: 300 }, (_, i) => `out ${i + 1}\nerr ${i + 1}\n`).join("");
    await waitFor(() => (d!.log("merged.out.log").length >= both.length ? true : null), { what: "600 lines" });
    expect(d.log("merged.out.log")).toBe(both);
    expect(existsSync(join(d.logDir, "merged.err.log"))).toBe(false);
    const s = await d.service("merged");
    expect(s.stderr_logfile).toBeNull();
    const res = await d.api("GET", "/api/services/merged/log?stream=stderr&lines=5");
    expect(res.ok).toBe(false);
    expect(await res.text()).toContain("redirect_stderr");
  });

  test('"none" and /dev/null write no file', async () => {
    d = await startDaemon(
      `[program.quiet]\ncommand = ["${fixture("writes-both-streams.sh")}", "50"]\nstartsecs = 0\nstdout_logfile = "none"\nstderr_logfile = "/dev/null"\n` +
        `[program.marker]\ncommand = ["${fixture("numbered-lines.sh")}", "3"]\nstartsecs = 0\nautorestart = false\n`,
    );
    await d.waitState("quiet", "RUNNING");
    // The other program's output is in its file; by then "quiet" has written its 100 lines too.
    await waitFor(() => (d!.log("marker.out.log") === "1\n2\n3\n" ? true : null), { what: "marker's output" });
    await waitFor(async () => ((await d!.service("quiet")).bytes_logged >= 100 * 6 ? true : null), { what: "quiet's output read" });
    const files = readdirSync(d.logDir).sort();
    expect(files.filter((f) => f.startsWith("quiet"))).toEqual([]);
    const s = await d.service("quiet");
    expect(s.stdout_logfile).toBeNull();
    expect(s.stderr_logfile).toBeNull();
    expect(s.state).toBe("RUNNING");
    const r = await d.cli("tail", "quiet");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("none");
  });
});

describe("tail", () => {
  test("tail -n N is exactly the last N lines, also when they span a rotated file and the current one", async () => {
    d = await startDaemon(
      `[program.count]\ncommand = ["${fixture("numbered-lines.sh")}", "3000", "more"]\nstartsecs = 0\n` +
        `stdout_logfile_maxbytes = "4KB"\nstdout_logfile_backups = 20\n`,
    );
    // The program runs in the daemon's directory: "more" is its request file.
    const req = join(d.dir, "more");
    const out = join(d.logDir, "count.out.log");
    await waitFor(() => (allOf(out).endsWith("\n3000\n") ? true : null), { what: "3000 lines" });
    // Three more lines in one write land in the current file; if that write happened to fill it
    // (a rotation right after), three more land in the fresh one.
    let total = 3000;
    do {
      requestLines(req, 3);
      total += 3;
      await waitFor(() => (allOf(out).endsWith(`\n${total}\n`) ? true : null), { what: `line ${total}` });
    } while (read(out) === "");
    const all = numbers(1, total);
    expect(allOf(out)).toBe(all);
    const current = read(out).split("\n").length - 1;
    const previous = read(`${out}.1`).split("\n").length - 1;
    expect(current).toBeGreaterThan(0);
    expect(previous).toBeGreaterThan(0);
    const lines = all.split("\n").slice(0, -1);
    const last = (n: number) => (n === 0 ? "" : `${lines.slice(-n).join("\n")}\n`);
    for (const n of [1, current, current + 1, current + previous, current + previous + 1, 2500, total, total + 100]) {
      const r = await d.cli("tail", "-n", String(n), "count");
      expect({ n, code: r.code, out: r.stdout }).toEqual({ n, code: 0, out: last(n) });
      const api = await (await d.api("GET", `/api/services/count/log?stream=stdout&lines=${n}`)).text();
      expect({ n, api }).toEqual({ n, api: last(n) });
    }
    // The default is 10 lines.
    expect((await d.cli("tail", "count")).stdout).toBe(last(10));
  });

  test("tail -n 1000000 that needs more than 16 MB of one rotated file", async () => {
    // 20-byte lines: 1,050,000 of them (21 MB) through a 20 MB log leave nearly all of them in .1.
    d = await startDaemon(
      `[program.wide]\ncommand = ["seq", "-f", "line %014.0f", "1", "1050000"]\nstartsecs = 0\nautorestart = false\n` +
        `stdout_logfile_maxbytes = "20MB"\nstdout_logfile_backups = 3\n`,
    );
    const out = join(d.logDir, "wide.out.log");
    const line = (i: number) => `line ${String(i).padStart(14, "0")}\n`;
    await d.waitState("wide", "EXITED", 30_000);
    await waitFor(async () => ((await d!.service("wide")).bytes_logged === 21_000_000 ? true : null), { what: "all 21 MB logged" });
    expect(statSync(`${out}.1`).size).toBeGreaterThanOrEqual(20 * MB);
    let expected = "";
    for (let i = 950_001; i <= 1_050_000; i++) expected += line(i);
    expect((await d.cli("tail", "-n", "100000", "wide")).stdout === expected).toBe(true);
    const r = await d.cli("tail", "-n", "1000000", "wide");
    expect(r.code).toBe(0);
    expect(r.stdout.endsWith(line(1_050_000))).toBe(true);
    expect(r.stdout === Array.from({ length: 1_000_000 }, (_, i) => line(50_001 + i)).join("")).toBe(true);
  });
});

describe("tail of one huge line (#11.6)", () => {
  test("tail -n 1 of a log holding one 100 MB line: its last 64 KiB behind a cut marker, from tend tail, the API and a follow", async () => {
    // Before: 64 MiB read on the event loop and sent back. Now 1 MiB is looked at.
    const SIZE = 100 * MB;
    d = await startDaemon(
      `[program.huge]\ncommand = ["${fixture("long-line.sh")}", "${SIZE}"]\nstartsecs = 0\nautorestart = false\n` + `stdout_logfile_maxbytes = 0\n`,
    );
    await d.waitState("huge", "EXITED", 60_000);
    await waitFor(async () => ((await d!.service("huge")).bytes_logged === SIZE ? true : null), { timeout: 60_000, what: "all 100 MB logged" });
    const expected = cutMarker(TAIL_LIMITS.lineScan - TAIL_LIMITS.maxLine, false) + "x".repeat(TAIL_LIMITS.maxLine);
    const cli = await d.cli("tail", "-n", "1", "huge");
    expect(cli.code).toBe(0);
    expect(cli.stdout.length).toBe(expected.length);
    expect(cli.stdout === expected).toBe(true);
    const api = await (await d.api("GET", "/api/services/huge/log?stream=stdout&lines=1")).text();
    expect(api === expected).toBe(true);
    // A follow starts with the same tail.
    const res = await d.api("GET", "/api/services/huge/log/follow?stream=stdout&lines=1");
    const got = new Collector(res.body!);
    try {
      await waitFor(() => (got.text.length >= expected.length ? true : null), { what: "the whole tail" });
      expect(got.text === expected).toBe(true);
    } finally {
      await res.body!.cancel().catch(() => {});
    }
  });
});

describe("follow", () => {
  // Batches of 100 lines (~490 bytes, one write each) into a 1 KB log, each batch followed
  // before the next is asked for: a rotation every two or three batches.
  async function batches(req: string, got: Collector, from: number, count: number): Promise<number> {
    let last = from;
    for (let i = 0; i < count; i++) {
      requestLines(req, 100);
      last += 100;
      await got.until(`\n${last}\n`, `line ${last}`);
    }
    return last;
  }

  test("tend tail -f follows across rotations: lines written after arrive, none missed or repeated at a seam", async () => {
    d = await startDaemon(
      `[program.count]\ncommand = ["${fixture("numbered-lines.sh")}", "20", "more"]\nstartsecs = 0\n` +
        `stdout_logfile_maxbytes = "1KB"\nstdout_logfile_backups = 100\n`,
    );
    // The program runs in the daemon's directory: "more" is its request file.
    const req = join(d.dir, "more");
    const out = join(d.logDir, "count.out.log");
    await waitFor(() => (allOf(out).endsWith("\n20\n") ? true : null), { what: "20 lines" });
    const client = Bun.spawn(tendArgv("-s", d.socket, "tail", "-f", "-n", "3", "count"), {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, NO_COLOR: "1" },
    });
    try {
      const got = new Collector(client.stdout);
      await got.until("18\n19\n20\n", "the last 3 lines");
      const last = await batches(req, got, 20, 10);
      expect(got.text).toBe(numbers(18, last));
      // Rotated several times while following, and the files hold it all once.
      expect(logFiles(out).length).toBeGreaterThanOrEqual(4);
      expect(allOf(out)).toBe(numbers(1, last));
    } finally {
      client.kill();
      await client.exited;
    }
  });

  test("GET /log/follow streams the tail, then live output across rotations and a restart", async () => {
    d = await startDaemon(
      `[program.count]\ncommand = ["${fixture("numbered-lines.sh")}", "20", "more"]\nstartsecs = 0\n` +
        `stdout_logfile_maxbytes = "1KB"\nstdout_logfile_backups = 100\n`,
    );
    // The program runs in the daemon's directory: "more" is its request file.
    const req = join(d.dir, "more");
    const out = join(d.logDir, "count.out.log");
    await waitFor(() => (allOf(out).endsWith("\n20\n") ? true : null), { what: "20 lines" });
    const res = await d.api("GET", "/api/services/count/log/follow?stream=stdout&lines=5");
    expect(res.status).toBe(200);
    const got = new Collector(res.body!);
    try {
      await got.until("16\n17\n18\n19\n20\n", "the last 5 lines");
      const last = await batches(req, got, 20, 10);
      expect(got.text).toBe(numbers(16, last));
      expect(logFiles(out).length).toBeGreaterThanOrEqual(4);
      // The follower outlives the process: the restarted one's output comes through too.
      const r = await d.cli("restart", "count");
      expect(r.code).toBe(0);
      await got.until("\n20\n", "the new process's 20 lines");
      requestLines(req, 5);
      await got.until("\n25\n", "line 25 of the new process");
      expect(got.text).toBe(numbers(16, last) + numbers(1, 25));
    } finally {
      await res.body!.cancel().catch(() => {});
    }
  });
});

describe("last words", () => {
  test("output written just before a program exits is in the log when the state is EXITED", async () => {
    d = await startDaemon(
      `[program.brief]\ncommand = ["${fixture("last-words.sh")}", "20000", "now"]\nstartsecs = 0\nautorestart = false\n`,
    );
    // Poll as often as we can: the first look at EXITED must already see everything.
    const s = await waitFor(
      async () => {
        const x = await d!.service("brief");
        return x.state === "EXITED" ? { x, out: d!.log("brief.out.log"), err: d!.log("brief.err.log") } : null;
      },
      { interval: 1, what: "EXITED" },
    );
    expect(s.x.exit_code).toBe(0);
    expect(s.out.endsWith("bye 19999\nbye 20000\ngoodbye\n")).toBe(true);
    expect(s.out.split("\n").length - 1).toBe(20001);
    expect(s.err).toBe("goodbye from stderr\n");
  });

  test("a program that says goodbye on SIGTERM: the goodbye is logged by the time `tend stop` returns", async () => {
    d = await startDaemon(`[program.polite]\ncommand = ["${fixture("last-words.sh")}", "20000"]\nstartsecs = 0\n`);
    await d.waitState("polite", "RUNNING");
    await waitFor(() => (d!.log("polite.out.log") === "ready\n" ? true : null), { what: "ready" });
    const r = await d.cli("stop", "polite");
    const out = d.log("polite.out.log");
    const err = d.log("polite.err.log");
    expect(r.stdout.trim()).toBe("polite: stopped");
    expect(out.endsWith("bye 20000\ngoodbye\n")).toBe(true);
    expect(out.split("\n").length - 1).toBe(20002);
    expect(err).toBe("goodbye from stderr\n");
    expect((await d.service("polite")).state).toBe("STOPPED");
  });

  test("the daemon's own shutdown also waits for the last words", async () => {
    d = await startDaemon(`[program.polite]\ncommand = ["${fixture("last-words.sh")}", "5000"]\nstartsecs = 0\n`);
    await d.waitState("polite", "RUNNING");
    await waitFor(() => (d!.log("polite.out.log") === "ready\n" ? true : null), { what: "ready" });
    const path = join(d.logDir, "polite.out.log");
    expect(await d.stop()).toBe(0);
    expect(read(path).endsWith("bye 5000\ngoodbye\n")).toBe(true);
  });
});

describe("targets", () => {
  test("a child that opens /dev/stdout and /dev/stderr by name works (real pipes, not sockets)", async () => {
    d = await startDaemon(`[program.devout]\ncommand = "${fixture("writes-dev-stdout.sh")}"\nstartsecs = 0\n`);
    await waitFor(() => (d!.log("devout.out.log").includes("plain stdout") ? true : null), { what: "output" });
    expect(d.log("devout.out.log")).toBe("hi via /dev/stdout\nplain stdout\n");
    expect(d.log("devout.err.log")).toBe("hi via /dev/stderr\n");
    expect((await d.service("devout")).state).toBe("RUNNING");
  });

  test('stdout_logfile = "/dev/stdout" on a piped daemon stdout: written as a stream, never rotated, no errors', async () => {
    const pd = new PipedDaemon(
      makeTempDir(),
      `[program.container]\ncommand = ["${fixture("numbered-lines.sh")}", "5000"]\nstartsecs = 0\nautorestart = false\n` +
        `stdout_logfile = "/dev/stdout"\nstdout_logfile_maxbytes = "1KB"\nstdout_logfile_backups = 3\n`,
    );
    d = pd;
    await pd.start();
    const expected = numbers(1, 5000);
    await waitFor(() => (pd.stdout.length >= expected.length ? true : null), { what: "5000 lines on the daemon's stdout" });
    expect(pd.stdout).toBe(expected);
    const s = await pd.waitState("container", "EXITED");
    expect(s.log_errors).toEqual([]);
    expect(s.stdout_logfile).toBe("/dev/stdout");
    // Nothing was renamed: /dev/stdout is still the symlink it was, and no ".1" appeared.
    expect(lstatSync("/dev/stdout").isSymbolicLink()).toBe(true);
    expect(existsSync("/dev/stdout.1")).toBe(false);
    expect(pd.log("tend.log")).not.toContain("cannot write");
    // Nothing to read back from a stream: a clear answer, not a hang.
    const r = await pd.cli("tail", "container");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("not a file");
  });

  test("console_output = true: the daemon's stdout carries 'name | line' for every program's stdout line", async () => {
    const pd = new PipedDaemon(
      makeTempDir(),
      `[program.web]\ncommand = ["${fixture("numbered-lines.sh")}", "2000"]\nstartsecs = 0\nautorestart = false\n` +
        `[program.worker]\ncommand = ["${fixture("writes-both-streams.sh")}", "2000"]\nstartsecs = 0\n`,
      "console_output = true",
    );
    d = pd;
    await pd.start();
    const mine = (name: string) =>
      pd.stdout
        .split("\n")
        .filter((l) => l.startsWith(`${name} `))
        .map((l) => `${l}\n`)
        .join("");
    const web = numbers(1, 2000)
      .split("\n")
      .slice(0, -1)
      .map((l) => `web    | ${l}\n`)
      .join("");
    const worker = Array.from({ length: 2000 }, (_, i) => `worker | out ${i + 1}\n`).join("");
    await waitFor(() => (mine("web") === web && mine("worker") === worker ? true : null), {
      what: "both programs' lines on the daemon's stdout",
    });
    // Whole lines only: nothing else, no line of one program spliced into another's.
    expect(pd.stdout.split("\n").filter((l) => l !== "" && !/^(web   |worker) \| /.test(l))).toEqual([]);
    // The files get the raw output as usual.
    expect(pd.log("web.out.log")).toBe(numbers(1, 2000));
    // stderr lines go to the daemon's stderr, not its stdout.
    expect(pd.stdout).not.toContain("err 1\n");
    await waitFor(() => (pd.stderr().includes("worker | err 2000\n") ? true : null), { what: "stderr lines on the daemon's stderr" });
  });
});

describe("timestamps", () => {
  const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;

  test("timestamps = true: every line starts with an RFC 3339 UTC time, also lines split across writes", async () => {
    const before = Date.now();
    d = await startDaemon(`[program.stamped]\ncommand = "${fixture("writes-partial-lines.sh")}"\nstartsecs = 0\ntimestamps = true\n`);
    await waitFor(() => (d!.log("stamped.out.log").endsWith("last\n") && d!.log("stamped.err.log") !== "" ? true : null), {
      what: "all output",
    });
    const after = Date.now();
    const lines = d.log("stamped.out.log").split("\n").slice(0, -1);
    for (const l of lines) expect(l).toMatch(STAMP);
    // One stamp per line, however the line was written.
    expect(lines.map((l) => l.replace(STAMP, ""))).toEqual(["first half second half", "a", "b", "", "c continued", "last"]);
    const times = lines.map((l) => Date.parse(l.slice(0, 24)));
    for (const t of times) {
      expect(t).toBeGreaterThanOrEqual(before - 1000);
      expect(t).toBeLessThanOrEqual(after + 1000);
    }
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const err = d.log("stamped.err.log");
    expect(err).toMatch(STAMP);
    expect(err.replace(STAMP, "")).toBe("to stderr\n");
    // tail reads the stamped lines back.
    const t = await d.cli("tail", "-n", "1", "stamped");
    expect(t.stdout).toMatch(STAMP);
    expect(t.stdout.endsWith(" last\n")).toBe(true);
  });

  test("timestamps with rotation: every line is stamped once, none lost", async () => {
    d = await startDaemon(
      `[program.stamped]\ncommand = ["${fixture("numbered-lines.sh")}", "20000"]\nstartsecs = 0\nautorestart = false\ntimestamps = true\n` +
        `stdout_logfile_maxbytes = "64KB"\nstdout_logfile_backups = 100\n`,
    );
    const out = join(d.logDir, "stamped.out.log");
    await waitFor(() => (allOf(out).endsWith(" 20000\n") ? true : null), { what: "line 20000" });
    const files = logFiles(out);
    expect(files.length).toBeGreaterThanOrEqual(3);
    // Rotation cuts at read boundaries, so a line may continue in the next file: taken together,
    // every line starts with exactly one stamp.
    const all = allOf(out);
    const unstamped = all.split("\n").slice(0, -1).filter((l) => !STAMP.test(l));
    expect(unstamped).toEqual([]);
    expect(all.replace(/^.{25}/gm, "")).toBe(numbers(1, 20000));
    for (const f of files) expect(statSync(f).size).toBeLessThanOrEqual(64 * 1024 + CHUNK);
  });
});

describe("log files", () => {
  test("SIGUSR2 reopens log files: after the old one is moved aside, new output goes to a fresh file", async () => {
    d = await startDaemon(`[program.count]\ncommand = ["${fixture("numbered-lines.sh")}", "10", "more"]\nstartsecs = 0\n`);
    // The program runs in the daemon's directory: "more" is its request file.
    const req = join(d.dir, "more");
    const out = join(d.logDir, "count.out.log");
    const tendLog = join(d.logDir, "tend.log");
    await waitFor(() => (read(out) === numbers(1, 10) ? true : null), { what: "10 lines" });
    // An external logrotate moves the files aside...
    renameSync(out, `${out}.moved`);
    renameSync(tendLog, `${tendLog}.moved`);
    // ...and until it signals, output keeps going to the moved file (the open descriptor).
    requestLines(req, 5);
    await waitFor(() => (read(`${out}.moved`) === numbers(1, 15) ? true : null), { what: "lines 11-15 in the moved file" });
    expect(existsSync(out)).toBe(false);
    d.proc!.kill("SIGUSR2");
    await waitFor(() => (read(`${tendLog}.moved`).includes("SIGUSR2") ? true : null), { what: "the daemon to take SIGUSR2" });
    requestLines(req, 5);
    await waitFor(() => (read(out) === numbers(16, 20) ? true : null), { what: "lines 16-20 in a fresh file" });
    expect(read(`${out}.moved`)).toBe(numbers(1, 15));
    expect((await d.service("count")).log_errors).toEqual([]);
    // The daemon's own log was reopened too.
    await d.cli("stop", "count");
    await waitFor(() => (read(tendLog).includes("stopped: count") ? true : null), { what: "a fresh tend.log" });
  });

  test("tend.log in log_dir records spawns and exits", async () => {
    d = await startDaemon(`[program.brief]\ncommand = ["${fixture("exits-after.sh")}", "2", "3"]\nstartsecs = 0\nautorestart = false\n`);
    const { pid } = await d.waitState("brief", "RUNNING");
    const s = await d.waitState("brief", "EXITED");
    expect(s.exit_code).toBe(3);
    const log = await waitFor(() => (d!.log("tend.log").includes("exited: brief") ? d!.log("tend.log") : null), { what: "exit in tend.log" });
    const at = String.raw`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;
    expect(log).toMatch(new RegExp(`${at} INFO spawned: 'brief' with pid ${pid}$`, "m"));
    expect(log).toMatch(new RegExp(`${at} INFO exited: brief \\(exit status 3; not expected\\)$`, "m"));
    expect(log).toContain(`tend started with pid ${d.pid}`);
  });
});
