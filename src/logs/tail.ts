// Reads the last lines of a log, across its rotated files (NAME, NAME.1, …), for `tend tail`,
// the API and the first lines of a follow. Reads backwards in blocks, so a huge log costs only
// what is returned, and every read is bounded (TAIL_LIMITS): a line longer than maxLine
// is cut to its last maxLine bytes behind a marker saying how much was cut, and its start is
// looked for at most lineScan bytes back, so one 100 MB line costs a 1 MiB read, not 100 MB
// held in memory on the event loop.

import { closeSync, existsSync, fstatSync, openSync, statSync } from "node:fs";
import { readRange } from "./file-range.ts";

const BLOCK = 64 * 1024;
const NL = 10;

export interface TailLimits {
  /** The most of one line a tail returns (its last bytes, newline included); the rest is cut. */
  readonly maxLine: number;
  /** How far back the start of one line is looked for; past that the read ends at this line. */
  readonly lineScan: number;
  /** The most one tail reads in all (whole lines that do not fit are not returned). */
  readonly maxRead: number;
}

export const TAIL_LIMITS: TailLimits = { maxLine: 64 * 1024, lineScan: 1024 * 1024, maxRead: 64 * 1024 * 1024 };

/** What stands in front of a cut line: `[… N bytes cut] `, or `[… more than N bytes cut] `. */
export function cutMarker(bytes: number, startFound: boolean): string {
  return `[… ${startFound ? "" : "more than "}${bytes} bytes cut] `;
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

/**
 * One line being assembled backwards (its last bytes arrive first): keeps at most `max` bytes,
 * counts the rest.
 */
class LineFromEnd {
  private pieces: Uint8Array[] = [];
  kept = 0;
  seen = 0;

  constructor(private readonly max: number) {}

  prepend(piece: Uint8Array): void {
    this.seen += piece.length;
    const room = this.max - this.kept;
    if (room <= 0 || piece.length === 0) return;
    const take = piece.length > room ? piece.subarray(piece.length - room) : piece;
    this.pieces.push(take);
    this.kept += take.length;
  }

  /** The line as returned: its kept bytes, behind a marker when some were cut. */
  finish(startFound: boolean): Uint8Array[] {
    let bytes = Buffer.concat(this.pieces.reverse());
    let cut = this.seen - this.kept;
    if (cut === 0 && startFound) return [bytes];
    // Start the kept part on a character, not inside one (UTF-8 continuation bytes 10xxxxxx).
    let skip = 0;
    while (skip < 3 && skip < bytes.length && (bytes[skip]! & 0xc0) === 0x80) skip++;
    bytes = bytes.subarray(skip);
    cut += skip;
    return [Buffer.from(cutMarker(cut, startFound)), bytes];
  }
}

/** The last `lines` lines of `path` and its rotated predecessors, oldest first. */
export function tailLines(path: string, lines: number, backups = 10, limits: TailLimits = TAIL_LIMITS): string {
  if (lines <= 0 || !isRegularFile(path)) return "";
  const files = [path];
  for (let i = 1; i <= backups; i++) files.push(`${path}.${i}`);
  /** Whole lines found so far, newest first, each as its parts. */
  const found: Uint8Array[][] = [];
  let line = new LineFromEnd(limits.maxLine);
  let read = 0;
  // Set when the read ends inside a line (a budget spent): that line's start is unknown.
  let stopped = false;

  /** A newline (or the start of the oldest file) ends the line being assembled. */
  const endLine = (): boolean => {
    // Nothing after the last newline of the file is no line at all.
    if (line.seen > 0) found.push(line.finish(true));
    line = new LineFromEnd(limits.maxLine);
    return found.length >= lines;
  };

  let complete = false;
  files: for (const file of files) {
    if (file !== path && !existsSync(file)) break;
    let fd: number;
    try {
      fd = openSync(file, "r");
    } catch {
      break;
    }
    try {
      let pos = fstatSync(fd).size;
      while (pos > 0) {
        const len = Math.min(BLOCK, pos, limits.maxRead - read, limits.lineScan - line.seen);
        if (len <= 0) {
          stopped = true;
          break files;
        }
        pos -= len;
        const buf = readRange(fd, pos, len);
        read += buf.length;
        // Split the block at its newlines, from its end: each newline ends the line after it
        // and is the last byte of the line before it.
        let end = buf.length;
        for (let nl = buf.lastIndexOf(NL, end - 1); nl >= 0; nl = end > 0 ? buf.lastIndexOf(NL, end - 1) : -1) {
          line.prepend(buf.subarray(nl + 1, end));
          if (endLine()) {
            complete = true;
            break files;
          }
          end = nl;
          line.prepend(buf.subarray(nl, nl + 1));
        }
        line.prepend(buf.subarray(0, end));
      }
    } finally {
      closeSync(fd);
    }
  }
  // Out of files: what is left started at the beginning of the oldest one.
  if (!complete && !stopped) endLine();
  // A budget ran out inside a line. Shown, cut, when it is already longer than maxLine (one
  // huge line is still an answer); otherwise left out: it is probably whole, just too far back.
  if (stopped && line.seen > limits.maxLine) found.push(line.finish(false));
  return Buffer.concat(found.slice(0, lines).reverse().flat()).toString("utf8");
}
