// ${VAR} expansion and environment_file parsing.

import { describe, expect, test } from "bun:test";
import { expandTree, expandVars } from "../../../src/config/env.ts";
import { parseEnvFile } from "../../../src/config/env-file.ts";
import type { Problem } from "../../../src/config/problems.ts";

describe("expandVars", () => {
  const env = { A: "alpha", EMPTY: "", N: "3" };
  const good: [input: string, output: string][] = [
    ["plain", "plain"],
    ["${A}", "alpha"],
    ["x${A}y${N}", "xalphay3"],
    ["${MISSING:-fallback}", "fallback"],
    ["${MISSING:-}", ""],
    ["${EMPTY:-used when empty}", "used when empty"],
    ["${EMPTY}", ""],
    ["${A:-unused}", "alpha"],
    ["${MISSING:-${A}}", "alpha"],
    ["${MISSING:-a ${N} b}", "a 3 b"],
    ["$$", "$"],
    ["$${A}", "${A}"],
    ["cost $5, $HOME, trailing $", "cost $5, $HOME, trailing $"],
    ["awk '{print $1}'", "awk '{print $1}'"],
  ];
  for (const [input, output] of good) {
    test(JSON.stringify(input), () => {
      expect(expandVars(input, env)).toEqual({ ok: true, value: output });
    });
  }

  const bad: [input: string, messages: string[]][] = [
    ["${NOPE}", ["environment variable NOPE is not set (write ${NOPE:-default} to give a default)"]],
    ["${X} and ${Y}", [
      "environment variable X is not set (write ${X:-default} to give a default)",
      "environment variable Y is not set (write ${Y:-default} to give a default)",
    ]],
    ["${MISSING:-${ALSO}}", ["environment variable ALSO is not set (write ${ALSO:-default} to give a default)"]],
    ["${}", ["bad variable reference ${}: expected ${NAME} or ${NAME:-default}"]],
    ["${A B}", ["bad variable reference ${A B}: expected ${NAME} or ${NAME:-default}"]],
    ["${A-x}", ["bad variable reference ${A-x}: expected ${NAME} or ${NAME:-default}"]],
    ["ab${A", ['unterminated "${" at character 3 (write $$ for a literal $)']],
  ];
  for (const [input, messages] of bad) {
    test(`rejects ${JSON.stringify(input)}`, () => {
      expect(expandVars(input, env)).toEqual({ ok: false, messages });
    });
  }
});

describe("expandTree", () => {
  test("expands strings at any depth, never keys; reports failures at their path", () => {
    const problems: Problem[] = [];
    const out = expandTree(
      { "${A}": "${A}", list: ["${A}", 1, true, { deep: "${B}" }], n: 5 },
      { A: "a" },
      ["root"],
      problems,
    );
    expect(out).toEqual({ "${A}": "a", list: ["a", 1, true, { deep: "${B}" }], n: 5 });
    expect(problems).toEqual([
      { path: ["root", "list", 3, "deep"], message: "environment variable B is not set (write ${B:-default} to give a default)" },
    ]);
  });
});

describe("parseEnvFile", () => {
  test("the accepted forms", () => {
    const text = [
      "# comment",
      "   # indented comment",
      "",
      "PLAIN=value",
      "SPACED = padded value  ",
      "export EXPORTED=1",
      "export  SPACES_AFTER_EXPORT=2",
      'DQ="a \\"b\\" \\\\ \\n \\t \\$X"',
      "SQ='literal \\n $X'",
      'DQ_COMMENT="x" # trailing',
      "INLINE=abc # comment",
      "HASH=a#b",
      "EMPTY=",
      'EMPTY_Q=""',
      "EQ=a=b=c",
      "CRLF=yes\r",
    ].join("\n");
    expect(parseEnvFile(text)).toEqual({
      vars: {
        PLAIN: "value",
        SPACED: "padded value",
        EXPORTED: "1",
        SPACES_AFTER_EXPORT: "2",
        DQ: 'a "b" \\ \n \t $X',
        SQ: "literal \\n $X",
        DQ_COMMENT: "x",
        INLINE: "abc",
        HASH: "a#b",
        EMPTY: "",
        EMPTY_Q: "",
        EQ: "a=b=c",
        CRLF: "yes",
      },
      problems: [],
    });
  });

  test("bad lines are reported with line and column, good ones still parsed", () => {
    expect(parseEnvFile(`A=1\n  not an assignment\n1BAD=x\nB='open\nC="x" y\nD=2`)).toEqual({
      vars: { A: "1", D: "2" },
      problems: [
        { line: 2, column: 3, message: 'expected KEY=VALUE, got "not an assignment"' },
        { line: 3, column: 1, message: 'expected KEY=VALUE, got "1BAD=x"' },
        { line: 4, column: 3, message: "B: unterminated single quote" },
        { line: 5, column: 6, message: 'C: unexpected text after the closing quote: "y"' },
      ],
    });
  });
});
