// The socket a daemon running a supervisord config listens on, for clients (`tend status -c
// supervisord.conf`). Only [unix_http_server] file is read (with [include] files, and
// [supervisord] environment when the value names %(ENV_X)s), as the TOML path reads only
// [daemon] socket: converting every program cost a client 194 ms at 3000 programs, and a
// mistake in a program section must not keep the operator from reaching the daemon.

import { homedir, hostname } from "node:os";
import { dirname, resolve } from "node:path";
import { daemonDefaults } from "../config/defaults.ts";
import { expandVars } from "../config/env.ts";
import { formatIssue, invalidConfig } from "../config/issues.ts";
import type { ConfigIssue } from "../config/types.ts";
import { ExpandError, expandParts, literal, toTendString, type Expansion, type Part } from "./expand.ts";
import { iniGet, type IniValue } from "./ini.ts";
import { readAll, type Env } from "./read.ts";
import { keyValuePairs } from "./shlex.ts";

/**
 * The socket path. A file that cannot be read, or has problems and names no socket, throws
 * INVALID_CONFIG with its problems; one that names its socket despite problems (mid-edit) is
 * used, with one warning line on stderr naming the first problem. No socket named, no
 * problem: the default socket, as the daemon would use.
 */
export function supervisordSocket(file: string, env: Env = process.env): string {
  const path = resolve(file);
  const { doc, problems } = readAll(path, env);
  const unix = doc.sections.get("unix_http_server");
  const v = unix ? iniGet(doc, unix, "file") : undefined;
  const setting = v ? socketParts(v, supervisordEnv(doc, env), problems) : null;
  const [first] = problems;
  if (first !== undefined) {
    if (setting === null) throw invalidConfig(path, problems);
    console.error(`tend: warning: ${formatIssue(first)} (a reload would refuse the file; \`tend check\` lists its problems)`);
  }
  if (setting !== null) {
    const expanded = expandVars(toTendString(setting), env);
    if (expanded.ok) return resolve(path, "..", expanded.value);
  }
  return daemonDefaults(process.getuid?.() ?? 0, env, homedir()).socket;
}

/** `file`'s value expanded as the conversion expands it (convert.ts); null on a problem. */
function socketParts(v: IniValue, globalEnv: () => Map<string, string>, problems: ConfigIssue[]): Part[] | null {
  const lookup = (name: string): Expansion | undefined => {
    if (name === "here") return dirname(v.file);
    if (name === "host_node_name") return hostname();
    if (!name.startsWith("ENV_")) return undefined;
    const own = globalEnv().get(name.slice(4));
    return own !== undefined ? own : { env: name.slice(4) };
  };
  try {
    return expandParts(v.value, lookup);
  } catch (e) {
    if (!(e instanceof ExpandError)) throw e;
    problems.push({ file: v.file, line: v.line, message: `[unix_http_server] file: ${e.message}` });
    return null;
  }
}

/** [supervisord] environment as KEY → value, read only when the socket names %(ENV_X)s. */
function supervisordEnv(doc: ReturnType<typeof readAll>["doc"], env: Env): () => Map<string, string> {
  let vars: Map<string, string> | null = null;
  return () => {
    if (vars) return vars;
    vars = new Map();
    const sv = doc.sections.get("supervisord");
    const v = sv ? iniGet(doc, sv, "environment") : undefined;
    if (!v) return vars;
    try {
      const text = literal(
        expandParts(v.value, (n) => (n === "here" ? dirname(v.file) : n === "host_node_name" ? hostname() : n.startsWith("ENV_") ? (env[n.slice(4)] ?? "") : undefined)),
      );
      for (const [k, val] of Object.entries(keyValuePairs(text))) vars.set(k, val);
    } catch {
      // The daemon would refuse this environment; the socket's own value decides then.
    }
    return vars;
  };
}
