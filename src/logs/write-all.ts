// Writing a whole chunk to a descriptor that may be non-blocking. The daemon's stdout can be
// (Bun sets O_NONBLOCK on descriptions it writes to itself, and so may a container runtime):
// there EAGAIN means "not yet", never "drop it". Called on writer threads only (log-file.ts
// keeps every stream target there), so the wait never holds up the daemon.

import { writeSync } from "node:fs";

/** Write chunk[off, end) to `fd`, waiting while it is full; returns the bytes written. */
export function writeAll(fd: number, chunk: Uint8Array, off = 0, end = chunk.length): number {
  let pause = 1;
  const start = off;
  while (off < end) {
    try {
      off += writeSync(fd, chunk, off, end - off);
      pause = 1;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
      Bun.sleepSync(pause);
      pause = Math.min(pause * 2, 50);
    }
  }
  return off - start;
}
