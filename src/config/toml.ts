// TOML text → plain object. Bun's parser is built in and fast but reports no position; when it
// fails, @iarna/toml re-parses the same text only to learn the line and column (it is loaded
// on that path alone, so a good config never pays for it).

import { describeValue, isTable } from "./problems.ts";

export type TomlResult =
  | { readonly ok: true; readonly value: Record<string, unknown> }
  | { readonly ok: false; readonly message: string; readonly line?: number; readonly column?: number };

interface IarnaError {
  readonly line?: unknown;
  readonly col?: unknown;
  readonly message?: unknown;
}

/** Bun's message without its "TOML Parse error: " prefix. */
function bunMessage(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.replace(/^TOML Parse error:\s*/, "");
}

/** iarna's first line, without " at row R, col C, pos P:" (we print the position ourselves). */
function iarnaMessage(message: string): string {
  return (message.split("\n")[0] ?? "").replace(/\s+at row \d+, col \d+, pos \d+:?\s*$/, "");
}

/** supervisord's `[program:web]` is the commonest carried-over mistake: name the fix. */
function supervisordHeaderHint(line: string): string {
  const m = /^\s*\[\s*(program|group)\s*:\s*([^\]\s]+)\s*\]/.exec(line);
  return m === null ? "" : ` (tend writes [${m[1]}.${m[2]}], not [${m[1]}:${m[2]}])`;
}

export function parseToml(text: string): TomlResult {
  let value: unknown;
  try {
    value = Bun.TOML.parse(text);
  } catch (bunError) {
    return locateSyntaxError(text, bunError);
  }
  if (!isTable(value)) return { ok: false, message: `expected a TOML document, got ${describeValue(value)}` };
  return { ok: true, value };
}

function locateSyntaxError(text: string, bunError: unknown): TomlResult {
  // A synchronous require: loadConfig is synchronous, and this is the cold (failure) path.
  const iarnaParse = require("@iarna/toml/parse-string.js") as (text: string) => unknown;
  try {
    iarnaParse(text);
  } catch (e) {
    const err = e as IarnaError;
    if (typeof err.line === "number" && typeof err.col === "number") {
      // Bun's wording is the clearer one ("Strings must be quoted: \"sleep\"" where iarna says
      // "Unexpected character, expecting string, number, ..."); both parsers stop at the first
      // error, so iarna's position is the position of Bun's complaint. iarna's own text is kept
      // when Bun gave none.
      const message = bunMessage(bunError) || iarnaMessage(String(err.message ?? ""));
      const hint = supervisordHeaderHint(text.split(/\r?\n/)[err.line] ?? "");
      return { ok: false, message: message + hint, line: err.line + 1, column: err.col + 1 };
    }
  }
  // iarna accepted what Bun rejected (e.g. an integer beyond 64 bits): Bun's verdict stands.
  return { ok: false, message: bunMessage(bunError) };
}
