// Drains one pipe from a child into a sink until EOF. Reading is what gives backpressure:
// a child writing faster than the disk blocks on its full pipe, the daemon never buffers.
// Every pipe is read with read(2) into one buffer shared by all of them, reused for every
// read, so a program writing at disk speed makes no garbage (issue #16.3): sinks copy what
// they keep (Sink.write).

export interface Sink {
  /**
   * `chunk` is only lent: its bytes are overwritten by the next read, so whatever outlives
   * this call (a message to a writer thread, a follower's queue, a partial line) is a copy.
   * A returned promise is backpressure: the pipe is not read again until it settles.
   */
  write(chunk: Uint8Array): void | Promise<void>;
}

import { closeSync } from "node:fs";
import { ptr, type Pointer } from "bun:ffi";
import { openFdCount } from "../sys/fds.ts";
import { EMPTY, readInto, setNonblocking } from "../sys/pipe-io.ts";
import { forget, readinessAvailable, readNow, whenReadable } from "./pipe-readiness.ts";

/**
 * The one read buffer. A pipe holds 64 KiB unless its writer enlarged it; a read never takes
 * more than the buffer, so this bounds nothing but the syscall count.
 */
const BUFFER = new Uint8Array(256 * 1024);
let bufferAt: Pointer | null = null;
let view = BUFFER.subarray(0, 0);

/** Read at most this much from one pipe before letting the rest of the daemon run. */
const TURN_BYTES = 1024 * 1024;

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

/** Resolves at EOF (every writer, grandchildren included, has closed the pipe). */
export async function pump(fd: number, sink: Sink): Promise<void> {
  if (!readinessAvailable() || !setNonblocking(fd)) return pumpStream(fd, sink);
  bufferAt ??= ptr(BUFFER);
  let handOver = false;
  try {
    let turn = 0;
    for (;;) {
      const n = readInto(fd, BUFFER, bufferAt);
      if (n > 0) {
        // A busy pipe is read 64 KiB at a time: one view serves every such read.
        if (n !== view.length) view = BUFFER.subarray(0, n);
        const room = sink.write(view);
        if (room) await room;
        turn += n;
        if (turn >= TURN_BYTES) {
          turn = 0;
          await nextTurn();
        }
        continue;
      }
      // 0: EOF. FAILED: a read error ends the stream like EOF would.
      if (n !== EMPTY) break;
      turn = 0;
      const ready = whenReadable(fd);
      if (!ready) {
        handOver = true;
        break;
      }
      await ready;
    }
  } catch {
    /* a sink that throws ends the stream like a read error */
  } finally {
    forget(fd);
    if (!handOver) {
      try {
        closeSync(fd);
      } catch {
        /* already closed */
      }
    }
  }
  // The pipe cannot be waited for here: Bun's reader takes over where this one stopped.
  if (handOver) await pumpStream(fd, sink);
}

/**
 * Bun.file(fd).stream() reads a dup of `fd`, made when its reader is taken (Bun 1.4.5), and
 * closes that dup at EOF, never `fd` itself: holding both would cost two descriptors per
 * pipe. Whether this Bun dups is seen by counting around taking the reader and the first
 * read (nothing else can open or close a descriptor within that synchronous step); until
 * it has been seen, `fd` is kept, so a Bun that reads `fd` itself never has it closed.
 */
let bunDupsFd = false;

/** Read `fd` now rather than when the readiness thread says so (see readNow). */
export function drainNow(fd: number): void {
  readNow(fd);
}

/** Bun's own reader: where the readiness thread cannot be had (no thread, no epoll). */
async function pumpStream(fd: number, sink: Sink): Promise<void> {
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
