// An INI reader for supervisord's dialect: Python 3's configparser.RawConfigParser as
// supervisord builds it (inline_comment_prefixes ';' and '#', strict=False), rule for rule:
//   - full-line comments start with ';' or '#' (after indentation);
//   - an inline comment is ';' or '#' preceded by whitespace ("a=b;c" keeps ";c");
//   - "key = value" or "key: value", split at the first '=' or ':'; keys are lower-cased;
//   - a line indented deeper than its key's line continues the value (joined with "\n"),
//     blank lines inside a value are kept, trailing ones dropped;
//   - a repeated section merges into the first, a repeated key overwrites (strict=False);
//   - [DEFAULT] supplies keys to every section that lacks them;
//   - no interpolation here: supervisord's %(name)s expansion is expand.ts.
// No well-kept npm INI library follows these rules (most treat ';' anywhere as a comment,
// have no continuation lines, or interpolate), so it is written here, small and tested.

export interface IniValue {
  readonly value: string;
  readonly file: string;
  /** 1-based line of the key. */
  readonly line: number;
}

export interface IniSection {
  readonly name: string;
  readonly file: string;
  readonly line: number;
  /** Keys in first-seen order (lower-cased). */
  readonly values: Map<string, IniValue>;
}

export interface IniProblem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

export interface IniDocument {
  /** Sections in first-seen order, [DEFAULT] excluded (its keys are folded into each). */
  readonly sections: Map<string, IniSection>;
  readonly defaults: Map<string, IniValue>;
  readonly problems: IniProblem[];
}

export function emptyDocument(): IniDocument {
  return { sections: new Map(), defaults: new Map(), problems: [] };
}

const COMMENT_PREFIXES = [";", "#"];
const SECTION = /^\[(.+)\]/;
const OPTION = /^(.*?)\s*[=:]\s*(.*)$/;

/** Where an inline comment starts in `line`, or -1 (RawConfigParser's rule). */
function inlineCommentStart(line: string): number {
  let best = -1;
  for (const prefix of COMMENT_PREFIXES) {
    let i = line.indexOf(prefix);
    while (i !== -1) {
      if (i === 0 || /\s/.test(line[i - 1]!)) {
        if (best === -1 || i < best) best = i;
        break;
      }
      i = line.indexOf(prefix, i + 1);
    }
  }
  return best;
}

/**
 * Parse one file's text into `doc` (several files may be read into one document, as
 * supervisord's [include] does). Bad lines are collected as problems, not thrown.
 */
export function readIniText(text: string, file: string, doc: IniDocument = emptyDocument()): IniDocument {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split(/\r\n|\n|\r/);
  let section: { values: Map<string, IniValue> } | null = null;
  // The value being built: its parts, where it lives, and its key line's indent.
  let current: { parts: string[]; key: string; into: Map<string, IniValue>; line: number } | null = null;
  let indentLevel = Number.MAX_SAFE_INTEGER;

  const flush = () => {
    if (!current) return;
    const value = current.parts.join("\n").replace(/\s+$/, "");
    current.into.set(current.key, { value, file, line: current.line });
  };

  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n]!;
    const lineno = n + 1;
    let commentStart = inlineCommentStart(raw);
    const stripped = raw.trim();
    if (COMMENT_PREFIXES.some((p) => stripped.startsWith(p))) commentStart = 0;
    const value = (commentStart === -1 ? raw : raw.slice(0, commentStart)).trim();
    if (value === "") {
      // A blank line (not a comment line) inside a value is part of it.
      if (commentStart === -1 && current) current.parts.push("");
      continue;
    }
    const indent = raw.length - raw.trimStart().length;
    if (current && indent > indentLevel) {
      current.parts.push(value);
      continue;
    }
    indentLevel = indent;
    const sect = SECTION.exec(value);
    if (sect) {
      flush();
      current = null;
      const name = sect[1]!;
      if (name === "DEFAULT") {
        section = { values: doc.defaults };
      } else {
        let s = doc.sections.get(name);
        if (!s) {
          s = { name, file, line: lineno, values: new Map() };
          doc.sections.set(name, s);
        }
        section = s;
      }
      continue;
    }
    if (section === null) {
      doc.problems.push({ file, line: lineno, message: `a "key = value" line before any [section]: ${JSON.stringify(raw.trim())}` });
      continue;
    }
    const opt = OPTION.exec(value);
    if (!opt || opt[1]!.trim() === "") {
      doc.problems.push({ file, line: lineno, message: `not a "key = value" line: ${JSON.stringify(raw.trim())}` });
      flush();
      current = null;
      continue;
    }
    flush();
    current = { parts: [opt[2]!.trim()], key: opt[1]!.trimEnd().toLowerCase(), into: section.values, line: lineno };
  }
  flush();
  return doc;
}

/** A section's value for `key`, falling back to [DEFAULT]. */
export function iniGet(doc: IniDocument, section: IniSection, key: string): IniValue | undefined {
  return section.values.get(key) ?? doc.defaults.get(key);
}

/** Every key a section has, its own and [DEFAULT]'s. */
export function iniKeys(doc: IniDocument, section: IniSection): string[] {
  const keys = [...section.values.keys()];
  for (const k of doc.defaults.keys()) if (!section.values.has(k)) keys.push(k);
  return keys;
}
