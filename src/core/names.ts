// How a process is named to users: supervisord's namespec, "name" when the program is its
// own group, "group:name" inside a [group]. Pure.

export const namespec = (p: { name: string; group: string }): string => (p.group === p.name ? p.name : `${p.group}:${p.name}`);

/** supervisord's getAllProcessInfo order: by group name, then process name. */
export const byNamespec = (a: { name: string; group: string }, b: { name: string; group: string }): number =>
  a.group < b.group ? -1 : a.group > b.group ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

/**
 * Does a name as users write it select this process? `all`; `GROUP:*` or `GROUP:` (the whole
 * group); `group:name` (supervisord's spelling of one process); or the bare name. One rule for
 * the daemon's name resolution and the client's filters.
 */
export function selects(spec: string, p: { name: string; group: string }): boolean {
  if (spec === "all") return true;
  const group = groupOfSpec(spec);
  if (group !== null) return p.group === group;
  const colon = spec.indexOf(":");
  return colon < 0 ? spec === p.name : spec.slice(colon + 1) === p.name && spec.slice(0, colon) === p.group;
}

/** The group a `GROUP:*` / `GROUP:` spec names, or null for any other spec. */
export function groupOfSpec(spec: string): string | null {
  return /^(.+):\*?$/.exec(spec)?.[1] ?? null;
}

/** Does the spec name a group or everything, as opposed to one process? */
export const isMany = (spec: string): boolean => spec === "all" || groupOfSpec(spec) !== null;
