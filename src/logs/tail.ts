// Reads the last lines of a log, across its rotated files (NAME, NAME.1, …), for `tend tail`
// and the API. Reads backwards in blocks so a huge log costs only what is returned.

import { closeSync, existsSync, fstatSync, openSync, statSync } from "node:fs";
import { readRange } from "./file-range.ts";

const BLOCK = 64 * 1024;

/** The end of a file, block by block, until it holds more than `wantNewlines` newlines. */
function readBackwards(path: string, wantNewlines: number, maxBytes: number): { data: Uint8Array; newlines: number } {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return { data: new Uint8Array(0), newlines: 0 };
  }
  try {
    const parts: Uint8Array[] = [];
    let pos = fstatSync(fd).size;
    let newlines = 0;
    let total = 0;
    while (pos > 0 && newlines <= wantNewlines && total < maxBytes) {
      const len = Math.min(BLOCK, pos);
      pos -= len;
      const buf = readRange(fd, pos, len);
      for (const b of buf) if (b === 10) newlines++;
      parts.unshift(buf);
      total += buf.length;
    }
    return { data: Buffer.concat(parts), newlines };
  } finally {
    closeSync(fd);
  }
}

/** A device or FIFO target (/dev/stdout) has no past to read: reading it would block or steal. */
export function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return true; // not there (yet): reads come back empty
  }
}

/** tailLines, or null when `path` is a device or FIFO: it has no past to read back. */
export function readTail(path: string, lines: number, backups: number): string | null {
  return isRegularFile(path) ? tailLines(path, lines, backups) : null;
}

/** The last `lines` lines of `path` and its rotated predecessors, oldest first. */
export function tailLines(path: string, lines: number, backups = 10, maxBytes = 64 * 1024 * 1024): string {
  if (lines <= 0 || !isRegularFile(path)) return "";
  const chunks: Uint8Array[] = [];
  let have = 0;
  let budget = maxBytes;
  let capped = false;
  const files = [path];
  for (let i = 1; i <= backups; i++) files.push(`${path}.${i}`);
  for (const file of files) {
    if (file !== path && !existsSync(file)) break;
    // Older files need only the newlines the newer ones did not supply.
    const { data, newlines } = readBackwards(file, lines - have, budget);
    chunks.unshift(data);
    budget -= data.length;
    have += newlines;
    if (have > lines) break;
    // Out of budget inside this file: an older file's end must not be spliced on.
    if (budget <= 0) {
      capped = true;
      break;
    }
  }
  if (capped && have <= lines) {
    // The first line read is probably cut: start at the next whole one.
    const joined = Buffer.concat(chunks);
    const nl = joined.indexOf(10);
    chunks.splice(0, chunks.length, joined.subarray(nl + 1));
  }
  let text = Buffer.concat(chunks).toString("utf8");
  const endsWithNewline = text.endsWith("\n");
  const all = (endsWithNewline ? text.slice(0, -1) : text).split("\n");
  if (text === "") return "";
  text = all.slice(-lines).join("\n");
  return endsWithNewline ? `${text}\n` : text;
}
