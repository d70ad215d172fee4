// Drains one pipe from a child into a sink until EOF. Reading is what gives backpressure:
// a child writing faster than the disk blocks on its full pipe, the daemon never buffers.

export interface Sink {
  /** A returned promise is backpressure: the pipe is not read again until it settles. */
  write(chunk: Uint8Array): void | Promise<void>;
}

import { closeSync } from "node:fs";

/** Resolves at EOF (every writer, grandchildren included, has closed the pipe). */
export async function pump(fd: number, sink: Sink): Promise<void> {
  try {
    for await (const chunk of Bun.file(fd).stream()) {
      const room = sink.write(chunk);
      if (room) await room;
    }
  } catch {
    /* a read error ends the stream like EOF would */
  } finally {
    // Bun.file(fd).stream() does not close the fd at EOF.
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
  }
}
