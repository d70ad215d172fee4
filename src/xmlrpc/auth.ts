// HTTP Basic auth as supervisord's servers check it: active only when both a username and a
// password are configured; the password is plaintext or "{SHA}" + hex SHA-1 of it. A failure
// is 401 with `WWW-Authenticate: Basic realm="default"`. The unix socket is guarded by its file
// mode and needs none; the TCP listener passes its [http] credentials here.

import { createHash, timingSafeEqual } from "node:crypto";

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function passwordMatches(given: string, configured: string): boolean {
  if (configured.startsWith("{SHA}")) {
    const digest = createHash("sha1").update(given).digest("hex");
    return same(digest, configured.slice(5).toLowerCase());
  }
  return same(given, configured);
}

/** null when the request may proceed, else the 401 to send. */
export function checkBasicAuth(req: Request, creds: Credentials | null | undefined): Response | null {
  if (!creds) return null;
  const header = req.headers.get("authorization") ?? "";
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (m) {
    const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon >= 0 && same(decoded.slice(0, colon), creds.username) && passwordMatches(decoded.slice(colon + 1), creds.password)) return null;
  }
  return new Response("Unauthorized\n", {
    status: 401,
    headers: { "www-authenticate": 'Basic realm="default"', "content-type": "text/plain" },
  });
}
