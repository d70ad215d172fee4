// Clients the scenarios drive the daemon with: the unix-socket prober (the operator's door must
// answer within a second whatever else happens), API load on both doors, and log followers,
// live and stalled. Every loop is bounded by a stop signal and ends by itself.

import { connect, type Socket } from "node:net";
import { log, type Report } from "./report.ts";

export interface Stoppable {
  stop(): Promise<void>;
}

/** GET on the unix socket with a deadline; ms taken, or null if it failed or timed out. */
export async function timedGet(socket: string, path: string, timeoutMs: number): Promise<number | null> {
  const t0 = performance.now();
  try {
    const res = await fetch(`http://localhost${path}`, { unix: socket, signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.ok ? performance.now() - t0 : null;
  } catch {
    return null;
  }
}

/**
 * Asks GET /api/daemon on the unix socket every `everyMs`; any answer slower than `limitMs`
 * (or none) is a violation. Pausable while a scenario deliberately stops the daemon.
 */
export function socketProber(report: Report, scenario: string, socket: string, everyMs = 250, limitMs = 1000) {
  let running = true;
  let paused = false;
  const samples: number[] = [];
  const done = (async () => {
    while (running) {
      if (!paused) {
        const ms = await timedGet(socket, "/api/daemon", limitMs * 5);
        if (!paused && running) {
          report.add(scenario, "socket probes", 1);
          if (ms === null || ms > limitMs) report.fail(scenario, "unix socket answers within 1 s", ms === null ? "no answer within 5 s" : `answered in ${ms.toFixed(0)} ms`);
          if (ms !== null) {
            samples.push(ms);
            report.max(scenario, "socket probe max (ms)", Math.round(ms));
          }
        }
      }
      await Bun.sleep(everyMs);
    }
  })();
  return {
    pause: () => void (paused = true),
    resume: () => void (paused = false),
    samples,
    async stop() {
      running = false;
      await done;
    },
  };
}

/** `n` concurrent loops calling `call` until stopped; counts answers and failures. */
export function loadLoop(report: Report, scenario: string, label: string, n: number, call: () => Promise<boolean>): Stoppable {
  let running = true;
  const loops = Array.from({ length: n }, async () => {
    while (running) {
      let ok = false;
      try {
        ok = await call();
      } catch {
        ok = false;
      }
      report.add(scenario, `${label} ${ok ? "answered" : "failed"}`, 1);
      if (!ok) await Bun.sleep(50);
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

const XMLRPC_ALL = `<?xml version="1.0"?><methodCall><methodName>supervisor.getAllProcessInfo</methodName><params></params></methodCall>`;

/** One XML-RPC getAllProcessInfo over TCP on a new connection (as item 4's clients did). */
export async function xmlrpcAllOverTcp(port: number, user: string, password: string): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${port}/RPC2`, {
    method: "POST",
    headers: { "content-type": "text/xml", authorization: `Basic ${btoa(`${user}:${password}`)}`, connection: "close" },
    body: XMLRPC_ALL,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return res.ok && text.includes("<methodResponse>");
}

/** One JSON listing on the unix socket. */
export async function servicesOverSocket(socket: string): Promise<boolean> {
  const res = await fetch("http://localhost/api/services", { unix: socket, signal: AbortSignal.timeout(30_000) });
  await res.arrayBuffer();
  return res.ok;
}

/**
 * A follower of `/api/services/NAME/log/follow` on a raw unix-socket connection. A live one
 * reads everything; a stalled one reads nothing (the kernel buffers fill, the daemon must cap
 * what it holds for it). Bytes received are counted.
 */
export function follower(socket: string, name: string, stalled: boolean): Stoppable & { bytes(): number } {
  let bytes = 0;
  const sock: Socket = connect(socket);
  sock.on("error", () => {});
  sock.write(`GET /api/services/${name}/log/follow?stream=stdout&lines=0 HTTP/1.1\r\nHost: localhost\r\n\r\n`);
  if (stalled) sock.pause();
  else sock.on("data", (c: Buffer) => void (bytes += c.length));
  const closed = new Promise<void>((r) => sock.once("close", () => r()));
  return {
    bytes: () => bytes,
    async stop() {
      sock.destroy();
      await Promise.race([closed, Bun.sleep(2000)]);
    },
  };
}

export { log };
