// `tend check`: validate a config file and print every problem, or a summary of what it
// would run.

import { loadConfig, formatIssues } from "../config/load.ts";
import type { Config, ConfigIssue, ProgramConfig } from "../config/types.ts";
import { namespec } from "../core/names.ts";
import { isTendError } from "../core/errors.ts";

/** The value a key path ended up with, read back from the built config. */
function effective(cfg: Config, path: string): unknown {
  const [section, a, b] = path.split(".");
  const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  if (section === "daemon") return (cfg.daemon as unknown as Record<string, unknown>)[camel(a!)];
  if (section === "http") return cfg.http ? (cfg.http as unknown as Record<string, unknown>)[camel(a!)] : undefined;
  const p = cfg.programs.find((x) => x.program === a);
  return p ? (p as unknown as Record<string, unknown>)[camel(b!)] : undefined;
}

export function runCheck(file: string): number {
  try {
    const cfg = loadConfig(file, process.env, { paths: true });
    const groups = Object.keys(cfg.groups).filter((g) => !cfg.programs.some((p) => p.name === g && p.group === g));
    console.log(
      `${cfg.file}: ok — ${cfg.programs.length} process${cfg.programs.length === 1 ? "" : "es"}` +
        (groups.length ? `, groups: ${groups.join(", ")}` : ""),
    );
    for (const p of cfg.programs) console.log(programLine(p));
    for (const n of cfg.notes) console.log(`note: ${n}`);
    const fromEnv = Object.entries(cfg.sources);
    if (fromEnv.length) {
      console.log("from the environment (effective values):");
      for (const [path, source] of fromEnv) console.log(`  ${path} = ${JSON.stringify(effective(cfg, path))}  (${source})`);
    }
    return 0;
  } catch (e) {
    return reportProblems(e);
  }
}

/** One line of `tend check`'s summary for a process. */
export function programLine(p: ProgramConfig): string {
  return `  ${namespec(p).padEnd(24)} priority ${String(p.priority).padEnd(5)} ${p.autostart ? "autostart" : "manual   "}  ${p.command.join(" ")}`;
}

/** A config that failed to load: print every problem and a count, exit 2. Anything else is rethrown. */
export function reportProblems(e: unknown): number {
  if (isTendError(e) && e.code === "INVALID_CONFIG" && Array.isArray(e.details)) {
    console.error(formatIssues(e.details as ConfigIssue[]));
    const n = e.details.length;
    console.error(`${n} problem${n === 1 ? "" : "s"} found`);
    return 2;
  }
  throw e;
}
