// Serves tend's fetch-style handler (Request → Response, src/api/routes.ts) with node:http.
//
// Why not Bun.serve: supervisorctl's HTTP client (supervisor/http_client.py) sends one CRLF
// more after its GET's blank line. Bun.serve (Bun 1.4.5, uWebSockets) parses that empty line as
// a second, malformed request and writes "HTTP/1.1 400 Bad Request" into the middle of the
// streamed answer, so `supervisorctl tail -f` / `maintail -f` stop after the banner (the fix,
// oven-sh/bun#33634, is not in 1.4.5). RFC 9112 §2.2: a server SHOULD ignore at least one
// empty line before a request-line; Bun's node:http server does (same binary, measured).
//
// What Bun.serve did for us and this file now does:
// - the body cap: a declared or counted body over maxBodyBytes is answered 413 and the
//   connection closed (the handler's own answer, if any, is dropped);
// - the body deadline: once the handler reads the body, all of it must arrive within
//   bodyTimeoutSecs or the connection is cut (0: no deadline);
// - streaming with backpressure: each chunk is written as the handler's stream yields it, the
//   next is pulled only once the socket drained; a client that goes away cancels the stream;
//   a client that takes none of the bytes waiting for it for idleTimeoutSecs is cut (a stream
//   that is merely quiet is never cut);
// - an answer that is complete at once goes out with Content-Length, not chunked;
// - idle keep-alive connections close after idleTimeoutSecs (0: never);
// - on TCP, requests start a few per event-loop turn (turns.ts): Bun's accept loop would
//   otherwise serve a stream of new connections without ever yielding.
// Bun's node:http still cuts a client that has not sent its headers within about 10 s, and
// answers unparseable requests with 400/431 itself.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { TurnQueue } from "./turns.ts";

/** What a handler may know about the connection. */
export interface Peer {
  /** The client's IP address (TCP); undefined on a unix socket. */
  readonly address: string | undefined;
}

export type FetchHandler = (req: Request, peer: Peer) => Promise<Response> | Response;

export interface NodeServeOptions {
  readonly fetch: FetchHandler;
  readonly maxBodyBytes: number;
  /** Seconds a client has to send its whole body once the handler reads it; 0 = no limit. */
  readonly bodyTimeoutSecs: number;
  /** Seconds a keep-alive connection may sit idle, or a client leave an answer unread; 0 = no limit. */
  readonly idleTimeoutSecs: number;
  /**
   * Asked for each request (the daemon's descriptors may be running out): a refusal turns it
   * away with a 503 saying why; "close" serves it but closes its connection after the answer
   * (an idle keep-alive connection would go on holding a descriptor); null serves it as usual.
   */
  readonly admit?: (method: string, path: string) => Admission | null;
  /**
   * Start at most `perTurn` requests per event-loop turn, `maxWaiting` queued at most (more get
   * 503): for the TCP listener, whose load must never hold the event loop (turns.ts says why).
   * Unset: each request starts as it arrives (the unix socket).
   */
  readonly turns?: { readonly perTurn: number; readonly maxWaiting: number };
  /** Told of every request as it arrives (the daemon's after-burst collection, after-burst.ts). */
  readonly onRequest?: () => void;
}

export type Admission = { readonly refuse: string } | "close";

export type ListenOn = { readonly unix: string } | { readonly hostname: string; readonly port: number };

export interface NodeListener {
  /** The bound TCP port (0 for a unix socket). */
  readonly port: number;
  /** Stop accepting; closeActive also cuts open connections (streams). */
  stop(closeActive: boolean): Promise<void>;
}

const json = (status: number, body: unknown, extra: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...extra } });

const tooLarge = (max: number) => json(413, { error: { code: "BAD_REQUEST", message: `request body over ${max} bytes` } }, { connection: "close" });

/**
 * Listen, binding synchronously (Bun's node:http binds inside listen(): listenUnix relies on it
 * to create the socket under its umask), and resolve once listening; reject with the bind error.
 */
export function serveNode(on: ListenOn, opts: NodeServeOptions): Promise<NodeListener> {
  const serve = (req: IncomingMessage, res: ServerResponse) => void respond(req, res, opts).catch(() => res.destroy());
  const turns = opts.turns ? new TurnQueue(opts.turns.perTurn, opts.turns.maxWaiting) : null;
  // Node's request/headers-timeout sweep runs every 30 s and wakes an idle daemon for it; the
  // bodies that need a deadline get their own (bodyTimeoutSecs), and Bun cuts a client that
  // sends no headers (≈ 10 s) and idle keep-alive connections (keepAliveTimeout) by itself.
  const server = createServer({ connectionsCheckingInterval: 2 ** 31 - 1 }, (req, res) => {
    opts.onRequest?.();
    const admission = opts.admit?.(req.method ?? "GET", (req.url ?? "/").split("?")[0]!) ?? null;
    if (admission === "close") res.setHeader("connection", "close");
    else if (admission !== null) return turnAway(res, admission.refuse);
    if (!turns) return serve(req, res);
    // A client that left while its request waited is not served.
    const queued = turns.push(() => {
      if (!res.destroyed) serve(req, res);
    });
    if (!queued) turnAway(res, `busy: ${opts.turns!.maxWaiting} requests are waiting on this listener; try again`, { "retry-after": "1" });
  });
  server.keepAliveTimeout = opts.idleTimeoutSecs * 1000;

  if ("unix" in on) server.listen(on.unix);
  else server.listen(on.port, on.hostname);
  return new Promise<NodeListener>((resolve, reject) => {
    const listening = () => {
      server.off("error", reject);
      server.on("error", () => {}); // after listen, errors belong to connections
      const addr = server.address();
      resolve({ port: typeof addr === "object" && addr ? (addr as AddressInfo).port : 0, stop: (all) => stop(server, all) });
    };
    if (server.listening) listening();
    else {
      server.once("listening", listening);
      server.once("error", reject);
    }
  });
}

/** Answer 503 with `why` and close the connection; the request is not handled. */
function turnAway(res: ServerResponse, why: string, extra: Record<string, string> = {}): void {
  const body = JSON.stringify({ error: { code: "FAILED", message: why } });
  res.writeHead(503, { "content-type": "application/json", "content-length": Buffer.byteLength(body), connection: "close", ...extra });
  res.end(body);
}

function stop(server: Server, closeActive: boolean): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    if (closeActive) server.closeAllConnections();
  });
}

/** The request as a fetch Request; its body (if any) is read lazily, under the cap and deadline. */
function toRequest(req: IncomingMessage, res: ServerResponse, opts: NodeServeOptions): Request {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      headers.append(raw[i]!, raw[i + 1]!);
    } catch {
      /* a header value fetch refuses: leave it out */
    }
  }
  // The path as sent: "//x" stays a path (new URL("//x", base) would make x the host).
  const target = req.url ?? "/";
  const url = target.startsWith("/") ? `http://localhost${target}` : URL.canParse(target) ? target : `http://localhost/${target}`;
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD" && (req.headers["content-length"] !== undefined || req.headers["transfer-encoding"] !== undefined);
  return new Request(url, { method, headers, body: hasBody ? bodyStream(req, res, opts) : null });
}

function bodyStream(req: IncomingMessage, res: ServerResponse, opts: NodeServeOptions): ReadableStream<Uint8Array> {
  let size = 0;
  let started = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      // Called on the handler's first read (highWaterMark 0): an unread body is never read and
      // has no deadline.
      pull(controller) {
        if (started) return;
        started = true;
        if (req.readableEnded) return controller.close();
        if (opts.bodyTimeoutSecs > 0) timer = setTimeout(() => req.socket.destroy(), opts.bodyTimeoutSecs * 1000);
        req.on("data", (chunk: Buffer) => {
          size += chunk.byteLength;
          if (size > opts.maxBodyBytes) {
            clearTimeout(timer);
            req.removeAllListeners("data");
            controller.error(new Error("request body too large"));
            void send(req, res, tooLarge(opts.maxBodyBytes), opts);
            return;
          }
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        });
        req.once("end", () => {
          clearTimeout(timer);
          try {
            controller.close();
          } catch {
            /* errored already */
          }
        });
        req.once("close", () => {
          clearTimeout(timer);
          try {
            if (!req.complete) controller.error(new Error("the client went away mid-body"));
          } catch {
            /* closed already */
          }
        });
      },
      cancel() {
        clearTimeout(timer);
        req.removeAllListeners("data");
      },
    },
    { highWaterMark: 0 },
  );
}

async function respond(req: IncomingMessage, res: ServerResponse, opts: NodeServeOptions): Promise<void> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > opts.maxBodyBytes) return send(req, res, tooLarge(opts.maxBodyBytes), opts);
  let request: Request;
  try {
    request = toRequest(req, res, opts);
  } catch {
    return send(req, res, json(400, { error: { code: "BAD_REQUEST", message: "a request fetch cannot represent" } }), opts);
  }
  let response: Response;
  try {
    response = await opts.fetch(request, { address: req.socket.remoteAddress });
  } catch (e) {
    response = json(500, { error: { code: "INTERNAL", message: (e as Error)?.message ?? String(e) } });
  }
  return send(req, res, response, opts);
}

const answered = new WeakSet<ServerResponse>();
const TICK = Symbol("tick");
/** p if it settles before the event loop's next turn, else TICK. */
const now = <T>(p: Promise<T>) => Promise.race([p, new Promise<typeof TICK>((r) => setImmediate(() => r(TICK)))]);

/** Write `response` to `res`: whole with Content-Length when its body is all there, else streamed. */
async function send(req: IncomingMessage, res: ServerResponse, response: Response, opts: NodeServeOptions): Promise<void> {
  // First answer wins (a 413 sent while the handler read the body; the handler's comes later).
  if (answered.has(res) || res.destroyed) {
    await response.body?.cancel().catch(() => {});
    return;
  }
  answered.add(res);
  res.statusCode = response.status;
  for (const [k, v] of response.headers) if (k !== "set-cookie") res.setHeader(k, v);
  const cookies = response.headers.getSetCookie();
  if (cookies.length) res.setHeader("set-cookie", cookies);
  // A body the handler left unread (refused before reading it): don't wait for the rest of it.
  if (req.method !== "GET" && req.method !== "HEAD" && !req.complete) res.setHeader("connection", "close");
  const idleMs = opts.idleTimeoutSecs * 1000;

  const body = response.body;
  if (!body || req.method === "HEAD") {
    await body?.cancel().catch(() => {});
    return finish(res, undefined, idleMs);
  }
  const reader = body.getReader();
  const cancel = () => void reader.cancel().catch(() => {});
  // The client going away cancels the reader, which ends a pending read with done. One
  // listener for the whole answer: racing each read against a "gone" promise instead would
  // leave one reaction per chunk on that promise, each holding its chunk until the connection
  // closed (a follower of a fast writer grew the daemon by every byte it was sent).
  res.once("close", cancel);
  try {
    // What the body holds right away: all of it (a string, JSON) → one write with Content-Length.
    const ready: Uint8Array[] = [];
    let next = reader.read();
    for (;;) {
      const r = await now(next);
      if (r === TICK) break;
      if (r.done) return finish(res, ready.length === 1 ? ready[0] : Buffer.concat(ready), idleMs);
      ready.push(r.value);
      next = reader.read();
    }
    // A stream: headers now, then every chunk as it comes.
    res.flushHeaders();
    for (const chunk of ready) if (!res.write(chunk) && !(await drained(res, idleMs))) return cancel();
    for (;;) {
      const r = await next;
      if (res.destroyed) return cancel(); // the client went away
      if (r.done) return finish(res, undefined, idleMs);
      if (!res.write(r.value) && !(await drained(res, idleMs))) return cancel();
      next = reader.read();
    }
  } catch {
    // The handler's stream failed: cut the answer short rather than end it as if complete.
    cancel();
    res.destroy();
  } finally {
    res.off("close", cancel);
  }
}

/** True once `res` drained; false if the client went away or took nothing for idleMs (then cut). */
function drained(res: ServerResponse, idleMs: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      res.off("drain", onDrain);
      res.off("close", onClose);
      if (!ok) res.destroy();
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    const timer = idleMs > 0 ? setTimeout(() => done(false), idleMs) : undefined;
    res.on("drain", onDrain);
    res.on("close", onClose);
  });
}

/** End the answer; a client that does not take its last bytes within idleMs is cut. */
function finish(res: ServerResponse, last: Uint8Array | undefined, idleMs: number): void {
  res.end(last);
  if (idleMs > 0 && !res.writableFinished) {
    const timer = setTimeout(() => res.destroy(), idleMs);
    const clear = () => clearTimeout(timer);
    res.once("finish", clear);
    res.once("close", clear);
  }
}
