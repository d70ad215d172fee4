// Give back the pages of tend's own executable that the daemon has mapped but no longer runs.
//
// Most of an idle daemon's resident memory is not its heap but pages of the 110 MB executable
// (the Bun runtime: its JIT, GC, HTTP server, bytecode): 45 of 59 MB with 100 programs. Each
// page the daemon touched once, to parse the config, spawn a hundred programs or answer a
// burst of requests, stays mapped for good. They are clean copies of the file: unmapping them
// (madvise DONTNEED) frees nothing the page cache needs, and a page that is used again is
// mapped back from the cache by a minor fault (no disk read while the file stays cached).
// Bun does the same itself in later versions (an idle page-out of the executable's image).
//
// Only private, never-writable mappings of the executable with no anonymous (copy-on-write)
// page in them are touched: on any other page, DONTNEED would throw away data.

import { readFileSync, statSync } from "node:fs";
import { dropCleanPages } from "./libc.ts";

export interface Mapping {
  readonly start: number;
  readonly end: number;
  readonly perms: string;
  /** "major:minor" in hex, as /proc prints it. */
  readonly dev: string;
  readonly inode: number;
  /** Resident and anonymous (copied-on-write) kB. */
  rssKb: number;
  anonKb: number;
}

const HEADER = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) [0-9a-f]+ ([0-9a-f]+:[0-9a-f]+) (\d+)/;

/** The mappings of a /proc/PID/smaps text, with their Rss and Anonymous sizes. */
export function parseSmaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  let cur: Mapping | null = null;
  for (const line of text.split("\n")) {
    const h = HEADER.exec(line);
    if (h) {
      cur = { start: parseInt(h[1]!, 16), end: parseInt(h[2]!, 16), perms: h[3]!, dev: h[4]!, inode: Number(h[5]), rssKb: 0, anonKb: 0 };
      out.push(cur);
    } else if (cur && line.startsWith("Rss:")) cur.rssKb = parseInt(line.slice(4), 10);
    else if (cur && line.startsWith("Anonymous:")) cur.anonKb = parseInt(line.slice(10), 10);
  }
  return out;
}

/** Mappings of the file (dev, inode) that hold only clean pages of it: safe to drop. */
export function droppable(maps: readonly Mapping[], dev: string, inode: number): Mapping[] {
  return maps.filter((m) => m.inode === inode && sameDev(m.dev, dev) && m.perms[1] === "-" && m.perms[3] === "p" && m.anonKb === 0 && m.rssKb > 0);
}

const sameDev = (a: string, b: string) => {
  const [am, an] = a.split(":").map((x) => parseInt(x, 16));
  const [bm, bn] = b.split(":").map((x) => parseInt(x, 16));
  return am === bm && an === bn;
};

/** Linux's dev_t → "major:minor" in hex (glibc's gnu_dev_major/minor). */
function devHex(dev: number): string {
  const d = BigInt(dev);
  const major = ((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn);
  const minor = (d & 0xffn) | ((d >> 12n) & ~0xffn);
  return `${major.toString(16)}:${minor.toString(16)}`;
}

/**
 * Unmap the executable's clean pages from this process; returns the kB that were resident
 * (what the next minor faults may map back), or null when /proc could not be read.
 */
export function pageOutExecutable(): number | null {
  let text: string;
  let exe: { dev: number; ino: number };
  try {
    exe = statSync("/proc/self/exe");
    text = readFileSync("/proc/self/smaps", "utf8");
  } catch {
    return null;
  }
  let kb = 0;
  for (const m of droppable(parseSmaps(text), devHex(exe.dev), exe.ino)) {
    if (dropCleanPages(m.start, m.end - m.start)) kb += m.rssKb;
  }
  return kb;
}
