// The log-writer threads, one per place a write can block: one per filesystem for regular
// files (a slow disk slows only the files on it) and one per FIFO, pipe or terminal (a
// reader that stops reading blocks only its own target). Started on first use; they do not
// keep the daemon alive, so the daemon drains them (drainWriters) before it exits.

import { statSync } from "node:fs";
import { dirname } from "node:path";
import type { FromWriter, ToWriter } from "./writer-protocol.ts";

/** The event-loop side of one file handled by a thread. */
export interface WriterClient {
  onAck(bytes: number): void;
  onError(message: string | null): void;
  /** Ops sent and not yet acknowledged. */
  readonly pendingOps: number;
  readonly path: string;
}

// In the compiled binary, entry points are named by their path under src/ (build/compile.ts
// lists this one); from source, the module sits next to this one.
const WORKER_ENTRY = import.meta.url.startsWith("file:///$bunfs/")
  ? "./logs/writer-worker.ts"
  : new URL("./writer-worker.ts", import.meta.url).href;

class WriterThread {
  private readonly worker: Worker;
  readonly clients = new Map<number, WriterClient>();

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
      else c.onError(m.message);
    };
  }

  post(m: ToWriter): void {
    this.worker.postMessage(m);
  }
}

const threads = new Map<string, WriterThread>();
let nextId = 1;

/**
 * Where a write to `path` can block: its filesystem, or the FIFO/pipe/terminal itself.
 * `stream`: not a regular file, so a write may wait on a reader (always written by a thread).
 */
export function blockingDomain(path: string): { key: string; stream: boolean } {
  for (let p = path; ; p = dirname(p)) {
    try {
      const st = statSync(p);
      const stream = p === path && !st.isFile() && !st.isDirectory() && path !== "/dev/null";
      return stream ? { key: `node:${st.dev}:${st.ino}`, stream } : { key: `fs:${st.dev}`, stream };
    } catch {
      if (dirname(p) === p) return { key: "fs:?", stream: false };
    }
  }
}

/** Register `client` on the thread for `key`; returns its id and the function to send ops. */
export function attachWriter(key: string, client: WriterClient): { id: number; post: (m: ToWriter) => void } {
  let thread = threads.get(key);
  if (!thread) threads.set(key, (thread = new WriterThread()));
  const id = nextId++;
  thread.clients.set(id, client);
  const t = thread;
  return { id, post: (m) => t.post(m) };
}

/** Forget a client once its close is acknowledged. */
export function detachWriter(id: number): void {
  for (const t of threads.values()) t.clients.delete(id);
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
