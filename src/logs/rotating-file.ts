// A log file rotated by size: NAME → NAME.1 → … → NAME.N (supervisord's rename chain).
// Writes are synchronous appends; a failed write (disk full, directory deleted) is reported
// to `onError` and never thrown, so a logging fault can never take a program down.

import { closeSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync, existsSync } from "node:fs";
import { dirname } from "node:path";

export interface RotationPolicy {
  /** Rotate once the file reaches this many bytes; 0 = never rotate. */
  readonly maxBytes: number;
  /** How many rotated files to keep; 0 = truncate in place on rotation. */
  readonly backups: number;
}

export class RotatingFile {
  private fd: number | null = null;
  private size = 0;
  private lastError: string | null = null;

  constructor(
    readonly path: string,
    private readonly policy: RotationPolicy,
    private readonly onError: (message: string | null) => void = () => {},
  ) {}

  write(chunk: Uint8Array): void {
    try {
      if (this.fd === null) this.open();
      let off = 0;
      while (off < chunk.length) off += writeSync(this.fd!, chunk, off, chunk.length - off);
      this.size += chunk.length;
      if (this.policy.maxBytes > 0 && this.size >= this.policy.maxBytes) this.rotate();
      this.clearError();
    } catch (e) {
      this.fail(e);
    }
  }

  /** Close and reopen (external logrotate, or a deleted directory). */
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
    mkdirSync(dirname(this.path), { recursive: true });
    this.fd = openSync(this.path, "a", 0o644);
    this.size = fstatSync(this.fd).size;
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
    const msg = `${this.path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
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
      this.onError(null);
    }
  }
}
