// Which socket the client talks to: -s, then $TEND_SOCKET, then the [daemon] socket of the
// config file the daemon would read, then the default. Only that one key is read: a client
// call must not pay for validating every program (and must still work while the file has a
// mistake elsewhere that a reload would reject). A file that does not even parse (an operator
// in the middle of an edit) still names its socket: the `socket = "..."` line is read on its
// own, and one line on stderr says the file has problems; the command goes on.

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
  if (setting !== "malformed") return setting ?? fallback();
  const { parseToml } = await import("../config/toml.ts");
  const { formatIssue } = await import("../config/issues.ts");
  const text = readFileSync(file, "utf8");
  const parsed = parseToml(text);
  const lenient = await lenientSocketSetting(file, text);
  if (parsed.ok || lenient === "malformed") {
    // The socket line itself is what is broken: say where, as the daemon would.
    const { loadConfig } = await import("../config/load.ts");
    return loadConfig(file).daemon.socket;
  }
  const where = formatIssue({ file, line: parsed.line, column: parsed.column, message: parsed.message });
  console.error(`tend: warning: ${where} (a reload would refuse the file; \`tend check\` lists its problems)`);
  return lenient ?? fallback();
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
  return resolved(file, raw, env);
}

function resolved(file: string, raw: unknown, env: Record<string, string | undefined>): string | null {
  if (typeof raw !== "string" || raw === "") return null;
  const expanded = expandVars(raw, env);
  return expanded.ok ? resolve(dirname(resolve(file)), expanded.value) : null;
}

/**
 * The [daemon] socket of a file that does not parse as a whole, from its own line (the
 * config's line scanner): null when no such line is written, "malformed" when the line is
 * there but its value is no one-line TOML string.
 */
export async function lenientSocketSetting(file: string, text: string, env: Record<string, string | undefined> = process.env): Promise<string | null | "malformed"> {
  const { buildLocator } = await import("../config/locate.ts");
  const literal = buildLocator(text).literal(["daemon", "socket"]);
  if (literal === null) return null;
  const value = tomlString(literal);
  return value === null ? "malformed" : resolved(file, value, env);
}

/** The one-line TOML string (basic or literal) that `text` starts with, or null. */
export function tomlString(text: string): string | null {
  if (text.startsWith("'") && !text.startsWith("'''")) {
    const end = text.indexOf("'", 1);
    return end < 0 ? null : text.slice(1, end);
  }
  if (!text.startsWith('"') || text.startsWith('"""')) return null;
  let i = 1;
  while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
  if (i >= text.length) return null;
  // TOML's basic-string escapes are JSON's, but for \UXXXXXXXX (JSON.parse refuses it: null).
  try {
    return JSON.parse(text.slice(0, i + 1)) as string;
  } catch {
    return null;
  }
}
