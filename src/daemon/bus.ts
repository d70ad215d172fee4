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

export class Bus {
  private readonly listeners = new Set<Listener>();

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  publish(change: StateChange): void {
    for (const fn of [...this.listeners]) {
      try {
        fn(change);
      } catch {
        // A broken listener must not stop the supervisor or the other listeners.
      }
    }
  }
}
