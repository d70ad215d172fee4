// A crash loop must not flood tend.log (issue 11, finding 9): a program that exits at once
// with startsecs = 0 restarts hundreds of times a second; its repeated lines are folded into
// "… last 3 lines repeated N more times", and every restart is still accounted for.

import { afterEach, expect, test } from "bun:test";
import { Daemon, startDaemon, waitFor } from "../helpers/daemon-harness.ts";

let d: Daemon | null = null;
afterEach(async () => {
  await d?.stop();
  d?.cleanup();
  d = null;
});

test("a startsecs = 0 program that exits at once: tend.log stays small, folds say how many repeats, none is lost", async () => {
  d = await startDaemon(`[program.loop]\ncommand = "/bin/true"\nstartsecs = 0\nautorestart = true\n`);
  const dm = d;
  // 1000 restarts took 51 s at a load average of 29: fewer, with room, and properties that
  // hold at any restart rate.
  await waitFor(async () => (await dm.service("loop")).restarts >= 300, { timeout: 120_000, what: "300 restarts" });
  expect((await d.cli("stop", "loop")).code).toBe(0);
  const spawns = (await d.service("loop")).restarts + 1;
  // The stop is a different line: it ends the fold, whose count is written first.
  const log = await waitFor(() => (/stopped: loop /.test(dm.log("tend.log")) ? dm.log("tend.log") : null), { what: "the stop in tend.log" });
  const written = [...log.matchAll(/ INFO spawned: 'loop' with pid \d+\n/g)].length;
  const folds = [...log.matchAll(/ INFO … last 3 lines repeated (\d+) more times?\n/g)].map((m) => Number(m[1]));
  expect(folds.length).toBeGreaterThan(0);
  // Each folded repeat is one spawn (spawned, entered RUNNING, exited): written + folded = all.
  const folded = folds.reduce((a, b) => a + b, 0);
  expect(written + folded).toBe(spawns);
  // A few lines per fold, not three per restart: before each fold the 2 repeats that start it,
  // after it (written at least every 5 s) an unfinished repeat, at most 1 spawn line.
  expect(written).toBeLessThanOrEqual(3 * folds.length + 3);
  // Most restarts are folded, however slow the machine makes the loop.
  expect(folded).toBeGreaterThan(written);
}, 180_000);
