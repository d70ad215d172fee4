import { describe, expect, test } from "bun:test";
import { TurnQueue } from "../../../src/http/turns.ts";

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

describe("TurnQueue", () => {
  test("starts at most perTurn jobs a turn, in order, until none wait", async () => {
    const q = new TurnQueue(3, 100);
    const ran: number[] = [];
    for (let i = 0; i < 7; i++) expect(q.push(() => ran.push(i))).toBe(true);
    expect(ran).toEqual([]);
    await nextTurn();
    expect(ran).toEqual([0, 1, 2]);
    await nextTurn();
    expect(ran).toEqual([0, 1, 2, 3, 4, 5]);
    await nextTurn();
    expect(ran).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(q.waiting).toBe(0);
  });

  test("refuses past maxWaiting, and takes more once some started", async () => {
    const q = new TurnQueue(2, 3);
    expect([q.push(() => {}), q.push(() => {}), q.push(() => {}), q.push(() => {})]).toEqual([true, true, true, false]);
    await nextTurn();
    expect(q.waiting).toBe(1);
    expect(q.push(() => {})).toBe(true);
  });

  test("a job that throws does not stop the others", async () => {
    const q = new TurnQueue(4, 10);
    const ran: string[] = [];
    q.push(() => {
      throw new Error("boom");
    });
    q.push(() => ran.push("after"));
    await nextTurn();
    expect(ran).toEqual(["after"]);
  });
});
