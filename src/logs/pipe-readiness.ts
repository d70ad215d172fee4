// When a program's pipe has something to read. Bun has no way to wait for an arbitrary
// descriptor without also reading it (Bun.file(fd).stream() reads ahead into buffers of its
// own), so one thread (readiness-worker.ts) waits in epoll_wait for all pipes and posts the
// ready ones here. Each pipe is armed once per wait (EPOLLONESHOT) by the event loop itself:
// epoll_ctl is safe while the thread sleeps in epoll_wait, so arming costs one syscall and no
// message. The thread and the epoll descriptor live as long as the daemon.

import { epollArm, epollCreate, epollForget } from "../sys/pipe-io.ts";

// In the compiled binary, entry points are named by their path under src/ (build/compile.ts
// lists this one); from source, the module sits next to this one.
const WORKER_ENTRY = import.meta.url.startsWith("file:///$bunfs/")
  ? "./logs/readiness-worker.ts"
  : new URL("./readiness-worker.ts", import.meta.url).href;

let epfd = -1;
/** Could not start (no thread or no epoll to be had): callers read the way Bun does. */
let unavailable = false;
const waiting = new Map<number, () => void>();
/** Pipes added to the epoll set (later waits modify, not add). */
const known = new Set<number>();

/** Start the thread on first use; false when it cannot be had. */
export function readinessAvailable(): boolean {
  if (epfd >= 0) return true;
  if (unavailable) return false;
  const fd = epollCreate();
  if (fd < 0) {
    unavailable = true;
    return false;
  }
  try {
    const worker = new Worker(WORKER_ENTRY);
    // Blocked in epoll_wait forever: it must not keep the daemon alive.
    worker.unref();
    worker.onmessage = (e: MessageEvent<number[]>) => {
      for (const ready of e.data) {
        const wake = waiting.get(ready);
        waiting.delete(ready);
        // No waiter: a report for a pipe that ended since (its number may be reused), harmless.
        wake?.();
      }
    };
    // Only a broken build gets here (the compiled test checks it): the readers go back to
    // Bun's own (output-pump.ts), and the daemon's stderr says why.
    worker.onerror = (e) => {
      process.stderr.write(`tend: the pipe readiness thread failed (${e.message}): program output is read with Bun's reader\n`);
      unavailable = true;
      for (const wake of [...waiting.values()]) wake();
      waiting.clear();
    };
    worker.postMessage({ epfd: fd });
  } catch {
    unavailable = true;
    return false;
  }
  epfd = fd;
  return true;
}

/**
 * Resolves once `fd` is readable (data, EOF or an error). False when it cannot be watched
 * (epoll refused it, or the thread failed): read it some other way.
 */
export function whenReadable(fd: number): Promise<void> | false {
  if (unavailable || !epollArm(epfd, fd, known.has(fd))) return false;
  known.add(fd);
  return new Promise((resolve) => waiting.set(fd, resolve));
}

/**
 * Have `fd`'s reader look at it now, as if it had been reported readable (its child exited:
 * the last bytes must not wait for the thread, which may not even have started yet). A
 * reader that finds nothing waits again; a pipe with no reader waiting is left alone.
 */
export function readNow(fd: number): void {
  const wake = waiting.get(fd);
  waiting.delete(fd);
  wake?.();
}

/** `fd` is about to be closed: stop watching it. */
export function forget(fd: number): void {
  waiting.delete(fd);
  if (known.delete(fd)) epollForget(epfd, fd);
}
