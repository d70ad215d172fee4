// The daemon log's fold (src/daemon/log-fold.ts): repeats of a line or of a short run of
// lines, numbers aside, are counted instead of written; nothing is lost without a count.

import { expect, test } from "bun:test";
import { FLUSH_MS, LogFold, lineShape, type LogEntry } from "../../../src/daemon/log-fold.ts";

function harness() {
  const out: string[] = [];
  const timers = new Map<number, () => void>();
  let next = 0;
  const fold = new LogFold((e) => out.push(`${e.level} ${e.msg}`), {
    set: (ms, fn) => (expect(ms).toBe(FLUSH_MS), timers.set(++next, fn), next),
    clear: (h) => timers.delete(h as number),
  });
  const push = (msg: string, level: LogEntry["level"] = "info") => fold.push({ level, msg, time: "t" });
  const fire = () => {
    const fns = [...timers.values()];
    timers.clear();
    for (const fn of fns) fn();
  };
  return { out, push, fold, timers, fire };
}

const crash = (pid: number) => [`spawned: 'loop' with pid ${pid}`, `success: loop entered RUNNING state (pid ${pid})`, `exited: loop (exit status 0; expected)`];

test("a crash loop (3 lines, a new pid each time) is written twice, then counted", () => {
  const h = harness();
  for (let pid = 100; pid < 150; pid++) for (const l of crash(pid)) h.push(l);
  expect(h.out).toEqual([...crash(100), ...crash(101)].map((l) => `info ${l}`));
  h.push("loop: stopping (pid 150)");
  expect(h.out.slice(6)).toEqual(["info … last 3 lines repeated 48 more times", "info loop: stopping (pid 150)"]);
  expect(h.timers.size).toBe(0);
});

test("a run that breaks off mid-way: the count, then the lines of the unfinished repeat as they were", () => {
  const h = harness();
  for (let pid = 1; pid <= 4; pid++) for (const l of crash(pid)) h.push(l);
  h.push(crash(5)[0]!);
  h.push(crash(5)[1]!);
  h.push("loop: stopping (pid 5)");
  expect(h.out.slice(6)).toEqual([
    "info … last 3 lines repeated 2 more times",
    `info ${crash(5)[0]}`,
    `info ${crash(5)[1]}`,
    "info loop: stopping (pid 5)",
  ]);
});

test("one line repeated: written twice, then one count; the summary takes the run's highest level", () => {
  const h = harness();
  h.push("a: something");
  for (let i = 0; i < 5; i++) h.push(`disk error ${i}`, "error");
  h.fold.flush();
  expect(h.out).toEqual(["info a: something", "error disk error 0", "error disk error 1", "error … last line repeated 3 more times"]);
});

test("a loop that goes on is written out every FLUSH_MS (count, then two fresh copies), and its timer ends with it", () => {
  const h = harness();
  let pid = 1;
  for (; pid <= 10; pid++) for (const l of crash(pid)) h.push(l);
  expect(h.timers.size).toBe(1);
  h.fire();
  expect(h.out.length).toBe(7);
  expect(h.out[6]).toBe("info … last 3 lines repeated 8 more times");
  for (; pid <= 20; pid++) for (const l of crash(pid)) h.push(l);
  expect(h.out.slice(7)).toEqual([...crash(11), ...crash(12)].map((l) => `info ${l}`));
  h.fold.flush();
  expect(h.out.at(-1)).toBe("info … last 3 lines repeated 8 more times");
  expect(h.timers.size).toBe(0);
});

test("numbers inside names are the name: two instances' lines never fold into each other", () => {
  expect(lineShape("spawned: 'web-1' with pid 1234")).toBe("spawned: 'web-1' with pid #");
  expect(lineShape("web_02: start failed (x); retry 3 in 3s")).toBe("web_02: start failed (x); retry # in #s");
  expect(lineShape("killing 'x' (4321) with SIGKILL")).toBe("killing 'x' (#) with SIGKILL");
  const h = harness();
  for (let i = 0; i < 4; i++) (h.push(`exited: web-1 (exit status ${i}; not expected)`), h.push(`exited: web-2 (exit status ${i}; not expected)`));
  expect(h.out.length).toBe(4);
  h.fold.flush();
  expect(h.out.at(-1)).toBe("info … last 2 lines repeated 2 more times");
});

test("lines that differ are all written", () => {
  const h = harness();
  const lines = ["a: starting", "b: starting", "a: stopped", "b: stopped", "a: starting", "c: x"];
  for (const l of lines) h.push(l);
  expect(h.out).toEqual(lines.map((l) => `info ${l}`));
});
