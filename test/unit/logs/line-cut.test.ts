// Where a rotating log file is cut (line-cut.ts), as a table; then RotatingFile driven by
// write patterns (a line a write, lines in pieces, no newlines at all, backups = 0, a file
// left mid-line by an earlier run, a hand-off between two writers), checking the files.

import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nextCut, openLineAfter, type CutStep } from "../../../src/logs/line-cut.ts";
import { RotatingFile } from "../../../src/logs/rotating-file.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const write = (end: number, rotateAfter: boolean): CutStep => ({ rotateFirst: false, end, rotateAfter });
const FIRST: CutStep = { rotateFirst: true };

describe("nextCut (maxbytes 10)", () => {
  // [what, file size, open line in the file, chunk, offset, expected step]
  const cases: [string, number, number, string, number, CutStep][] = [
    ["fits with room to spare: all of it, no rotation", 0, 0, "abc\n", 0, write(4, false)],
    ["fits exactly and ends a line: all of it, then rotate", 6, 0, "abc\n", 0, write(4, true)],
    ["fills exactly mid-line: up to the last newline that fits", 4, 0, "ab\ncdef", 0, write(3, true)],
    ["crosses: cut after the last newline that fits", 2, 0, "ab\ncd\nefgh\n", 0, write(6, true)],
    ["a line a write, file ends on a newline: rotate before it", 8, 0, "abcd\n", 0, FIRST],
    ["a file already full, ending on a newline: rotate before it", 10, 0, "a\n", 0, FIRST],
    ["a file past maxbytes, ending on a newline: rotate before it", 12, 0, "a\n", 0, FIRST],
    ["the rest of a line begun earlier: finished here, then rotate", 8, 3, "cdef\nxy\n", 0, write(5, true)],
    ["the rest of a line begun earlier, no newline yet, still short: all of it, no rotation", 8, 3, "cde", 0, write(3, false)],
    ["file past maxbytes in an open line that ends now", 11, 6, "de\nfg\n", 0, write(3, true)],
    ["an open line that turns out longer than maxbytes: cut where the file reaches maxbytes", 8, 3, "cdefghij\n", 0, write(2, true)],
    ["open line longer than maxbytes, file already past it: cut at once", 12, 9, "cd\n", 0, write(0, true)],
    ["empty file, one line longer than maxbytes: maxbytes of it", 0, 0, "abcdefghijklmn\n", 0, write(10, true)],
    ["empty file, no newline at all, longer than maxbytes: maxbytes of it", 0, 0, "abcdefghijklmn", 0, write(10, true)],
    ["empty file, no newline, exactly maxbytes: all, waiting for the line to end", 0, 0, "abcdefghij", 0, write(10, false)],
    ["a line exactly maxbytes with its newline, into an empty file: all, then rotate", 0, 0, "abcdefghi\n", 0, write(10, true)],
    ["from an offset: only chunk[off…] counts", 8, 0, "zzzzab\n", 4, FIRST],
    ["from an offset, a newline before it is not a cut point", 4, 4, "z\nabcdefgh", 2, write(8, true)],
    ["file ends mid-line, a newline that fits ends it", 7, 2, "c\nlonger line\n", 0, write(2, true)],
  ];
  for (const [what, size, open, chunk, off, expected] of cases) {
    test(what, () => expect(nextCut(size, open, enc(chunk), off, 10)).toEqual(expected));
  }
});

describe("openLineAfter", () => {
  const cases: [string, number, string, number, number, number][] = [
    ["ends with a newline", 5, "ab\n", 0, 3, 0],
    ["no newline: grows", 5, "abc", 0, 3, 8],
    ["bytes after the last newline", 5, "a\nbc", 0, 4, 2],
    ["only the written range counts", 0, "ab\ncd", 0, 2, 2],
    ["nothing written: unchanged", 4, "a\n", 1, 1, 4],
  ];
  for (const [what, open, chunk, from, to, expected] of cases) {
    test(what, () => expect(openLineAfter(open, enc(chunk), from, to)).toBe(expected));
  }
});

describe("RotatingFile keeps lines whole, whatever the writes", () => {
  let dir = "";
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = "";
  });
  const setup = () => (dir = mkdtempSync(join(tmpdir(), "tend-cut-")));
  /** The log and its rotated files, oldest first. */
  const chain = (path: string): string[] => {
    const files: string[] = [];
    for (let i = 1; existsSync(`${path}.${i}`); i++) files.unshift(readFileSync(`${path}.${i}`, "utf8"));
    return existsSync(path) ? [...files, readFileSync(path, "utf8")] : files;
  };
  const lines = (n: number, width: number) =>
    Array.from({ length: n }, (_, i) => `${String(i).padStart(width - 1, "0").slice(-(width - 1))}\n`);

  test("a 30-byte line a write at 1 KiB: every rotated file whole lines, within maxbytes, nothing lost", () => {
    const path = join(setup(), "a.log");
    const f = new RotatingFile(path, { maxBytes: 1024, backups: 100 });
    const all = lines(400, 30);
    for (const l of all) f.write(enc(l));
    f.close();
    const files = chain(path);
    expect(files.join("")).toBe(all.join(""));
    expect(files.length).toBeGreaterThan(10);
    for (const text of files.slice(0, -1)) {
      expect(text.endsWith("\n")).toBe(true);
      expect(text.length).toBeLessThanOrEqual(1024);
      expect(text.length).toBeGreaterThan(1024 - 30);
    }
  });

  test("lines written in pieces (3 bytes a write): files end on a newline, past maxbytes by less than a line", () => {
    const path = join(setup(), "a.log");
    const f = new RotatingFile(path, { maxBytes: 100, backups: 100 });
    const text = lines(200, 17).join("");
    for (let i = 0; i < text.length; i += 3) f.write(enc(text.slice(i, i + 3)));
    f.close();
    const files = chain(path);
    expect(files.join("")).toBe(text);
    for (const t of files.slice(0, -1)) {
      expect(t.endsWith("\n")).toBe(true);
      expect(t.length).toBeLessThan(100 + 17);
    }
    // Each file starts a line: the lines are whole (all 17 bytes).
    for (const t of files) for (const l of t.split("\n").slice(0, -1)) expect(l.length).toBe(16);
  });

  test("a writer that never writes a newline: files of exactly maxbytes", () => {
    const path = join(setup(), "a.log");
    const f = new RotatingFile(path, { maxBytes: 64, backups: 100 });
    for (let i = 0; i < 100; i++) f.write(enc("abcdefg"));
    f.close();
    const files = chain(path);
    expect(files.join("")).toBe("abcdefg".repeat(100));
    for (const t of files.slice(0, -1)) expect(t.length).toBe(64);
  });

  test("a line longer than maxbytes among short ones: cut only there", () => {
    const path = join(setup(), "a.log");
    const f = new RotatingFile(path, { maxBytes: 50, backups: 100 });
    const long = `${"x".repeat(120)}\n`;
    const writes = ["short 1\n", "short 2\n", long, "short 3\n", "short 4\n"];
    for (const w of writes) f.write(enc(w));
    f.close();
    const files = chain(path);
    expect(files.join("")).toBe(writes.join(""));
    // Every file that does not end with a newline ends inside the long line.
    for (const t of files.slice(0, -1)) if (!t.endsWith("\n")) expect(t.endsWith("x")).toBe(true);
    expect(files[0]).toBe("short 1\nshort 2\n");
    for (const t of files) expect(t.length).toBeLessThanOrEqual(50);
  });

  test("backups = 0 truncates in place, at a line end", () => {
    const path = join(setup(), "a.log");
    const f = new RotatingFile(path, { maxBytes: 100, backups: 0 });
    const all = lines(49, 30);
    for (const l of all) f.write(enc(l));
    f.close();
    expect(existsSync(`${path}.1`)).toBe(false);
    expect(readFileSync(path, "utf8").length).toBeGreaterThan(0);
    const text = readFileSync(path, "utf8");
    expect(all.join("").endsWith(text)).toBe(true);
    expect(text.split("\n").slice(0, -1).every((l) => l.length === 29)).toBe(true);
  });

  test("a file left mid-line by an earlier run: its line is finished before the file rotates", () => {
    const path = join(setup(), "a.log");
    writeFileSync(path, `${"a".repeat(29)}\n${"b".repeat(60)}`);
    const f = new RotatingFile(path, { maxBytes: 100, backups: 5 });
    f.write(enc(`${"b".repeat(15)}\n`));
    f.write(enc("next\n"));
    f.close();
    expect(readFileSync(`${path}.1`, "utf8")).toBe(`${"a".repeat(29)}\n${"b".repeat(75)}\n`);
    expect(readFileSync(path, "utf8")).toBe("next\n");
  });

  test("a file left with an open line longer than one read back: its length is found all the same", () => {
    const path = join(setup(), "a.log");
    writeFileSync(path, `a\n${"b".repeat(10_000)}`);
    const f = new RotatingFile(path, { maxBytes: 12_000, backups: 5 });
    // The line ends at 11,999 bytes: within maxbytes, so it is finished here, then the file rotates.
    f.write(enc(`${"b".repeat(1998)}\n`));
    f.write(enc("next\n"));
    f.close();
    expect(readFileSync(`${path}.1`, "utf8")).toBe(`a\n${"b".repeat(11_998)}\n`);
    expect(readFileSync(path, "utf8")).toBe("next\n");
  });

  test("handed from one writer to another mid-line: the open line travels with the file", () => {
    const path = join(setup(), "a.log");
    const a = new RotatingFile(path, { maxBytes: 40, backups: 5 });
    a.write(enc(`${"a".repeat(29)}\n`));
    a.write(enc("bbbbb"));
    const b = new RotatingFile(path, { maxBytes: 40, backups: 5 });
    b.adopt(a.handOff());
    b.write(enc("bbbbbbbbb\n"));
    b.write(enc("next\n"));
    b.close();
    expect(readFileSync(`${path}.1`, "utf8")).toBe(`${"a".repeat(29)}\n${"b".repeat(14)}\n`);
    expect(readFileSync(path, "utf8")).toBe("next\n");
  });
});
