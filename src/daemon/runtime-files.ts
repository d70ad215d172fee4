// The daemon's files on disk: the socket (created 0600 with no window where it is wider,
// stale ones replaced, live ones refused) and the pidfile.

import { chmodSync, chownSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { TendError } from "../core/errors.ts";
import { lookupGroup } from "../sys/groups.ts";
import { lookupUser } from "../sys/users.ts";

export type SocketState = "free" | "stale" | "live";

export async function probeSocket(path: string): Promise<SocketState> {
  if (!existsSync(path)) return "free";
  try {
    const sock = await Bun.connect({ unix: path, socket: { data() {} } });
    sock.end();
    return "live";
  } catch {
    return "stale";
  }
}

/**
 * Make sure nothing else serves `path`, then listen there with mode `mode`. `listen` must bind
 * before it returns (it may resolve later): the umask is in force only for its synchronous part.
 */
export async function listenUnix<T>(path: string, mode: number, owner: string | null, listen: () => T | Promise<T>): Promise<T> {
  const state = await probeSocket(path);
  if (state === "live") {
    throw new TendError("ALREADY_RUNNING", `another tend daemon is already running on ${path} (stop it with \`tend shutdown -s ${path}\`)`);
  }
  if (state === "stale") rmSync(path, { force: true });
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  } catch (e) {
    throw new TendError("FAILED", `cannot create the socket directory ${dirname(path)}: ${(e as NodeJS.ErrnoException).code}`);
  }
  // umask 077 around bind: the socket is born 0600-or-tighter, never briefly world-usable.
  const old = process.umask(0o077);
  let server: T;
  try {
    let pending: T | Promise<T>;
    try {
      pending = listen();
    } finally {
      process.umask(old);
    }
    server = await pending;
  } catch (e) {
    throw new TendError("FAILED", `cannot listen on ${path}: ${(e as Error).message}`);
  }
  chmodSync(path, mode);
  if (owner) {
    const [u, g] = owner.split(":");
    const user = lookupUser(u!);
    if (!user) throw new TendError("FAILED", `socket_owner: unknown user '${u}'`);
    const gid = g ? lookupGroup(g) : user.gid;
    if (gid === null) throw new TendError("FAILED", `socket_owner: unknown group '${g}'`);
    chownSync(path, user.uid, gid);
  }
  return server;
}

export function writePidfile(path: string | null): void {
  if (!path) return;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${process.pid}\n`);
}

export function removeFile(path: string | null): void {
  if (path) rmSync(path, { force: true });
}
