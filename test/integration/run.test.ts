// `tend run [options] -- CMD`: one command supervised with no config file, as a container
// entrypoint. Its exit status is the orchestrator's signal: 0 for a clean stop by
// SIGTERM/SIGINT, 1 once the retries are used up, the command's own status (or 128 + signal)
// with --no-restart, 127 / 126 for a command that is missing / not executable, 2 for bad
// options. The command's output passes through to tend's stdout and stderr byte for byte.

import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fixture, makeTempDir, runCli, tendArgv, waitFor } from "../helpers/daemon-harness.ts";

// The preload's 60 s ceiling (test/helpers/setup.ts) reaches only the first file of a
// multi-file `bun test` run in Bun 1.4.5; set it here too, for this file.
setDefaultTimeout(60_000);

/** What writes-every-byte.sh writes to each stream: the bytes 0..255 in order. */
const EVERY_BYTE = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

/** The test runner's environment without anything that would change tend run's defaults. */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(TEND_|PROCESS_AUTO_RECOVERY$|PROCESS_MAX_START_RETRIES$|LOG_LEVEL$)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, NO_COLOR: "1", ...extra };
}

interface RunResult {
  code: number;
  stdout: Buffer;
  stderr: Buffer;
}

/** A running `tend run`, its output collected as it comes. */
class TendRun {
  readonly proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  private readonly out: Uint8Array[] = [];
  private readonly err: Uint8Array[] = [];
  readonly done: Promise<RunResult>;

  constructor(args: string[], env: Record<string, string> = {}) {
    this.proc = Bun.spawn(tendArgv("run", ...args), { cwd: dir!, stdin: "ignore", stdout: "pipe", stderr: "pipe", env: cleanEnv(env) });
    const drain = async (s: ReadableStream<Uint8Array>, into: Uint8Array[]) => {
      for await (const chunk of s) into.push(chunk);
    };
    this.done = Promise.all([drain(this.proc.stdout, this.out), drain(this.proc.stderr, this.err), this.proc.exited]).then(([, , code]) => ({
      code,
      stdout: this.stdout(),
      stderr: this.stderr(),
    }));
  }

  stdout(): Buffer {
    return Buffer.concat(this.out);
  }

  stderr(): Buffer {
    return Buffer.concat(this.err);
  }

  /** Graceful stop of anything a test left running; SIGKILL on a deadline. */
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill("SIGTERM");
    const done = await Promise.race([this.proc.exited.then(() => true), Bun.sleep(15_000).then(() => false)]);
    if (!done) this.proc.kill("SIGKILL");
    await this.proc.exited;
  }
}

let dir: string | null = null;
const started: TendRun[] = [];
afterEach(async () => {
  for (const r of started.splice(0)) await r.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

function tendRun(args: string[], env?: Record<string, string>): TendRun {
  dir ??= makeTempDir("tend-run-");
  const r = new TendRun(args, env);
  started.push(r);
  return r;
}

/** Run to the end. */
function run(args: string[], env?: Record<string, string>): Promise<RunResult> {
  return tendRun(args, env).done;
}

/** A process's children, from /proc/PID/task/TID/children. */
function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((t) =>
      readFileSync(`/proc/${pid}/task/${t}/children`, "utf8").split(" ").filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

/** How many times `needle` occurs in `hay`. */
function occurrences(hay: Buffer, needle: Buffer | string): number {
  let n = 0;
  for (let i = hay.indexOf(needle); i !== -1; i = hay.indexOf(needle, i + Buffer.byteLength(needle))) n++;
  return n;
}

describe("tend run: a clean stop", () => {
  test.each(["SIGTERM", "SIGINT"] as const)("%s → the command gets its stop signal (TERM), its last words pass through, exit 0", async (sig) => {
    const r = tendRun(["--", fixture("last-words.sh"), "2"]);
    await waitFor(() => r.stdout().toString() === "ready\n", { what: "ready" });
    // And its `sleep` has exec'd: until then that child runs the shell's TERM trap, would
    // swallow the stop signal, and hold the process group (and the stop) until stopwaitsecs.
    await waitFor(() => childrenOf(r.proc.pid).some((sh) => childrenOf(sh).some((c) => comm(c) === "sleep")), { what: "the command's sleep" });
    r.proc.kill(sig);
    const res = await r.done;
    expect(res.code).toBe(0);
    // last-words.sh says these only when it gets SIGTERM; nothing of tend's is mixed in.
    expect(res.stdout.toString()).toBe("ready\nbye 1\nbye 2\ngoodbye\n");
    expect(res.stderr.toString()).toBe("goodbye from stderr\n");
  });

  test("--stop-signal INT: SIGTERM to tend sends the command SIGINT, exit 0", async () => {
    const rec = join((dir = makeTempDir("tend-run-")), "signals");
    const r = tendRun(["--stop-signal", "INT", "--", fixture("records-signal.sh"), rec]);
    await waitFor(() => existsSync(rec), { what: "the command to be ready" });
    r.proc.kill("SIGTERM");
    expect((await r.done).code).toBe(0);
    expect(await Bun.file(rec).text()).toBe("ready\nINT\n");
  });
});

describe("tend run: restarts and giving up", () => {
  test("retries exhausted → 1; the command ran retries + 1 times; every byte of its output passes through unchanged", async () => {
    const res = await run(["--retries", "2", "--startsecs", "0", "--", fixture("writes-every-byte.sh"), "3"]);
    expect(res.code).toBe(1);
    expect(res.stdout.equals(Buffer.concat([EVERY_BYTE, EVERY_BYTE, EVERY_BYTE]))).toBe(true);
    // stderr carries tend's own warnings too, between the runs.
    expect(occurrences(res.stderr, EVERY_BYTE)).toBe(3);
    expect(res.stderr.toString("latin1")).toContain("app exited with status 3; gave up after 2 restarts");
  });

  test("retries exhausted by exits before startsecs (BACKOFF → FATAL) → 1, ran retries + 1 times", async () => {
    const res = await run(["--retries", "1", "--", fixture("writes-every-byte.sh"), "3"]);
    expect(res.code).toBe(1);
    expect(res.stdout.equals(Buffer.concat([EVERY_BYTE, EVERY_BYTE]))).toBe(true);
    expect(occurrences(res.stderr, EVERY_BYTE)).toBe(2);
    expect(res.stderr.toString("latin1")).toContain("gave up after 2 attempts");
  });

  test("--retries 0 → 1 after the first exit, ran once", async () => {
    const res = await run(["--retries", "0", "--startsecs", "0", "--", fixture("writes-every-byte.sh"), "0"]);
    expect(res.code).toBe(1);
    expect(res.stdout.equals(EVERY_BYTE)).toBe(true);
    expect(res.stderr.toString("latin1")).toContain("app exited with status 0; gave up after 0 restarts");
  });

  test.each([
    ["5", "0"],
    ["5", "1"],
    ["0", "0"],
  ])("--no-restart: the command's own status (%s, startsecs %s), ran once, output verbatim", async (status, startsecs) => {
    const res = await run(["--no-restart", "--startsecs", startsecs, "--", fixture("writes-every-byte.sh"), status]);
    expect(res.code).toBe(Number(status));
    expect(res.stdout.equals(EVERY_BYTE)).toBe(true);
    // An exit before startsecs also gets tend's FATAL line (an error); a RUNNING one's exit
    // is only info, below the default level, so stderr is the command's alone.
    if (startsecs === "0") expect(res.stderr.equals(EVERY_BYTE)).toBe(true);
    else expect(occurrences(res.stderr, EVERY_BYTE)).toBe(1);
  });

  test.each([
    ["SIGKILL", 137],
    ["SIGTERM", 143],
  ] as const)("--no-restart: a command killed by %s → %d", async (sig, code) => {
    const r = tendRun(["--no-restart", "--", fixture("forever.sh")]);
    const pid = await waitFor(() => Number(/forever started pid (\d+)/.exec(r.stderr().toString())?.[1]), { what: "the command's pid" });
    process.kill(pid, sig);
    expect((await r.done).code).toBe(code);
  });
});

describe("tend run: commands that cannot run", () => {
  test.each([
    ["tend-no-such-command-xyz", "can't find command 'tend-no-such-command-xyz'"],
    ["/nonexistent/dir/cmd", "can't find command '/nonexistent/dir/cmd'"],
  ])("not found (%s) → 127 at once, one attempt in spite of --retries", async (cmd, msg) => {
    const res = await run(["--retries", "5", "--", cmd]);
    expect(res.code).toBe(127);
    expect(res.stdout.length).toBe(0);
    expect(res.stderr.toString()).toContain(msg);
    expect(occurrences(res.stderr, "spawnerr:")).toBe(1);
  });

  test("not executable (a file without x, or a directory) → 126 at once", async () => {
    dir = makeTempDir("tend-run-");
    const file = join(dir, "not-executable.sh");
    writeFileSync(file, "#!/bin/sh\necho should not run\n");
    chmodSync(file, 0o644);
    const a = await run(["--retries", "5", "--", file]);
    expect(a.code).toBe(126);
    expect(a.stdout.length).toBe(0);
    expect(a.stderr.toString()).toContain(`command at '${file}' is not executable`);
    expect(occurrences(a.stderr, "spawnerr:")).toBe(1);
    const b = await run(["--", dir]);
    expect(b.code).toBe(126);
    expect(b.stderr.toString()).toContain(`command at '${dir}' is a directory`);
  });
});

describe("tend run: the API socket", () => {
  test("--name web -s SOCK: `tend -s SOCK status` shows web RUNNING; SIGTERM → 0 and the socket is removed", async () => {
    dir = makeTempDir("tend-run-");
    const sock = join(dir, "run.sock");
    const r = tendRun(["--name", "web", "-s", sock, "--", fixture("forever.sh")]);
    const st = await waitFor(
      async () => {
        const s = await runCli(["-s", sock, "status"]);
        return /^web +RUNNING +pid \d+, uptime /.test(s.stdout) ? s : null;
      },
      { what: "web RUNNING" },
    );
    expect(st.code).toBe(0);
    const pid = await runCli(["-s", sock, "pid", "web"]);
    expect(pid.stdout).toBe(`${/forever started pid (\d+)/.exec(r.stderr().toString())?.[1]}\n`);
    r.proc.kill("SIGTERM");
    expect((await r.done).code).toBe(0);
    expect(existsSync(sock)).toBe(false);
  });
});

describe("tend run: the image-wide environment", () => {
  test("PROCESS_AUTO_RECOVERY=false behaves like --no-restart: the command's own status, ran once", async () => {
    const res = await run(["--startsecs", "0", "--", fixture("writes-every-byte.sh"), "5"], { PROCESS_AUTO_RECOVERY: "false" });
    expect(res.code).toBe(5);
    expect(res.stdout.equals(EVERY_BYTE)).toBe(true);
  });

  test("PROCESS_MAX_START_RETRIES=1 limits restarts to one: ran twice, exit 1", async () => {
    const res = await run(["--startsecs", "0", "--", fixture("writes-every-byte.sh"), "3"], { PROCESS_MAX_START_RETRIES: "1" });
    expect(res.code).toBe(1);
    expect(res.stdout.equals(Buffer.concat([EVERY_BYTE, EVERY_BYTE]))).toBe(true);
  });

  test("--retries on the command line wins over PROCESS_MAX_START_RETRIES", async () => {
    const res = await run(["--retries", "0", "--startsecs", "0", "--", fixture("writes-every-byte.sh"), "3"], { PROCESS_MAX_START_RETRIES: "3" });
    expect(res.code).toBe(1);
    expect(res.stdout.equals(EVERY_BYTE)).toBe(true);
  });
});

describe("tend run: bad options exit 2 with a message", () => {
  test.each([
    [["--bogus", "--", "true"], {}, "unknown option --bogus"],
    [["--retries", "abc", "--", "true"], {}, '--retries must be a number from 0 to 1000, got "abc"'],
    [["--retries", "-1", "--", "true"], {}, '--retries must be a number from 0 to 1000, got "-1"'],
    [["--retries", "1.5", "--", "true"], {}, "--retries must be an integer"],
    [["--name", "a/b", "--", "true"], {}, '--name must be letters, digits, _ . - only, got "a/b"'],
    [["--stop-signal", "NOPE", "--", "true"], {}, 'unknown stop signal "NOPE"'],
    [["--log-level", "loud", "--", "true"], {}, 'log level must be debug, info, warn or error, got "loud"'],
    [["--startsecs"], {}, "--startsecs needs a value"],
    [["--name", "web"], {}, "no command: use tend run [options] -- CMD [ARG...]"],
    [["--"], {}, "no command"],
    [["true"], {}, "unknown option true (options go before --, the command after it)"],
    [["--", "true"], { PROCESS_MAX_START_RETRIES: "many" }, 'PROCESS_MAX_START_RETRIES must be a non-negative integer, got "many"'],
    [["--", "true"], { LOG_LEVEL: "loud" }, 'log level must be debug, info, warn or error, got "loud"'],
  ] as [string[], Record<string, string>, string][])("tend run %j %j → 2", async (args, env, msg) => {
    const res = await run(args, env);
    expect(res.code).toBe(2);
    expect(res.stdout.length).toBe(0);
    // The message, then only run's synopsis (not the whole overview).
    expect(res.stderr.toString()).toStartWith(`tend: run: ${msg}`);
    expect(res.stderr.toString()).toEndWith("\nusage: tend run [OPTIONS] -- CMD [ARG...]  (tend help run)\n");
  });

  test("tend run --help / -h: run's own help, exit 0; after -- they belong to the command (#12.10)", async () => {
    for (const args of [["--help"], ["-h"], ["--name", "x", "--help", "--", "true"]]) {
      const res = await run(args, {});
      expect({ args, code: res.code }).toEqual({ args, code: 0 });
      expect(res.stdout.toString()).toStartWith("Usage: tend run [OPTIONS] -- CMD [ARG...]\n");
      expect(res.stdout.toString()).toContain("--stop-timeout S");
    }
    const passed = await run(["--no-restart", "--", "sh", "-c", 'echo "got $1"', "sh", "--help"], {});
    expect(passed.code).toBe(0);
    expect(passed.stdout.toString()).toBe("got --help\n");
  });
});
