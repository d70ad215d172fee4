// Which config file to use: `-c FILE`, then $TEND_CONFIG, then ./tend.toml, then
// /etc/tend/tend.toml. A file the user named (by -c or $TEND_CONFIG) must exist: falling back
// to another one would run a config they did not ask for.

import { statSync } from "node:fs";
import { resolve } from "node:path";
import { TendError } from "../core/errors.ts";
import type { Env } from "./env.ts";

export const SYSTEM_CONFIG = "/etc/tend/tend.toml";

type Kind = "file" | "directory" | "missing";

function kindOf(path: string): Kind {
  try {
    return statSync(path).isDirectory() ? "directory" : "file";
  } catch {
    return "missing";
  }
}

/** The absolute path of the config to load; throws INVALID_CONFIG naming where it looked. */
export function findConfigFile(explicit: string | undefined, env: Env): string {
  const named =
    explicit !== undefined && explicit !== ""
      ? { path: resolve(explicit), how: "given with -c" }
      : env["TEND_CONFIG"] !== undefined && env["TEND_CONFIG"] !== ""
        ? { path: resolve(env["TEND_CONFIG"]), how: "named by $TEND_CONFIG" }
        : null;
  if (named !== null) {
    const kind = kindOf(named.path);
    if (kind === "file") return named.path;
    const what = kind === "directory" ? "is a directory" : "does not exist";
    throw new TendError("INVALID_CONFIG", `config file ${named.path} (${named.how}) ${what}`, { looked: [named.path] });
  }
  const candidates = [resolve("tend.toml"), SYSTEM_CONFIG];
  for (const path of candidates) if (kindOf(path) === "file") return path;
  throw new TendError(
    "INVALID_CONFIG",
    `no config file: no -c FILE given, $TEND_CONFIG not set, and neither ${candidates.join(" nor ")} exists`,
    { looked: candidates },
  );
}
