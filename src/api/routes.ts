// The whole HTTP surface in one table: method + path pattern → handler. The same fetch
// handler serves the unix socket (and, later, TCP and /RPC2).

import { TendError, isTendError } from "../core/errors.ts";
import type { ActionResult } from "../daemon/control.ts";
import type { DaemonDTO, ErrorDTO, ReloadPlanDTO, ServiceDTO, ShutdownDTO } from "./dto.ts";
import { httpStatusOf } from "./error-map.ts";
import { parseAutostartBody, type AutostartResultDTO } from "../http/autostart.ts";
import { sseResponse } from "../http/events.ts";
import { METRICS_CONTENT_TYPE } from "../http/metrics.ts";
import { pageResponse } from "../web/page.ts";

/** What the API needs from the daemon; daemon/app.ts implements it. */
export interface ApiBackend {
  services(): ServiceDTO[];
  service(name: string): ServiceDTO;
  start(name: string, wait: boolean): Promise<ActionResult[]>;
  stop(name: string, wait: boolean): Promise<ActionResult[]>;
  restart(name: string, wait: boolean): Promise<ActionResult[]>;
  signal(name: string, sig: string): ActionResult[];
  /** A file on a writer thread is read there: then the answer may wait for its disk. */
  readLog(name: string, stream: "stdout" | "stderr", lines: number): string | Promise<string>;
  followLog(name: string, stream: "stdout" | "stderr", lines: number): ReadableStream<Uint8Array>;
  reload(dryRun: boolean): Promise<ReloadPlanDTO>;
  /** Resolves once every program is stopped and the daemon checked that nothing is left. */
  shutdown(): Promise<ShutdownDTO>;
  daemon(): DaemonDTO;
  /** Server-sent events: a snapshot of every process, then each state change (src/http/events.ts). */
  events(): ReadableStream<Uint8Array>;
  /** Prometheus text (src/http/metrics.ts). */
  metrics(): string;
  /** Set autostart in the config file, then reload (src/http/autostart.ts). */
  setAutostart(name: string, enabled: boolean): Promise<AutostartResultDTO>;
}

type Params = Record<string, string>;
type Handler = (b: ApiBackend, p: Params, url: URL, req: Request) => Promise<Response> | Response;

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** A name segment must be a plain name, `GROUP:*`, `group:name` or `all`: never a path. */
const NAME = "([A-Za-z0-9_.\\-]+(?::[A-Za-z0-9_.\\-]*\\*?)?)";

/**
 * Requests that free descriptors or need none beyond their connection: status, stop, signal,
 * shutdown, and /RPC2 (supervisorctl stops and shuts down through it). At the daemon's fd
 * limit these are still served (src/daemon/fd-reserve.ts), so idle clients holding the last
 * descriptors never lock the operator out.
 */
const RELIEF: ReadonlyArray<readonly [string, RegExp]> = [
  ["GET", /^\/api\/(daemon|services)$/],
  ["GET", new RegExp(`^/api/services/${NAME}$`)],
  ["POST", new RegExp(`^/api/services/${NAME}/(stop|signal/[A-Za-z0-9]+)$`)],
  ["POST", /^\/api\/shutdown$/],
  ["POST", /^\/RPC2\/?$/],
];

export function relievesShortage(method: string, rawPath: string): boolean {
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return false;
  }
  return RELIEF.some(([m, re]) => m === method && re.test(path));
}

const flag = (url: URL, key: string, dflt: boolean) => {
  const v = url.searchParams.get(key);
  return v === null ? dflt : !["0", "false", "no"].includes(v.toLowerCase());
};

const TEXT = { "content-type": "text/plain; charset=utf-8" };

function logParams(u: URL, defaultLines: number): { stream: "stdout" | "stderr"; lines: number } {
  const stream = u.searchParams.get("stream") ?? "stdout";
  if (stream !== "stdout" && stream !== "stderr") throw new TendError("BAD_REQUEST", `stream must be stdout or stderr, got "${stream}"`);
  const raw = u.searchParams.get("lines");
  const lines = raw === null ? defaultLines : raw.trim() === "" ? NaN : Number(raw);
  if (!Number.isInteger(lines) || lines < 0 || lines > 1_000_000) throw new TendError("BAD_REQUEST", `lines must be an integer 0..1000000, got "${raw}"`);
  return { stream, lines };
}

const actionStatus = (rs: ActionResult[]) => (rs.every((r) => r.ok || r.code === "ALREADY_STARTED" || r.code === "NOT_RUNNING") ? 200 : 207);

const ROUTES: Array<[method: string, pattern: RegExp, handler: Handler]> = [
  ["GET", /^\/api\/services$/, (b) => json(b.services())],
  ["GET", new RegExp(`^/api/services/${NAME}$`), (b, p) => json(b.service(p[1]!))],
  ["POST", new RegExp(`^/api/services/${NAME}/start$`), async (b, p, u) => {
    const rs = await b.start(p[1]!, flag(u, "wait", true));
    return json(rs, actionStatus(rs));
  }],
  ["POST", new RegExp(`^/api/services/${NAME}/stop$`), async (b, p, u) => {
    const rs = await b.stop(p[1]!, flag(u, "wait", true));
    return json(rs, actionStatus(rs));
  }],
  ["POST", new RegExp(`^/api/services/${NAME}/restart$`), async (b, p, u) => {
    const rs = await b.restart(p[1]!, flag(u, "wait", true));
    return json(rs, actionStatus(rs));
  }],
  ["POST", new RegExp(`^/api/services/${NAME}/signal/([A-Za-z0-9]+)$`), (b, p) => {
    const rs = b.signal(p[1]!, p[2]!);
    return json(rs, actionStatus(rs));
  }],
  ["GET", new RegExp(`^/api/services/${NAME}/log$`), async (b, p, u) => {
    const { stream, lines } = logParams(u, 100);
    return new Response(await b.readLog(p[1]!, stream, lines), { headers: TEXT });
  }],
  ["GET", new RegExp(`^/api/services/${NAME}/log/follow$`), (b, p, u) => {
    const { stream, lines } = logParams(u, 10);
    // X-Accel-Buffering: proxies in front of the TCP listener must not hold lines back.
    return new Response(b.followLog(p[1]!, stream, lines), { headers: { ...TEXT, "x-accel-buffering": "no", "cache-control": "no-cache" } });
  }],
  ["POST", /^\/api\/reload$/, async (b, _p, u) => json(await b.reload(flag(u, "dry_run", false)))],
  ["POST", /^\/api\/shutdown$/, async (b, _p, u) => {
    // After this answer is on its way: the shutdown may finish within the same tick.
    const done = new Promise<ShutdownDTO>((r) => setTimeout(() => r(b.shutdown()), 0));
    if (!flag(u, "wait", false)) return json({ ok: true, message: "shutting down" }, 202);
    // wait=1: answer once every process is gone, or name the ones that are not.
    const r = await done;
    if (!r.ok) throw new TendError("STILL_RUNNING", `shutdown left ${r.survivors.length} process(es) running: ${r.survivors.join(", ")}`, r);
    return json(r);
  }],
  ["GET", /^\/api\/daemon$/, (b) => json(b.daemon())],
  // The browser's doors (src/http/, src/web/): live state, metrics, the autostart switch, the page.
  ["GET", /^\/api\/events$/, (b) => sseResponse(b.events())],
  ["GET", /^\/metrics$/, (b) => new Response(b.metrics(), { headers: { "content-type": METRICS_CONTENT_TYPE } })],
  ["POST", new RegExp(`^/api/services/${NAME}/settings/autostart$`), async (b, p, _u, req) => json(await b.setAutostart(p[1]!, parseAutostartBody(await req.text())))],
  ["GET", /^\/$/, () => pageResponse()],
  // supervisord's doors (src/xmlrpc/, loaded on first use): XML-RPC on any path under /RPC2
  // (a GET is its 400), and the tail -f streams supervisorctl reads.
  ["POST", /^\/RPC2/, async (b, _p, _u, req) => (await import("../xmlrpc/handler.ts")).handleRpc(b, req)],
  ["GET", /^\/RPC2/, async (b, _p, _u, req) => (await import("../xmlrpc/handler.ts")).handleRpc(b, req)],
  ["GET", /^\/logtail\/(.+)$/, async (b, p, _u, req) => (await import("../xmlrpc/logtail.ts")).handleLogtail(b, req, p[1]!)],
  ["GET", /^\/mainlogtail$/, async (b, _p, _u, req) => (await import("../xmlrpc/logtail.ts")).handleMainLogtail(b, req)],
];

export function errorResponse(e: unknown): Response {
  const err = isTendError(e) ? e : new TendError("INTERNAL", `internal error: ${(e as Error)?.message ?? String(e)}`);
  const body: ErrorDTO = { error: { code: err.code, message: err.message, details: err.details } };
  return json(body, httpStatusOf(err.code));
}

export async function handle(backend: ApiBackend, req: Request): Promise<Response> {
  try {
    // A request with an empty Host header (supervisorctl's tail -f over a unix socket) has a
    // relative req.url: resolve it against localhost rather than fail.
    const url = new URL(req.url, "http://localhost");
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      throw new TendError("BAD_REQUEST", "malformed percent-encoding in the path");
    }
    let pathMatched = false;
    for (const [method, pattern, handler] of ROUTES) {
      const m = pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (method !== req.method) continue;
      return await handler(backend, m as unknown as Params, url, req);
    }
    if (pathMatched) return json({ error: { code: "BAD_REQUEST", message: `method ${req.method} not allowed on ${url.pathname}` } }, 405);
    return json({ error: { code: "BAD_REQUEST", message: `no route ${req.method} ${url.pathname}` } }, 404);
  } catch (e) {
    return errorResponse(e);
  }
}
