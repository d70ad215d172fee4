// `tend check`: validate a config file and print every problem, or a summary of what it
// would run.

import { loadConfig, formatIssues } from "../config/load.ts";
import type { ConfigIssue } from "../config/types.ts";
import { isTendError } from "../core/errors.ts";

export function runCheck(file: string): number {
  try {
    const cfg = loadConfig(file);
    const groups = Object.keys(cfg.groups).filter((g) => !cfg.programs.some((p) => p.name === g && p.group === g));
    console.log(
      `${cfg.file}: ok — ${cfg.programs.length} process${cfg.programs.length === 1 ? "" : "es"}` +
        (groups.length ? `, groups: ${groups.join(", ")}` : ""),
    );
    for (const p of cfg.programs) console.log(`  ${p.name.padEnd(24)} priority ${String(p.priority).padEnd(5)} ${p.autostart ? "autostart" : "manual   "}  ${p.command.join(" ")}`);
    for (const n of cfg.notes) console.log(`note: ${n}`);
    return 0;
  } catch (e) {
    if (isTendError(e) && e.code === "INVALID_CONFIG" && Array.isArray(e.details)) {
      console.error(formatIssues(e.details as ConfigIssue[]));
      const n = e.details.length;
      console.error(`${n} problem${n === 1 ? "" : "s"} found`);
      return 2;
    }
    throw e;
  }
}
