// The daemon at its open-files limit (#11 finding 3): each program costs one descriptor per
// pipe plus its pidfd (and its log files); a start that does not fit is refused with
// "file descriptors: N in use of M"; the daemon stays up and answers; `tend shutdown` says
// "Shut down" (exit 0) only when no process is left, and names what is left otherwise.

import { afterEach, describe, expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import { fdCount } from "../helpers/daemon-probe.ts";
import { withMarker } from "../helpers/procs.ts";
import { Daemon, makeTempDir, waitFor } from "../helpers/daemon-harness.ts";

let d: Daemon | null = null;
let mark = "";

/** Live processes whose command line holds the test's marker (its programs are `sleep MARKi`). */
const marked = (): number[] => withMarker(mark).map((p) => p.pid);

afterEach(async () => {
  if (d) {
    if (d.proc && d.proc.exitCode === null) await d.stop();
    d.cleanup();
    d = null;
  }
  // Whatever the daemon left (the bug this file is about), by pid.
  for (const pid of marked()) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
});

/** A fresh numeric marker: `sleep` takes it as its duration, and /proc finds it in argv. */
const newMark = () => `7${Math.floor(Math.random() * 1e6).toString().padStart(6, "0")}`;

const programs = (n: number, extra = "") =>
  Array.from({ length: n }, (_, i) => `[program.p${i}]\ncommand = ["sleep", "${mark}${i}"]\nstartsecs = 0\nstartretries = 0\n${extra}`).join("\n");

describe("file descriptors", () => {
  test("a program holds each descriptor once: at most 3 per program (two pipes' read ends and a pidfd) without log files", async () => {
    mark = newMark();
    d = new Daemon(makeTempDir(), programs(20, `autostart = false\nstdout_logfile = "none"\nstderr_logfile = "none"\n`));
    await d.start();
    const before = fdCount(d.pid);
    const r = await d.cli("start", "all");
    expect(r.code).toBe(0);
    await waitFor(() => marked().length === 20, { what: "20 programs running" });
    const after = fdCount(d.pid);
    // Before the fix: 5 per program (each pipe's read end held twice). A little slack for the
    // client connection the daemon may still be closing.
    expect(after - before).toBeLessThanOrEqual(20 * 3 + 4);
  });

  test("ulimit -n 256 and 100 programs: what does not fit is refused with a clear error, the daemon answers, shutdown leaves nothing", async () => {
    mark = newMark();
    d = new Daemon(makeTempDir(), programs(100));
    await d.start({ nofile: 256 });
    const all = await waitFor(
      async () => {
        const ss = await d!.services();
        return ss.every((s) => s.state === "RUNNING" || s.state === "FATAL") ? ss : null;
      },
      { what: "every program RUNNING or FATAL", timeout: 60_000 },
    );
    const running = all.filter((s) => s.state === "RUNNING");
    const refused = all.filter((s) => s.state === "FATAL");
    expect(running.length).toBeGreaterThan(10);
    expect(refused.length).toBeGreaterThan(0);
    for (const s of refused) expect(s.description).toMatch(/file descriptors: \d+ in use of 256/);
    expect(marked().length).toBe(running.length);

    // Still answering, on the CLI too, with the reason in status.
    const st = await d.cli("status");
    expect(st.stdout).toMatch(/FATAL +file descriptors: \d+ in use of 256/);
    expect(d.proc!.exitCode).toBeNull();

    // A burst of clients at the limit: each gets an answer (a 503 names the shortage), none
    // takes the daemon down or leaves accept() failing, and the socket answers afterwards.
    const burst = await Promise.all(
      Array.from({ length: 300 }, () =>
        // One connection each, closed after its answer (none left idle in this process's pool).
        fetch("http://localhost/api/services", { unix: d!.socket, keepalive: false, headers: { connection: "close" } }).then(async (res) =>
          res.status === 200 ? "ok" : `${res.status} ${await res.text()}`,
        ),
      ),
    );
    for (const b of burst) if (b !== "ok") expect(b).toMatch(/^503 .*file descriptors: \d+ in use of 256/);
    expect(d.proc!.exitCode).toBeNull();
    // Once the burst's connections are closed.
    await waitFor(async () => (await d!.cli("status", "p0")).stdout.includes("p0"), { what: "tend status to answer after the burst" });

    const r = await d.cli("shutdown");
    const left = marked();
    if (r.code === 0) {
      expect(r.stdout).toContain("Shut down");
      expect(left).toEqual([]);
    } else {
      for (const pid of left) expect(r.stderr).toContain(String(pid));
    }
    expect(left).toEqual([]);
    await waitFor(() => d!.proc!.exitCode !== null, { what: "the daemon to exit" });
  }, 120_000);

  test("idle clients holding the last descriptors never lock the operator out: status, stop and shutdown still go through", async () => {
    mark = newMark();
    d = new Daemon(makeTempDir(), programs(100));
    await d.start({ nofile: 256 });
    await waitFor(async () => (await d!.services()).every((s) => s.state === "RUNNING" || s.state === "FATAL"), { what: "programs to settle", timeout: 60_000 });
    // Keep-alive clients that asked once and stay connected, until the daemon is at its limit
    // (it starts closing the connections of what it still serves).
    const idle: Socket[] = [];
    try {
      for (let i = 0; i < 300; i++) {
        const sock = connect(d.socket);
        sock.on("error", () => {});
        idle.push(sock);
        const answer = await new Promise<string>((resolve) => {
          let text = "";
          sock.on("data", (c: Buffer) => {
            text += c.toString("latin1");
            if (text.includes("\r\n\r\n")) resolve(text);
          });
          sock.once("close", () => resolve(text || "closed"));
          sock.write("GET /api/daemon HTTP/1.1\r\nHost: localhost\r\n\r\n");
        });
        if (!/connection: keep-alive/i.test(answer)) break;
      }
      const st = await d.cli("status", "p0");
      expect(st.stdout).toContain("p0");
      const stop = await d.cli("stop", "p0");
      expect(stop.stderr).toBe("");
      expect(stop.code).toBe(0);
      const r = await d.cli("shutdown");
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(marked()).toEqual([]);
      await waitFor(() => d!.proc!.exitCode !== null, { what: "the daemon to exit" });
    } finally {
      for (const s of idle) s.destroy();
    }
  }, 120_000);

  test("a daemon that dies during shutdown: `tend shutdown` exits non-zero naming the program still running", async () => {
    mark = newMark();
    d = new Daemon(
      makeTempDir(),
      `[program.stubborn]\ncommand = ["sh", "-c", "trap '' TERM; sleep ${mark}; :"]\nstartsecs = 0\nstopwaitsecs = 60\n`,
    );
    await d.start();
    await d.waitState("stubborn", "RUNNING");
    const pid = (await d.service("stubborn")).pid!;
    const shutdown = d.cli("shutdown");
    await waitFor(async () => (await d!.service("stubborn").catch(() => null))?.state === "STOPPING", { what: "stubborn STOPPING" });
    d.proc!.kill("SIGKILL");
    const r = await shutdown;
    expect(r.code).not.toBe(0);
    expect(r.stdout).not.toContain("Shut down");
    expect(r.stderr).toContain(`stubborn (pid ${pid})`);
  });

  test("`tend stop` that leaves a member of the program's process group running exits non-zero naming it", async () => {
    mark = newMark();
    // TERM reaches the leader only, and no SIGKILL sweeps the group: the background sleep stays.
    d = new Daemon(
      makeTempDir(),
      `[program.leaves]\ncommand = ["sh", "-c", "sleep ${mark}1 & exec sleep ${mark}2"]\nstartsecs = 0\nstopasgroup = false\nkillasgroup = false\n`,
    );
    await d.start();
    await d.waitState("leaves", "RUNNING");
    await waitFor(() => marked().length === 2, { what: "both sleeps" });
    const r = await d.cli("stop", "leaves");
    const left = marked();
    expect(left.length).toBe(1);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain(`${left[0]} (sleep)`);
  });
});
