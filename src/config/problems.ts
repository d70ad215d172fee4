// The loader's internal problem record and the words used to describe values in messages.
// Every stage (env expansion, key checks, schema, validators) returns Problems keyed by a
// path of segments; load.ts turns them into ConfigIssues (dotted path, line number) once.

/** A key path: table keys as strings, array indices as numbers. */
export type KeyPath = readonly (string | number)[];

export interface Problem {
  readonly path: KeyPath;
  readonly message: string;
}

/** The result of a field parser: a value, or the problems that prevent one. */
export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problems: readonly Problem[] };

export function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

/** A failure at the field itself (`at` is a sub-path, e.g. an array index). */
export function fail<T = never>(message: string, at: KeyPath = []): Parsed<T> {
  return { ok: false, problems: [{ path: at, message }] };
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

/**
 * `program.web.command[1]`; keys that are not bare TOML keys are quoted the way TOML would
 * write them (`program."web.v2".command`), so a path is never ambiguous.
 */
export function formatPath(path: KeyPath): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += (out === "" ? "" : ".") + (BARE_KEY.test(seg) ? seg : JSON.stringify(seg));
  }
  return out;
}

/** True for the plain tables a TOML parser returns (not arrays, dates or class instances). */
export function isTable(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The TOML-ish name of a value's type, as users see it in their file. */
export function typeName(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (isTable(value)) return "table";
  if (value !== null && typeof value === "object") return "date/time";
  if (typeof value === "bigint") return "number";
  return typeof value;
}

const MAX_SHOWN = 60;

/** `"abc" (string)`, `-1 (number)`, `a table`: the "got ..." half of a message. */
export function describeValue(value: unknown): string {
  const type = typeName(value);
  if (type === "table") return "a table";
  if (type === "date/time") return "a date/time";
  if (value === undefined) return "nothing";
  let shown: string;
  try {
    // Numbers via String so NaN and inf read as such (JSON would print "null").
    shown = typeof value === "bigint" || typeof value === "number" ? String(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    shown = String(value);
  }
  if (shown.length > MAX_SHOWN) shown = `${shown.slice(0, MAX_SHOWN - 1)}…`;
  return `${shown} (${type})`;
}

/** Prefix every problem's path, e.g. a field's problems with the field's own path. */
export function under(prefix: KeyPath, problems: readonly Problem[]): Problem[] {
  return problems.map((p) => ({ path: [...prefix, ...p.path], message: p.message }));
}
