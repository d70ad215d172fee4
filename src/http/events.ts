// GET /api/events: server-sent events. A snapshot of every process first, then one event per
// state change from the bus, and a fresh snapshot after a reload (programs came or went).
// Comment lines every few seconds keep proxies and the connection alive; a reader that falls
// too far behind is disconnected (EventSource reconnects and gets a fresh snapshot) rather
// than growing the daemon's memory.

import type { DaemonDTO, ServiceDTO } from "../api/dto.ts";
import { namespec } from "../core/names.ts";
import type { Bus, StateChange } from "../daemon/bus.ts";

export interface EventsSource {
  readonly bus: Bus;
  services(): ServiceDTO[];
  service(name: string): ServiceDTO;
  daemon(): DaemonDTO;
  /** Called after each applied reload; returns an unsubscribe function. */
  onReload(fn: () => void): () => void;
}

export interface EventsOptions {
  readonly heartbeatMs: number;
  /** Unread bytes beyond which the reader is cut off. */
  readonly maxQueuedBytes: number;
}

export const DEFAULT_EVENTS: EventsOptions = { heartbeatMs: 15_000, maxQueuedBytes: 1024 * 1024 };

/** The `data` of a "state" event. */
export interface StateEventDTO {
  name: string;
  group: string;
  from: string;
  to: string;
  at: string;
  /** The process as GET /api/services/{name} shows it now, or null if it is gone. */
  service: ServiceDTO | null;
}

/** The `data` of a "snapshot" event. */
export interface SnapshotEventDTO {
  daemon: DaemonDTO;
  services: ServiceDTO[];
}

const encoder = new TextEncoder();

/** One SSE event; data is JSON, so it has no newlines to split. */
export const sseEvent = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

export function eventStream(src: EventsSource, options: Partial<EventsOptions> = {}): ReadableStream<Uint8Array> {
  const o = { ...DEFAULT_EVENTS, ...options };
  let cleanup = () => {};
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        let open = true;
        const close = () => {
          if (!open) return;
          open = false;
          cleanup();
          try {
            controller.close();
          } catch {
            /* already closed or errored */
          }
        };
        const send = (text: string) => {
          if (!open) return;
          if ((controller.desiredSize ?? 0) <= 0) {
            // Too far behind: end it; the browser's EventSource reconnects for a fresh snapshot.
            close();
            return;
          }
          try {
            controller.enqueue(encoder.encode(text));
          } catch {
            close();
          }
        };
        const snapshot = () => send(sseEvent("snapshot", { daemon: src.daemon(), services: src.services() } satisfies SnapshotEventDTO));
        const onChange = (c: StateChange) => {
          let service: ServiceDTO | null = null;
          try {
            service = src.service(namespec(c));
          } catch {
            /* removed by a reload meanwhile */
          }
          const data: StateEventDTO = { name: c.name, group: c.group, from: c.from, to: c.to, at: new Date(c.at).toISOString(), service };
          send(sseEvent("state", data));
        };
        send("retry: 2000\n\n");
        snapshot();
        const offBus = src.bus.subscribe(onChange);
        const offReload = src.onReload(snapshot);
        const timer = setInterval(() => send(": ping\n\n"), o.heartbeatMs);
        cleanup = () => {
          offBus();
          offReload();
          clearInterval(timer);
        };
      },
      cancel() {
        cleanup();
      },
    },
    { highWaterMark: o.maxQueuedBytes, size: (chunk) => chunk?.byteLength ?? 0 },
  );
}

export function sseResponse(stream: ReadableStream<Uint8Array>): Response {
  return new Response(stream, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      // Also the mark by which the TCP listener knows a stream: no idle deadline for it.
      "x-accel-buffering": "no",
    },
  });
}
