// The two ways supervisord splits strings, ported from Python's shlex so an imported config
// means what it meant: shlex.split(command) (POSIX rules, no comments) for `command`, and
// datatypes.dict_of_key_value_pairs (a non-POSIX shlex.shlex) for `environment`.

export class SplitError extends Error {}

/** shlex.split(s, comments=False, posix=True). */
export function posixSplit(s: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      i++;
    } else if (c === "\\") {
      if (i + 1 >= s.length) throw new SplitError("No escaped character");
      word += s[i + 1];
      inWord = true;
      i += 2;
    } else if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end === -1) throw new SplitError("No closing quotation");
      word += s.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      inWord = true;
      i++;
      for (;;) {
        if (i >= s.length) throw new SplitError("No closing quotation");
        const d = s[i]!;
        if (d === '"') {
          i++;
          break;
        }
        // Inside double quotes a backslash escapes only " and \ (shlex's escapedquotes).
        if (d === "\\" && i + 1 < s.length && (s[i + 1] === '"' || s[i + 1] === "\\")) {
          word += s[i + 1];
          i += 2;
          continue;
        }
        if (d === "\\" && i + 1 >= s.length) throw new SplitError("No escaped character");
        word += d;
        i++;
      }
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

const WORDCHARS = new Set("abcdfeghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_/.+-():");
const WHITESPACE = new Set(" \t\r\n");
const QUOTES = new Set(["'", '"']);

/** shlex.shlex(s) tokens with wordchars += '/.+-():' (non-POSIX: quotes stay in tokens). */
export function kvTokens(s: string): string[] {
  const tokens: string[] = [];
  let state: " " | "a" | "'" | '"' = " ";
  let token = "";
  let i = 0;
  const pushback: string[] = [];
  const read = (): string => {
    if (pushback.length) return pushback.pop()!;
    return i < s.length ? s[i++]! : "";
  };
  const skipLine = () => {
    while (i < s.length && s[i] !== "\n") i++;
    if (i < s.length) i++;
  };
  for (;;) {
    const c = read();
    if (state === " ") {
      if (c === "") break;
      if (WHITESPACE.has(c)) {
        if (token) {
          tokens.push(token);
          token = "";
        }
      } else if (c === "#") skipLine();
      else if (WORDCHARS.has(c)) {
        token = c;
        state = "a";
      } else if (QUOTES.has(c)) {
        token = c;
        state = c as "'" | '"';
      } else {
        tokens.push(c);
        token = "";
      }
    } else if (state === "'" || state === '"') {
      if (c === "") throw new SplitError("No closing quotation");
      token += c;
      if (c === state) {
        tokens.push(token);
        token = "";
        state = " ";
      }
    } else {
      if (c === "") {
        if (token) tokens.push(token);
        token = "";
        break;
      }
      if (WHITESPACE.has(c)) {
        state = " ";
        if (token) tokens.push(token);
        token = "";
      } else if (c === "#") skipLine();
      else if (WORDCHARS.has(c) || QUOTES.has(c)) token += c;
      else {
        pushback.push(c);
        state = " ";
        if (token) tokens.push(token);
        token = "";
      }
    }
  }
  return tokens;
}

/** dict_of_key_value_pairs: KEY=val,KEY2="v, 2" → {KEY: "val", KEY2: "v, 2"}. */
export function keyValuePairs(s: string): Record<string, string> {
  const tokens = kvTokens(s);
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (let i = 0; i < tokens.length; i += 4) {
    const [k, eq, v] = tokens.slice(i, i + 3);
    if (k === undefined || eq !== "=" || v === undefined) throw new SplitError(`Unexpected end of key/value pairs in value '${s}'`);
    out[k] = v.replace(/^['"]+|['"]+$/g, "");
  }
  return out;
}
