// The shlex ports against Python: expected values were produced by shlex.split and by
// supervisor.datatypes.dict_of_key_value_pairs (supervisor 4.2.5, Python 3.11).

import { describe, expect, test } from "bun:test";
import { keyValuePairs, posixSplit } from "../../../src/import/shlex.ts";

describe("posixSplit = shlex.split", () => {
  const cases: Record<string, string[]> = {
    "bash -lc 'exec foo --bar'": ["bash", "-lc", "exec foo --bar"],
    'a "b c" d\\ e': ["a", "b c", "d e"],
    "x \"a\\\"b\" 'c\\d'": ["x", 'a"b', "c\\d"],
    "echo $HOME ${X}": ["echo", "$HOME", "${X}"],
    "a\tb\nc": ["a", "b", "c"],
    "q \"\" '' r": ["q", "", "", "r"],
    'sh -c "echo \\\\ \\$"': ["sh", "-c", "echo \\ \\$"],
  };
  for (const [input, words] of Object.entries(cases)) test(JSON.stringify(input), () => expect(posixSplit(input)).toEqual(words));
  test("an open quote is an error", () => expect(() => posixSplit("a 'b")).toThrow("No closing quotation"));
});

describe("keyValuePairs = dict_of_key_value_pairs", () => {
  const ok: Record<string, Record<string, string>> = {
    'A="1",B="2"': { A: "1", B: "2" },
    "KEY=val,KEY2=val2": { KEY: "val", KEY2: "val2" },
    "A=\"x, y\",B='q'": { A: "x, y", B: "q" },
    "PATH=/usr/bin:/bin,HOME=/root": { PATH: "/usr/bin:/bin", HOME: "/root" },
    "A=1 , B=2": { A: "1", B: "2" },
    'X="a=b"': { X: "a=b" },
    'URL="http://h:1/p?q=1"': { URL: "http://h:1/p?q=1" },
    "A=-1.5+2": { A: "-1.5+2" },
    "": {},
  };
  for (const [input, pairs] of Object.entries(ok)) test(JSON.stringify(input), () => expect({ ...keyValuePairs(input) }).toEqual(pairs));
  for (const bad of ["A=p@ss", "A", "A=", "A=1,B"]) {
    test(`${JSON.stringify(bad)} is refused as supervisord refuses it`, () => expect(() => keyValuePairs(bad)).toThrow("Unexpected end of key/value pairs"));
  }
});
