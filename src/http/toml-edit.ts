// Change one key of one [program.NAME] in the TOML text, and nothing else: the value token is
// replaced in place (its spacing and trailing comment kept), or one line is inserted into the
// right table. Every other byte of the file stays as it was, comments, CRLF and all. Pure.
//
// A small scanner finds where each statement (table header, key = value) starts and ends;
// it understands every TOML value form (strings of all four kinds, arrays over many lines,
// inline tables) only well enough to skip over them. The caller checks the result by parsing
// both texts (see autostart.ts), so a construct this scanner misreads is refused, never written.

export class TomlEditError extends Error {}

type Path = readonly string[];

interface InlineEntry {
  readonly key: Path;
  readonly valueStart: number;
  readonly valueEnd: number;
  readonly inline: InlineTable | null;
}

interface InlineTable {
  /** Offset of the closing "}". */
  readonly close: number;
  readonly entries: readonly InlineEntry[];
}

type Statement =
  | { readonly kind: "table"; readonly path: Path; readonly array: boolean; readonly lineStart: number; readonly lineEnd: number }
  | {
      readonly kind: "kv";
      readonly key: Path;
      readonly valueStart: number;
      readonly valueEnd: number;
      readonly inline: InlineTable | null;
      readonly lineStart: number;
      /** Offset of the end-of-line after the statement (its "\r\n" or "\n"), or text.length. */
      readonly lineEnd: number;
    };

const BARE_KEY = /[A-Za-z0-9_-]/;

class Scanner {
  i = 0;
  constructor(readonly s: string) {
    if (s.charCodeAt(0) === 0xfeff) this.i = 1;
  }

  fail(what: string): never {
    const before = this.s.slice(0, this.i);
    const line = before.split("\n").length;
    throw new TomlEditError(`cannot edit this TOML safely: ${what} at line ${line}`);
  }

  peek(k = 0): string {
    return this.s[this.i + k] ?? "";
  }

  at(str: string): boolean {
    return this.s.startsWith(str, this.i);
  }

  skipSpaces(): void {
    while (this.peek() === " " || this.peek() === "\t") this.i++;
  }

  /** Spaces, newlines and comments (inside arrays). */
  skipBlank(): void {
    for (;;) {
      this.skipSpaces();
      const c = this.peek();
      if (c === "\n" || c === "\r") this.i++;
      else if (c === "#") this.skipComment();
      else return;
    }
  }

  skipComment(): void {
    while (this.i < this.s.length && this.peek() !== "\n" && !this.at("\r\n")) this.i++;
  }

  /** After a statement: spaces, an optional comment, then end of line or of text. */
  endOfLine(): number {
    this.skipSpaces();
    if (this.peek() === "#") this.skipComment();
    if (this.i >= this.s.length) return this.i;
    if (this.peek() === "\n" || this.at("\r\n")) return this.i;
    this.fail(`unexpected ${JSON.stringify(this.peek())} after a value`);
  }

  consumeEol(): void {
    if (this.at("\r\n")) this.i += 2;
    else if (this.peek() === "\n") this.i += 1;
  }

  keyPath(): string[] {
    const parts: string[] = [];
    for (;;) {
      this.skipSpaces();
      parts.push(this.keyPart());
      this.skipSpaces();
      if (this.peek() !== ".") return parts;
      this.i++;
    }
  }

  keyPart(): string {
    const c = this.peek();
    if (c === '"') return this.basicString();
    if (c === "'") return this.literalString();
    const start = this.i;
    while (BARE_KEY.test(this.peek())) this.i++;
    if (this.i === start) this.fail(`expected a key, got ${JSON.stringify(c || "end of file")}`);
    return this.s.slice(start, this.i);
  }

  basicString(): string {
    this.i++; // opening "
    let out = "";
    for (;;) {
      const c = this.peek();
      if (c === "" || c === "\n") this.fail("unterminated string");
      this.i++;
      if (c === '"') return out;
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = this.peek();
      this.i++;
      const simple: Record<string, string> = { b: "\b", t: "\t", n: "\n", f: "\f", r: "\r", e: "\x1b", '"': '"', "\\": "\\" };
      if (e in simple) out += simple[e];
      else if (e === "u" || e === "U" || e === "x") {
        const len = e === "u" ? 4 : e === "U" ? 8 : 2;
        const hex = this.s.slice(this.i, this.i + len);
        if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== len) this.fail("bad escape");
        out += String.fromCodePoint(parseInt(hex, 16));
        this.i += len;
      } else this.fail("bad escape");
    }
  }

  literalString(): string {
    const start = ++this.i;
    while (this.peek() !== "'") {
      if (this.peek() === "" || this.peek() === "\n") this.fail("unterminated string");
      this.i++;
    }
    return this.s.slice(start, this.i++);
  }

  multiline(delim: '"""' | "'''"): void {
    this.i += 3;
    for (;;) {
      if (this.i >= this.s.length) this.fail("unterminated multi-line string");
      if (delim === '"""' && this.peek() === "\\") {
        this.i += 2;
        continue;
      }
      if (this.at(delim)) {
        this.i += 3;
        // Up to two more quotes belong to the content: """a"""" ends after the fourth.
        for (let k = 0; k < 2 && this.peek() === delim[0]; k++) this.i++;
        return;
      }
      this.i++;
    }
  }

  /** Skip one value; for an inline table, also return where its entries are. */
  value(): InlineTable | null {
    const c = this.peek();
    if (this.at('"""')) this.multiline('"""');
    else if (this.at("'''")) this.multiline("'''");
    else if (c === '"') this.basicString();
    else if (c === "'") this.literalString();
    else if (c === "[") this.array();
    else if (c === "{") return this.inlineTable();
    else this.scalar();
    return null;
  }

  scalar(): void {
    const start = this.i;
    while (this.i < this.s.length && !/[\s,\]}#]/.test(this.peek())) this.i++;
    // A date-time may have a space between date and time: 1979-05-27 07:32:00Z.
    if (/^\d{4}-\d{2}-\d{2}$/.test(this.s.slice(start, this.i)) && /^ \d{2}:/.test(this.s.slice(this.i, this.i + 4))) {
      this.i++;
      while (this.i < this.s.length && !/[\s,\]}#]/.test(this.peek())) this.i++;
    }
    if (this.i === start) this.fail(`expected a value, got ${JSON.stringify(this.peek() || "end of file")}`);
  }

  array(): void {
    this.i++; // [
    for (;;) {
      this.skipBlank();
      if (this.peek() === "]") {
        this.i++;
        return;
      }
      this.value();
      this.skipBlank();
      if (this.peek() === ",") this.i++;
      else if (this.peek() !== "]") this.fail("expected , or ] in an array");
    }
  }

  inlineTable(): InlineTable {
    this.i++; // {
    const entries: InlineEntry[] = [];
    for (;;) {
      // TOML 1.1 allows newlines (and comments) inside inline tables; accept them.
      this.skipBlank();
      if (this.peek() === "}") return { close: this.i++, entries };
      const key = this.keyPath();
      if (this.peek() !== "=") this.fail("expected = in an inline table");
      this.i++;
      this.skipSpaces();
      const valueStart = this.i;
      const inline = this.value();
      entries.push({ key, valueStart, valueEnd: this.i, inline });
      this.skipBlank();
      if (this.peek() === ",") this.i++;
      else if (this.peek() !== "}") this.fail("expected , or } in an inline table");
    }
  }

  statements(): Statement[] {
    const out: Statement[] = [];
    for (;;) {
      this.skipSpaces();
      if (this.i >= this.s.length) return out;
      const c = this.peek();
      if (c === "\n" || c === "\r") {
        if (c === "\r" && !this.at("\r\n")) this.fail("stray carriage return");
        this.consumeEol();
        continue;
      }
      if (c === "#") {
        this.skipComment();
        continue;
      }
      const lineStart = this.s.lastIndexOf("\n", this.i - 1) + 1;
      if (c === "[") {
        const array = this.at("[[");
        this.i += array ? 2 : 1;
        const path = this.keyPath();
        if (!this.at(array ? "]]" : "]")) this.fail("expected ] closing a table header");
        this.i += array ? 2 : 1;
        out.push({ kind: "table", path, array, lineStart, lineEnd: this.endOfLine() });
      } else {
        const key = this.keyPath();
        if (this.peek() !== "=") this.fail(`expected = after key ${key.join(".")}`);
        this.i++;
        this.skipSpaces();
        const valueStart = this.i;
        const inline = this.value();
        const valueEnd = this.i;
        out.push({ kind: "kv", key, valueStart, valueEnd, inline, lineStart, lineEnd: this.endOfLine() });
      }
      this.consumeEol();
    }
  }
}

const startsWith = (p: Path, prefix: Path) => prefix.length <= p.length && prefix.every((x, k) => p[k] === x);
const equal = (a: Path, b: Path) => a.length === b.length && startsWith(a, b);

/** A key as TOML writes it: bare when it can be, else a basic string. */
export function tomlKey(part: string): string {
  return /^[A-Za-z0-9_-]+$/.test(part) ? part : JSON.stringify(part);
}

function eolAt(text: string, lineEnd: number): string {
  if (text.startsWith("\r\n", lineEnd)) return "\r\n";
  if (text[lineEnd] === "\n") return "\n";
  // The last line has no end-of-line: use the file's first one.
  const first = text.indexOf("\n");
  return first > 0 && text[first - 1] === "\r" ? "\r\n" : "\n";
}

const splice = (text: string, start: number, end: number, insert: string) => text.slice(0, start) + insert + text.slice(end);

/** Insert `line` as a new line after the statement line ending at `lineEnd`. */
function insertLineAfter(text: string, lineEnd: number, line: string): string {
  const eol = eolAt(text, lineEnd);
  if (lineEnd >= text.length) return text + eol + line;
  const after = lineEnd + eol.length;
  return splice(text, after, after, line + eol);
}

function indentOf(text: string, lineStart: number): string {
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

interface InlineSite {
  /** Where the inline table sits: the full key path of the table itself. */
  readonly base: Path;
  readonly table: InlineTable;
}

/** Inline tables (nested ones included) with their full paths. */
function inlineSites(base: Path, table: InlineTable, out: InlineSite[]): void {
  out.push({ base, table });
  for (const e of table.entries) if (e.inline) inlineSites([...base, ...e.key], e.inline, out);
}

/**
 * Set `key` of [program.<program>] to `literal` (a TOML value as text, e.g. "false").
 * Throws TomlEditError when the program is not in the text or the text is beyond the scanner.
 */
export function setProgramKey(text: string, program: string, key: string, literal: string): string {
  const target: Path = ["program", program, key];
  const owner: Path = ["program", program];
  const statements = new Scanner(text).statements();

  let table: Path = [];
  let tableIndex = -1;
  /** The header [program.NAME] itself, and the last key line under it. */
  let header: { index: number; lastLineEnd: number; lastLineStart: number | null } | null = null;
  /** The last dotted-key line that defines something of the program (program.web.x = ...). */
  let lastDotted: { table: Path; lineEnd: number; lineStart: number } | null = null;
  const sites: InlineSite[] = [];

  for (let k = 0; k < statements.length; k++) {
    const st = statements[k]!;
    if (st.kind === "table") {
      table = st.path;
      tableIndex = k;
      if (!st.array && equal(st.path, owner)) header = { index: k, lastLineEnd: st.lineEnd, lastLineStart: null };
      continue;
    }
    const full = [...table, ...st.key];
    if (equal(full, target)) return splice(text, st.valueStart, st.valueEnd, literal);
    if (header && tableIndex === header.index) {
      header.lastLineEnd = st.lineEnd;
      header.lastLineStart = st.lineStart;
    }
    if (st.inline) inlineSites(full, st.inline, sites);
    else if (startsWith(full, owner) && full.length > owner.length && !(header && tableIndex === header.index)) {
      lastDotted = { table, lineEnd: st.lineEnd, lineStart: st.lineStart };
    }
  }

  // The key inside an inline table: web = { command = "x", autostart = true }.
  for (const site of sites) {
    for (const e of site.table.entries) {
      if (equal([...site.base, ...e.key], target)) return splice(text, e.valueStart, e.valueEnd, literal);
    }
  }

  // Missing: add it where the program is defined.
  if (header) {
    const indent = header.lastLineStart === null ? "" : indentOf(text, header.lastLineStart);
    return insertLineAfter(text, header.lastLineEnd, `${indent}${tomlKey(key)} = ${literal}`);
  }
  for (const site of sites) {
    const inThis = equal(site.base, owner);
    const dottedInside = site.table.entries.filter((e) => startsWith([...site.base, ...e.key], owner) && !e.inline);
    if (!inThis && (dottedInside.length === 0 || !startsWith(owner, site.base))) continue;
    const rel = target.slice(site.base.length).map(tomlKey).join(".");
    const last = site.table.entries.at(-1);
    if (!last) return splice(text, site.table.close, site.table.close, ` ${rel} = ${literal} `);
    return splice(text, last.valueEnd, last.valueEnd, `, ${rel} = ${literal}`);
  }
  if (lastDotted) {
    const rel = target.slice(lastDotted.table.length).map(tomlKey).join(".");
    return insertLineAfter(text, lastDotted.lineEnd, `${indentOf(text, lastDotted.lineStart)}${rel} = ${literal}`);
  }
  throw new TomlEditError(`program ${program} is not defined in this file`);
}

/**
 * setProgramKey for a boolean, checked: both texts are parsed, and the new one must equal the
 * old one with exactly that key set. Anything else (a construct the scanner misread) throws.
 */
export function setProgramBool(text: string, program: string, key: string, value: boolean): string {
  const next = setProgramKey(text, program, key, String(value));
  let after: Record<string, unknown>;
  try {
    Bun.TOML.parse(text);
  } catch (e) {
    throw new TomlEditError(`the config file does not parse: ${(e as Error).message}`);
  }
  try {
    after = Bun.TOML.parse(next) as Record<string, unknown>;
  } catch {
    throw new TomlEditError("cannot edit this TOML safely: the edited text would not parse");
  }
  // A second parse, not structuredClone: Bun's TOML dates cannot be cloned.
  const expected = Bun.TOML.parse(text) as Record<string, unknown>;
  const programs = expected.program as Record<string, Record<string, unknown>> | undefined;
  const table = programs?.[program];
  if (!table || typeof table !== "object") throw new TomlEditError(`program ${program} is not defined in this file`);
  table[key] = value;
  if (!Bun.deepEquals(expected, after)) throw new TomlEditError("cannot edit this TOML safely: the edit would change more than one key");
  return next;
}
