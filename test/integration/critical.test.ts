// `critical = true`: a program the container cannot do without. When it ends for good (FATAL,
// or EXITED with no restart to come) the daemon stops everything in reverse priority order and
// exits 1, so the orchestrator sees the failure. An exit that will be restarted, a BACKOFF
// with retries left, and a stop or restart by hand do not take the daemon down.

import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, fixture, isGone, makeTempDir, startDaemon, waitFor } from "../helpers/daemon-harness.ts";

// The preload's 60 s ceiling (test/helpers/setup.ts) reaches only the first file of a
// multi-file `bun test` run in Bun 1.4.5; set it here too, for this file.
setDefaultTimeout(60_000);

let d: Daemon | null = null;
afterEach(async () => {
  await d?.stop();
  d?.cleanup();
  d = null;
});

/** A daemon that may end on its own at any moment: started without waiting for its socket. */
async function daemonThatMayExit(programs: string): Promise<Daemon> {
  d = new Daemon(makeTempDir("tend-critical-"), programs);
  return d.start({ waitReady: false });
}

/** Its exit status, with a deadline. */
function exitStatus(dm: Daemon, timeout = 30_000): Promise<number> {
  return Promise.race([
    dm.proc!.exited,
    Bun.sleep(timeout).then(() => {
      throw new Error(`the daemon did not exit within ${timeout} ms:\n${dm.stderr()}`);
    }),
  ]);
}

/** Pids from tend.log's "spawned: 'name' with pid N" lines. */
function spawnedPids(dm: Daemon, name: string): number[] {
  return [...dm.log("tend.log").matchAll(new RegExp(`spawned: '${name}' with pid (\\d+)`, "g"))].map((m) => Number(m[1]));
}

const lines = (file: string) => readFileSync(file, "utf8").split("\n").filter(Boolean);

async function daemonState(dm: Daemon): Promise<string> {
  return ((await (await dm.api("GET", "/api/daemon")).json()) as { state: string }).state;
}

describe("a critical program that ends for good takes the daemon down with exit 1", () => {
  test("FATAL (exits-fast.sh, startretries = 0): every other program is stopped, highest priority number first, and its processes are gone", async () => {
    const dm = await daemonThatMayExit(
      `[program.crit]\ncommand = "${fixture("exits-fast.sh")}"\nstartretries = 0\ncritical = true\npriority = 10\n` +
        `[program.first]\ncommand = "${fixture("forever.sh")}"\npriority = 1\n` +
        `[program.second]\ncommand = "${fixture("forever.sh")}"\npriority = 5\n`,
    );
    expect(await exitStatus(dm)).toBe(1);
    const log = dm.log("tend.log");
    expect(log).toContain("critical program crit is FATAL");
    expect(log).toContain("all programs stopped; exiting");
    const at = (name: string) => log.indexOf(`stopped: ${name} `);
    expect(at("second")).toBeGreaterThan(-1);
    expect(at("second")).toBeLessThan(at("first"));
    for (const name of ["first", "second"]) {
      const pids = spawnedPids(dm, name);
      expect(pids.length).toBe(1);
      expect(isGone(pids[0]!)).toBe(true);
    }
  });

  test("FATAL once the others are up: they get their stop signal in reverse priority order", async () => {
    const dir = makeTempDir("tend-critical-");
    const rec = join(dir, "order");
    d = new Daemon(
      dir,
      // crit fails (before its startsecs) only once both recorders are ready.
      `[program.crit]\ncommand = ["${fixture("exits-when-file-has-lines.sh")}", "${rec}", "2", "3"]\nstartsecs = 60\nstartretries = 0\ncritical = true\npriority = 10\n` +
        `[program.first]\ncommand = ["${fixture("records-start-and-term.sh")}", "${rec}", "first"]\npriority = 1\n` +
        `[program.second]\ncommand = ["${fixture("records-start-and-term.sh")}", "${rec}", "second"]\npriority = 5\n`,
    );
    await d.start({ waitReady: false });
    expect(await exitStatus(d)).toBe(1);
    expect(lines(rec).filter((l) => l.startsWith("stop"))).toEqual(["stop second", "stop first"]);
    expect(d.log("crit.err.log")).toBe("exiting with 3\n");
  });

  test.each([
    ["autorestart = false", "3"],
    ["autorestart = false", "0"],
    ['autorestart = "unexpected"', "0"],
  ])("EXITED with %s, status %s (no restart to come) → exit 1, the other program stopped", async (autorestart, status) => {
    const dm = await daemonThatMayExit(
      `[program.crit]\ncommand = ["${fixture("exits-after.sh")}", "0.2", "${status}"]\nstartsecs = 0\n${autorestart}\ncritical = true\n` +
        `[program.other]\ncommand = "${fixture("forever.sh")}"\n`,
    );
    expect(await exitStatus(dm)).toBe(1);
    expect(dm.log("tend.log")).toContain("critical program crit is EXITED");
    const other = spawnedPids(dm, "other");
    expect(other.length).toBe(1);
    expect(isGone(other[0]!)).toBe(true);
  });
});

describe("what does not take the daemon down", () => {
  test.each([
    ["autorestart = true", "0"],
    ['autorestart = "unexpected"', "3"],
  ])("a critical program that exits and is restarted (%s, status %s)", async (autorestart, status) => {
    d = await startDaemon(`[program.crit]\ncommand = ["${fixture("exits-after.sh")}", "0.1", "${status}"]\nstartsecs = 0\n${autorestart}\ncritical = true\n`);
    // Nothing is restarted once shutdown has begun, so two restarts mean it never began.
    await waitFor(async () => (await d!.service("crit")).restarts >= 2, { what: "crit to restart twice" });
    expect(await daemonState(d)).toBe("RUNNING");
    expect(d.proc!.exitCode).toBe(null);
    expect(d.log("tend.log")).not.toContain("critical program");
    expect(await d.stop()).toBe(0);
  });

  test("a critical program in BACKOFF with retries left; it takes the daemon down only when FATAL", async () => {
    const dm = await daemonThatMayExit(`[program.crit]\ncommand = "${fixture("exits-fast.sh")}"\nstartretries = 1\ncritical = true\n`);
    expect(await exitStatus(dm)).toBe(1);
    // A shutdown cancels pending retries: the second attempt shows the first BACKOFF did not
    // begin one.
    expect(dm.log("crit.err.log")).toBe("exiting with 1\nexiting with 1\n");
    const log = dm.log("tend.log");
    expect(log.indexOf("critical program crit is FATAL")).toBeGreaterThan(log.indexOf("retry 1 in 1s"));
  });

  test("tend stop / start / restart of a critical program by hand", async () => {
    d = await startDaemon(`[program.crit]\ncommand = "${fixture("forever.sh")}"\nstartsecs = 0\ncritical = true\n`);
    await d.waitState("crit", "RUNNING");
    const stop = await d.cli("stop", "crit");
    expect(stop.stdout.trim()).toBe("crit: stopped");
    expect(stop.code).toBe(0);
    expect((await d.service("crit")).state).toBe("STOPPED");
    // A shutdown, had it begun, would refuse these.
    expect(await daemonState(d)).toBe("RUNNING");
    const start = await d.cli("start", "crit");
    expect(start.stdout.trim()).toBe("crit: started");
    const restart = await d.cli("restart", "crit");
    expect(restart.stdout.trim()).toBe("crit: stopped\ncrit: started");
    expect((await d.service("crit")).state).toBe("RUNNING");
    expect(d.log("tend.log")).not.toContain("critical program");
    // SIGTERM is a clean stop: 0.
    expect(await d.stop()).toBe(0);
  });
});
