// `tend daemon --detach`: start the daemon in the background (its own session, output to
// its log), and return once its socket answers, or report why it did not come up.

import { closeSync, mkdirSync, openSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Client } from "../client/client.ts";
import { TendError } from "../core/errors.ts";
import { loadAnyConfig } from "../import/load.ts";
import { selfArgv } from "../sys/self.ts";

export async function detach(configFile: string, socket: string | undefined): Promise<number> {
  const cfg = loadAnyConfig(configFile); // fail here, in the foreground, on a bad config (TOML or supervisord.conf)
  const sock = socket ?? cfg.daemon.socket;
  const args = [...selfArgv(), "daemon", "-c", configFile, ...(socket ? ["-s", socket] : [])];
  // The daemon outlives this command, so its stderr must not be a pipe to us (a write after we
  // exit would fail): it goes to a file in the log dir, read back here if start-up fails.
  const errPath = join(cfg.daemon.logDir, "tend.detached.err");
  let errFd: number;
  try {
    mkdirSync(cfg.daemon.logDir, { recursive: true });
    errFd = openSync(errPath, "a");
  } catch (e) {
    // A daemon in the background with nowhere to write would run blind: refuse, and say why.
    throw new TendError(
      "FAILED",
      `cannot start the daemon in the background: [daemon] log_dir ${cfg.daemon.logDir} is not writable (${describeFsError(e)}), and a detached daemon writes its output there; fix log_dir, or run \`tend daemon\` in the foreground`,
    );
  }
  const startAt = statSync(errPath).size;
  const child = Bun.spawn(args, { stdin: "ignore", stdout: "ignore", stderr: errFd, detached: true, env: { ...process.env, TEND_DETACHED: "1" } });
  closeSync(errFd);
  const client = new Client(sock);
  const deadline = performance.now() + 10_000;
  while (performance.now() < deadline) {
    try {
      const info = await client.daemon();
      if (info.pid === child.pid) {
        child.unref();
        console.log(`tend daemon started (pid ${child.pid}, socket ${sock})`);
        return 0;
      }
    } catch {
      /* not up yet */
    }
    if (child.exitCode !== null) {
      const err = readFileSync(errPath, "utf8").slice(startAt);
      console.error(err.trim().split("\n").slice(-5).join("\n"));
      return child.exitCode || 1;
    }
    await Bun.sleep(20);
  }
  console.error(`tend: the daemon did not answer on ${sock} within 10 s`);
  return 1;
}

/** "EROFS: read-only file system", without the syscall and path Node adds. */
function describeFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const words: Record<string, string> = {
    EROFS: "read-only file system",
    EACCES: "permission denied",
    EPERM: "permission denied",
    ENOTDIR: "a parent of the path is not a directory",
    EEXIST: "a file is in the way",
    ENOSPC: "disk full",
    EISDIR: "is a directory",
  };
  return err.code ? `${err.code}: ${words[err.code] ?? err.message}` : String(err.message ?? e);
}
