// Starting and talking to the daemon under test, for the soak scenarios: the test suite's own
// harness (a temp dir, its socket, its log dir), plus what soak needs beyond it: a free TCP
// port, a marker for the processes a scenario starts, requests and a shutdown with deadlines.

import { createServer } from "node:net";
import { join } from "node:path";
import { onCleanup } from "../../bench/lib.ts";
import { Daemon, makeTempDir, tendArgv } from "../../test/helpers/daemon-harness.ts";
import { killMarked } from "../../test/helpers/procs.ts";
import { waitFor } from "../../test/helpers/wait-for.ts";

export { Daemon, makeTempDir, tendArgv, waitFor };

export const SOAK_PROGRAMS = join(import.meta.dir, "..", "programs");
export const FIXTURES = join(import.meta.dir, "..", "..", "test", "fixtures", "programs");

/** A port nobody listens on right now (bound to 0 and released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A number unique to this run, for sleep arguments that mark a scenario's processes in /proc. */
export function marker(): string {
  return String(700_000 + Math.floor(Math.random() * 290_000));
}

/** POST on the unix socket; the parsed JSON answer (or the error text) and the status. */
export async function post(d: Daemon, path: string, timeoutMs = 120_000): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://localhost${path}`, { method: "POST", unix: d.socket, signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body };
}

/** Ask the daemon to shut down and wait for its process to end (SIGKILL after `timeoutMs`). */
export async function shutdown(d: Daemon, timeoutMs = 60_000): Promise<{ exitCode: number | null; killed: boolean }> {
  const proc = d.proc;
  if (!proc) return { exitCode: null, killed: false };
  await post(d, "/api/shutdown", 5_000).catch(() => null);
  const done = await Promise.race([proc.exited.then(() => true), Bun.sleep(timeoutMs).then(() => false)]);
  if (!done) {
    proc.kill("SIGKILL");
    await proc.exited;
  }
  d.proc = null;
  return { exitCode: proc.exitCode, killed: !done };
}

/**
 * `tend shutdown` as an operator runs it: its exit code and everything it printed. A client
 * still waiting after `timeoutMs` is killed (code null): a hang is a finding, not a stuck run.
 */
export async function runShutdownCli(d: Daemon, timeoutMs = 120_000): Promise<{ code: number | null; out: string }> {
  const p = Bun.spawn(tendArgv("-s", d.socket, "-c", d.configFile, "shutdown"), {
    cwd: d.dir,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1" },
  });
  const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  clearTimeout(timer);
  return { code: p.signalCode ? null : p.exitCode, out: out + err };
}

/**
 * If the run is interrupted (SIGINT, SIGTERM, SIGHUP), shut `d` down (SIGKILL after 20 s), kill
 * what carries `mark`, run `also` (an unmount) and remove its dir. Returns the unregister
 * function, for the scenario's own `finally` that does the same on the normal path.
 */
export function guard(d: Daemon, mark: string | null, also: () => void = () => {}): () => void {
  return onCleanup(async () => {
    if (d.proc && d.proc.exitCode === null) await shutdown(d, 20_000).catch(() => {});
    if (mark) killMarked(mark);
    also();
    d.cleanup();
  });
}
