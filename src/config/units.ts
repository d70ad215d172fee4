// Pure parsers for the value kinds config keys take: numbers with ranges, booleans, byte
// sizes, octal modes, signals, log targets, listen addresses, commands. Each returns a value
// or a message saying what was expected and what it got; schema.ts wires them to keys.
//
// Numbers also arrive as strings because `${VAR}` expansion produces strings
// (`numprocs = "${WORKERS:-4}"`); a string that reads as a number is accepted as one.

import { parseSignal, SIGNALS } from "../core/signals.ts";
import type { AutoRestart, LogLevel } from "./types.ts";
import type { Parsed } from "./problems.ts";
import { describeValue, fail, ok } from "./problems.ts";
import { splitShellWords } from "./shell-words.ts";
import { didYouMean } from "./suggest.ts";

const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function asNumber(input: unknown): number | null {
  if (typeof input === "number") return Number.isNaN(input) ? null : input;
  if (typeof input === "string" && NUMERIC.test(input.trim())) return Number(input.trim());
  return null;
}

/** Seconds: any non-negative number (tend is fast enough for `startsecs = 0.5`), capped. */
export function parseSeconds(max: number) {
  return (input: unknown): Parsed<number> => {
    const n = asNumber(input);
    if (n === null || n < 0) return fail(`expected a non-negative number, got ${describeValue(input)}`);
    if (n > max) return fail(`expected a number from 0 to ${max} (seconds), got ${describeValue(input)}`);
    return ok(n);
  };
}

/** An integer within [min, max]; the range is part of the message so users know the limits. */
export function parseInteger(min: number, max: number) {
  return (input: unknown): Parsed<number> => {
    const n = asNumber(input);
    if (n === null || !Number.isInteger(n)) {
      const what = min === 0 ? "a non-negative integer" : min > 0 ? "a positive integer" : "an integer";
      return fail(`expected ${what}, got ${describeValue(input)}`);
    }
    if (n < min || n > max) return fail(`expected an integer from ${min} to ${max}, got ${describeValue(input)}`);
    return ok(n);
  };
}

const TRUE_WORDS = new Set(["true", "yes", "on", "1"]);
const FALSE_WORDS = new Set(["false", "no", "off", "0"]);

/** true/false, or supervisord's words for them (strings come from `${VAR}` and imports). */
export function parseBool(input: unknown): Parsed<boolean> {
  if (typeof input === "boolean") return ok(input);
  if (typeof input === "string") {
    const w = input.trim().toLowerCase();
    if (TRUE_WORDS.has(w)) return ok(true);
    if (FALSE_WORDS.has(w)) return ok(false);
  }
  return fail(`expected true or false, got ${describeValue(input)}`);
}

export function parseAutorestart(input: unknown): Parsed<AutoRestart> {
  if (typeof input === "boolean") return ok(input);
  if (typeof input === "string") {
    const w = input.trim().toLowerCase();
    if (w === "unexpected") return ok("unexpected");
    if (w === "true" || w === "always") return ok(true);
    if (w === "false" || w === "never") return ok(false);
  }
  return fail(`expected true, false or "unexpected" ("always"/"never" also work), got ${describeValue(input)}`);
}

const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

export function parseLogLevel(input: unknown): Parsed<LogLevel> {
  if (typeof input === "string") {
    const w = input.trim().toLowerCase();
    const level = w === "warning" ? "warn" : w;
    if ((LOG_LEVELS as readonly string[]).includes(level)) return ok(level as LogLevel);
    return fail(`expected one of debug, info, warn, error, got ${describeValue(input)}${didYouMean(w, LOG_LEVELS)}`);
  }
  return fail(`expected one of debug, info, warn, error, got ${describeValue(input)}`);
}

const SIZE = /^(\d+)\s*(kb|mb|gb|b)?$/i;
const SIZE_FACTOR: Record<string, number> = { "": 1, b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
/** 1 TiB: far beyond any sane log file, small enough to catch a misplaced suffix. */
export const MAX_BYTES = 1024 ** 4;

/** Bytes: an integer, or "50MB"-style with KB/MB/GB as powers of 1024 (as supervisord). */
export function parseByteSize(input: unknown): Parsed<number> {
  let n: number | null = null;
  if (typeof input === "number" && Number.isInteger(input)) n = input;
  else if (typeof input === "string") {
    const m = SIZE.exec(input.trim());
    if (m !== null) n = Number(m[1]) * SIZE_FACTOR[(m[2] ?? "").toLowerCase()]!;
  }
  if (n === null || n < 0) {
    return fail(`expected a size like "50MB" (KB, MB or GB) or a number of bytes, got ${describeValue(input)}`);
  }
  if (n > MAX_BYTES) return fail(`expected a size of at most 1024GB, got ${describeValue(input)}`);
  return ok(n);
}

/**
 * File mode bits. A string is always octal, as in supervisord ("022", "0600", "0o600"); a
 * number is taken at face value, so TOML's `0o022` works (validators.ts flags a decimal literal
 * such as `umask = 22`, which is almost certainly meant as octal).
 */
export function parseOctal(max: number) {
  return (input: unknown): Parsed<number> => {
    const expected = `expected an octal string like "${max > 0o777 ? "0600" : "022"}" or a TOML octal number`;
    let n: number | null = null;
    if (typeof input === "number" && Number.isInteger(input)) n = input;
    else if (typeof input === "string") {
      const m = /^(?:0o)?([0-7]+)$/i.exec(input.trim());
      if (m === null) return fail(`${expected}, got ${describeValue(input)}`);
      n = parseInt(m[1]!, 8);
    }
    if (n === null) return fail(`${expected}, got ${describeValue(input)}`);
    if (n < 0 || n > max) return fail(`expected a mode from 0 to 0o${max.toString(8)}, got ${describeValue(input)}`);
    return ok(n);
  };
}

/** A signal name (TERM, SIGTERM, sigterm) or number; stored canonical without "SIG". */
export function parseStopSignal(input: unknown): Parsed<string> {
  if (typeof input === "string" || typeof input === "number") {
    const name = parseSignal(input);
    if (name !== null) return ok(name);
  }
  const hint =
    typeof input === "string"
      ? didYouMean(input.trim().toUpperCase().replace(/^SIG/, ""), Object.keys(SIGNALS))
      : "";
  return fail(`expected a signal name like "TERM" or "SIGTERM", or a number, got ${describeValue(input)}${hint}`);
}

export function parseNonEmptyString(input: unknown): Parsed<string> {
  if (typeof input === "string" && input.trim() !== "") return ok(input);
  return fail(`expected a non-empty string, got ${describeValue(input)}`);
}

/** Where a stream's output goes: a file under log_dir, nowhere, or a path. */
export type LogTarget =
  | { readonly kind: "auto" }
  | { readonly kind: "none" }
  | { readonly kind: "path"; readonly path: string };

export function parseLogTarget(input: unknown): Parsed<LogTarget> {
  if (typeof input !== "string" || input.trim() === "") {
    return fail(`expected "auto", "none" or a file path, got ${describeValue(input)}`);
  }
  const w = input.trim();
  const lower = w.toLowerCase();
  if (lower === "auto") return ok({ kind: "auto" });
  // supervisord spells "discard" NONE or OFF; /dev/null is what people write by reflex.
  if (lower === "none" || lower === "off" || w === "/dev/null") return ok({ kind: "none" });
  if (lower === "syslog") return fail(`syslog output is not supported; use "auto", "none" or a file path`);
  return ok({ kind: "path", path: w });
}

/** A command: a string split like a shell would (no shell runs it), or an array of strings. */
export function parseCommand(input: unknown): Parsed<readonly string[]> {
  if (typeof input === "string") {
    const split = splitShellWords(input);
    if (!split.ok) return fail(`cannot split ${JSON.stringify(input)}: ${split.message}`);
    if (split.words.length === 0) return fail("is empty: give the program to run and its arguments");
    return ok(split.words);
  }
  if (Array.isArray(input)) {
    if (input.length === 0) return fail("is an empty array: give the program to run and its arguments");
    const problems = input.flatMap((item, i) =>
      typeof item !== "string"
        ? [{ path: [i], message: `expected a string, got ${describeValue(item)}` }]
        : i === 0 && item.trim() === ""
          ? [{ path: [i], message: "the program to run is an empty string" }]
          : [],
    );
    return problems.length > 0 ? { ok: false, problems } : ok(input as string[]);
  }
  return fail(`expected a string or an array of strings, got ${describeValue(input)}`);
}

/** exitcodes: an array of 0..255 (a single number is accepted as a one-element list). */
export function parseExitCodes(input: unknown): Parsed<readonly number[]> {
  const code = parseInteger(0, 255);
  if (!Array.isArray(input)) {
    if (typeof input === "number") {
      const r = code(input);
      return r.ok ? ok([r.value]) : r;
    }
    return fail(`expected an array of exit codes like [0, 2], got ${describeValue(input)}`);
  }
  const values: number[] = [];
  const problems = input.flatMap((item, i) => {
    const r = code(item);
    if (r.ok) {
      values.push(r.value);
      return [];
    }
    return r.problems.map((p) => ({ path: [i, ...p.path], message: p.message }));
  });
  return problems.length > 0 ? { ok: false, problems } : ok(values);
}

/** An environment value: strings as is; numbers and booleans as TOML prints them. */
export function parseEnvValue(input: unknown): Parsed<string> {
  if (typeof input === "string") return ok(input);
  if (typeof input === "number" || typeof input === "boolean") return ok(String(input));
  return fail(`expected a string, number or boolean, got ${describeValue(input)}`);
}

const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])$/;

/**
 * "host:port", ":port", "*:port" or a bare port, as supervisord's inet_http_server takes.
 * Normalised to "host:port": an empty host is 127.0.0.1 (loopback unless asked otherwise), and
 * "*" is 0.0.0.0.
 */
export function parseListen(input: unknown): Parsed<string> {
  const expected = `expected "host:port" (port 1-65535), got ${describeValue(input)}`;
  let host = "";
  let portText: string;
  if (typeof input === "number") portText = String(input);
  else if (typeof input === "string") {
    const s = input.trim();
    const colon = s.lastIndexOf(":");
    // A bare IPv6 address without brackets would be ambiguous: require [::1]:9001.
    if (colon === -1) portText = s;
    else {
      host = s.slice(0, colon);
      portText = s.slice(colon + 1);
    }
  } else return fail(expected);
  if (!/^\d+$/.test(portText)) return fail(expected);
  const port = Number(portText);
  if (port < 1 || port > 65535) return fail(`port must be from 1 to 65535, got ${describeValue(input)}`);
  if (host === "" ) host = "127.0.0.1";
  else if (host === "*") host = "0.0.0.0";
  else if (!HOST.test(host)) return fail(`bad host ${JSON.stringify(host)}: ${expected}`);
  return ok(`${host}:${port}`);
}

/** "user" or "user:group" (names or numeric ids), as supervisord's chown. */
export function parseOwner(input: unknown): Parsed<string> {
  if (typeof input === "string" && /^[A-Za-z0-9_.][A-Za-z0-9_.-]*(?::[A-Za-z0-9_.][A-Za-z0-9_.-]*)?$/.test(input.trim())) {
    return ok(input.trim());
  }
  return fail(`expected "user" or "user:group", got ${describeValue(input)}`);
}

/** The most any Linux allows a process (fs.nr_open's ceiling). */
export const MAX_NOFILE = 1_073_741_816;

/**
 * An open-files limit: a number, the soft limit. systemd's LimitNOFILE= also takes
 * "SOFT:HARD"; tend does not, because lowering a child's hard limit below tend's (or raising
 * it above) would need the daemon to change its own hard limit, which only root can undo; a
 * program can raise its soft limit up to the hard one itself.
 */
export function parseNofile(input: unknown): Parsed<number> {
  if (typeof input === "string" && /^\s*\d+\s*:\s*\d+\s*$/.test(input)) {
    return fail(`expected one number (the soft limit; the hard limit stays tend's), got ${describeValue(input)}: "SOFT:HARD" is not supported`);
  }
  return parseInteger(1, MAX_NOFILE)(input);
}
