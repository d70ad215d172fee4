// Expand `{program}`, `{group}`, `{num}`, `{num:02}` (and `{name}` where an instance name
// exists) in process_name and log paths. Anything else in braces is an error rather than
// left as is, so a typo like `{nmu}` cannot silently end up in a file name.

export interface TemplateVars {
  readonly program: string;
  readonly group: string;
  readonly num: number;
  /** The instance name; only in log paths, which are expanded after it is known. */
  readonly name?: string;
}

export type TemplateResult =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly message: string };

const PLACEHOLDER = /\{([^{}]*)\}/g;
const NUM_WIDTH = /^num:0(\d{1,2})$/;

export function expandTemplate(template: string, vars: TemplateVars): TemplateResult {
  let error: string | null = null;
  const value = template.replace(PLACEHOLDER, (whole, inner: string) => {
    if (inner === "program") return vars.program;
    if (inner === "group") return vars.group;
    if (inner === "num") return String(vars.num);
    if (inner === "name" && vars.name !== undefined) return vars.name;
    const width = NUM_WIDTH.exec(inner);
    if (width !== null) return String(vars.num).padStart(Number(width[1]), "0");
    const allowed = `{program}, {group}, {num}, {num:02}${vars.name !== undefined ? ", {name}" : ""}`;
    error ??= `unknown placeholder ${whole}: use ${allowed}`;
    return whole;
  });
  if (error !== null) return { ok: false, message: error };
  if (/[{}]/.test(value)) return { ok: false, message: `unbalanced brace in ${JSON.stringify(template)}` };
  return { ok: true, value };
}

/** True if the template varies per instance, as process_name must when numprocs > 1. */
export function mentionsNum(template: string): boolean {
  return /\{num(:0\d{1,2})?\}/.test(template);
}
