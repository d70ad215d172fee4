// Drains one pipe from a child into a sink until EOF. Reading is what gives backpressure:
// a child writing faster than the disk blocks on its full pipe, the daemon never buffers.

export interface Sink {
  /** A returned promise is backpressure: the pipe is not read again until it settles. */
  write(chunk: Uint8Array): void | Promise<void>;
}

import { closeSync } from "node:fs";
import { openFdCount } from "../sys/fds.ts";

/**
 * Bun.file(fd).stream() reads a dup of `fd`, made when its reader is taken (Bun 1.4.5), and
 * closes that dup at EOF, never `fd` itself: holding both would cost two descriptors per
 * pipe. Whether this Bun dups is seen by counting around taking the reader and the first
 * read (nothing else can open or close a descriptor within that synchronous step); until
 * it has been seen, `fd` is kept, so a Bun that reads `fd` itself never has it closed.
 */
let bunDupsFd = false;

/** Resolves at EOF (every writer, grandchildren included, has closed the pipe). */
export async function pump(fd: number, sink: Sink): Promise<void> {
  let ownFd = true;
  try {
    const before = bunDupsFd ? 0 : openFdCount(-1);
    const reader = Bun.file(fd).stream().getReader();
    let next = reader.read();
    if (!bunDupsFd && before >= 0 && openFdCount(-1) === before + 1) bunDupsFd = true;
    if (bunDupsFd) {
      closeSync(fd);
      ownFd = false;
    }
    for (;;) {
      const { done, value } = await next;
      if (done) break;
      const room = sink.write(value);
      if (room) await room;
      next = reader.read();
    }
  } catch {
    /* a read error ends the stream like EOF would */
  } finally {
    if (ownFd) {
      try {
        closeSync(fd);
      } catch {
        /* already closed */
      }
    }
  }
}
