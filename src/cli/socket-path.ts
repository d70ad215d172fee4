// Which socket the client talks to: -s, then $TEND_SOCKET, then the [daemon] socket of the
// config file the daemon would read, then the default.

import { loadConfig } from "../config/load.ts";
import { findConfigFile } from "../config/find.ts";
import { homedir } from "node:os";
import { daemonDefaults } from "../config/defaults.ts";

export function resolveSocket(explicitSocket: string | undefined, explicitConfig: string | undefined): string {
  if (explicitSocket) return explicitSocket;
  if (process.env.TEND_SOCKET) return process.env.TEND_SOCKET;
  let file: string;
  try {
    file = findConfigFile(explicitConfig, process.env);
  } catch (e) {
    // With -c, a missing file is the user's error; without, fall back to the default socket.
    if (explicitConfig) throw e;
    return daemonDefaults(process.getuid?.() ?? 0, process.env, homedir()).socket;
  }
  return loadConfig(file).daemon.socket;
}
