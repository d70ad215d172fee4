// The TCP door ([http] listen): the same route table as the unix socket, behind HTTP Basic
// auth (with per-address slow-down of wrong guesses), a cross-origin check on every request
// that changes something, a body cap, and timeouts that cut slow clients off without cutting
// long answers (a stop that waits for stopwaitsecs) or live streams (events, log follow).
//
// Per request: auth → origin → body read → the API. The listener (node-adapter.ts, node:http
// rather than Bun.serve so that supervisorctl's tail -f works) holds the body to the cap and
// the body deadline, cuts a client that leaves an answer unread for the idle timeout (a quiet
// stream is not cut), and closes keep-alive connections idle that long. Bun's own parser cuts
// a client that has not sent its headers within about 10 s.

import { handle, type ApiBackend } from "../api/routes.ts";
import { TendError } from "../core/errors.ts";
import { BasicAuth, unauthorized, type Credentials } from "./auth.ts";
import { crossOriginReason, forbidden } from "./origin.ts";
import { serveNode, type NodeListener, type Peer } from "./node-adapter.ts";
import { admitAtLimit } from "../daemon/fd-reserve.ts";
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
  /** Requests started per event-loop turn, whatever the load (turns.ts). */
  readonly requestsPerTurn: number;
  /** Requests that may wait to start; more are answered 503 at once. */
  readonly maxWaitingRequests: number;
  /** Told of every request as it arrives. */
  readonly onRequest?: () => void;
}

export const DEFAULT_HTTP_OPTIONS: HttpOptions = {
  idleTimeoutSecs: 60,
  bodyTimeoutSecs: 30,
  maxBodyBytes: MAX_BODY_BYTES,
  throttle: {},
  requestsPerTurn: 16,
  maxWaitingRequests: 1024,
};

export interface HttpListener {
  readonly hostname: string;
  readonly port: number;
  /** http://host:port/ as a browser would open it. */
  readonly url: string;
  stop(closeActive: boolean): Promise<void>;
}

/** "host:port" from the config → what listen() takes ([::1] loses its brackets). */
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

  return async (req: Request, peer: Peer): Promise<Response> => {
    // Checked first, always: a right password is answered at once, however many wrong guesses
    // its address made; only wrong ones are held or refused (throttle.ts says why).
    const verdict = auth.check(req.headers.get("authorization"));
    if (verdict === "bad") {
      const held = throttle.failed(clientKey(peer.address));
      if ("refusedForMs" in held) {
        const res = unauthorized();
        const retry = new Response(res.body, { status: 429, headers: res.headers });
        retry.headers.set("retry-after", String(Math.ceil(held.refusedForMs / 1000)));
        return withHeaders(retry);
      }
      if (held.waitMs > 0) await Bun.sleep(held.waitMs);
    }
    if (verdict !== "ok") return withHeaders(unauthorized());
    throttle.succeeded(clientKey(peer.address));

    const refused = crossOriginReason(req);
    if (refused) return withHeaders(forbidden(refused));

    // The whole body before the API sees the request (the listener holds it to maxBodyBytes
    // and bodyTimeoutSecs).
    let forward = req;
    if (req.method !== "GET" && req.method !== "HEAD" && req.body) {
      let body: ArrayBuffer;
      try {
        body = await req.arrayBuffer();
      } catch {
        // Over the cap (the listener has answered 413), cut off, or gone: nobody to answer.
        return new Response(null, { status: 400 });
      }
      forward = new Request(req.url, { method: req.method, headers: req.headers, body: body.byteLength ? body : null });
    }
    return withHeaders(await handle(backend, forward));
  };
}

/** Listen on [http] listen; rejects with FAILED naming the address when it cannot. */
export async function startHttp(
  backend: ApiBackend,
  listen: string,
  creds: Credentials | { username: string; password: string },
  options: Partial<HttpOptions> = {},
): Promise<HttpListener> {
  const o = { ...DEFAULT_HTTP_OPTIONS, ...options };
  const { hostname, port } = splitListen(listen);
  let server: NodeListener;
  try {
    server = await serveNode(
      { hostname, port },
      {
        fetch: tcpFetch(backend, creds, o),
        maxBodyBytes: o.maxBodyBytes,
        bodyTimeoutSecs: o.bodyTimeoutSecs,
        idleTimeoutSecs: o.idleTimeoutSecs,
        admit: admitAtLimit,
        turns: { perTurn: o.requestsPerTurn, maxWaiting: o.maxWaitingRequests },
        onRequest: o.onRequest,
      },
    );
  } catch (e) {
    throw new TendError("FAILED", `cannot listen on http://${listen}/ ([http] listen): ${(e as Error).message}`);
  }
  const shownHost = hostname.includes(":") ? `[${hostname}]` : hostname;
  return {
    hostname,
    port: server.port,
    url: `http://${shownHost}:${server.port}/`,
    stop: (closeActive) => server.stop(closeActive),
  };
}
