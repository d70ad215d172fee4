// splitShellWords: the command string → argv rules (sh's quoting, no shell features).

import { describe, expect, test } from "bun:test";
import { splitShellWords } from "../../../src/config/shell-words.ts";

describe("splitShellWords", () => {
  const good: [input: string, words: string[]][] = [
    ["", []],
    ["   ", []],
    ["a", ["a"]],
    ["a b\tc\nd", ["a", "b", "c", "d"]],
    ["'a b' c", ["a b", "c"]],
    [`"a b" c`, ["a b", "c"]],
    [`'it''s'`, ["its"]],
    [`"it's"`, ["it's"]],
    [`'say "hi"'`, [`say "hi"`]],
    [`"\\"q\\" \\\\ \\$ \\\` \\n"`, [`"q" \\ $ \` \\n`]],
    ["a\\ b", ["a b"]],
    ["\\'x", ["'x"]],
    ["a\\\nb", ["ab"]],
    [`"line\\\ncontinued"`, ["linecontinued"]],
    ["'' x \"\"", ["", "x", ""]],
    ["pre'mid'post", ["premidpost"]],
    ["$HOME *.txt ~ {a,b}", ["$HOME", "*.txt", "~", "{a,b}"]],
    ["'|' \"&&\" \\;", ["|", "&&", ";"]],
    ["a|b", ["a|b"]],
  ];
  for (const [input, words] of good) {
    test(JSON.stringify(input), () => {
      expect(splitShellWords(input)).toEqual({ ok: true, words });
    });
  }

  const bad: [input: string, message: string][] = [
    ["echo 'open", "unterminated single quote at character 6"],
    [`echo "open`, "unterminated double quote at character 6"],
    [`echo "a\\"`, "unterminated double quote at character 6"],
    ["echo \\", "ends with a backslash that escapes nothing"],
    [
      "a > out.log",
      `contains the shell operator ">", but commands are not run by a shell; write command = ["sh", "-c", "..."] if you need one`,
    ],
    [
      "a && b",
      `contains the shell operator "&&", but commands are not run by a shell; write command = ["sh", "-c", "..."] if you need one`,
    ],
    [
      "a 2>&1",
      `contains the shell operator "2>&1", but commands are not run by a shell; write command = ["sh", "-c", "..."] if you need one`,
    ],
  ];
  for (const [input, message] of bad) {
    test(`rejects ${JSON.stringify(input)}`, () => {
      expect(splitShellWords(input)).toEqual({ ok: false, message });
    });
  }
});
