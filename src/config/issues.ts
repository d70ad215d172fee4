// How config problems are shown to people (`tend check`, a failed start or reload) and how
// they travel: one TendError("INVALID_CONFIG") whose details are every ConfigIssue.

import { TendError } from "../core/errors.ts";
import type { ConfigIssue } from "./types.ts";
import type { Sections } from "./keys.ts";
import type { Locator } from "./locate.ts";
import type { KeyPath, Problem } from "./problems.ts";
import { formatPath } from "./problems.ts";

/**
 * One line per issue: `FILE:LINE:COL: key.path: message`. The position is the form editors and
 * terminals make clickable, the key path is what the user searches for; each is left out only
 * where there is none (a syntax error has no key; a key missing from the file, no line).
 */
export function formatIssue(issue: ConfigIssue): string {
  const at = issue.line === undefined ? "" : `:${issue.line}${issue.column !== undefined ? `:${issue.column}` : ""}`;
  const key = issue.path === undefined ? "" : ` ${issue.path}:`;
  return `${issue.file}${at}:${key} ${issue.message}`;
}

export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map(formatIssue).join("\n");
}

/**
 * The error a bad config throws: a one-line summary as the message (callers print it, then
 * `formatIssues(details)`), and every ConfigIssue in `details`.
 */
export function invalidConfig(file: string, issues: readonly ConfigIssue[]): TendError {
  const n = issues.length;
  return new TendError("INVALID_CONFIG", `invalid config ${file}: ${n} problem${n === 1 ? "" : "s"}`, issues);
}

/**
 * Problems → issues: report a key under the name the user wrote (an alias, if they used one),
 * with its line when the locator finds it, dropping problems about values whose ${VAR}
 * expansion already failed.
 */
export function toIssues(
  file: string,
  problems: readonly Problem[],
  sections: Sections,
  locator: () => Locator,
  expandFailures: readonly Problem[],
): ConfigIssue[] {
  const failed = expandFailures.map((p) => p.path);
  return problems.flatMap((problem) => {
    const path = asWritten(problem.path, sections);
    if (failed.some((f) => startsWith(path, f))) return [];
    const at = locator().locate(path);
    return [{ file, path: formatPath(path), message: problem.message, ...(at === null ? {} : at) }];
  });
}

function asWritten(path: KeyPath, sections: Sections): KeyPath {
  const [top, name, key, ...rest] = path;
  if (top !== "program" || typeof name !== "string" || typeof key !== "string") return path;
  const alias = sections.programs.get(name)?.aliasOf.get(key);
  return alias === undefined ? path : [top, name, alias, ...rest];
}

function startsWith(path: KeyPath, prefix: KeyPath): boolean {
  return prefix.length <= path.length && prefix.every((seg, i) => path[i] === seg);
}

/** File order reads best; issues with no line keep their place after those with one. */
export function sortByLine(issues: ConfigIssue[]): ConfigIssue[] {
  return issues
    .map((issue, index) => ({ issue, index }))
    .sort((a, b) => (a.issue.line ?? Infinity) - (b.issue.line ?? Infinity) || a.index - b.index)
    .map(({ issue }) => issue);
}
