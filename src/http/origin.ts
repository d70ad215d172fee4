// CSRF protection for the browser page: a browser that has the Basic credentials cached sends
// them with any request to this host, including a form posted by another site. Browsers name
// the page that made a request in Origin (always for POST) and Sec-Fetch-Site, which pages
// cannot forge; a state-changing request from another origin is refused. Clients that are
// not browsers (curl, supervisorctl, the CLI) send neither header and are not affected.

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

const defaultPort = (scheme: string) => (scheme === "https:" ? "443" : "80");

/** "host:port" with the port made explicit, or null when it does not parse. */
function hostPort(value: string, scheme: string): string | null {
  try {
    const u = new URL(`${scheme}//${value}`);
    if (u.username || u.password || u.pathname !== "/" || u.search || u.hash) return null;
    return `${u.hostname.toLowerCase()}:${u.port || defaultPort(scheme)}`;
  } catch {
    return null;
  }
}

/** Why the request is refused as cross-origin, or null when it may go on. */
export function crossOriginReason(req: Request): string | null {
  if (SAFE.has(req.method)) return null;
  const site = req.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") return `a ${site} request may not change anything`;
  const origin = req.headers.get("origin");
  if (origin === null) return null;
  let o: URL;
  try {
    o = new URL(origin);
  } catch {
    return `Origin ${JSON.stringify(origin)} is not this server`;
  }
  if (origin === "null" || (o.protocol !== "http:" && o.protocol !== "https:")) return `Origin ${JSON.stringify(origin)} is not this server`;
  const originHost = `${o.hostname.toLowerCase()}:${o.port || defaultPort(o.protocol)}`;
  // Behind a reverse proxy the browser's host arrives as X-Forwarded-Host. A page cannot set
  // that header on a cross-origin request without a CORS preflight, which this server refuses.
  const hosts = [req.headers.get("host"), ...(req.headers.get("x-forwarded-host")?.split(",") ?? [])]
    .filter((h): h is string => h !== null && h.trim() !== "")
    .map((h) => hostPort(h.trim(), o.protocol));
  if (hosts.includes(originHost)) return null;
  return `Origin ${origin} does not match the host this page was served from`;
}

export function forbidden(reason: string): Response {
  return new Response(JSON.stringify({ error: { code: "BAD_REQUEST", message: `refused: ${reason}` } }), {
    status: 403,
    headers: { "content-type": "application/json" },
  });
}
