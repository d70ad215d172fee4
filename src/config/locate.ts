// Find where a key was written in the TOML text, so schema problems can carry a line number
// too. TOML parsers return plain objects without positions, so this is a light line scanner:
// table headers, `key = value` lines, dotted keys and one level of inline tables. It is a
// best effort (a key it cannot place falls back to its nearest placed parent), never an error.

import type { KeyPath } from "./problems.ts";

export interface Location {
  /** 1-based. */
  readonly line: number;
  readonly column: number;
}

export interface Locator {
  /** Where the path, or failing that its nearest written ancestor, appears. */
  locate(path: KeyPath): Location | null;
  /** The text after `=` for exactly this key, without a trailing comment; null if not found. */
  literal(path: KeyPath): string | null;
}

interface Entry {
  readonly location: Location;
  readonly literal: string | null;
}

const BARE = /^[A-Za-z0-9_-]+/;

/** Parse `a."b.c".d` starting at `pos`; returns the keys and where they end. */
function parseKeys(s: string, pos: number): { keys: string[]; end: number } | null {
  const keys: string[] = [];
  let i = pos;
  for (;;) {
    while (s[i] === " " || s[i] === "\t") i++;
    const c = s[i];
    if (c === '"') {
      let j = i + 1;
      while (j < s.length && s[j] !== '"') j += s[j] === "\\" ? 2 : 1;
      if (j >= s.length) return null;
      try {
        keys.push(JSON.parse(s.slice(i, j + 1)) as string);
      } catch {
        keys.push(s.slice(i + 1, j));
      }
      i = j + 1;
    } else if (c === "'") {
      const j = s.indexOf("'", i + 1);
      if (j === -1) return null;
      keys.push(s.slice(i + 1, j));
      i = j + 1;
    } else {
      const m = BARE.exec(s.slice(i));
      if (m === null) return null;
      keys.push(m[0]);
      i += m[0].length;
    }
    while (s[i] === " " || s[i] === "\t") i++;
    if (s[i] !== ".") return { keys, end: i };
    i++;
  }
}

function stripComment(value: string): string {
  // Only unquoted literals matter to callers (numbers); a quoted value may contain " #".
  if (value.startsWith('"') || value.startsWith("'")) return value;
  const hash = value.indexOf("#");
  return (hash === -1 ? value : value.slice(0, hash)).trim();
}

export function buildLocator(text: string): Locator {
  const entries = new Map<string, Entry>();
  const record = (path: readonly string[], line: number, column: number, literal: string | null) => {
    const key = JSON.stringify(path);
    if (!entries.has(key)) entries.set(key, { location: { line, column }, literal });
  };

  let table: string[] = [];
  let openString: '"""' | "'''" | null = null;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    if (openString !== null) {
      if (raw.includes(openString)) openString = null;
      return;
    }
    const indent = raw.length - raw.trimStart().length;
    const s = raw.trimStart();
    if (s === "" || s.startsWith("#")) return;

    if (s.startsWith("[")) {
      const double = s.startsWith("[[");
      const parsed = parseKeys(s, double ? 2 : 1);
      if (parsed === null) return;
      table = parsed.keys;
      // Each prefix of a header is where that parent table first shows up, too.
      for (let n = 1; n <= table.length; n++) record(table.slice(0, n), line, indent + 1, null);
      return;
    }

    const parsed = parseKeys(s, 0);
    if (parsed === null || s[parsed.end] !== "=") return;
    const path = [...table, ...parsed.keys];
    const value = s.slice(parsed.end + 1).trim();
    record(path, line, indent + 1, stripComment(value));

    for (const quote of ['"""', "'''"] as const) {
      if (value.startsWith(quote) && !value.slice(3).includes(quote)) openString = quote;
    }
    if (value.startsWith("{")) {
      // One level of inline table: `environment = { PORT = "8080", DEBUG = "1" }`.
      const valueStart = raw.indexOf(value, indent + parsed.end);
      const inner = /([{,]\s*)([A-Za-z0-9_-]+|"[^"]*"|'[^']*')\s*=/g;
      for (let m = inner.exec(value); m !== null; m = inner.exec(value)) {
        const sub = parseKeys(m[2]!, 0);
        if (sub !== null) record([...path, ...sub.keys], line, valueStart + m.index + m[1]!.length + 1, null);
      }
    }
  });

  return {
    locate(path) {
      const keys = path.filter((p): p is string => typeof p === "string");
      for (let n = keys.length; n > 0; n--) {
        const hit = entries.get(JSON.stringify(keys.slice(0, n)));
        if (hit !== undefined) return hit.location;
      }
      return null;
    },
    literal(path) {
      if (path.some((p) => typeof p !== "string")) return null;
      return entries.get(JSON.stringify(path))?.literal ?? null;
    },
  };
}
