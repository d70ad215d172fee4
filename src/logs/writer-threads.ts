// The log-writer threads, one per place a write can block: one per filesystem for regular
// files (a slow disk slows only the files on it), one per FIFO, pipe or terminal (a reader
// that stops reading blocks only its own target) and one for the daemon's own stdout and
// stderr (console-output.ts). Started on first use; they do not keep the daemon alive, so
// the daemon drains them (drainWriters) before it exits.

import { statSync } from "node:fs";
import { dirname } from "node:path";
import { devString } from "../sys/mounts.ts";
import type { ByteRead, ByteReadResult } from "./byte-reads.ts";
import type { FromWriter, ToWriter } from "./writer-protocol.ts";

// In the compiled binary, entry points are named by their path under src/ (build/compile.ts
// lists this one); from source, the module sits next to this one.
const WORKER_ENTRY = import.meta.url.startsWith("file:///$bunfs/")
  ? "./logs/writer-worker.ts"
  : new URL("./writer-worker.ts", import.meta.url).href;

class WriterThread {
  private readonly worker: Worker;
  readonly clients = new Map<number, ThreadTarget>();

  constructor() {
    this.worker = new Worker(WORKER_ENTRY);
    this.worker.unref();
    // Only a broken build gets here (the compiled test checks it): say so where users look.
    this.worker.onerror = (e) => {
      for (const c of this.clients.values()) c.onError(`${c.path}: the log writer thread failed: ${e.message}`);
    };
    this.worker.onmessage = (e: MessageEvent<FromWriter>) => {
      const m = e.data;
      const c = this.clients.get(m.id);
      if (!c) return;
      if (m.t === "ack") c.onAck(m.bytes);
      else if (m.t === "tail") c.onAnswer(m.req, m.text);
      else if (m.t === "read") c.onAnswer(m.req, m.result);
      else c.onError(m.message);
    };
  }

  post(m: ToWriter, transfer?: ArrayBuffer[]): void {
    if (transfer) this.worker.postMessage(m, transfer);
    else this.worker.postMessage(m);
  }
}

const threads = new Map<string, WriterThread>();
let nextId = 1;

/**
 * Where a write to `path` can block: its filesystem, or the FIFO/pipe/terminal itself.
 * `stream`: not a regular file, so a write may wait on a reader (always written by a thread).
 * `dev`: the device of the file, or of its nearest existing directory (null: none found).
 */
export function blockingDomain(path: string): { key: string; stream: boolean; dev: number | null } {
  for (let p = path; ; p = dirname(p)) {
    try {
      const st = statSync(p);
      const stream = p === path && !st.isFile() && !st.isDirectory() && path !== "/dev/null";
      const key = stream ? `node:${devString(st.dev)}:${st.ino}` : `fs:${devString(st.dev)}`;
      return { key, stream, dev: st.dev };
    } catch {
      if (dirname(p) === p) return { key: "fs:?", stream: false, dev: null };
    }
  }
}

/** Bytes that may wait for a thread per target before write() asks the caller to wait. */
const HIGH_WATER = 1024 * 1024;

export interface TargetEvents {
  /** A message when writing starts failing, null when it works again. */
  readonly onError: (message: string | null) => void;
  /** Bytes reached the target. */
  readonly onProgress?: () => void;
}

/**
 * The event-loop side of one target written by a thread: sends it ops and counts what is
 * still on its way. At most HIGH_WATER bytes wait: past that, write() returns a promise, and
 * the caller stops reading the program's pipe until it settles (backpressure).
 */
export class ThreadTarget {
  private readonly id = nextId++;
  private readonly thread: WriterThread;
  private pendingBytes = 0;
  /** Ops sent and not yet acknowledged (drainWriters reads it). */
  pendingOps = 0;
  private roomWaiters: Array<() => void> = [];
  private flushWaiters: Array<() => void> = [];
  private closed = false;

  /** `open` is the first op (what to write to); `key` picks the thread (blockingDomain). */
  constructor(
    key: string,
    open: (id: number) => ToWriter,
    readonly path: string,
    private readonly events: TargetEvents,
  ) {
    let thread = threads.get(key);
    if (!thread) threads.set(key, (thread = new WriterThread()));
    this.thread = thread;
    thread.clients.set(this.id, this);
    this.send(open(this.id), 0);
  }

  write(chunk: Uint8Array): void | Promise<void> {
    if (this.closed) return;
    // The chunk is lent (the pipe's read buffer, output-pump.ts): the thread gets its own
    // copy, moved rather than cloned. A clone would copy the whole ArrayBuffer under a view.
    const own = new Uint8Array(chunk);
    this.send({ t: "write", id: this.id, chunk: own }, own.length, [own.buffer]);
    if (this.pendingBytes > HIGH_WATER) return new Promise((r) => this.roomWaiters.push(r));
  }

  private nextReq = 1;
  /** Questions to the thread (tail, read) waiting for their answer, by request number. */
  private readonly asked = new Map<number, (answer: never) => void>();

  private ask<T>(make: (req: number) => ToWriter): Promise<T> {
    const req = this.nextReq++;
    const answer = new Promise<T>((r) => this.asked.set(req, r as (answer: never) => void));
    this.send(make(req), 0);
    return answer;
  }

  /**
   * The file's last lines, read by the thread after everything written before this call:
   * together with a follower subscribed in the same tick, no line is missed or repeated.
   * Null when the target is not a regular file.
   */
  tail(lines: number, backups: number): Promise<string | null> {
    return this.ask((req) => ({ t: "tail", id: this.id, req, lines, backups }));
  }

  /** supervisord's offset read (byte-reads.ts), by the thread after every write before it. */
  read(op: ByteRead): Promise<ByteReadResult> {
    return this.ask((req) => ({ t: "read", id: this.id, req, op }));
  }

  onAnswer(req: number, answer: unknown): void {
    this.asked.get(req)?.(answer as never);
    this.asked.delete(req);
  }

  /** Resolves once everything sent so far has been written (or failed and been reported). */
  flushed(): Promise<void> {
    if (this.pendingOps === 0) return Promise.resolve();
    return new Promise((r) => this.flushWaiters.push(r));
  }

  reopen(): void {
    if (!this.closed) this.send({ t: "reopen", id: this.id }, 0);
  }

  /** Close; what is in flight is still written. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.send({ t: "close", id: this.id }, 0);
  }

  // ---- called for the thread's messages (WriterThread) -------------------------------------

  onAck(bytes: number): void {
    this.pendingOps--;
    this.pendingBytes -= bytes;
    if (bytes > 0) this.events.onProgress?.();
    if (this.pendingBytes <= HIGH_WATER / 2 && this.roomWaiters.length) {
      for (const r of this.roomWaiters.splice(0)) r();
    }
    if (this.pendingOps === 0) {
      for (const r of this.flushWaiters.splice(0)) r();
      if (this.closed) this.thread.clients.delete(this.id);
    }
  }

  onError(message: string | null): void {
    this.events.onError(message);
  }

  private send(m: ToWriter, bytes: number, transfer?: ArrayBuffer[]): void {
    this.pendingOps++;
    this.pendingBytes += bytes;
    this.thread.post(m, transfer);
  }
}

/**
 * Wait until every thread has written what it was given, or `timeoutMs` passes; returns the
 * paths still behind (a target that stopped accepting writes), for the daemon log.
 */
export async function drainWriters(timeoutMs: number): Promise<string[]> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const behind = [...threads.values()].flatMap((t) => [...t.clients.values()].filter((c) => c.pendingOps > 0));
    if (behind.length === 0 || performance.now() >= deadline) return behind.map((c) => c.path);
    await Bun.sleep(5);
  }
}
