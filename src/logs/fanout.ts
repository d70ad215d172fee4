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

  /**
   * One copy of `chunk` (the writer may reuse its buffer once publish returns), shared by every
   * follower: nobody writes into it. A copy per follower made 100 followers of a fast writer
   * allocate 100 times what it wrote, and hold 100 queues of their own.
   */
  publish(chunk: Uint8Array): void {
    if (this.subscribers.size === 0) return;
    const copy = chunk.slice();
    for (const fn of this.subscribers) fn(copy);
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
   * `initial` may still be on its way (read by a writer thread): what is published meanwhile
   * is held, within the same bound, and follows it.
   */
  follow(initial: Uint8Array | Promise<Uint8Array>, maxQueued = 4 * 1024 * 1024): ReadableStream<Uint8Array> {
    let fn: ((chunk: Uint8Array | null) => void) | null = null;
    let skipped = 0;
    const notice = () => encoder.encode(`\n[tend: ${skipped} bytes skipped: this reader fell behind]\n`);
    const unsubscribe = () => {
      if (fn) this.subscribers.delete(fn);
      fn = null;
    };
    // While `initial` is pending: chunks (null = the end) kept for after it.
    let held: Array<Uint8Array | null> | null = initial instanceof Uint8Array ? null : [];
    let heldBytes = 0;
    let heldSkipped = 0;
    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          const deliver = (chunk: Uint8Array | null) => {
            if (chunk === null) {
              // The end: a reader that fell behind still learns what it missed last.
              if (skipped > 0) controller.enqueue(notice());
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
            controller.enqueue(chunk);
          };
          fn = (chunk) => {
            try {
              if (held) {
                // Past the bound, everything up to the release is skipped: the gap is at the end.
                if (chunk !== null && (heldSkipped > 0 || heldBytes + chunk.length > maxQueued)) heldSkipped += chunk.length;
                else held.push(chunk);
                heldBytes += chunk?.length ?? 0;
                return;
              }
              deliver(chunk);
            } catch {
              unsubscribe();
            }
          };
          this.subscribers.add(fn);
          if (initial instanceof Uint8Array) {
            if (initial.length) controller.enqueue(initial);
            return;
          }
          const release = (first: Uint8Array) => {
            const waiting = held ?? [];
            held = null;
            try {
              if (first.length) controller.enqueue(first);
              // The gap (what did not fit while held) comes after what was held, before the end.
              for (const chunk of waiting) if (chunk !== null) deliver(chunk);
              skipped += heldSkipped;
              if (waiting.at(-1) === null) deliver(null);
            } catch {
              unsubscribe();
            }
          };
          initial.then(release, (e: unknown) => release(encoder.encode(`[tend: ${(e as Error).message}]\n`)));
        },
        // The reader caught up: say what it missed now, not only when more output comes.
        pull: (controller) => {
          if (skipped > 0 && fn && !held) {
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
