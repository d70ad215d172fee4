// Resolve [group.NAME] membership: which group each program belongs to. Programs not listed
// anywhere are their own group, as in supervisord. Runs before instances are built, since
// `{group}` may appear in process_name.

import type { Problem } from "./problems.ts";
import type { GroupSpec } from "./schema.ts";
import { didYouMean } from "./suggest.ts";

export interface GroupMembership {
  /** program → the explicit group listing it (absent: the program is its own group). */
  readonly groupOf: ReadonlyMap<string, string>;
  readonly problems: readonly Problem[];
}

export function resolveGroups(
  groups: ReadonlyMap<string, GroupSpec>,
  programNames: readonly string[],
): GroupMembership {
  const groupOf = new Map<string, string>();
  const problems: Problem[] = [];
  for (const [group, spec] of groups) {
    const seen = new Set<string>();
    spec.programs.forEach((program, i) => {
      const path = ["group", group, "programs", i];
      if (!programNames.includes(program)) {
        problems.push({ path, message: `no program named ${JSON.stringify(program)}${didYouMean(program, programNames)}` });
        return;
      }
      if (seen.has(program)) {
        problems.push({ path, message: `${JSON.stringify(program)} is listed twice` });
        return;
      }
      seen.add(program);
      const other = groupOf.get(program);
      if (other !== undefined) {
        problems.push({
          path,
          message: `program ${JSON.stringify(program)} is already in group ${JSON.stringify(other)}; a program belongs to one group only`,
        });
        return;
      }
      groupOf.set(program, group);
    });
  }
  return { groupOf, problems };
}
