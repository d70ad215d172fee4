// How a process is named to users: supervisord's namespec, "name" when the program is its
// own group, "group:name" inside a [group]. Pure.

export const namespec = (p: { name: string; group: string }): string => (p.group === p.name ? p.name : `${p.group}:${p.name}`);

/** supervisord's getAllProcessInfo order: by group name, then process name. */
export const byNamespec = (a: { name: string; group: string }, b: { name: string; group: string }): number =>
  a.group < b.group ? -1 : a.group > b.group ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
