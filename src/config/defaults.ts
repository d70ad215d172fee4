// Where the daemon's socket and logs go when the config does not say. Root gets the system
// locations (/run, /var/log); anyone else gets per-user ones, so an unprivileged `tend daemon`
// works without touching system directories.

import { join } from "node:path";
import type { Env } from "./env.ts";

export interface DaemonDefaults {
  readonly socket: string;
  readonly logDir: string;
}

/** uid and env are parameters so both branches are testable whoever runs the tests. */
export function daemonDefaults(uid: number, env: Env, homedir: string): DaemonDefaults {
  if (uid === 0) return { socket: "/run/tend/tend.sock", logDir: "/var/log/tend" };
  const runtime = env["XDG_RUNTIME_DIR"];
  const socket = runtime !== undefined && runtime !== "" ? join(runtime, "tend.sock") : `/tmp/tend-${uid}.sock`;
  const state = env["XDG_STATE_HOME"];
  const home = env["HOME"] !== undefined && env["HOME"] !== "" ? env["HOME"] : homedir;
  const logDir = state !== undefined && state !== "" ? join(state, "tend", "log") : join(home, ".local", "state", "tend", "log");
  return { socket, logDir };
}
