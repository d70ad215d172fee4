// supervisord's order for what group and `all` operations answer (start, stop, signal, clear
// logs): groups by priority, then by name; in each group its processes by priority, then as
// the group lists them (Config.groups). supervisorctl prints the answers in that order, so
// tend's answers follow it too. Listings (status, getAllProcessInfo) are by name instead
// (core/names.ts byNamespec). Pure.

import type { Config } from "./types.ts";

/**
 * Group name → its priority. tend carries no group priority: a program that is its own group has
 * its own priority (as supervisord's [program:x]), a [group] supervisord's default, 999.
 */
export function groupPriorities(cfg: Config): Map<string, number> {
  const prio = new Map<string, number>(Object.keys(cfg.groups).map((g) => [g, 999]));
  const mixed = new Set<string>();
  for (const p of cfg.programs) {
    if (p.program !== p.group) mixed.add(p.group);
    else if (!mixed.has(p.group)) prio.set(p.group, p.priority);
  }
  for (const g of mixed) prio.set(g, 999);
  return prio;
}

/** Instance name → its place in supervisord's order (0 first). */
export function operationRanks(cfg: Config): ReadonlyMap<string, number> {
  const prio = groupPriorities(cfg);
  const groups = [...prio.keys()].sort((a, b) => prio.get(a)! - prio.get(b)! || (a < b ? -1 : a > b ? 1 : 0));
  const ranks = new Map<string, number>();
  for (const g of groups) for (const name of cfg.groups[g] ?? []) ranks.set(name, ranks.size);
  return ranks;
}

/** `items` in supervisord's order; names the config does not know keep their order, last. */
export function inOperationOrder<T extends { readonly name: string }>(ranks: ReadonlyMap<string, number>, items: readonly T[]): T[] {
  const at = (t: T) => ranks.get(t.name) ?? Number.MAX_SAFE_INTEGER;
  return [...items].sort((a, b) => at(a) - at(b));
}
