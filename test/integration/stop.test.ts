// Stopping: the stop signal to the whole process group, SIGKILL after stopwaitsecs, and
// nothing left behind.

import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, fixture, isGone, pidsIn, startDaemon, waitFor } from "../helpers/daemon-harness.ts";

let d: Daemon | null = null;
afterEach(async () => {
  await d?.stop();
  d?.cleanup();
  d = null;
});

describe("stop", () => {
  test("a child that ignores SIGTERM is SIGKILLed after stopwaitsecs, staying STOPPING until then", async () => {
    d = await startDaemon(`[program.stubborn]\ncommand = "${fixture("ignores-sigterm.sh")}"\nstartsecs = 0\nstopwaitsecs = 1\n`);
    const s = await d.waitState("stubborn", "RUNNING");
    await waitFor(() => d!.log("stubborn.out.log").includes("ignoring TERM"));
    const t0 = Date.now();
    const stopping = d.cli("stop", "stubborn");
    await d.waitState("stubborn", "STOPPING");
    const r = await stopping;
    expect(r.stdout.trim()).toBe("stubborn: stopped");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(isGone(s.pid!)).toBe(true);
    expect(d.log("tend.log")).toContain(`killing 'stubborn' (${s.pid}) with SIGKILL`);
    expect((await d.service("stubborn")).exit_signal).toBe("KILL");
  });

  test("grandchildren are stopped with the process group", async () => {
    const pidfile = join((await import("node:os")).tmpdir(), `gc-${process.pid}-${Date.now()}`);
    d = await startDaemon(`[program.tree]\ncommand = ["${fixture("spawns-grandchildren.sh")}", "${pidfile}"]\nstartsecs = 0\n`);
    await d.waitState("tree", "RUNNING");
    const pids = await waitFor(() => (pidsIn(pidfile).length === 3 ? pidsIn(pidfile) : null), { what: "3 pids" });
    for (const p of pids) expect(isGone(p)).toBe(false);
    await d.cli("stop", "tree");
    for (const p of pids) await waitFor(() => isGone(p), { what: `pid ${p} gone` });
  });

  test("stopasgroup = false signals only the leader; group members still go at stop", async () => {
    const pidfile = join((await import("node:os")).tmpdir(), `gc2-${process.pid}-${Date.now()}`);
    d = await startDaemon(
      `[program.tree]\ncommand = ["${fixture("spawns-grandchildren.sh")}", "${pidfile}"]\nstartsecs = 0\nstopasgroup = false\nstopwaitsecs = 1\n`,
    );
    await d.waitState("tree", "RUNNING");
    const pids = await waitFor(() => (pidsIn(pidfile).length === 3 ? pidsIn(pidfile) : null));
    await d.cli("stop", "tree");
    // killasgroup (default true) sweeps what the leader left behind once stopwaitsecs ran out.
    for (const p of pids) await waitFor(() => isGone(p), { what: `pid ${p} gone` });
  });

  test("stopsignal is what the program receives", async () => {
    const file = join((await import("node:os")).tmpdir(), `sig-${process.pid}-${Date.now()}`);
    d = await startDaemon(`[program.sig]\ncommand = ["${fixture("records-signal.sh")}", "${file}"]\nstartsecs = 0\nstopsignal = "INT"\n`);
    await d.waitState("sig", "RUNNING");
    await waitFor(() => existsSync(file) && readFileSync(file, "utf8").includes("ready"));
    const r = await d.cli("stop", "sig");
    expect(r.stdout.trim()).toBe("sig: stopped");
    expect(readFileSync(file, "utf8")).toContain("INT");
    expect((await d.service("sig")).exit_code).toBe(0);
  });

  test("stop from BACKOFF goes straight to STOPPED and cancels the retry", async () => {
    d = await startDaemon(`[program.crash]\ncommand = "${fixture("exits-fast.sh")}"\nstartsecs = 1\nstartretries = 5\n`);
    await d.waitState("crash", "BACKOFF", 10_000);
    const r = await d.cli("stop", "crash");
    expect(r.stdout.trim()).toBe("crash: stopped");
    const s = await d.service("crash");
    expect(s.state).toBe("STOPPED");
    const restarts = s.restarts;
    await Bun.sleep(1500); // longer than the 1 s backoff: no retry may happen
    expect((await d.service("crash")).restarts).toBe(restarts);
    expect((await d.service("crash")).state).toBe("STOPPED");
  });
});
