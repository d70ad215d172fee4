// supervisord's value expansion: Python's `value % expansions` with a mapping, so
// "%(name)s", "%(process_num)02d", "%%" for a literal "%". The result is kept as parts, literal
// text and references to environment variables, because %(ENV_X)s is not pasted into the
// converted config: it becomes tend's ${X}, read from the environment when tend starts (so
// secrets stay out of the file, and change with the environment as they did under
// supervisord). A variable the config itself defines ([supervisord] or [program] environment)
// is pasted as its value, since supervisord takes it from there.

export type Part = { readonly lit: string } | { readonly env: string };

export class ExpandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExpandError";
  }
}

/**
 * A name's value: text, a number (%(process_num)d), "from the environment at run time",
 * text that itself holds such references, or a function that renders the conversion itself
 * (for turning %(process_num)02d into tend's {num:02}); it returns null when it cannot.
 */
export type Expansion =
  | string
  | number
  | { readonly env: string }
  | { readonly parts: readonly Part[] }
  | { readonly render: (spec: { flags: string; width: number; precision: number | null; type: string }) => string | null };

export type Lookup = (name: string) => Expansion | undefined;

// %(name)[flags][width][.precision][length]type — Python's printf-style conversion.
const SPEC = /%(?:(%)|\(([^)]*)\)([#0\- +]*)(\d*)(?:\.(\d+))?[hlL]?([diouxXeEfFgGcrsa])?)/y;

function pad(s: string, flags: string, width: number, numeric: boolean): string {
  if (s.length >= width) return s;
  if (flags.includes("-")) return s.padEnd(width, " ");
  if (numeric && flags.includes("0")) {
    const sign = /^[+-]/.test(s) ? s[0]! : "";
    return sign + s.slice(sign.length).padStart(width - sign.length, "0");
  }
  return s.padStart(width, " ");
}

function formatOne(value: string | number, type: string, flags: string, width: number, precision: number | null, name: string): string {
  switch (type) {
    case "s":
    case "r":
    case "a": {
      let s = typeof value === "number" ? String(value) : type === "s" ? value : `'${value}'`;
      if (precision !== null) s = s.slice(0, precision);
      return pad(s, flags, width, false);
    }
    case "d":
    case "i":
    case "u": {
      const n = typeof value === "number" ? value : /^\s*[+-]?\d+\s*$/.test(value) ? Number(value.trim()) : null;
      if (n === null) throw new ExpandError(`%(${name})${type} needs a number, and ${name} is ${JSON.stringify(value)}`);
      let s = String(Math.trunc(n));
      if (n >= 0 && flags.includes("+")) s = `+${s}`;
      else if (n >= 0 && flags.includes(" ")) s = ` ${s}`;
      return pad(s, flags, width, true);
    }
    case "x":
    case "X":
    case "o": {
      if (typeof value !== "number") throw new ExpandError(`%(${name})${type} needs a number, and ${name} is ${JSON.stringify(value)}`);
      let s = Math.trunc(value).toString(type === "o" ? 8 : 16);
      if (type === "X") s = s.toUpperCase();
      return pad(s, flags, width, true);
    }
    default:
      throw new ExpandError(`unsupported conversion %(${name})${type}`);
  }
}

/**
 * Expand `input` with `lookup`. Throws ExpandError for an unknown name or a badly formed "%"
 * (supervisord refuses the config for both). `available` names the known ones in messages.
 */
export function expandParts(input: string, lookup: Lookup, available: () => string[] = () => []): Part[] {
  const parts: Part[] = [];
  let lit = "";
  let i = 0;
  while (i < input.length) {
    const pct = input.indexOf("%", i);
    if (pct === -1) {
      lit += input.slice(i);
      break;
    }
    lit += input.slice(i, pct);
    SPEC.lastIndex = pct;
    const m = SPEC.exec(input);
    if (!m) {
      throw new ExpandError(`a "%" that is not %(name)s in ${JSON.stringify(input)} (write %% for a literal %)`);
    }
    i = SPEC.lastIndex;
    if (m[1] === "%") {
      lit += "%";
      continue;
    }
    const name = m[2]!;
    const type = m[6];
    if (type === undefined) throw new ExpandError(`%(${name}) has no conversion type in ${JSON.stringify(input)} (e.g. %(${name})s)`);
    const value = lookup(name);
    if (value === undefined) {
      const names = available();
      throw new ExpandError(`%(${name})${type} cannot be expanded${names.length ? `; available: ${names.sort().join(", ")}` : ""}`);
    }
    if (typeof value === "object" && "render" in value) {
      const text = value.render({ flags: m[3] ?? "", width: m[4] ? Number(m[4]) : 0, precision: m[5] ? Number(m[5]) : null, type });
      if (text === null) throw new ExpandError(`%(${name})${m[3]}${m[4]}${m[5] ? `.${m[5]}` : ""}${type} has no tend equivalent`);
      lit += text;
      continue;
    }
    if (typeof value === "object" && "parts" in value) {
      if (!hasEnv(value.parts)) {
        lit += formatOne(literal(value.parts), type, m[3] ?? "", m[4] ? Number(m[4]) : 0, m[5] ? Number(m[5]) : null, name);
        continue;
      }
      if (type !== "s" || m[3] || m[4] || m[5]) {
        throw new ExpandError(`%(${name})${m[3]}${m[4]}${m[5] ? `.${m[5]}` : ""}${type}: a value taken from the environment can only be used as %(${name})s`);
      }
      for (const p of value.parts) {
        if ("lit" in p) lit += p.lit;
        else {
          if (lit) parts.push({ lit });
          lit = "";
          parts.push(p);
        }
      }
      continue;
    }
    if (typeof value === "object") {
      if (type !== "s" || m[3] || m[4] || m[5]) {
        throw new ExpandError(`%(${name})${m[3]}${m[4]}${m[5] ? `.${m[5]}` : ""}${type}: an environment variable can only be used as %(${name})s`);
      }
      if (lit) parts.push({ lit });
      lit = "";
      parts.push({ env: value.env });
      continue;
    }
    lit += formatOne(value, type, m[3] ?? "", m[4] ? Number(m[4]) : 0, m[5] ? Number(m[5]) : null, name);
  }
  if (lit || parts.length === 0) parts.push({ lit });
  return parts;
}

export const hasEnv = (parts: readonly Part[]): boolean => parts.some((p) => "env" in p);

/** The text when there are no environment references (throws otherwise: caller checks first). */
export function literal(parts: readonly Part[]): string {
  return parts.map((p) => ("lit" in p ? p.lit : `\${${p.env}}`)).join("");
}

/**
 * As a tend config string: literal "$" escaped where tend would read it as its own syntax
 * ("${" and "$$"), environment references as ${NAME}.
 */
export function toTendString(parts: readonly Part[]): string {
  return parts
    .map((p, i) => ("lit" in p ? escapeDollars(p.lit, i + 1 < parts.length ? "$" : "") : `\${${p.env}}`))
    .join("");
}

/**
 * Escape "$" so tend's ${VAR} expansion gives back exactly `s`; `after` is the character that
 * will follow `s` in the final string (a "$" that ends `s` may meet one there).
 */
export function escapeDollars(s: string, after = ""): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const next = i + 1 < s.length ? s[i + 1] : after;
    out += c === "$" && (next === "$" || next === "{") ? "$$" : c;
  }
  return out;
}
