// Writing a whole chunk to a descriptor that may be non-blocking. The daemon's stdout can be
// (Bun sets O_NONBLOCK on descriptions it writes to itself, and so may a container runtime):
// there EAGAIN means "not yet", never "drop it". Called on writer threads only (log-file.ts
// keeps every stream target there), so the wait never holds up the daemon.

import { writeSync } from "node:fs";

/** What a writeAll got out, also when it then failed part way (a disk that filled up). */
export interface WriteProgress {
  written: number;
}

/**
 * Write chunk[off, end) to `fd`, waiting while it is full; returns the bytes written. A write
 * that fails throws, after adding what went out before the failure to `progress`.
 */
export function writeAll(fd: number, chunk: Uint8Array, off = 0, end = chunk.length, progress?: WriteProgress): number {
  let pause = 1;
  const start = off;
  while (off < end) {
    try {
      const n = writeSync(fd, chunk, off, end - off);
      off += n;
      if (progress) progress.written += n;
      pause = 1;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
      Bun.sleepSync(pause);
      pause = Math.min(pause * 2, 50);
    }
  }
  return off - start;
}
