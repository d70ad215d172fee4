// Deadlines run on monotonic time (issue 11, finding 10): a wall-clock jump during a stop must
// neither SIGKILL what is left of a program's group early nor keep it waiting. The supervisor
// is driven here by a fake port and a clock whose wall time and monotonic time the test moves
// separately, as a real `date -s` or NTP step does (monotonic time never jumps).

import { expect, test } from "bun:test";
import { parseConfigText } from "../../../src/config/load.ts";
import { Bus } from "../../../src/daemon/bus.ts";
import type { Clock } from "../../../src/daemon/clock.ts";
import type { DaemonLog } from "../../../src/daemon/daemon-log.ts";
import type { ChildHandle, ExitInfo } from "../../../src/daemon/process-port.ts";
import type { ProgramOutput } from "../../../src/daemon/program-output.ts";
import { Supervisor, type ProcessPort } from "../../../src/daemon/supervisor.ts";
import { waitFor } from "../../helpers/wait-for.ts";

const PID = 4242;

test("a +1 h wall-clock jump while a stop waits for the group's stragglers does not SIGKILL them before stopwaitsecs", async () => {
  const cfg = parseConfigText(
    `[daemon]\nsocket = "/nonexistent/tend.sock"\nlog_dir = "/nonexistent"\n[program.p]\ncommand = "/bin/true"\nstopwaitsecs = 20\nkillasgroup = true\nautostart = false\n`,
    "/nonexistent/tend.toml",
  ).programs[0]!;

  let exit!: (info: ExitInfo) => void;
  let polls = 0;
  let groupAlive = true;
  const signals: string[] = [];
  const port: ProcessPort = {
    spawn: (): ChildHandle => ({ pid: PID, stdoutFd: -1, stderrFd: null, exited: new Promise((r) => (exit = r)) }),
    signal: (pid, signal, group) => (signals.push(`${signal} ${group ? -pid : pid}`), null),
    groupAlive: () => (polls++, groupAlive),
  };
  let wall = Date.UTC(2026, 0, 1);
  let mono = 1_000;
  const clock: Clock = {
    now: () => wall,
    monotonic: () => mono,
    // Timers never fire: the stop-timeout SIGKILL (the leader's) is not what is under test.
    setTimer: () => ({}),
    clearTimer: () => {},
  };
  const quiet = () => {};
  const log = { debug: quiet, info: quiet, warn: quiet, error: quiet } as unknown as DaemonLog;
  const output = { attach: () => Promise.resolve(), settled: () => Promise.resolve(), close: quiet } as unknown as ProgramOutput;
  const sup = new Supervisor([cfg], {
    port,
    clock,
    bus: new Bus(),
    log,
    spawnContext: { baseEnv: {}, serverUrl: "unix:///nonexistent" },
    makeOutput: () => output,
  });
  const rec = sup.records.get("p")!;

  sup.dispatch("p", { kind: "start" });
  sup.dispatch("p", { kind: "startsecs-elapsed" });
  expect(rec.snapshot.state).toBe("RUNNING");
  sup.dispatch("p", { kind: "stop" });
  expect(signals).toEqual([`TERM -${PID}`]);

  // The leader goes; a member of its group ignores SIGTERM. Then the wall clock leaps an hour.
  exit({ code: null, signal: "TERM" });
  await waitFor(() => polls > 0, { what: "the straggler sweep to start" });
  wall += 3_600_000;
  const seen = polls;
  await waitFor(() => polls >= seen + 5 || signals.length > 1, { what: "five more sweeps after the jump" });
  expect(signals).toEqual([`TERM -${PID}`]);
  expect(rec.snapshot.state).toBe("STOPPING");

  // stopwaitsecs of monotonic time later, what is left is killed and the stop completes.
  mono += 20_000;
  await waitFor(() => signals.length > 1, { what: "the SIGKILL at the deadline" });
  expect(signals).toEqual([`TERM -${PID}`, `KILL -${PID}`]);
  groupAlive = false;
  await waitFor(() => rec.snapshot.state === "STOPPED", { what: "STOPPED" });
});
