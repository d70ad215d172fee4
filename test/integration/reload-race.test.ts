// A restart (or start, or stop) that overlaps a reload replacing the program must never leave
// a process that no record owns: the record a reload retires can never spawn again, and the
// operation carries on with the replacement (issue 11, finding 2).

import { afterEach, describe, expect, test } from "bun:test";
import { encodeMethodCall, parseMethodResponse } from "../../src/xmlrpc/codec.ts";
import { Daemon, fixture, startDaemon, waitFor } from "../helpers/daemon-harness.ts";
import { daemonChildren, expectEveryChildOwned, expectNoChildren } from "../helpers/invariants.ts";

let d: Daemon | null = null;
afterEach(async () => {
  if (!d) return;
  const pid = d.pid;
  const left = d.proc ? daemonChildren(pid) : [];
  await d.stop();
  // Whatever escaped (the duplicate this file is about) goes too: only pids the daemon started.
  for (const p of left) {
    try {
      process.kill(p.pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
  d.cleanup();
  d = null;
});

/** A program that ignores SIGTERM, so a stop takes stopwaitsecs: a wide window for a reload. */
const stubborn = (name: string, marker: number, v: number, stopwait = 2) =>
  `[program.${name}]\ncommand = ["sh", "-c", "trap '' TERM; exec sleep ${marker}"]\nstopwaitsecs = ${stopwait}\nstartsecs = 0\nenvironment = { V = "${v}" }\n`;

const sleeps = (pid: number, marker: number) => daemonChildren(pid).filter((p) => p.cmdline === `sleep ${marker}`);

describe("restart racing a reload", () => {
  test("a restart that overlaps a reload changing the program leaves exactly one process, and stop leaves none", async () => {
    const marker = 555000 + (process.pid % 1000);
    d = await startDaemon(stubborn("stub", marker, 0));
    await d.waitState("stub", "RUNNING");
    const restart = d.cli("restart", "stub");
    // The restart's stop takes stopwaitsecs (the program ignores SIGTERM): reload inside it.
    await d.waitState("stub", "STOPPING");
    d.writeConfig(stubborn("stub", marker, 1));
    const reload = await d.cli("reload");
    expect(reload.code).toBe(0);
    expect(reload.stdout).toContain("stub: changed");
    const r = await restart;
    // The reload replaced the program mid-way: the restart reports the replacement's start.
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const now = await d.waitState("stub", "RUNNING");
    await expectEveryChildOwned(d);
    const daemon = d;
    await waitFor(() => sleeps(daemon.pid, marker).map((p) => p.pid).join() === String(now.pid), { what: "exactly one sleep" });
    expect((await d.cli("stop", "stub")).code).toBe(0);
    await expectNoChildren(d.pid);
  });

  test("a restart whose program a reload removes mid-way answers BAD_NAME and starts nothing", async () => {
    const marker = 555500 + (process.pid % 1000);
    d = await startDaemon(stubborn("gone", marker, 0) + stubborn("stays", marker + 1, 0));
    await d.waitState("gone", "RUNNING");
    const restart = d.cli("restart", "gone");
    await d.waitState("gone", "STOPPING");
    d.writeConfig(stubborn("stays", marker + 1, 0));
    expect((await d.cli("reload")).stdout).toContain("gone: removed");
    const r = await restart;
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain("removed meanwhile");
    expect((await d.services()).map((s) => s.name)).toEqual(["stays"]);
    await expectEveryChildOwned(d);
    const dm = d;
    await waitFor(() => sleeps(dm.pid, marker).length === 0, { what: "no process of the removed program" });
  });

  test("random reloads while `restart all` loops: every child belongs to exactly one record, stop all leaves none", async () => {
    const names = ["a", "b", "c", "d"];
    const marker = 556000 + (process.pid % 1000);
    const version = new Map(names.map((n) => [n, 0]));
    const toml = () => names.map((n, i) => stubborn(n, marker + i, version.get(n)!, 1)).join("");
    d = await startDaemon(toml());
    for (const n of names) await d.waitState(n, "RUNNING");
    const daemon = d;
    let looping = true;
    let restarts = 0;
    const loop = (async () => {
      while (looping) {
        await (await daemon.api("POST", "/api/services/all/restart")).text();
        restarts++;
      }
    })();
    // A seeded sequence, so a failure can be replayed: each reload changes one or two programs.
    let seed = 11;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let i = 0; i < 10; i++) {
      for (let k = 0; k <= rand(2); k++) {
        const n = names[rand(names.length)]!;
        version.set(n, version.get(n)! + 1);
      }
      // Land each reload somewhere else in the restart's cycle: now, or after 1 or 2 restarts.
      const after = restarts + rand(3);
      await waitFor(() => restarts >= after, { what: "restarts to go by" });
      daemon.writeConfig(toml());
      const r = await daemon.cli("reload");
      expect(r.code).toBe(0);
    }
    looping = false;
    await loop;
    for (const n of names) await d.waitState(n, "RUNNING");
    await expectEveryChildOwned(d);
    for (const [i, n] of names.entries()) {
      const s = await d.service(n);
      // (sh execs sleep: wait for the exec rather than read the shell's command line.)
      await waitFor(() => sleeps(daemon.pid, marker + i).map((p) => p.pid).join() === String(s.pid), { what: `one sleep for ${n}` });
    }
    expect((await d.cli("stop", "all")).code).toBe(0);
    await expectNoChildren(d.pid);
  }, 180_000);

  test("supervisor.restart (XML-RPC) meeting a start of a program it already stopped: one record for it, the others come back", async () => {
    const marker = 559000 + (process.pid % 1000);
    // fast (priority 2) stops first; slow (priority 1) ignores SIGTERM and takes stopwaitsecs.
    d = await startDaemon(`[program.fast]\ncommand = "${fixture("forever.sh")}"\nstartsecs = 0\npriority = 2\n` + stubborn("slow", marker, 0) + "priority = 1\n");
    await d.waitState("fast", "RUNNING");
    const slow = await d.waitState("slow", "RUNNING");
    const res = await fetch("http://localhost/RPC2", { method: "POST", body: encodeMethodCall("supervisor.restart", []), unix: d.socket });
    expect(parseMethodResponse(await res.text())).toEqual({ value: true });
    await d.waitState("slow", "STOPPING");
    expect((await d.service("fast")).state).toBe("STOPPED");
    expect((await d.cli("start", "fast")).code).toBe(0);
    // slow is stopped, forgotten and added again from the file; fast, running, is left as it is.
    await d.waitState("slow", "RUNNING", 30_000, (s) => s.pid !== slow.pid);
    await d.waitState("fast", "RUNNING");
    await expectEveryChildOwned(d);
    expect(d.log("tend.log")).toContain("restart: fast started again meanwhile");
    expect((await d.cli("stop", "all")).code).toBe(0);
    await expectNoChildren(d.pid);
  }, 90_000);
});
