// What a reload changes, program by program (not group by group as supervisord's `update`):
// added ones start, removed ones stop and go, changed ones restart, the rest keep running
// with the same pid. Pure: two configs in, a plan out.

import type { Config, ProgramConfig } from "../config/types.ts";

export interface ReloadPlan {
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
  readonly unchanged: readonly string[];
  /** Settings that only take effect when the daemon restarts. */
  readonly daemonChanged: readonly string[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function planReload(current: Config, next: Config): ReloadPlan {
  const before = new Map<string, ProgramConfig>(current.programs.map((p) => [p.name, p]));
  const after = new Map<string, ProgramConfig>(next.programs.map((p) => [p.name, p]));
  const added: string[] = [];
  const changed: string[] = [];
  const unchanged: string[] = [];
  for (const [name, cfg] of after) {
    const old = before.get(name);
    if (!old) added.push(name);
    else if (same(old, cfg)) unchanged.push(name);
    else changed.push(name);
  }
  const removed = [...before.keys()].filter((n) => !after.has(n));
  const daemonChanged: string[] = [];
  for (const key of ["socket", "socketMode", "socketOwner", "logDir", "logfile", "logfileMaxbytes", "logfileBackups", "pidfile"] as const) {
    if (!same(current.daemon[key], next.daemon[key])) daemonChanged.push(`daemon.${key}`);
  }
  if (!same(current.http, next.http)) daemonChanged.push("http");
  return { added, changed, removed, unchanged, daemonChanged };
}
