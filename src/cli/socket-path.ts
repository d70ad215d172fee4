// Which socket the client talks to: -s, then $TEND_SOCKET, then the [daemon] socket of the
// config file the daemon would read, then the default. Only that one key is read: a client
// call must not pay for validating every program (and must still work while the file has a
// mistake elsewhere that a reload would reject).

import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, resolve } from "node:path";
import { daemonDefaults } from "../config/defaults.ts";
import { expandVars } from "../config/env.ts";
import { findConfigFile } from "../config/find.ts";

export async function resolveSocket(explicitSocket: string | undefined, explicitConfig: string | undefined): Promise<string> {
  if (explicitSocket) return explicitSocket;
  if (process.env.TEND_SOCKET) return process.env.TEND_SOCKET;
  const fallback = () => daemonDefaults(process.getuid?.() ?? 0, process.env, homedir()).socket;
  let file: string;
  try {
    file = findConfigFile(explicitConfig, process.env);
  } catch (e) {
    // With -c, a missing file is the user's error; without, fall back to the default socket.
    if (explicitConfig) throw e;
    return fallback();
  }
  const setting = socketSetting(file);
  if (setting === "malformed") {
    // Say what is wrong with the file (file:line:column), as the daemon would.
    const { loadConfig } = await import("../config/load.ts");
    return loadConfig(file).daemon.socket;
  }
  return setting ?? fallback();
}

/** [daemon] socket of a tend.toml (or its TEND_DAEMON__SOCKET override), resolved as the daemon resolves it. */
export function socketSetting(file: string, env: Record<string, string | undefined> = process.env): string | null | "malformed" {
  let raw: unknown = env.TEND_DAEMON__SOCKET;
  if (raw === undefined) {
    let doc: { daemon?: { socket?: unknown } };
    try {
      doc = Bun.TOML.parse(readFileSync(file, "utf8")) as typeof doc;
    } catch {
      return "malformed";
    }
    raw = doc.daemon?.socket;
  }
  if (typeof raw !== "string" || raw === "") return null;
  const expanded = expandVars(raw, env);
  return expanded.ok ? resolve(dirname(resolve(file)), expanded.value) : null;
}
