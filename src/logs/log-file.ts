// A log file written without ever stalling the daemon for long. Writes go straight to the
// file from the event loop (the fast path: 0.95× the speed of a shell redirect, see
// BENCHMARKS.md) until one write takes SLOW_WRITE_MS or more; from then on the file is written
// by a writer thread (writer-threads.ts), so a slow disk holds up only its own programs. A
// target that can block on a reader (a FIFO, a pipe such as /dev/stdout, a terminal) starts
// on a thread. On a thread, at most HIGH_WATER bytes wait in memory: past that, write()
// returns a promise and the pipe from the program is not read until it settles, so the
// program blocks on its own full pipe (backpressure) and the daemon's memory stays flat.

import { RotatingFile, type RotationPolicy } from "./rotating-file.ts";
import { attachWriter, blockingDomain, detachWriter, type WriterClient } from "./writer-threads.ts";
import type { ToWriter } from "./writer-protocol.ts";

/** A write slower than this moves the file to a writer thread (page-cache writes take µs). */
export const SLOW_WRITE_MS = 20;
const HIGH_WATER = 1024 * 1024;

export interface LogFileEvents {
  /** A message when writing starts failing, null when it works again. */
  readonly onError: (message: string | null) => void;
  /** The file moved to a writer thread, and why (`slow`: a write was slow, not a stream target). */
  readonly onMoved?: (reason: string, slow: boolean) => void;
  /** Bytes reached the file (on a thread: acknowledged by it). */
  readonly onProgress?: () => void;
}

export class LogFile implements WriterClient {
  private direct: RotatingFile | null = null;
  private thread: { id: number; post: (m: ToWriter) => void } | null = null;
  private pendingBytes = 0;
  pendingOps = 0;
  private roomWaiters: Array<() => void> = [];
  private flushWaiters: Array<() => void> = [];
  private closed = false;

  constructor(
    readonly path: string,
    private readonly policy: RotationPolicy,
    private readonly events: LogFileEvents,
    slowMs = SLOW_WRITE_MS,
  ) {
    this.slowMs = slowMs;
    const { stream } = blockingDomain(path);
    if (stream) this.moveToThread("not a regular file, so a reader that stalls could block a write", null, false);
    else this.direct = new RotatingFile(path, policy, events.onError);
  }

  private readonly slowMs: number;

  /** Whether a writer thread has the file. */
  get threaded(): boolean {
    return this.thread !== null;
  }

  /** Write `chunk`; a promise means "too much in flight: wait before writing more". */
  write(chunk: Uint8Array): void | Promise<void> {
    if (this.closed) return;
    if (this.direct) {
      const t0 = performance.now();
      this.direct.write(chunk);
      const ms = performance.now() - t0;
      if (ms >= this.slowMs) this.moveToThread(`a write took ${Math.round(ms)} ms`, this.direct, true);
      return;
    }
    this.send({ t: "write", id: this.thread!.id, chunk }, chunk.length);
    if (this.pendingBytes > HIGH_WATER) return new Promise((r) => this.roomWaiters.push(r));
  }

  /** Resolves once everything written so far is in the file (at once on the fast path). */
  flushed(): Promise<void> {
    if (this.pendingOps === 0) return Promise.resolve();
    return new Promise((r) => this.flushWaiters.push(r));
  }

  /** Close and reopen on the next write (external logrotate, SIGUSR2). */
  reopen(): void {
    if (this.direct) this.direct.reopen();
    else if (this.thread && !this.closed) this.send({ t: "reopen", id: this.thread.id }, 0);
  }

  /** Close the file; what is in flight is still written. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.direct) this.direct.close();
    else if (this.thread) this.send({ t: "close", id: this.thread.id }, 0);
  }

  // ---- WriterClient: called for messages from the thread ----------------------------------

  onAck(bytes: number): void {
    this.pendingOps--;
    this.pendingBytes -= bytes;
    if (bytes > 0) this.events.onProgress?.();
    if (this.pendingBytes <= HIGH_WATER / 2 && this.roomWaiters.length) {
      for (const r of this.roomWaiters.splice(0)) r();
    }
    if (this.pendingOps === 0) {
      for (const r of this.flushWaiters.splice(0)) r();
      if (this.closed && this.thread) detachWriter(this.thread.id);
    }
  }

  onError(message: string | null): void {
    this.events.onError(message);
  }

  private send(m: ToWriter, bytes: number): void {
    this.pendingOps++;
    this.pendingBytes += bytes;
    this.thread!.post(m);
  }

  private moveToThread(reason: string, from: RotatingFile | null, slow: boolean): void {
    const state = from ? from.handOff() : null;
    this.direct = null;
    this.thread = attachWriter(blockingDomain(this.path).key, this);
    this.send({ t: "open", id: this.thread.id, path: this.path, policy: this.policy, state }, 0);
    this.events.onMoved?.(reason, slow);
  }
}
