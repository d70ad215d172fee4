// The shipped artifact: build the self-contained binary and run a real daemon and client
// with it (no Bun, no sources next to it), including a .env in the working directory that
// must not leak into the daemon or its programs.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, fixture } from "../helpers/daemon-harness.ts";
import { waitFor } from "../helpers/wait-for.ts";

let dir: string;
let bin: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tend-compiled-"));
  bin = join(dir, "tend");
  const build = Bun.spawnSync([process.execPath, join(ROOT, "build", "compile.ts"), bin], { stdout: "pipe", stderr: "pipe" });
  if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr.toString()}`);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]) => {
  const p = Bun.spawnSync([bin, ...args], { cwd: dir, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  return { code: p.exitCode, stdout: p.stdout.toString(), stderr: p.stderr.toString() };
};

describe("compiled binary", () => {
  test("version names the version, commit and target", () => {
    const r = run("version");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^tend \d+\.\d+\.\d+ \((?:[0-9a-f]+|unknown)\) linux-(x64|arm64)\n$/);
  });

  test("daemon, status, stop, shutdown; a .env in the cwd does not leak", async () => {
    const sock = join(dir, "tend.sock");
    writeFileSync(join(dir, ".env"), "LEAKED_FROM_DOTENV=yes\n");
    const prog = join(dir, "prints-env.sh");
    const fifo = join(dir, "counts.fifo");
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
    copyFileSync(fixture("prints-env.sh"), prog);
    writeFileSync(
      join(dir, "tend.toml"),
      `[daemon]\nsocket = "${sock}"\nlog_dir = "${join(dir, "log")}"\n[program.env]\ncommand = "${prog}"\nstartsecs = 0\n` +
        `[program.counts]\ncommand = ["seq", "1", "7"]\nstartsecs = 0\nautorestart = false\nstdout_logfile = "${fifo}"\n`,
    );
    const daemon = Bun.spawn([bin, "daemon", "-c", join(dir, "tend.toml")], { cwd: dir, stdin: "ignore", stdout: "ignore", stderr: Bun.file(join(dir, "daemon.err")) });
    try {
      await waitFor(
        async () => {
          if (daemon.exitCode !== null) throw new Error(`daemon exited: ${await Bun.file(join(dir, "daemon.err")).text()}`);
          return run("-s", sock, "status", "env").code === 0;
        },
        { what: "env RUNNING" },
      );
      const st = run("-s", sock, "status", "env");
      expect(st.stdout).toMatch(/^env {30}RUNNING {3}pid \d+, uptime /);
      const log = await waitFor(() => {
        const t = Bun.file(join(dir, "log", "env.out.log"));
        return t.size > 0 ? t.text() : null;
      });
      expect(log).toContain("SUPERVISOR_PROCESS_NAME=env");
      expect(log).not.toContain("LEAKED_FROM_DOTENV");
      // A FIFO log target is written by a writer thread: its code is a second entry point
      // of the binary (build/compile.ts), which only a compiled run can check.
      const reader = Bun.spawn(["head", "-c", "14", fifo], { stdout: "pipe" });
      const gotten = new Response(reader.stdout).text();
      const late = Bun.sleep(15_000).then(async () => `nothing in 15 s; daemon said: ${await Bun.file(join(dir, "daemon.err")).text()}`);
      try {
        expect(await Promise.race([gotten, late])).toBe("1\n2\n3\n4\n5\n6\n7\n");
      } finally {
        reader.kill();
      }
      expect(await Bun.file(join(dir, "daemon.err")).text()).not.toContain("writer thread failed");
      // Program output waits for readiness on a thread too (src/logs/readiness-worker.ts).
      expect(await Bun.file(join(dir, "daemon.err")).text()).not.toContain("readiness thread failed");
      expect(run("-s", sock, "stop", "env").stdout.trim()).toBe("env: stopped");
      expect(run("-s", sock, "shutdown").stdout.trim()).toBe("Shut down");
      expect(await daemon.exited).toBe(0);
    } finally {
      if (daemon.exitCode === null) daemon.kill("SIGKILL");
    }
  });
});
