// A daemon SIGKILLed leaves its programs running; the next daemon on the same config stops
// them (stopsignal, then SIGKILL after stopwaitsecs) before it starts its own, names each in
// tend.log, and never touches a pid that now belongs to another process.

import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { allProcs, withMarker } from "../helpers/procs.ts";
import { Daemon, fixture, isGone, makeTempDir, waitFor } from "../helpers/daemon-harness.ts";

let d: Daemon | null = null;
const started: number[] = [];
afterEach(async () => {
  await d?.stop();
  d?.cleanup();
  d = null;
  for (const pid of started.splice(0)) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
  }
});

const runningFile = (dd: Daemon) => join(dd.logDir, "tend.running.json");
const startTime = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[19]);
const bootId = () => readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();

/** Live processes whose command line is exactly `argv`. */
const processesRunning = (...argv: string[]): number[] =>
  allProcs().filter((p) => p.state !== "Z" && p.cmdline === argv.join(" ")).map((p) => p.pid);

describe("leftovers of a SIGKILLed daemon", () => {
  test.if(Bun.which("flock") !== null)(
    "are stopped before the new daemon starts anything (autostart or asked for): one process per program after, each named in tend.log",
    async () => {
      const dir = makeTempDir();
      const tag = `m${process.pid}${Date.now()}`;
      // Quiet programs: an orphan that writes to its dead daemon's pipe dies of SIGPIPE anyway.
      const sleepSecs = String(100_000 + (process.pid % 100_000));
      // flock -n: an instance that starts while the old one still holds the lock fails at once
      // (as a port-bound program fails with "Address already in use").
      const toml =
        `[program.web]\ncommand = ["flock", "-n", "${join(dir, "web.lock")}", "sleep", "${sleepSecs}"]\n` +
        `startsecs = 1\nstartretries = 0\n` +
        `[program.stubborn]\ncommand = ["flock", "-n", "${join(dir, "stub.lock")}", "${fixture("ignores-sigterm.sh")}", "${tag}-stub"]\n` +
        `startsecs = 1\nstartretries = 0\nstopwaitsecs = 1\nautostart = false\n`;
      d = await new Daemon(dir, toml).start();
      expect((await d.cli("start", "stubborn")).code).toBe(0);
      const [web, stub] = await Promise.all([d.waitState("web", "RUNNING"), d.waitState("stubborn", "RUNNING")]);
      const oldWeb = web.pid!;
      const oldStub = stub.pid!;
      started.push(oldWeb, oldStub);
      // Recorded (the file exists from boot; each spawn is in it within its write interval).
      await waitFor(() => {
        if (!existsSync(runningFile(d!))) return true; // a tend without it: the test shows the duplicates
        const pids = (JSON.parse(readFileSync(runningFile(d!), "utf8")) as { programs: { pid: number }[] }).programs.map((p) => p.pid);
        return pids.includes(oldWeb) && pids.includes(oldStub);
      }, { what: "both pids in the running file" });

      const firstPid = d.pid;
      process.kill(firstPid, "SIGKILL");
      await d.proc!.exited;
      // Orphans: still running without their daemon.
      expect(isGone(oldWeb)).toBe(false);
      expect(isGone(oldStub)).toBe(false);
      expect(processesRunning("sleep", sleepSecs).length).toBe(1);
      expect(processesRunning("/bin/sh", fixture("ignores-sigterm.sh"), `${tag}-stub`).length).toBe(1);

      await d.start();
      // Asked for while the old one (it ignores SIGTERM) is still being stopped: waits for it.
      const startStub = await d.cli("start", "stubborn");
      expect(startStub.stderr).toBe("");
      expect(startStub.code).toBe(0);
      const [web2, stub2] = await Promise.all([d.waitState("web", "RUNNING"), d.waitState("stubborn", "RUNNING")]);
      started.push(web2.pid!, stub2.pid!);
      expect(web2.pid).not.toBe(oldWeb);
      expect(stub2.pid).not.toBe(oldStub);
      expect(isGone(oldWeb)).toBe(true);
      expect(isGone(oldStub)).toBe(true);
      // Exactly one of each: the new instance (the old shell that ignored TERM was SIGKILLed).
      expect(processesRunning("sleep", sleepSecs).length).toBe(1);
      expect(processesRunning("/bin/sh", fixture("ignores-sigterm.sh"), `${tag}-stub`).length).toBe(1);

      const log = d.log("tend.log");
      const second = log.slice(log.lastIndexOf("tend started with pid"));
      expect(second).toContain(`found pid ${oldWeb} of 'web' left by a previous tend: stopping it (SIGTERM`);
      expect(second).toContain(`found pid ${oldStub} of 'stubborn' left by a previous tend: stopping it (SIGTERM`);
      expect(second).toContain(`pid ${oldStub} of 'stubborn' left by a previous tend is still there after 1 s: SIGKILL`);
      // Gone before anything was spawned.
      const firstSpawn = second.indexOf("spawned: ");
      expect(second.indexOf(`stopped pid ${oldWeb} of 'web'`)).toBeGreaterThan(-1);
      expect(second.indexOf(`stopped pid ${oldWeb} of 'web'`)).toBeLessThan(firstSpawn);
      expect(second.indexOf(`stopped pid ${oldStub} of 'stubborn'`)).toBeGreaterThan(-1);
      expect(second.indexOf(`stopped pid ${oldStub} of 'stubborn'`)).toBeLessThan(firstSpawn);
    },
  );

  test("a daemon SIGKILLed the moment its programs run (before any rewrite of the file): the next one still stops them", async () => {
    const mark = `8${Math.floor(Math.random() * 1e6).toString().padStart(6, "0")}`;
    const toml = [0, 1, 2, 3].map((i) => `[program.p${i}]\ncommand = ["sleep", "${mark}${i}"]\nstartsecs = 0\nstopwaitsecs = 1\n`).join("\n");
    d = await new Daemon(makeTempDir(), toml).start();
    // No wait for the file: killed as soon as status shows them all, well inside its write interval.
    const first = await waitFor(async () => {
      const ss = await d!.services();
      return ss.every((s) => s.state === "RUNNING") ? ss : null;
    }, { what: "all RUNNING" });
    started.push(...first.map((s) => s.pid!));
    process.kill(d.pid, "SIGKILL");
    await d.proc!.exited;
    expect(withMarker(mark).length).toBe(4);

    await d.start();
    const second = await waitFor(async () => {
      const ss = await d!.services();
      return ss.every((s) => s.state === "RUNNING") ? ss : null;
    }, { what: "all RUNNING again" });
    started.push(...second.map((s) => s.pid!));
    // One process per program: the killed daemon's four were stopped first.
    expect(withMarker(mark).map((p) => p.pid).sort()).toEqual(second.map((s) => s.pid!).sort());
    for (const s of first) expect(d.log("tend.log")).toContain(`found pid ${s.pid} of '${s.name}' left by a previous tend`);
  });

  test("a recorded pid that is now another process (its start time differs) is left alone", async () => {
    const dir = makeTempDir();
    const other = Bun.spawn(["sleep", "1000"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    started.push(other.pid);
    d = new Daemon(dir, `[program.web]\ncommand = "${fixture("forever.sh")}"\nstartsecs = 0\n`);
    mkdirSync(d.logDir, { recursive: true });
    const entry = {
      name: "web", pid: other.pid, pgid: other.pid, start: startTime(other.pid) - 1,
      stopsignal: "TERM", stopwaitsecs: 1, stopasgroup: true, killasgroup: true,
    };
    writeFileSync(runningFile(d), JSON.stringify({ version: 1, boot_id: bootId(), daemon: { pid: 0, start: 0 }, programs: [entry] }), { mode: 0o600 });
    await d.start();
    await d.waitState("web", "RUNNING");
    expect(isGone(other.pid)).toBe(false);
    expect(d.log("tend.log")).toContain(`pid ${other.pid} was 'web' under a previous tend and is now another process: left alone`);
    expect(d.log("tend.log")).not.toContain("found pid");
  });

  test("entries that could reach pid 1 or every process, or are malformed, are skipped and counted", async () => {
    const dir = makeTempDir();
    d = new Daemon(dir, `[program.web]\ncommand = "${fixture("forever.sh")}"\nstartsecs = 0\n`);
    mkdirSync(d.logDir, { recursive: true });
    const base = { name: "x", start: 1, stopsignal: "TERM", stopwaitsecs: 1, stopasgroup: true, killasgroup: true };
    const programs = [{ ...base, pid: 1, pgid: 1 }, { ...base, pid: 0, pgid: 0 }, { ...base, pid: -1, pgid: -1 }, { ...base, pid: "12", pgid: 12 }, { ...base, pid: 12, pgid: 12, stopsignal: "NOPE" }, null];
    writeFileSync(runningFile(d), JSON.stringify({ version: 1, boot_id: bootId(), daemon: { pid: 0, start: 0 }, programs }), { mode: 0o600 });
    await d.start();
    await d.waitState("web", "RUNNING");
    expect(d.log("tend.log")).toContain(`${runningFile(d)}: 6 entries not understood, skipped`);
    expect(d.log("tend.log")).not.toContain("found pid");
  });

  test("a corrupt or foreign-writable running file is reported and ignored; a clean shutdown removes the file", async () => {
    for (const [content, mode, why] of [["{not json", 0o600, "not JSON"], ['{"version":1,"programs":[]}', 0o666, "writable by others"]] as const) {
      const dir = makeTempDir();
      d = new Daemon(dir, `[program.web]\ncommand = "${fixture("forever.sh")}"\nstartsecs = 0\n`);
      mkdirSync(d.logDir, { recursive: true });
      writeFileSync(runningFile(d), content, { mode });
      require("node:fs").chmodSync(runningFile(d), mode);
      await d.start();
      const s = await d.waitState("web", "RUNNING");
      expect(d.log("tend.log")).toContain(`ignoring ${runningFile(d)}: ${why}`);
      // Rewritten with what runs now, 0600.
      await waitFor(() => existsSync(runningFile(d!)) && readFileSync(runningFile(d!), "utf8").includes(`"pid":${s.pid},`), { what: "web in the running file" });
      expect(require("node:fs").statSync(runningFile(d)).mode & 0o777).toBe(0o600);
      expect(await d.stop()).toBe(0);
      expect(existsSync(runningFile(d))).toBe(false);
      d.cleanup();
      d = null;
    }
  });
});
