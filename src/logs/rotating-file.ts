// A log file rotated by size: NAME → NAME.1 → … → NAME.N (supervisord's rename chain).
// A target that cannot be rotated (/dev/stdout, a FIFO, a tty) is written as a stream.
// Writes are synchronous appends; a failed write (disk full, directory deleted, no
// permission) is reported to `onError` and never thrown, so a logging fault can never take
// a program down; the next write tries again and reports recovery. What a failure drops is
// marked where it was dropped: the first write that works again first ends the line the
// failure cut (a newline) and writes `[tend: N bytes dropped: REASON]` on a line of its own,
// so every byte a program wrote is either in the log or counted in a marker.

import { closeSync, constants, existsSync, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { nextCut, openLineAfter } from "./line-cut.ts";
import { writeAll, type WriteProgress } from "./write-all.ts";

export interface RotationPolicy {
  /** Rotate once the file reaches this many bytes; 0 = never rotate. */
  readonly maxBytes: number;
  /** How many rotated files to keep; 0 = truncate in place on rotation. */
  readonly backups: number;
}

/** Where a RotatingFile is: handed from one writer to another (handOff/adopt). */
export interface OpenState {
  readonly fd: number | null;
  readonly size: number;
  readonly stream: boolean;
  readonly failing: string | null;
  readonly gap: number;
  readonly gapReasons: readonly string[];
  readonly openLine: number;
}

/** The line that stands where output was dropped (README, "Faults never stop a program"). */
export function gapMarker(bytes: number, reasons: readonly string[]): string {
  return `[tend: ${bytes} bytes dropped: ${reasons.join(", ")}]\n`;
}

/**
 * How often a file being written is checked for deletion. Consecutive reads of a busy pipe
 * come well under a millisecond apart; anything done between two writes from outside (rm,
 * then the program's next line) takes longer, so that next line still finds the new file.
 */
const NLINK_CHECK_MS = 1;

export class RotatingFile {
  private fd: number | null = null;
  private size = 0;
  /** Not a regular file: never rotated, never checked for deletion. */
  private stream = false;
  private lastError: string | null = null;
  /** Bytes lost to write errors and not yet marked in the file, and why (each reason once). */
  private gap = 0;
  private gapReasons: string[] = [];
  /**
   * Bytes at the end of the file (of the stream) after its last newline: a line still open.
   * Rotation cuts at line ends (line-cut.ts), and a marker must start a line.
   */
  private openLine = 0;
  /** When the open file was last seen to still have a name (performance.now()). */
  private checkedAt = -Infinity;

  constructor(
    readonly path: string,
    private readonly policy: RotationPolicy,
    private readonly onError: (message: string | null) => void = () => {},
  ) {}

  /** Not a regular file (known once opened): a stream, never rotated. */
  get isStream(): boolean {
    return this.stream;
  }

  write(chunk: Uint8Array): void {
    const progress: WriteProgress = { written: 0 };
    try {
      // A log directory or file deleted under us: writes would vanish into the unlinked
      // inode. Notice it and recreate the file where people will look for it. Looked at once
      // per NLINK_CHECK_MS, not per write (an fstat per 64 KiB chunk at disk speed): a file
      // deleted in the middle of a burst takes at most that much more output with it.
      if (this.fd !== null && !this.stream && this.deleted()) this.closeFd();
      if (this.fd === null) this.open();
      if (this.gap > 0) this.markGap();
      this.append(chunk, progress);
      this.clearError();
    } catch (e) {
      // What went out before the failure (a disk filling up part way through) is in the file.
      this.gap += chunk.length - progress.written;
      const reason = reasonOf(e);
      if (!this.gapReasons.includes(reason)) this.gapReasons.push(reason);
      this.fail(e);
    }
  }

  /** The open file has no name left (looked at no more than once per NLINK_CHECK_MS). */
  private deleted(): boolean {
    const now = performance.now();
    if (now - this.checkedAt < NLINK_CHECK_MS) return false;
    this.checkedAt = now;
    return fstatSync(this.fd!).nlink === 0;
  }

  /** The marker for what was dropped, on a line of its own; throws (and keeps the gap) if it cannot. */
  private markGap(): void {
    // A new (empty) file starts a line anyway.
    const cut = this.openLine > 0 && (this.stream || this.size > 0);
    this.append(Buffer.from(`${cut ? "\n" : ""}${gapMarker(this.gap, this.gapReasons)}`), { written: 0 });
    this.gap = 0;
    this.gapReasons = [];
  }

  /** Append `chunk` across rotations; `progress` counts what went out, also if it then fails. */
  private append(chunk: Uint8Array, progress: WriteProgress): void {
    const max = this.stream ? 0 : this.policy.maxBytes;
    let off = 0;
    while (off < chunk.length) {
      // Rotated at line ends only, never mid-line unless one line is longer than maxbytes.
      const step = max > 0 ? nextCut(this.size, this.openLine, chunk, off, max) : null;
      if (step?.rotateFirst) {
        this.rotate();
        continue;
      }
      const end = step ? step.end : chunk.length;
      const before = progress.written;
      try {
        writeAll(this.fd!, chunk, off, end, progress);
      } finally {
        // Also what went out before a failure: a marker after it must know the line is open.
        const n = progress.written - before;
        this.openLine = openLineAfter(this.openLine, chunk, off, off + n);
        this.size += n;
        off += n;
      }
      if (step?.rotateAfter) this.rotate();
    }
  }

  /**
   * Give up the open file without closing it, for another RotatingFile in this process (a
   * writer thread, log-file.ts) to `adopt`: the descriptor is shared by every thread, so the
   * file goes on exactly where it was, even if it was moved aside since it was opened.
   */
  handOff(): OpenState {
    const state: OpenState = {
      fd: this.fd,
      size: this.size,
      stream: this.stream,
      failing: this.lastError,
      gap: this.gap,
      gapReasons: this.gapReasons,
      openLine: this.openLine,
    };
    this.fd = null;
    return state;
  }

  adopt(state: OpenState): void {
    this.fd = state.fd;
    this.size = state.size;
    this.stream = state.stream;
    this.lastError = state.failing;
    this.gap = state.gap;
    this.gapReasons = [...state.gapReasons];
    this.openLine = state.openLine;
  }

  /** Close and reopen on the next write (external logrotate, SIGUSR2). */
  reopen(): void {
    this.closeFd();
  }

  /** Open now, not at the first write; a failure is reported as a failed write would be. */
  prepare(): void {
    if (this.fd !== null) return;
    try {
      this.open();
    } catch (e) {
      this.fail(e);
    }
  }

  /** Close the file; output dropped since the last write that worked is marked first, if it can be. */
  close(): void {
    if (this.gap > 0) {
      try {
        if (this.fd === null) this.open();
        this.markGap();
      } catch {
        /* still failing: nothing more to be done for it */
      }
    }
    this.closeFd();
  }

  private closeFd(): void {
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {
        /* already gone */
      }
      this.fd = null;
    }
  }

  private open(): void {
    let isFifo = false;
    try {
      isFifo = statSync(this.path).isFIFO();
    } catch {
      mkdirSync(dirname(this.path), { recursive: true });
    }
    // A FIFO opened write-only blocks until a reader comes; read-write never does.
    this.fd = isFifo ? openSync(this.path, constants.O_RDWR) : openSync(this.path, "a", 0o644);
    const st = fstatSync(this.fd);
    this.stream = !st.isFile();
    this.size = this.stream ? 0 : st.size;
    // A stream's open line is what was written to it; a file's is what the file holds (left
    // by an earlier run, a program that died mid-line, or recreated empty).
    if (!this.stream) this.openLine = this.size === 0 ? 0 : openLineOf(this.path, this.size, this.policy.maxBytes);
  }

  private rotate(): void {
    this.closeFd();
    const { backups } = this.policy;
    if (backups === 0) {
      rmSync(this.path, { force: true });
    } else {
      rmSync(`${this.path}.${backups}`, { force: true });
      for (let i = backups - 1; i >= 1; i--) {
        const from = `${this.path}.${i}`;
        if (existsSync(from)) renameSync(from, `${this.path}.${i + 1}`);
      }
      if (existsSync(this.path)) renameSync(this.path, `${this.path}.1`);
    }
    this.open();
  }

  private fail(e: unknown): void {
    const msg = `${this.path}: ${reasonOf(e)}`;
    // Drop the fd so the next write reopens (recreating a deleted directory).
    this.closeFd();
    if (msg !== this.lastError) {
      this.lastError = msg;
      this.onError(msg);
    }
  }

  private clearError(): void {
    if (this.lastError !== null) {
      this.lastError = null;
      this.onError(null);
    }
  }
}

/**
 * How many bytes end the file after its last newline, looked for at most `max` bytes back (a
 * line that long is cut anyway), reading backwards from the end. Unreadable: taken as ending
 * with a newline (the worst that does is one rotation mid-line).
 */
function openLineOf(path: string, size: number, max: number): number {
  const limit = Math.min(size, max > 0 ? max : 1);
  // A few KiB hold the last newline almost always; a longer open line is read on in 64 KiB steps.
  const buf = Buffer.allocUnsafe(Math.min(limit, 64 * 1024));
  let step = 4096;
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return 0;
  }
  try {
    let scanned = 0;
    while (scanned < limit) {
      const len = Math.min(step, buf.length, limit - scanned);
      step = buf.length;
      const n = readSync(fd, buf, 0, len, size - scanned - len);
      if (n < len) return 0; // shrank under us (truncated): start afresh
      const nl = buf.lastIndexOf(10, len - 1);
      if (nl >= 0) return scanned + (len - nl - 1);
      scanned += len;
    }
    return limit;
  } catch {
    return 0;
  } finally {
    closeSync(fd);
  }
}

/** Why a write failed, as a marker says it: "ENOSPC (disk full)". */
function reasonOf(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code ? `${code} (${describeErrno(code)})` : (e as Error).message;
}

function describeErrno(code: string): string {
  switch (code) {
    case "ENOSPC":
      return "disk full";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "ENOENT":
      return "no such file or directory";
    case "EROFS":
      return "read-only file system";
    case "EDQUOT":
      return "disk quota exceeded";
    case "EISDIR":
      return "is a directory";
    case "ENOTDIR":
    case "EEXIST":
      return "a parent of the path is not a directory";
    default:
      return "write failed";
  }
}
