// The running config after supervisord's addProcessGroup / removeProcessGroup: the same
// Config shape the loader builds (programs in start order, every group's members).

import type { Config, ProgramConfig } from "../config/types.ts";

const byStartOrder = (a: ProgramConfig, b: ProgramConfig) =>
  a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export function withPrograms(config: Config, programs: readonly ProgramConfig[]): Config {
  const sorted = [...programs].sort(byStartOrder);
  const groups: Record<string, string[]> = {};
  for (const p of sorted) (groups[p.group] ??= []).push(p.name);
  // Members keep their place in their group (config/order.ts); a group added anew is in start order.
  const place = new Map(Object.values(config.groups).flatMap((ms) => ms.map((n, i) => [n, i] as const)));
  const at = (n: string) => place.get(n) ?? Number.MAX_SAFE_INTEGER;
  for (const ms of Object.values(groups)) ms.sort((a, b) => at(a) - at(b));
  return { ...config, programs: sorted, groups };
}
