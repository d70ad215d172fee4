// State-change fan-out. Readers (API waiters, event streams, metrics) subscribe here and
// never reach into the supervisor's records.

import type { ProcessState } from "../core/states.ts";
import type { ProcessSnapshot } from "../core/transitions.ts";

export interface StateChange {
  readonly name: string;
  readonly group: string;
  readonly from: ProcessState;
  readonly to: ProcessState;
  readonly snapshot: ProcessSnapshot;
  readonly at: number;
}

export type Listener = (change: StateChange) => void;

/** Listener → the subscription's sequence number (publish skips those newer than itself). */
type Listeners = Map<Listener, number>;

/**
 * Listeners for every change, and listeners for one name (the API's waiters: `stop all`
 * holds one per process, and each change must reach only its own, not all N of them).
 * publish copies nothing: a listener that unsubscribes during a publish (any of them) is
 * not called after that, and one that subscribes during a publish first hears the next change.
 */
export class Bus {
  private readonly listeners: Listeners = new Map();
  private readonly byName = new Map<string, Listeners>();
  private seq = 0;

  subscribe(fn: Listener): () => void {
    this.listeners.set(fn, ++this.seq);
    return () => this.listeners.delete(fn);
  }

  /** Changes of `name` only. */
  subscribeTo(name: string, fn: Listener): () => void {
    let set = this.byName.get(name);
    if (!set) this.byName.set(name, (set = new Map()));
    set.set(fn, ++this.seq);
    const own = set;
    return () => {
      own.delete(fn);
      if (own.size === 0 && this.byName.get(name) === own) this.byName.delete(name);
    };
  }

  /** How many listeners there are, for every change and for single names (tests, leaks). */
  get size(): number {
    let n = this.listeners.size;
    for (const set of this.byName.values()) n += set.size;
    return n;
  }

  /**
   * `toAll` false: only the listeners for the name hear it (waiters, who check their own
   * record): the change is of a record that no longer holds the name (supervisor.ts, commit).
   */
  publish(change: StateChange, toAll = true): void {
    const upTo = this.seq;
    if (toAll) deliver(this.listeners, change, upTo);
    const named = this.byName.get(change.name);
    if (named) deliver(named, change, upTo);
  }
}

function deliver(set: Listeners, change: StateChange, upTo: number): void {
  // A Map iterates live: entries deleted meanwhile are skipped, entries added are visited
  // (and skipped here by their sequence number).
  for (const [fn, at] of set) {
    if (at > upTo) continue;
    try {
      fn(change);
    } catch {
      // A broken listener must not stop the supervisor or the other listeners.
    }
  }
}
