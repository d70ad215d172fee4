// `${VAR}` / `${VAR:-default}` expansion of every string value in the parsed TOML tree, from
// the daemon's environment. Expansion is textual and happens before any other check, so a
// variable can hold a number (`numprocs = "${WORKERS:-4}"`) or part of a command line.

import type { KeyPath, Problem } from "./problems.ts";
import { isTable } from "./problems.ts";
import { setOwn } from "./objects.ts";

export type Env = Readonly<Record<string, string | undefined>>;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

export type ExpandResult =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly messages: readonly string[] };

/**
 * Expand one string. `$$` is a literal `$`; a `$` followed by anything but `{` or `$` is kept
 * as is (commands such as `awk '{print $1}'` are common, and only `${...}` is ours).
 * `${VAR:-default}` uses the default when VAR is unset or empty, like sh; the default is
 * itself expanded, so `${A:-${B}}` works.
 */
export function expandVars(input: string, env: Env): ExpandResult {
  const messages: string[] = [];
  let out = "";
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (c !== "$") {
      out += c;
      i++;
      continue;
    }
    const next = input[i + 1];
    if (next === "$") {
      out += "$";
      i += 2;
      continue;
    }
    if (next !== "{") {
      out += c;
      i++;
      continue;
    }
    // Find the matching brace, counting nested `${` in a default.
    let depth = 1;
    let j = i + 2;
    while (j < input.length && depth > 0) {
      if (input[j] === "{") depth++;
      else if (input[j] === "}") depth--;
      if (depth > 0) j++;
    }
    if (depth > 0) {
      messages.push(`unterminated "\${" at character ${i + 1} (write $$ for a literal $)`);
      break;
    }
    const inner = input.slice(i + 2, j);
    const expr = `\${${inner}}`;
    i = j + 1;
    const name = NAME.exec(inner)?.[0];
    if (name === undefined) {
      messages.push(`bad variable reference ${expr}: expected \${NAME} or \${NAME:-default}`);
      continue;
    }
    const rest = inner.slice(name.length);
    const value = env[name];
    if (rest === "") {
      if (value === undefined) {
        messages.push(
          `environment variable ${name} is not set (write \${${name}:-default} to give a default)`,
        );
      } else {
        out += value;
      }
      continue;
    }
    if (!rest.startsWith(":-")) {
      messages.push(`bad variable reference ${expr}: expected \${NAME} or \${NAME:-default}`);
      continue;
    }
    if (value !== undefined && value !== "") {
      out += value;
      continue;
    }
    const dflt = expandVars(rest.slice(2), env);
    if (dflt.ok) out += dflt.value;
    else messages.push(...dflt.messages);
  }
  return messages.length > 0 ? { ok: false, messages } : { ok: true, value: out };
}

/**
 * Expand every string in a parsed TOML value (table values, array items, nested tables).
 * Keys are never expanded. A string that fails keeps its raw text and yields a Problem at its
 * path; load.ts hides later complaints about that same value so each mistake is reported once.
 */
export function expandTree(value: unknown, env: Env, path: KeyPath, problems: Problem[]): unknown {
  if (typeof value === "string") {
    if (!value.includes("$")) return value;
    const r = expandVars(value, env);
    if (r.ok) return r.value;
    for (const message of r.messages) problems.push({ path, message });
    return value;
  }
  if (Array.isArray(value)) return value.map((item, i) => expandTree(item, env, [...path, i], problems));
  if (isTable(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, expandTree(v, env, [...path, k], problems));
    return out;
  }
  return value;
}
