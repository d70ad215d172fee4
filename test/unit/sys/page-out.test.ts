// Which mappings the daemon may unmap (src/sys/page-out.ts): only private, never-writable
// mappings of the executable with no copied-on-write page in them.

import { describe, expect, test } from "bun:test";
import { droppable, parseSmaps } from "../../../src/sys/page-out.ts";

const mapping = (range: string, perms: string, dev: string, inode: number, rss: number, anon: number, path = "/usr/bin/tend") =>
  `${range} ${perms} 00000000 ${dev} ${inode}                    ${path}\nSize:              100 kB\nRss:            ${rss} kB\nPss:            ${rss} kB\nAnonymous:      ${anon} kB\nVmFlags: rd mr mw me\n`;

const SMAPS =
  mapping("00200000-01a39000", "r--p", "fd:01", 42, 6052, 0) +
  mapping("01a40000-0684a000", "r-xp", "fd:01", 42, 33096, 0) +
  mapping("0684a000-0685f000", "rw-p", "fd:01", 42, 84, 84) + // .data: written
  mapping("0685f000-06867000", "r--p", "fd:01", 42, 32, 32) + // relocated, then made read-only
  mapping("06867000-06ddf000", "rw-p", "fd:01", 42, 3352, 0) + // writable: a write may come any time
  mapping("7f0000000000-7f0000010000", "r-xp", "fd:01", 77, 900, 0, "/usr/lib/libc.so.6") + // another file
  mapping("7f0000020000-7f0000030000", "r--s", "fd:01", 42, 64, 0) + // shared: not ours to drop
  mapping("7f0000040000-7f0000050000", "r--p", "fd:02", 42, 64, 0) + // same inode, other device
  mapping("7f0000060000-7f0000070000", "r--p", "fd:01", 42, 0, 0) + // nothing resident
  mapping("7ffd00000000-7ffd00021000", "rw-p", "00:00", 0, 16, 16, "[stack]");

describe("page-out", () => {
  test("parses ranges, permissions, device, inode, Rss and Anonymous", () => {
    const maps = parseSmaps(SMAPS);
    expect(maps).toHaveLength(10);
    expect(maps[1]).toEqual({ start: 0x1a40000, end: 0x684a000, perms: "r-xp", dev: "fd:01", inode: 42, rssKb: 33096, anonKb: 0 });
    expect(maps[9]!.inode).toBe(0);
  });

  test("only the executable's private, read-only, never-written, resident mappings are droppable", () => {
    const picked = droppable(parseSmaps(SMAPS), "fd:1", 42).map((m) => m.start.toString(16));
    expect(picked).toEqual(["200000", "1a40000"]);
  });
});
