// Terminal output for the client (pure string building): the supervisorctl-style status
// table and per-process result lines. Colour comes in as a Palette (colour.ts picks it).

import type { ActionResultDTO, ReloadPlanDTO, ServiceDTO } from "../api/dto.ts";

export interface Palette {
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
}
export const PLAIN: Palette = { green: (s) => s, red: (s) => s, yellow: (s) => s, dim: (s) => s };

export { namespec } from "../core/names.ts";
import { namespec } from "../core/names.ts";

function colourState(state: string, p: Palette): string {
  const padded = state.padEnd(10);
  if (state === "RUNNING") return p.green(padded);
  if (state === "FATAL" || state === "BACKOFF" || state === "UNKNOWN") return p.red(padded);
  if (state === "EXITED") return p.yellow(padded);
  return padded;
}

/** supervisorctl's layout: name column max(30, longest)+3 wide, state column 10 wide. */
export function statusTable(services: readonly ServiceDTO[], p: Palette): string {
  const width = Math.max(30, ...services.map((s) => namespec(s).length)) + 3;
  return services.map((s) => `${namespec(s).padEnd(width)}${colourState(s.state, p)}${s.description}`).join("\n");
}

export function resultLine(r: ActionResultDTO, p: Palette): string {
  const spec = namespec(r);
  return r.ok ? `${spec}: ${r.message}` : `${spec}: ${p.red("ERROR")} (${r.message})`;
}

export function reloadPlan(plan: ReloadPlanDTO): string {
  const lines: string[] = [];
  const verb = plan.applied ? ["started", "restarted", "stopped and removed"] : ["would start", "would restart", "would stop and remove"];
  for (const n of plan.added) lines.push(`${n}: added (${verb[0]})`);
  for (const n of plan.changed) lines.push(`${n}: changed (${verb[1]})`);
  for (const n of plan.removed) lines.push(`${n}: removed (${verb[2]})`);
  for (const k of plan.daemon_changed) lines.push(`${k}: changed; takes effect when tend restarts`);
  if (lines.length === 0) lines.push("No config updates to processes");
  if (plan.unchanged.length) lines.push(`unchanged: ${plan.unchanged.join(", ")}`);
  return lines.join("\n");
}
