// The [daemon] and [http] tables as the daemon uses them: defaults filled in (they depend on
// who runs tend) and paths made absolute against the config file's directory.

import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { DaemonConfig, HttpConfig } from "./types.ts";
import type { Env } from "./env.ts";
import type { DaemonSpec, HttpSpec } from "./schema.ts";
import { daemonDefaults } from "./defaults.ts";
import { isDevice } from "./instances.ts";

/** `spec` is null when [daemon] failed the schema; defaults then stand in so checks can go on. */
export function buildDaemon(spec: DaemonSpec | null, configDir: string, env: Env): DaemonConfig {
  const defaults = daemonDefaults(process.getuid?.() ?? 0, env, homedir());
  const at = (p: string | undefined, fallback: string) => resolve(configDir, p ?? fallback);
  const logDir = at(spec?.log_dir, defaults.logDir);
  const logfile = at(spec?.logfile, join(logDir, "tend.log"));
  return {
    socket: at(spec?.socket, defaults.socket),
    socketMode: spec?.socket_mode ?? 0o600,
    socketOwner: spec?.socket_owner ?? null,
    logDir,
    logfile,
    // As a program's log: a device (/dev/stdout in a container) is written, never rotated.
    logfileMaxbytes: isDevice(logfile) ? 0 : (spec?.logfile_maxbytes ?? 50 * 1024 * 1024),
    logfileBackups: spec?.logfile_backups ?? 10,
    pidfile: spec?.pidfile === undefined ? null : resolve(configDir, spec.pidfile),
    loglevel: spec?.loglevel ?? "info",
    consoleOutput: spec?.console_output ?? false,
    minfds: spec?.minfds ?? null,
  };
}

/** null when there is no [http] table: the API is then on the unix socket only. */
export function buildHttp(spec: HttpSpec | null): HttpConfig | null {
  if (spec === null) return null;
  return { listen: spec.listen, username: spec.username ?? null, password: spec.password ?? null };
}
