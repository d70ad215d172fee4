// The description string beside a state (supervisord's getProcessInfo `description`,
// reference/supervisord-api.md §4): uptime as Python's str(timedelta), spawn errors, and the
// stop time in local time as strftime('%b %d %I:%M %p').

import { afterAll, beforeAll, describe as group, expect, test } from "bun:test";
import { describe, formatStopTime, formatUptime } from "../../../src/core/describe.ts";
import { PROCESS_STATES, type ProcessState } from "../../../src/core/states.ts";
import { INITIAL_SNAPSHOT, TOO_QUICKLY, type ProcessSnapshot } from "../../../src/core/transitions.ts";

const snap = (o: Partial<ProcessSnapshot>): ProcessSnapshot => ({ ...INITIAL_SNAPSHOT, ...o });

/** Local wall-clock time → epoch ms, so the expected strings hold in any TZ. */
const local = (y: number, mo: number, d: number, h: number, mi: number, s = 0): number => new Date(y, mo, d, h, mi, s).getTime();

const UNKNOWN_ERROR = 'unknown error (try "tail <name>")';

group("formatUptime: Python str(timedelta) at second resolution", () => {
  test.each([
    [0, "0:00:00"],
    [59, "0:00:59"],
    [60, "0:01:00"],
    [615, "0:10:15"],
    [3599, "0:59:59"],
    [3600, "1:00:00"],
    [36_000, "10:00:00"],
    [86_399, "23:59:59"],
    [86_400, "1 day, 0:00:00"],
    [86_400 + 2 * 3600 + 3 * 60 + 4, "1 day, 2:03:04"],
    [2 * 86_400, "2 days, 0:00:00"],
    [3 * 86_400 + 1, "3 days, 0:00:01"],
    [400 * 86_400 + 12 * 3600, "400 days, 12:00:00"],
  ] as const)("%d s → %s", (seconds, text) => {
    expect(formatUptime(seconds)).toBe(text);
  });

  test("fractions of a second are dropped, not rounded", () => {
    expect(formatUptime(59.999)).toBe("0:00:59");
    expect(formatUptime(615.5)).toBe("0:10:15");
  });

  test("a negative uptime (clock went backwards) shows 0:00:00", () => {
    expect(formatUptime(-1)).toBe("0:00:00");
    expect(formatUptime(-90_000)).toBe("0:00:00");
  });
});

group("formatStopTime: strftime('%b %d %I:%M %p') in local time", () => {
  // A zone that is never UTC (and off by half an hour) so UTC-vs-local mix-ups show. Bun
  // re-reads TZ when it changes; it is put back for the other test files in this process.
  const savedTz = process.env.TZ;
  beforeAll(() => {
    process.env.TZ = "Asia/Kolkata";
  });
  afterAll(() => {
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  });

  test("a fixed instant is shown in the local zone (UTC+05:30 here)", () => {
    expect(formatStopTime(Date.UTC(2024, 10, 21, 20, 19, 30))).toBe("Nov 22 01:49 AM");
    expect(formatStopTime(Date.UTC(2024, 0, 5, 7, 37))).toBe("Jan 05 01:07 PM");
    expect(describe(snap({ state: "EXITED", startedAt: 1, stoppedAt: Date.UTC(2023, 11, 31, 18, 35) }), 0)).toBe("Jan 01 12:05 AM");
  });

  // Wall-clock times, turned into instants inside the test (after TZ is set).
  test.each([
    ["2024-11-22 01:49:30", "Nov 22 01:49 AM", [2024, 10, 22, 1, 49, 30]],
    ["2024-01-05 13:07", "Jan 05 01:07 PM", [2024, 0, 5, 13, 7, 0]],
    ["2023-07-04 12:00", "Jul 04 12:00 PM", [2023, 6, 4, 12, 0, 0]],
    ["2023-12-31 00:05", "Dec 31 12:05 AM", [2023, 11, 31, 0, 5, 0]],
    ["2025-02-28 23:59:59", "Feb 28 11:59 PM", [2025, 1, 28, 23, 59, 59]],
    ["2025-09-09 09:09", "Sep 09 09:09 AM", [2025, 8, 9, 9, 9, 0]],
  ] as const)("local %s → %s", (_label, text, [y, mo, d, h, mi, sec]) => {
    expect(formatStopTime(local(y, mo, d, h, mi, sec))).toBe(text);
  });
});

group("describe() per state", () => {
  const T = local(2024, 10, 22, 1, 0);

  test("RUNNING: pid N, uptime H:MM:SS", () => {
    const s = snap({ state: "RUNNING", pid: 4242, startedAt: T });
    expect(describe(s, T + 615_000)).toBe("pid 4242, uptime 0:10:15");
    expect(describe(s, T + 615_999)).toBe("pid 4242, uptime 0:10:15");
    expect(describe(s, T)).toBe("pid 4242, uptime 0:00:00");
  });

  test("RUNNING: days are spelled out", () => {
    const s = snap({ state: "RUNNING", pid: 7, startedAt: T });
    expect(describe(s, T + (86_400 + 2 * 3600 + 3 * 60 + 4) * 1000)).toBe("pid 7, uptime 1 day, 2:03:04");
    expect(describe(s, T + (3 * 86_400 + 1) * 1000)).toBe("pid 7, uptime 3 days, 0:00:01");
  });

  test("RUNNING: clock set back before the start shows uptime 0:00:00", () => {
    expect(describe(snap({ state: "RUNNING", pid: 9, startedAt: T }), T - 60_000)).toBe("pid 9, uptime 0:00:00");
  });

  test.each(["BACKOFF", "FATAL"] as const)("%s: the spawn error", (state) => {
    expect(describe(snap({ state, spawnerr: TOO_QUICKLY, startedAt: T, stoppedAt: T }), T)).toBe(
      "Exited too quickly (process log may have details)",
    );
    expect(describe(snap({ state, spawnerr: "can't find command 'x'", startedAt: T }), T)).toBe("can't find command 'x'");
  });

  // supervisord substitutes the process name here ('tail %s' % info['name']); describe() has
  // no name to put in, so the placeholder is literal. See the report on src/core.
  test.each(["BACKOFF", "FATAL"] as const)("%s with no spawn error: unknown error (try \"tail NAME\")", (state) => {
    expect(describe(snap({ state, spawnerr: "", startedAt: T }), T, "web")).toBe('unknown error (try "tail web")');
    expect(describe(snap({ state, spawnerr: "", startedAt: T }), T)).toBe(UNKNOWN_ERROR);
  });

  test("STOPPED never started: Not started", () => {
    expect(describe(INITIAL_SNAPSHOT, T)).toBe("Not started");
    // Even with leftovers in other fields, never started means never started.
    expect(describe(snap({ state: "STOPPED", stoppedAt: T, exitstatus: 1 }), T)).toBe("Not started");
  });

  test("EXITED never started: Not started", () => {
    expect(describe(snap({ state: "EXITED" }), T)).toBe("Not started");
  });

  test("STOPPED after a run: the stop time, local", () => {
    const s = snap({ state: "STOPPED", startedAt: T, stoppedAt: local(2024, 10, 22, 13, 7, 45), exitSignal: "TERM", exitstatus: -1 });
    expect(describe(s, local(2024, 10, 23, 0, 0))).toBe("Nov 22 01:07 PM");
  });

  test("EXITED: the stop time, local, even with an unexpected exit code", () => {
    const stoppedAt = local(2024, 10, 22, 1, 49, 30);
    expect(describe(snap({ state: "EXITED", startedAt: T, stoppedAt, exitstatus: 0, expected: true }), stoppedAt + 5000)).toBe("Nov 22 01:49 AM");
    expect(
      describe(snap({ state: "EXITED", startedAt: T, stoppedAt, exitstatus: 2, expected: false, spawnerr: "Bad exit code 2" }), stoppedAt),
    ).toBe("Nov 22 01:49 AM");
  });

  test("the stop time does not depend on now", () => {
    const s = snap({ state: "EXITED", startedAt: T, stoppedAt: local(2024, 0, 5, 0, 30) });
    expect(describe(s, local(2024, 0, 5, 0, 31))).toBe("Jan 05 12:30 AM");
    expect(describe(s, local(2030, 5, 1, 12, 0))).toBe("Jan 05 12:30 AM");
  });

  test("STOPPED with a start time but no stop time: the start time (tend fallback)", () => {
    // tend falls back to startedAt; supervisord would format laststop = 0 (the epoch).
    expect(describe(snap({ state: "STOPPED", startedAt: local(2024, 2, 3, 4, 5), stoppedAt: 0 }), T)).toBe("Mar 03 04:05 AM");
  });

  test.each(["STARTING", "STOPPING", "UNKNOWN"] as const)("%s: empty", (state) => {
    expect(describe(snap({ state, pid: 4242, startedAt: T, spawnerr: "x", stoppedAt: T }), T + 1000)).toBe("");
  });

  test("every state has a rule above", () => {
    const covered: ProcessState[] = ["RUNNING", "BACKOFF", "FATAL", "STOPPED", "EXITED", "STARTING", "STOPPING", "UNKNOWN"];
    expect([...PROCESS_STATES].sort()).toEqual([...covered].sort());
  });
});
