// The running config after supervisord's addProcessGroup / removeProcessGroup: the same
// Config shape the loader builds (programs in start order, every group's members).

import type { Config, ProgramConfig } from "../config/types.ts";

const byStartOrder = (a: ProgramConfig, b: ProgramConfig) =>
  a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export function withPrograms(config: Config, programs: readonly ProgramConfig[]): Config {
  const sorted = [...programs].sort(byStartOrder);
  const groups: Record<string, string[]> = {};
  for (const p of sorted) (groups[p.group] ??= []).push(p.name);
  return { ...config, programs: sorted, groups };
}
