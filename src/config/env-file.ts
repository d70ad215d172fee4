// Parse an environment_file: dotenv-style `KEY=VALUE` lines. Values are taken literally (no
// `${VAR}` expansion), as systemd's EnvironmentFile does: the file is data, not a template.

import { setOwn } from "./objects.ts";

export interface EnvFileProblem {
  /** 1-based line and column in the env file. */
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export interface EnvFileResult {
  readonly vars: Record<string, string>;
  readonly problems: readonly EnvFileProblem[];
}

const ASSIGNMENT = /^(\s*)(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;

/**
 * Accepted per line: blank, `# comment`, `KEY=value`, `export KEY=value`, `KEY="double
 * quoted"` (escapes \n \t \r \" \\ \$), `KEY='single quoted'` (literal), and an unquoted value
 * ending at ` #` (an inline comment) or the end of the line, trimmed.
 */
export function parseEnvFile(text: string): EnvFileResult {
  const vars: Record<string, string> = {};
  const problems: EnvFileProblem[] = [];
  // Files written on Windows end lines with \r\n, the last one possibly without \n.
  const lines = text.split("\n").map((l) => l.replace(/\r$/, ""));
  lines.forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    const m = ASSIGNMENT.exec(raw);
    if (m === null) {
      problems.push({
        line,
        column: raw.length - raw.trimStart().length + 1,
        message: `expected KEY=VALUE, got ${JSON.stringify(trimmed.slice(0, 60))}`,
      });
      return;
    }
    const key = m[2]!;
    const rest = m[3]!;
    const valueColumn = raw.length - rest.length + 1;
    const value = parseValue(rest);
    // A NUL cannot be passed to a program (environment variables are C strings).
    if (typeof value === "string" && value.includes("\0")) {
      problems.push({ line, column: valueColumn + rest.indexOf("\0"), message: `${key}: the value contains a NUL character, which no environment variable can hold` });
    } else if (typeof value === "string") setOwn(vars, key, value);
    else problems.push({ line, column: valueColumn + value.offset, message: `${key}: ${value.message}` });
  });
  return { vars, problems };
}

type ValueError = { readonly offset: number; readonly message: string };

const DOUBLE_ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\", $: "$" };

function parseValue(rest: string): string | ValueError {
  const quote = rest[0];
  if (quote === "'" || quote === '"') {
    let value = "";
    let i = 1;
    for (; i < rest.length; i++) {
      const c = rest[i]!;
      if (c === quote) break;
      if (quote === '"' && c === "\\" && i + 1 < rest.length) {
        const next = rest[i + 1]!;
        value += DOUBLE_ESCAPES[next] ?? `\\${next}`;
        i++;
        continue;
      }
      value += c;
    }
    if (i >= rest.length) return { offset: 0, message: `unterminated ${quote === '"' ? "double" : "single"} quote` };
    const after = rest.slice(i + 1).trim();
    if (after !== "" && !after.startsWith("#")) {
      return { offset: i + 1, message: `unexpected text after the closing quote: ${JSON.stringify(after)}` };
    }
    return value;
  }
  // Unquoted: a `#` starts a comment only after whitespace, so `a#b` stays one value.
  const comment = /\s#/.exec(rest);
  return (comment === null ? rest : rest.slice(0, comment.index)).trim();
}
