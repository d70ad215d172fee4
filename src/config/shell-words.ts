// Split a command string into argv the way a POSIX shell tokenises words, without running a
// shell: quotes and backslashes are honoured; globs, variables, pipes and redirections are not.
// tend never passes commands through /bin/sh, so what you see in the file is what is exec'd.

export type SplitResult =
  | { readonly ok: true; readonly words: string[] }
  | { readonly ok: false; readonly message: string };

/**
 * Tokens a shell would treat as operators. Unquoted, they are almost certainly a command
 * written for `sh -c`; passing "|" to the program as an argument would fail obscurely later.
 */
const SHELL_OPERATORS = new Set(["|", "||", "&&", "&", ";", ">", ">>", "<", "<<", "2>&1", "2>", "&>"]);

export function splitShellWords(input: string): SplitResult {
  const words: string[] = [];
  let word = "";
  // A word exists once any character or quote is seen: `''` is an empty argument.
  let inWord = false;
  let quoted = false;
  let i = 0;

  const finishWord = (): string | null => {
    if (!inWord) return null;
    if (!quoted && SHELL_OPERATORS.has(word)) {
      return (
        `contains the shell operator ${JSON.stringify(word)}, but commands are not run by a shell; ` +
        `write command = ["sh", "-c", "..."] if you need one`
      );
    }
    words.push(word);
    word = "";
    inWord = false;
    quoted = false;
    return null;
  };

  while (i < input.length) {
    const c = input[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      const err = finishWord();
      if (err !== null) return { ok: false, message: err };
      i++;
    } else if (c === "'") {
      // Single quotes: everything literal up to the next single quote.
      const end = input.indexOf("'", i + 1);
      if (end === -1) return { ok: false, message: `unterminated single quote at character ${i + 1}` };
      word += input.slice(i + 1, end);
      inWord = quoted = true;
      i = end + 1;
    } else if (c === '"') {
      // Double quotes: backslash escapes only \ " $ ` and newline, as in sh.
      const start = i;
      i++;
      let closed = false;
      while (i < input.length) {
        const d = input[i]!;
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === "\\" && i + 1 < input.length) {
          const next = input[i + 1]!;
          if (next === "\n") {
            i += 2;
            continue;
          }
          if (next === "\\" || next === '"' || next === "$" || next === "`") {
            word += next;
            i += 2;
            continue;
          }
        }
        word += d;
        i++;
      }
      if (!closed) return { ok: false, message: `unterminated double quote at character ${start + 1}` };
      inWord = quoted = true;
    } else if (c === "\\") {
      if (i + 1 >= input.length) return { ok: false, message: "ends with a backslash that escapes nothing" };
      const next = input[i + 1]!;
      // Backslash-newline is a line continuation, as in sh.
      if (next !== "\n") {
        word += next;
        inWord = quoted = true;
      }
      i += 2;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  const err = finishWord();
  if (err !== null) return { ok: false, message: err };
  return { ok: true, words };
}
