// A record replaced under its name (a reload's retire + add) whose old process exits only
// after the replacement runs: the old record's late change must not go out as an event under
// the name (the event stream, the critical-program watch would take it for the new record's),
// while a waiter holding the old record still hears it. Driven by a fake port.

import { expect, test } from "bun:test";
import { parseConfigText } from "../../../src/config/load.ts";
import { Bus, type StateChange } from "../../../src/daemon/bus.ts";
import type { Clock } from "../../../src/daemon/clock.ts";
import type { DaemonLog } from "../../../src/daemon/daemon-log.ts";
import type { ChildHandle, ExitInfo } from "../../../src/daemon/process-port.ts";
import type { ProgramOutput } from "../../../src/daemon/program-output.ts";
import { Supervisor, type ProcessPort } from "../../../src/daemon/supervisor.ts";
import { waitFor } from "../../helpers/wait-for.ts";

test("the replaced record's late exit reaches its own waiter, not the bus's listeners for everything", async () => {
  const cfg = parseConfigText(
    `[daemon]\nsocket = "/nonexistent/tend.sock"\nlog_dir = "/nonexistent"\n[program.p]\ncommand = "/bin/true"\nstartsecs = 0\nautostart = false\n`,
    "/nonexistent/tend.toml",
  ).programs[0]!;
  const exits: Array<(info: ExitInfo) => void> = [];
  let nextPid = 100;
  const port: ProcessPort = {
    spawn: (): ChildHandle => ({ pid: nextPid++, stdoutFd: -1, stderrFd: null, exited: new Promise((r) => exits.push(r)) }),
    signal: () => null,
    groupAlive: () => false,
  };
  const clock: Clock = { now: () => Date.now(), monotonic: () => performance.now(), setTimer: () => ({}), clearTimer: () => {} };
  const quiet = () => {};
  const log = { debug: quiet, info: quiet, warn: quiet, error: quiet } as unknown as DaemonLog;
  const output = { attach: () => Promise.resolve(), settled: () => Promise.resolve(), close: quiet } as unknown as ProgramOutput;
  const bus = new Bus();
  // Spawns run at once (no slicing across loop turns).
  const sup = new Supervisor([cfg], {
    port,
    clock,
    bus,
    log,
    spawnContext: { baseEnv: {}, serverUrl: "unix:///nonexistent" },
    makeOutput: () => output,
    spawnSlicer: { run: (fn: () => void) => fn() } as never,
  });
  const events: string[] = [];
  bus.subscribe((c: StateChange) => events.push(`${c.name} ${c.from}->${c.to}`));

  const old = sup.records.get("p")!;
  sup.dispatch("p", { kind: "start" });
  expect(old.snapshot.state).toBe("RUNNING");
  expect(events.splice(0)).toEqual(["p STOPPED->STARTING", "p STARTING->RUNNING"]);
  sup.dispatch("p", { kind: "stop" });
  expect(old.snapshot.state).toBe("STOPPING");
  // A waiter on the old record, as Control.waitFor keeps one: by name, checking its record.
  const heard: string[] = [];
  bus.subscribeTo("p", () => heard.push(old.snapshot.state));

  // Replaced while its process still runs; the replacement starts.
  sup.retire(old);
  const fresh = sup.add(cfg);
  sup.dispatchTo(fresh, { kind: "start" });
  expect(fresh.snapshot.state).toBe("RUNNING");
  expect(events).toEqual(["p RUNNING->STOPPING", "p STOPPED->STARTING", "p STARTING->RUNNING"]);

  // The old process exits now.
  exits[0]!({ code: 0, signal: null });
  await waitFor(() => old.snapshot.state === "STOPPED", { what: "the old record to be STOPPED" });
  expect(heard).toContain("STOPPED");
  // Nothing under "p" says STOPPED while p runs.
  expect(events).toEqual(["p RUNNING->STOPPING", "p STOPPED->STARTING", "p STARTING->RUNNING"]);

  // The replacement's own changes still go out.
  sup.dispatchTo(fresh, { kind: "stop" });
  exits[1]!({ code: 0, signal: null });
  await waitFor(() => fresh.snapshot.state === "STOPPED", { what: "the replacement to be STOPPED" });
  expect(events.slice(3)).toEqual(["p RUNNING->STOPPING", "p STOPPING->STOPPED"]);
});
