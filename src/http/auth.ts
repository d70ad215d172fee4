// HTTP Basic auth for the TCP listener. The credentials come from [http] username/password
// (plain, or supervisord's "{SHA}" + hex SHA-1 of it), or, when none are set, a password generated at start and kept in a 0600 file beside the
// socket (never in a log). Comparison is constant-time over equal-length digests.

import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { closeSync, constants, fchmodSync, lstatSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { TendError } from "../core/errors.ts";

/** The username when [http] sets none (the password is then generated). */
export const DEFAULT_USERNAME = "admin";

export interface Credentials {
  readonly username: string;
  readonly password: string;
  /** Where a generated password was written, or null when it came from the config. */
  readonly passwordFile: string | null;
}

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

/** Checks an Authorization header against one set of credentials. */
export class BasicAuth {
  private readonly user: Buffer;
  private readonly pass: Buffer;
  /** supervisord's `password = "{SHA}<hex SHA-1>"`: the config holds only a hash. */
  private readonly sha1: boolean;

  constructor(creds: { username: string; password: string }) {
    this.user = digest(creds.username);
    this.sha1 = /^\{SHA\}[0-9a-fA-F]{40}$/.test(creds.password);
    this.pass = digest(this.sha1 ? creds.password.slice(5).toLowerCase() : creds.password);
  }

  /** "ok", "missing" (no or non-Basic header: not an attempt) or "bad" (wrong credentials). */
  check(header: string | null): "ok" | "missing" | "bad" {
    if (header === null) return "missing";
    const m = /^\s*basic\s+([A-Za-z0-9+/=_-]*)\s*$/i.exec(header);
    if (!m) return header.trim() === "" ? "missing" : "bad";
    const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return "bad";
    // Both compared, always: no early exit that would tell a right username from a wrong one.
    const userOk = timingSafeEqual(digest(decoded.slice(0, colon)), this.user);
    const given = decoded.slice(colon + 1);
    const passOk = timingSafeEqual(digest(this.sha1 ? createHash("sha1").update(given, "utf8").digest("hex") : given), this.pass);
    return userOk && passOk ? "ok" : "bad";
  }
}

export const REALM = "tend";

export function unauthorized(): Response {
  return new Response(JSON.stringify({ error: { code: "BAD_REQUEST", message: "authentication required: HTTP Basic, realm \"tend\"" } }), {
    status: 401,
    headers: { "content-type": "application/json", "www-authenticate": `Basic realm="${REALM}", charset="UTF-8"` },
  });
}

/** `<socket dir>/<socket name without .sock>.http-password`, e.g. /run/tend/tend.http-password. */
export function passwordFileFor(socket: string): string {
  return join(dirname(socket), `${basename(socket).replace(/\.sock$/, "")}.http-password`);
}

/**
 * A password file we wrote before is reused (browsers keep working across restarts) when it
 * is still ours alone: a regular file, not a link, owned by us, mode 0600.
 */
function reusable(path: string): string | null {
  try {
    const st = lstatSync(path);
    const uid = process.getuid?.() ?? st.uid;
    if (!st.isFile() || st.uid !== uid || (st.mode & 0o777) !== 0o600 || st.size > 256) return null;
    const pw = readFileSync(path, "utf8").trim();
    return /^[A-Za-z0-9_-]{20,}$/.test(pw) ? pw : null;
  } catch {
    return null;
  }
}

/** Write `content` to `path` as a new 0600 file (created exclusively, then renamed over). */
function writePrivate(path: string, content: string): void {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  // O_EXCL|O_NOFOLLOW: nobody's file or link at the temporary name is ever written through.
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** The credentials the TCP listener checks; generates (or reuses) a password when none is set. */
export function resolveCredentials(http: { username: string | null; password: string | null }, socket: string): Credentials {
  if (http.password !== null) return { username: http.username ?? DEFAULT_USERNAME, password: http.password, passwordFile: null };
  const file = passwordFileFor(socket);
  const kept = reusable(file);
  if (kept) return { username: http.username ?? DEFAULT_USERNAME, password: kept, passwordFile: file };
  const password = randomBytes(24).toString("base64url");
  try {
    writePrivate(file, `${password}\n`);
  } catch (e) {
    throw new TendError(
      "FAILED",
      `cannot write the generated HTTP password to ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (set [http] username and password instead)`,
    );
  }
  return { username: http.username ?? DEFAULT_USERNAME, password, passwordFile: file };
}
