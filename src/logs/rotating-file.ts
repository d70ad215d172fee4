// A log file rotated by size: NAME → NAME.1 → … → NAME.N (supervisord's rename chain).
// A target that cannot be rotated (/dev/stdout, a FIFO, a tty) is written as a stream.
// Writes are synchronous appends; a failed write (disk full, directory deleted, no
// permission) is reported to `onError` and never thrown, so a logging fault can never take
// a program down; the next write tries again and reports recovery.

import { closeSync, constants, existsSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { writeAll } from "./write-all.ts";

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
}

export class RotatingFile {
  private fd: number | null = null;
  private size = 0;
  /** Not a regular file: never rotated, never checked for deletion. */
  private stream = false;
  private lastError: string | null = null;

  constructor(
    readonly path: string,
    private readonly policy: RotationPolicy,
    private readonly onError: (message: string | null) => void = () => {},
  ) {}

  /** Not a regular file (known once opened): a stream, never rotated. */
  get isStream(): boolean {
    return this.stream;
  }

  /** Bytes lost to write errors since the last successful write. */
  dropped = 0;

  write(chunk: Uint8Array): void {
    try {
      // A log directory or file deleted under us: writes would vanish into the unlinked
      // inode. Notice it and recreate the file where people will look for it.
      if (this.fd !== null && !this.stream && fstatSync(this.fd).nlink === 0) this.close();
      if (this.fd === null) this.open();
      const max = this.stream ? 0 : this.policy.maxBytes;
      let off = 0;
      // A file already full when opened (left by an earlier run) rotates before it grows.
      if (max > 0 && this.size >= max) this.rotate();
      while (off < chunk.length) {
        let end = chunk.length;
        // Never past maxbytes: what does not fit goes to the next file, cut after the last
        // newline that fits when there is one, so lines stay whole where they can.
        // (>=: a write that exactly fills the file must end on a newline too.)
        if (max > 0 && this.size + (end - off) >= max) {
          const room = max - this.size;
          const nl = chunk.lastIndexOf(10, off + room - 1);
          end = nl >= off ? nl + 1 : off + room;
        }
        const n = writeAll(this.fd!, chunk, off, end);
        off += n;
        this.size += n;
        if (max > 0 && this.size >= max) this.rotate();
        else if (max > 0 && off < chunk.length) this.rotate();
      }
      this.clearError();
    } catch (e) {
      this.dropped += chunk.length;
      this.fail(e);
    }
  }

  /**
   * Give up the open file without closing it, for another RotatingFile in this process (a
   * writer thread, log-file.ts) to `adopt`: the descriptor is shared by every thread, so the
   * file goes on exactly where it was, even if it was moved aside since it was opened.
   */
  handOff(): OpenState {
    const state: OpenState = { fd: this.fd, size: this.size, stream: this.stream, failing: this.lastError };
    this.fd = null;
    return state;
  }

  adopt(state: OpenState): void {
    this.fd = state.fd;
    this.size = state.size;
    this.stream = state.stream;
    this.lastError = state.failing;
  }

  /** Close and reopen on the next write (external logrotate, SIGUSR2). */
  reopen(): void {
    this.close();
  }

  close(): void {
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
  }

  private rotate(): void {
    this.close();
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
    const code = (e as NodeJS.ErrnoException).code;
    const msg = `${this.path}: ${code ? `${code} (${describeErrno(code)})` : (e as Error).message}`;
    // Drop the fd so the next write reopens (recreating a deleted directory).
    this.close();
    if (msg !== this.lastError) {
      this.lastError = msg;
      this.onError(msg);
    }
  }

  private clearError(): void {
    if (this.lastError !== null) {
      this.lastError = null;
      this.dropped = 0;
      this.onError(null);
    }
  }
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
