// Reading the last lines of a log back: exactly the last N lines across rotated files, and
// bounded: a line longer than the per-line cap is cut behind a marker saying how much, and one
// huge line costs a bounded read (#11.6).

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cutMarker, TAIL_LIMITS, tailLines } from "../../../src/logs/tail.ts";

const dir = mkdtempSync(join(tmpdir(), "tend-tail-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** Writes `parts` as NAME, NAME.1, … (newest first) and returns NAME. */
function log(...parts: Array<string | Uint8Array>): string {
  const path = join(dir, `log${n++}`);
  parts.forEach((p, i) => writeFileSync(i === 0 ? path : `${path}.${i}`, p));
  return path;
}

/** The last `k` lines of `text`, the naive way. */
function naive(text: string, k: number): string {
  if (k <= 0 || text === "") return "";
  const nl = text.endsWith("\n");
  const all = (nl ? text.slice(0, -1) : text).split("\n").slice(-k).join("\n");
  return nl ? `${all}\n` : all;
}

describe("tailLines", () => {
  test("exactly the last N lines of short-lined logs, across rotated files, at every block seam", () => {
    // Random lines (empty ones too), some logs without a final newline, split over three files
    // at line boundaries and inside lines; small blocks of the reader are exercised by sizes
    // around 64 KiB.
    let seed = 7;
    const rand = (m: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % m);
    for (let round = 0; round < 40; round++) {
      const lines = Array.from({ length: 50 + rand(3000) }, () => "y".repeat(rand(5) === 0 ? 0 : rand(120)));
      let text = lines.join("\n") + (rand(2) ? "\n" : "");
      const a = rand(text.length + 1);
      const b = a + rand(text.length - a + 1);
      const path = log(text.slice(b), text.slice(a, b), text.slice(0, a));
      for (const k of [1, 2, 10, 499, lines.length, lines.length + 1]) {
        expect({ round, k, got: tailLines(path, k, 2) }).toEqual({ round, k, got: naive(text, k) });
      }
      text = "";
    }
  });

  test("a line longer than the cap: its last bytes behind a marker saying how many were cut", () => {
    const limits = { maxLine: 100, lineScan: 10_000, maxRead: 1_000_000 };
    const long = "a".repeat(950) + "Z".repeat(99);
    const path = log(`first\n${long}\nlast\n`);
    expect(tailLines(path, 1, 0, limits)).toBe("last\n");
    expect(tailLines(path, 2, 0, limits)).toBe(`${cutMarker(950, true)}${"Z".repeat(99)}\nlast\n`);
    expect(tailLines(path, 3, 0, limits)).toBe(`first\n[… 950 bytes cut] ${"Z".repeat(99)}\nlast\n`);
    // A last line with no newline yet is cut the same way.
    expect(tailLines(log(`x\n${"b".repeat(300)}`), 1, 0, limits)).toBe(`[… 200 bytes cut] ${"b".repeat(100)}`);
  });

  test("a line whose start is beyond lineScan ends the read, cut, marked `more than`", () => {
    const limits = { maxLine: 100, lineScan: 1000, maxRead: 1_000_000 };
    const path = log(`older\n${"q".repeat(5000)}\nnew\n`);
    // 1000 bytes of the long line were looked at (its newline included), the last 100 kept.
    expect(tailLines(path, 5, 0, limits)).toBe(`${cutMarker(900, false)}${"q".repeat(99)}\nnew\n`);
    expect(cutMarker(900, false)).toBe("[… more than 900 bytes cut] ");
  });

  test("a cut never starts inside a UTF-8 character", () => {
    const limits = { maxLine: 10, lineScan: 1000, maxRead: 1_000_000 };
    // "é" is 2 bytes: 10 bytes from the end lands in the middle of one.
    const got = tailLines(log(`${"é".repeat(20)}\n`), 1, 0, limits);
    expect(got).toBe(`[… 32 bytes cut] ${"é".repeat(4)}\n`);
  });

  test("a line spanning two rotated files is one line", () => {
    expect(tailLines(log("tail\n", "mid-"), 1, 1)).toBe("mid-tail\n");
    expect(tailLines(log("tail\n", "one\nmid-"), 5, 1)).toBe("one\nmid-tail\n");
  });

  test("one 100 MB line (#11.6): tail -n 1 reads at most lineScan bytes and returns the cap, marked", () => {
    // Before: 64 MiB read and returned. Now: 1 MiB read, 64 KiB returned.
    const size = 100 * 1024 * 1024;
    const path = log(Buffer.alloc(size, "x"));
    const got = tailLines(path, 1, 0);
    const marker = cutMarker(TAIL_LIMITS.lineScan - TAIL_LIMITS.maxLine, false);
    expect(got.startsWith(marker)).toBe(true);
    expect(got.length).toBe(marker.length + TAIL_LIMITS.maxLine);
    expect(got.slice(marker.length)).toBe("x".repeat(TAIL_LIMITS.maxLine));
    rmSync(path);
  });

  test("the total read is bounded too: whole lines past maxRead are left out", () => {
    const limits = { maxLine: 100, lineScan: 1000, maxRead: 25 };
    const path = log("aaaa\nbbbb\ncccc\ndddd\neeee\nffff\n");
    // 25 bytes back end inside "bbbb\n": it is left out, not shown partly.
    expect(tailLines(path, 10, 0, limits)).toBe("cccc\ndddd\neeee\nffff\n");
  });
});
