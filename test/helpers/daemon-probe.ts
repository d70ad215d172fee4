// Probes of a running daemon from outside, for regression tests and the soak suite: its memory
// (RSS) and open file descriptors read from /proc, whether its unix socket answers and how
// fast, and a bounded load of XML-RPC clients on its TCP listener (each call on a new
// connection, as supervisorctl makes them). Nothing here sleeps a fixed time or judges speed:
// callers assert properties (bounded RSS, the socket answered) with their own margins.

import { readdirSync, readFileSync } from "node:fs";
import type { Socket } from "bun";

/** The resident set of `pid` in KiB (VmRSS in /proc/PID/status). */
export function rssKb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

/** How many file descriptors `pid` has open (entries of /proc/PID/fd). */
export function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Samples rssKb(pid) every `everyMs` until stop(); stop() gives the highest seen. */
export function rssPeak(pid: number, everyMs = 50): { stop(): number; peakKb(): number } {
  let peak = rssKb(pid);
  const sample = () => {
    try {
      peak = Math.max(peak, rssKb(pid));
    } catch {
      /* the process is gone: keep what was seen */
    }
  };
  const timer = setInterval(sample, everyMs);
  return {
    peakKb: () => peak,
    stop: () => {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

/**
 * One GET of `path` on the daemon's unix socket: how long the whole answer took (ms), or null
 * when it did not come within `deadlineMs` (the request is then abandoned).
 */
export async function socketAnswerMs(socket: string, path = "/api/daemon", deadlineMs = 10_000): Promise<number | null> {
  const started = performance.now();
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), deadlineMs);
  try {
    const res = await fetch(`http://localhost${path}`, { unix: socket, signal: ac.signal });
    await res.arrayBuffer();
    return res.ok ? performance.now() - started : null;
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

export interface XmlRpcLoadOptions {
  /** The daemon's TCP listener. */
  readonly port: number;
  readonly hostname?: string;
  /** "Basic …" header value, or null to send none. */
  readonly authorization: string | null;
  /** Clients running at once; each makes one call per connection, then the next. */
  readonly clients: number;
  /** Stop starting calls after this many in all… */
  readonly calls?: number;
  /** …or after this long (ms); whichever comes first. At least one of the two. */
  readonly durationMs?: number;
  /** The method called (no params); default supervisor.getAllProcessInfo. */
  readonly method?: string;
  /** A call whose answer has not fully arrived this long after it was sent is abandoned. */
  readonly callDeadlineMs?: number;
}

export interface XmlRpcLoadResult {
  readonly calls: number;
  /** Calls answered 200 with a methodResponse. */
  readonly ok: number;
  /** Calls that failed: refused, cut, abandoned at the deadline, or a non-200 answer. */
  readonly failed: number;
  /** Answer status codes seen (0: no HTTP answer at all). */
  readonly statuses: Record<number, number>;
  /** Bytes received in all. */
  readonly bytes: number;
  /** How long each answered call took, connect to last byte (ms), in the order they ended. */
  readonly answeredMs: number[];
}

/** One request on a new connection; resolves with its status (0: no answer), size, and whether it holds `okWhen`. */
function oneCall(
  to: { unix: string } | { hostname: string; port: number },
  request: Uint8Array,
  okWhen: string,
  deadlineMs: number,
): Promise<{ status: number; bytes: number; body: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    let sock: Socket<undefined> | undefined;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock?.end();
      const text = Buffer.concat(chunks).toString("latin1");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, bytes: size, body: text.includes(okWhen) });
    };
    const timer = setTimeout(finish, deadlineMs);
    const socket = {
      open(s: Socket<undefined>) {
        sock = s;
        s.write(request);
      },
      data(_s: Socket<undefined>, chunk: Uint8Array) {
        chunks.push(Buffer.from(chunk));
        size += chunk.byteLength;
      },
      close: finish,
      error: finish,
      connectError: finish,
    };
    const connecting = "unix" in to ? Bun.connect({ unix: to.unix, socket }) : Bun.connect({ hostname: to.hostname, port: to.port, socket });
    connecting.catch(finish);
  });
}

export interface HttpLoadOptions extends Omit<XmlRpcLoadOptions, "method"> {
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly body?: string;
  /** What a good answer's body contains (200 and this: ok). */
  readonly okWhen: string;
  /** Talk to a unix socket instead of TCP (port is then ignored). */
  readonly unix?: string;
}

/**
 * Runs `clients` HTTP clients, each making one request per new connection (Connection: close)
 * again and again, until `calls` were started or `durationMs` passed. Bounded: every call has
 * a deadline, so this always ends.
 */
export async function httpLoad(o: HttpLoadOptions): Promise<XmlRpcLoadResult> {
  if (o.calls === undefined && o.durationMs === undefined) throw new Error("httpLoad: give calls or durationMs");
  const host = o.hostname ?? "127.0.0.1";
  const body = o.body ?? "";
  const head =
    `${o.method} ${o.path} HTTP/1.1\r\nHost: ${host}:${o.port}\r\n` +
    (o.method === "POST" ? `Content-Type: text/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` : "") +
    `${o.authorization ? `Authorization: ${o.authorization}\r\n` : ""}Connection: close\r\n\r\n`;
  const request = new TextEncoder().encode(head + body);
  const until = o.durationMs === undefined ? Infinity : Date.now() + o.durationMs;
  const budget = o.calls ?? Infinity;
  const to = o.unix ? { unix: o.unix } : { hostname: host, port: o.port };
  let started = 0;
  let ok = 0;
  let failed = 0;
  let bytes = 0;
  const statuses: Record<number, number> = {};
  const answeredMs: number[] = [];
  const client = async () => {
    while (started < budget && Date.now() < until) {
      started++;
      const t0 = performance.now();
      const r = await oneCall(to, request, o.okWhen, o.callDeadlineMs ?? 30_000);
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      bytes += r.bytes;
      if (r.status === 200 && r.body) (ok++, answeredMs.push(performance.now() - t0));
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: o.clients }, client));
  return { calls: started, ok, failed, statuses, bytes, answeredMs };
}

/**
 * Runs `clients` XML-RPC clients against the TCP listener, each calling `method` (default
 * supervisor.getAllProcessInfo) on a new connection again and again, as supervisorctl does.
 */
export function xmlRpcLoad(o: XmlRpcLoadOptions): Promise<XmlRpcLoadResult> {
  const method = o.method ?? "supervisor.getAllProcessInfo";
  const body = `<?xml version="1.0"?>\n<methodCall><methodName>${method}</methodName><params></params></methodCall>\n`;
  return httpLoad({ ...o, method: "POST", path: "/RPC2", body, okWhen: "</methodResponse>" });
}

/** The value of an Authorization header for HTTP Basic. */
export const basicAuth = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
