// Live copies of a log stream for followers (`tend tail -f`, the API's /log/follow). Each
// follower gets a bounded stream: one that cannot keep up is told what it missed instead of
// growing the daemon's memory.

const encoder = new TextEncoder();

export interface Follower {
  close(): void;
}

export class Fanout {
  private readonly subscribers = new Set<(chunk: Uint8Array | null) => void>();

  get size(): number {
    return this.subscribers.size;
  }

  publish(chunk: Uint8Array): void {
    for (const fn of this.subscribers) fn(chunk);
  }

  /** Hand every follower over to `next` (the program's config was replaced by a reload). */
  moveTo(next: Fanout): void {
    for (const fn of this.subscribers) next.subscribers.add(fn);
    this.subscribers.clear();
  }

  /** End every follower (the program went away). */
  closeAll(): void {
    for (const fn of [...this.subscribers]) fn(null);
    this.subscribers.clear();
  }

  /**
   * A byte stream that starts with `initial` and then carries every published chunk.
   * More than `maxQueued` bytes unread: chunks are skipped and a notice says how many.
   */
  follow(initial: Uint8Array, maxQueued = 4 * 1024 * 1024): ReadableStream<Uint8Array> {
    let fn: ((chunk: Uint8Array | null) => void) | null = null;
    let skipped = 0;
    const notice = () => encoder.encode(`\n[tend: ${skipped} bytes skipped: this reader fell behind]\n`);
    const unsubscribe = () => {
      if (fn) this.subscribers.delete(fn);
      fn = null;
    };
    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          if (initial.length) controller.enqueue(initial);
          fn = (chunk) => {
            try {
              if (chunk === null) {
                controller.close();
                return;
              }
              if ((controller.desiredSize ?? 0) <= 0) {
                skipped += chunk.length;
                return;
              }
              if (skipped > 0) {
                controller.enqueue(notice());
                skipped = 0;
              }
              // Copy: the writer may reuse its buffer once publish returns.
              controller.enqueue(chunk.slice());
            } catch {
              unsubscribe();
            }
          };
          this.subscribers.add(fn);
        },
        // The reader caught up: say what it missed now, not only when more output comes.
        pull: (controller) => {
          if (skipped > 0 && fn) {
            controller.enqueue(notice());
            skipped = 0;
          }
        },
        cancel: unsubscribe,
      },
      { highWaterMark: maxQueued, size: (chunk) => chunk?.byteLength ?? 0 },
    );
  }
}
