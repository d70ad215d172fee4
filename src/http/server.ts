// The TCP door ([http] listen): the same route table as the unix socket, behind HTTP Basic
// auth (with per-address slow-down of wrong guesses), a cross-origin check on every request
// that changes something, a body cap, and timeouts that cut slow clients off without cutting
// long answers (a stop that waits for stopwaitsecs) or live streams (events, log follow).
//
// Per request: auth → origin → body read under a deadline → the API → idle deadline again
// (or none for a stream). Bun's own parser cuts a client that has not sent its headers
// within about 10 s.

import type { Server } from "bun";
import { handle, type ApiBackend } from "../api/routes.ts";
import { TendError } from "../core/errors.ts";
import { BasicAuth, unauthorized, type Credentials } from "./auth.ts";
import { crossOriginReason, forbidden } from "./origin.ts";
import { AuthThrottle, type ThrottleOptions } from "./throttle.ts";

/** Request bodies above this are refused with 413 (supervisorctl's XML-RPC calls are tiny). */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface HttpOptions {
  /** Seconds a keep-alive connection may sit idle between requests. */
  readonly idleTimeoutSecs: number;
  /** Seconds a client has to send its whole request body. */
  readonly bodyTimeoutSecs: number;
  readonly maxBodyBytes: number;
  readonly throttle: Partial<ThrottleOptions>;
}

export const DEFAULT_HTTP_OPTIONS: HttpOptions = {
  idleTimeoutSecs: 60,
  bodyTimeoutSecs: 30,
  maxBodyBytes: MAX_BODY_BYTES,
  throttle: {},
};

export interface HttpListener {
  readonly hostname: string;
  readonly port: number;
  /** http://host:port/ as a browser would open it. */
  readonly url: string;
  stop(closeActive: boolean): Promise<void>;
}

/** "host:port" from the config → what Bun.serve takes ([::1] loses its brackets). */
export function splitListen(listen: string): { hostname: string; port: number } {
  const colon = listen.lastIndexOf(":");
  const host = listen.slice(0, colon);
  return { hostname: host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host, port: Number(listen.slice(colon + 1)) };
}

/** The throttle's key: an IPv4 address, or an IPv6 /64 (one host usually holds a whole /64). */
export function clientKey(address: string | undefined): string {
  if (!address) return "?";
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(":")) return address;
  const [head = "", tail = ""] = address.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const full = [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${full.slice(0, 4).map((h) => h.toLowerCase().replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

const tooLarge = (max: number) =>
  new Response(JSON.stringify({ error: { code: "BAD_REQUEST", message: `request body over ${max} bytes` } }), {
    status: 413,
    headers: { "content-type": "application/json", connection: "close" },
  });

/** Read the whole body, refusing more than `max` bytes however it is framed. */
async function readBody(req: Request, max: number): Promise<Uint8Array | "too-large"> {
  if (!req.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req.body) {
    size += chunk.byteLength;
    if (size > max) return "too-large";
    chunks.push(chunk);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

const SECURITY_HEADERS: Record<string, string> = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

/** The fetch handler of the TCP listener (exported for tests that drive it in-process). */
export function tcpFetch(backend: ApiBackend, creds: { username: string; password: string }, options: Partial<HttpOptions> = {}) {
  const o = { ...DEFAULT_HTTP_OPTIONS, ...options };
  const auth = new BasicAuth(creds);
  const throttle = new AuthThrottle(o.throttle);
  const withHeaders = (res: Response) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) if (!res.headers.has(k)) res.headers.set(k, v);
    return res;
  };

  return async (req: Request, server: Server<undefined>): Promise<Response> => {
    // Whatever happens below (a throttled wait, a long stop), only the body read is timed.
    server.timeout(req, 0);
    const idle = (res: Response) => {
      server.timeout(req, o.idleTimeoutSecs);
      return withHeaders(res);
    };

    const key = clientKey(server.requestIP(req)?.address);
    const header = req.headers.get("authorization");
    if (header !== null) {
      const admission = throttle.admit(key);
      if ("refusedForMs" in admission) {
        const res = unauthorized();
        const retry = new Response(res.body, { status: 429, headers: res.headers });
        retry.headers.set("retry-after", String(Math.ceil(admission.refusedForMs / 1000)));
        return idle(retry);
      }
      if (admission.waitMs > 0) await Bun.sleep(admission.waitMs);
    }
    const verdict = auth.check(header);
    if (verdict !== "ok") {
      if (verdict === "bad") throttle.failed(key);
      return idle(unauthorized());
    }
    throttle.succeeded(key);

    const refused = crossOriginReason(req);
    if (refused) return idle(forbidden(refused));

    let forward = req;
    if (req.method !== "GET" && req.method !== "HEAD" && req.body) {
      const declared = Number(req.headers.get("content-length") ?? "0");
      if (declared > o.maxBodyBytes) return idle(tooLarge(o.maxBodyBytes));
      server.timeout(req, o.bodyTimeoutSecs);
      let body: Uint8Array | "too-large";
      try {
        body = await readBody(req, o.maxBodyBytes);
      } catch {
        // The client went away or was cut off mid-body: nobody is left to answer.
        return new Response(null, { status: 400 });
      }
      if (body === "too-large") return idle(tooLarge(o.maxBodyBytes));
      server.timeout(req, 0);
      forward = new Request(req.url, { method: req.method, headers: req.headers, body: body.byteLength ? body : null });
    }

    const res = await handle(backend, forward);
    // Streams (events, log follow) stay open as long as the client reads; they say so with
    // the header proxies read for the same purpose.
    if (res.headers.get("x-accel-buffering") === "no") return withHeaders(res);
    return idle(res);
  };
}

/** Listen on [http] listen; throws FAILED naming the address when it cannot. */
export function startHttp(
  backend: ApiBackend,
  listen: string,
  creds: Credentials | { username: string; password: string },
  options: Partial<HttpOptions> = {},
): HttpListener {
  const o = { ...DEFAULT_HTTP_OPTIONS, ...options };
  const { hostname, port } = splitListen(listen);
  let server: Server<undefined>;
  try {
    server = Bun.serve({
      hostname,
      port,
      idleTimeout: o.idleTimeoutSecs,
      maxRequestBodySize: o.maxBodyBytes,
      fetch: tcpFetch(backend, creds, o),
      error: (e) => new Response(JSON.stringify({ error: { code: "INTERNAL", message: e.message } }), { status: 500 }),
    });
  } catch (e) {
    throw new TendError("FAILED", `cannot listen on http://${listen}/ ([http] listen): ${(e as Error).message}`);
  }
  const shownHost = hostname.includes(":") ? `[${hostname}]` : hostname;
  return {
    hostname,
    port: server.port ?? port,
    url: `http://${shownHost}:${server.port ?? port}/`,
    stop: async (closeActive) => {
      await server.stop(closeActive);
    },
  };
}
