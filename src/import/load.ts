// Load a config file whatever its dialect: tend's TOML, or a supervisord .conf converted on the
// way in (the same conversion as `tend import`), so `tend daemon -c supervisord.conf`, `tend
// check` and reloads all read it. Problems found in the converted config are reported against
// the supervisord file and line the key came from.

import { readFileSync } from "node:fs";
import { extname, resolve } from "node:path";
import { loadConfig, parseConfigText } from "../config/load.ts";
import { invalidConfig } from "../config/issues.ts";
import type { Config, ConfigIssue } from "../config/types.ts";
import { isTendError } from "../core/errors.ts";
import { convertSupervisordConfig, type Conversion, type Env } from "./convert.ts";

const SUPERVISORD_SECTION = /^[ \t]*\[(supervisord|supervisorctl|unix_http_server|inet_http_server|include|program:[^\]]+|group:[^\]]+|eventlistener:[^\]]+|fcgi-program:[^\]]+|rpcinterface:[^\]]+)\][ \t]*(?:[;#].*)?$/m;

/** A supervisord INI file: named *.conf or *.ini, or (any other name but *.toml) with its sections. */
export function isSupervisordConfig(file: string): boolean {
  const ext = extname(file).toLowerCase();
  if (ext === ".conf" || ext === ".ini") return true;
  if (ext === ".toml") return false;
  try {
    return SUPERVISORD_SECTION.test(readFileSync(file, "utf8").slice(0, 256 * 1024));
  } catch {
    return false;
  }
}

/** A converted config's problems, pointed at the supervisord file and line they came from. */
export function locateIssues(issues: readonly ConfigIssue[], conv: Conversion, file: string): ConfigIssue[] {
  return issues.map((issue) => {
    if (issue.path === undefined) {
      return issue.file === file && issue.line !== undefined ? { file, message: `${issue.message} (in the converted config)` } : issue;
    }
    // Key paths quote segments that are not bare keys: program."my@app".command.
    const segments = [...issue.path.matchAll(/"((?:[^"\\]|\\.)*)"|([^.]+)/g)].map((m) => m[2] ?? (JSON.parse(`"${m[1]}"`) as string));
    for (let n = segments.length; n > 0; n--) {
      const at = conv.sources.get(segments.slice(0, n).join("."));
      if (at) return { file: at.file, line: at.line, message: `${issue.message} (tend's ${issue.path})` };
    }
    return { file, message: `${issue.path}: ${issue.message}` };
  });
}

/** Convert a supervisord config and build tend's Config from it; throws INVALID_CONFIG. */
export function loadSupervisordConfig(file: string, env: Env = process.env): { config: Config; conversion: Conversion } {
  const path = resolve(file);
  const conversion = convertSupervisordConfig(path, env);
  if (conversion.problems.length) throw invalidConfig(path, conversion.problems);
  try {
    return { config: parseConfigText(conversion.toml, path, env), conversion };
  } catch (e) {
    if (isTendError(e) && e.code === "INVALID_CONFIG" && Array.isArray(e.details)) {
      throw invalidConfig(path, locateIssues(e.details as ConfigIssue[], conversion, path));
    }
    throw e;
  }
}

/** loadConfig for either dialect. */
export function loadAnyConfig(file: string, env: Env = process.env): Config {
  return isSupervisordConfig(file) ? loadSupervisordConfig(file, env).config : loadConfig(file, env);
}
