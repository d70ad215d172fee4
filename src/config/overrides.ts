// Settings from the environment, for container images where the config is baked in:
// TEND_<SECTION>__<NAME>_<KEY> overrides any key (TEND_PROGRAM__APP_STARTSECS=10,
// TEND_DAEMON__LOGLEVEL=debug), and the image-wide PROCESS_AUTO_RECOVERY,
// PROCESS_MAX_START_RETRIES and LOG_LEVEL fill keys the file leaves unset. Every applied value
// is recorded with the variable it came from, for `tend check`.

import type { ConfigIssue } from "./types.ts";
import type { Env } from "./env.ts";
import { DAEMON_KEYS, HTTP_KEYS, PROGRAM_KEYS } from "./schema.ts";
import { PROGRAM_ALIASES } from "./keys.ts";

export interface Override {
  /** e.g. ["program", "app", "startsecs"] */
  readonly path: readonly [string, ...string[]];
  readonly value: unknown;
  /** The environment variable it came from. */
  readonly source: string;
  /** "override" wins over the file; "default" only fills a key the file leaves unset. */
  readonly mode: "override" | "default";
}

const norm = (s: string) => s.toUpperCase().replace(/[^A-Z0-9]/g, "_");

/**
 * Env values are strings; a `[...]` or `{...}` value is read as a TOML array or inline table
 * (exitcodes = "[0, 2]", environment = '{ KEY = "v" }').
 */
function parseValue(raw: string): unknown {
  const t = raw.trim();
  if ((t.startsWith("[") && t.endsWith("]")) || (t.startsWith("{") && t.endsWith("}"))) {
    try {
      return (Bun.TOML.parse(`v = ${t}`) as { v: unknown }).v;
    } catch {
      return raw;
    }
  }
  return raw;
}

/** yes/no words in image settings: 1/0, true/false, yes/no, on/off; undefined if none. */
export function parseEnvSwitch(raw: string): boolean | undefined {
  const w = raw.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(w)) return true;
  if (["0", "false", "no", "off"].includes(w)) return false;
  return undefined;
}

export function envOverrides(env: Env, programNames: readonly string[]): { overrides: Override[]; issues: ConfigIssue[] } {
  const overrides: Override[] = [];
  const issues: ConfigIssue[] = [];
  const issue = (name: string, message: string) => issues.push({ file: `environment variable ${name}`, message });

  for (const [name, raw] of Object.entries(env)) {
    if (raw === undefined) continue;
    const m = /^TEND_([A-Z]+)__(.+)$/.exec(name);
    if (m) {
      const [, section, rest] = m as unknown as [string, string, string];
      if (section === "DAEMON" || section === "HTTP") {
        const keys = section === "DAEMON" ? DAEMON_KEYS : HTTP_KEYS;
        const key = keys.find((k) => norm(k) === rest);
        if (!key) issue(name, `no key ${rest.toLowerCase()} in [${section.toLowerCase()}] (keys: ${keys.join(", ")})`);
        else overrides.push({ path: [section.toLowerCase(), key], value: parseValue(raw), source: name, mode: "override" });
        continue;
      }
      if (section !== "PROGRAM") {
        issue(name, `unknown section ${section}: use TEND_DAEMON__KEY, TEND_HTTP__KEY or TEND_PROGRAM__NAME_KEY`);
        continue;
      }
      // Program and key names may both hold underscores: take the longest program name that
      // leaves a known key.
      const keys = [...PROGRAM_KEYS, ...Object.keys(PROGRAM_ALIASES)];
      const matches = programNames
        .filter((p) => rest.startsWith(`${norm(p)}_`))
        .map((p) => ({ program: p, key: keys.find((k) => norm(k) === rest.slice(norm(p).length + 1)) }))
        .filter((x) => x.key !== undefined)
        .sort((a, b) => b.program.length - a.program.length);
      const match = matches[0];
      // my_app and my-app both read MY_APP in a variable name: refuse to guess.
      const tied = matches.filter((x) => match && norm(x.program) === norm(match.program));
      if (tied.length > 1) {
        issue(name, `is ambiguous: it could mean ${tied.map((x) => `program.${x.program}`).join(" or ")}; rename one of them`);
        continue;
      }
      if (!match) {
        issue(name, `matches no program and key: programs are ${programNames.join(", ") || "none"}; keys are ${PROGRAM_KEYS.join(", ")}`);
        continue;
      }
      const key = PROGRAM_ALIASES[match.key!] ?? match.key!;
      overrides.push({ path: ["program", match.program, key], value: parseValue(raw), source: name, mode: "override" });
      continue;
    }
    if (name === "PROCESS_AUTO_RECOVERY") {
      // The words `tend run` takes (parseEnvSwitch) mean the same here.
      const value = parseEnvSwitch(raw) ?? raw;
      for (const p of programNames) overrides.push({ path: ["program", p, "autorestart"], value, source: name, mode: "default" });
    } else if (name === "PROCESS_MAX_START_RETRIES") {
      for (const p of programNames) overrides.push({ path: ["program", p, "startretries"], value: raw, source: name, mode: "default" });
    } else if (name === "LOG_LEVEL") {
      overrides.push({ path: ["daemon", "loglevel"], value: raw.toLowerCase(), source: name, mode: "default" });
    }
  }
  return { overrides, issues };
}

/**
 * Apply to the key-checked tables (canonical keys). Returns "path → source" for what took
 * effect.
 */
export function applyOverrides(
  tables: { daemon: Record<string, unknown>; http: Record<string, unknown> | null; program: (name: string) => Record<string, unknown> | undefined },
  overrides: readonly Override[],
): Record<string, string> {
  const sources: Record<string, string> = {};
  for (const o of overrides) {
    const [section, a, b] = o.path;
    const table = section === "program" ? tables.program(a!) : section === "daemon" ? tables.daemon : tables.http;
    const key = section === "program" ? b! : a!;
    if (!table) continue;
    if (o.mode === "default" && Object.hasOwn(table, key)) continue;
    table[key] = o.value;
    sources[o.path.join(".")] = o.source;
  }
  return sources;
}
