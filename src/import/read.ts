// Reading a supervisord config as supervisord does: the file, then its [include] globs
// relative to it, sorted, into one INI document (ini.ts). The conversion (convert.ts) and
// the client's socket lookup (socket.ts) both start here.

import { readFileSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import type { ConfigIssue } from "../config/types.ts";
import { expandParts, literal } from "./expand.ts";
import { emptyDocument, readIniText, type IniDocument } from "./ini.ts";

export type Env = Readonly<Record<string, string | undefined>>;

/** Python's glob.glob for one pattern: * ? [..] in any component, no dotfiles, sorted. */
function globFiles(pattern: string): string[] {
  const magic = /[*?[]/;
  if (!magic.test(pattern)) {
    try {
      return statSync(pattern).isFile() ? [pattern] : [];
    } catch {
      return [];
    }
  }
  const parts = pattern.split("/");
  const first = parts.findIndex((p) => magic.test(p));
  const base = parts.slice(0, first).join("/") || "/";
  const rest = parts.slice(first).join("/");
  try {
    const glob = new Bun.Glob(rest);
    return [...glob.scanSync({ cwd: base, onlyFiles: true, dot: false, followSymlinks: true })].map((f) => join(base, f)).sort();
  } catch {
    return [];
  }
}

export interface Reader {
  readonly doc: IniDocument;
  readonly warnings: string[];
  readonly problems: ConfigIssue[];
}

/** Read `file` and its [include] files into one document; problems are collected, not thrown. */
export function readAll(file: string, env: Env): Reader {
  const doc = emptyDocument();
  const warnings: string[] = [];
  const problems: ConfigIssue[] = [];
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    problems.push({ file, message: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
    return { doc, warnings, problems };
  }
  readIniText(text, file, doc);
  const include = doc.sections.get("include");
  if (include) {
    const files = include.values.get("files");
    if (!files) {
      problems.push({ file, line: include.line, message: ".ini file has [include] section, but no files setting" });
    } else {
      let expanded = files.value;
      try {
        // Globs need real values now: ENV_X is read from this environment.
        expanded = literal(
          expandParts(files.value, (n) => (n === "here" ? dirname(files.file) : n === "host_node_name" ? hostname() : n.startsWith("ENV_") ? env[n.slice(4)] : undefined)),
        );
      } catch (e) {
        problems.push({ file: files.file, line: files.line, message: `[include] files: ${(e as Error).message}` });
      }
      for (const pattern of expanded.split(/\s+/).filter(Boolean)) {
        const full = isAbsolute(pattern) ? pattern : join(dirname(resolve(file)), pattern);
        const matches = globFiles(full);
        if (matches.length === 0) warnings.push(`[include] files: no file matches "${full}"`);
        for (const m of matches) {
          let t: string;
          try {
            t = readFileSync(m, "utf8");
          } catch (e) {
            problems.push({ file: m, message: `cannot read included file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
            continue;
          }
          const before = include.values.get("files");
          readIniText(t, m, doc);
          if (include.values.get("files") !== before) {
            warnings.push(`${m}: [include] in an included file is ignored (supervisord does not nest includes)`);
            if (before) include.values.set("files", before);
          }
        }
      }
    }
  }
  for (const p of doc.problems) problems.push({ file: p.file, line: p.line, message: p.message });
  return { doc, warnings, problems };
}
