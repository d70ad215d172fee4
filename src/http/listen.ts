// The daemon's side of [http]: credentials (generated into a 0600 file when the config has
// none), the TCP listener, and one log line saying where it is and where the password is
// (never the password itself).

import type { ApiBackend } from "../api/routes.ts";
import type { Config } from "../config/types.ts";
import type { DaemonLog } from "../daemon/daemon-log.ts";
import { resolveCredentials } from "./auth.ts";
import { startHttp, type HttpListener, type HttpOptions } from "./server.ts";

export async function openHttp(backend: ApiBackend, config: Config, log: DaemonLog, options: Partial<HttpOptions> = {}): Promise<HttpListener | null> {
  if (!config.http) return null;
  const creds = resolveCredentials(config.http, config.daemon.socket);
  const listener = await startHttp(backend, config.http.listen, creds, options);
  const where = creds.passwordFile ? `user ${creds.username}, password in ${creds.passwordFile}` : `user ${creds.username}`;
  log.info(`HTTP API and dashboard on ${listener.url} (${where})`);
  return listener;
}
