// SpawnSlicer: jobs run in the order asked, at once while the turn's budget lasts, the rest
// in later turns, never overtaking one that waits.

import { describe, expect, test } from "bun:test";
import { SpawnSlicer } from "../../../src/daemon/spawn-slicer.ts";

/** A fake clock each job advances by `cost`, and turns run by hand. */
function rig(budget: number, cost: number) {
  let now = 0;
  const turns: Array<() => void> = [];
  const ran: number[] = [];
  const slicer = new SpawnSlicer(budget, () => now, (fn) => turns.push(fn));
  const job = (i: number) => () => {
    ran.push(i);
    now += cost;
  };
  const nextTurn = () => turns.shift()?.();
  return { slicer, ran, job, nextTurn, turns };
}

describe("SpawnSlicer", () => {
  test("a lone job runs at once", () => {
    const r = rig(8, 1);
    r.slicer.run(r.job(1));
    expect(r.ran).toEqual([1]);
  });

  test("a burst runs budget-sized slices, one per turn, in order", () => {
    const r = rig(8, 3);
    for (let i = 0; i < 10; i++) r.slicer.run(r.job(i));
    expect(r.ran).toEqual([0, 1, 2]); // 9 ms spent: the budget of 8 is over
    r.nextTurn();
    expect(r.ran).toEqual([0, 1, 2, 3, 4, 5]);
    r.nextTurn();
    r.nextTurn();
    expect(r.ran).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(r.slicer.waiting).toBe(0);
  });

  test("a job asked for while others wait goes after them, even with budget left", () => {
    const r = rig(8, 5);
    r.slicer.run(r.job(1));
    r.slicer.run(r.job(2));
    r.slicer.run(r.job(3)); // 1, 2 ran (10 ms); 3 waits
    r.nextTurn(); // 3 runs; 5 ms spent
    r.slicer.run(r.job(4)); // budget left and nothing waits: runs at once
    expect(r.ran).toEqual([1, 2, 3, 4]);
    r.slicer.run(r.job(5)); // budget spent: waits
    expect(r.ran).toEqual([1, 2, 3, 4]);
    r.nextTurn();
    expect(r.ran).toEqual([1, 2, 3, 4, 5]);
  });

  test("a job that throws does not strand the ones behind it", () => {
    const r = rig(8, 5);
    r.slicer.run(r.job(1));
    r.slicer.run(r.job(2));
    r.slicer.run(() => {
      throw new Error("boom");
    });
    r.slicer.run(r.job(4));
    expect(() => r.nextTurn()).toThrow("boom");
    while (r.turns.length) r.nextTurn();
    expect(r.ran).toEqual([1, 2, 4]);
  });
});
