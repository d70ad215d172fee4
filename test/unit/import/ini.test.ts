// The INI reader against Python's RawConfigParser(inline_comment_prefixes=(';','#'),
// strict=False), whose results for these inputs were taken from Python 3.11 itself.

import { describe, expect, test } from "bun:test";
import { iniGet, readIniText } from "../../../src/import/ini.ts";

const values = (text: string) => {
  const doc = readIniText(text, "/x.conf");
  const out: Record<string, Record<string, string>> = {};
  for (const [name, s] of doc.sections) {
    out[name] = {};
    for (const k of new Set([...s.values.keys(), ...doc.defaults.keys()])) out[name]![k] = iniGet(doc, s, k)!.value;
  }
  return { out, problems: doc.problems };
};

describe("ini reader (RawConfigParser rules)", () => {
  test("inline comments need whitespace before them; ':' and '=' both separate; keys lower-cased", () => {
    const { out, problems } = values("[a]\nx = 1 ;c\ny = 2;3\nz: 4 # c\nw = 5#6\nUPPER=V\n");
    expect(problems).toEqual([]);
    expect(out).toEqual({ a: { x: "1", y: "2;3", z: "4", w: "5#6", upper: "V" } });
  });

  test("continuation lines, blank lines kept inside, comment lines skipped, trailing blanks dropped", () => {
    const { out } = values("[a]\nmulti = first\n  second\n\n  third\n# comment\nafter = v\n\n");
    expect(out["a"]).toEqual({ multi: "first\nsecond\n\nthird", after: "v" });
  });

  test("a repeated section merges, a repeated key overwrites, [DEFAULT] fills every section", () => {
    const { out } = values("[a]\nx = 1\n[a]\nx = 9\n[DEFAULT]\nd = dv\n[b]\nk=v\n");
    expect(out).toEqual({ a: { x: "9", d: "dv" }, b: { k: "v", d: "dv" } });
  });

  test("an empty value, a value starting on the next line (environment=\\n  A=1)", () => {
    const { out } = values("[p]\nempty =\nenv =\n    A=\"1\",\n    B=\"2\"\n");
    expect(out["p"]).toEqual({ empty: "", env: '\nA="1",\nB="2"' });
  });

  test("line numbers and the file of every key are kept", () => {
    const doc = readIniText("; top\n[program:x]\ncommand = /bin/true\n", "/etc/s.conf");
    const v = doc.sections.get("program:x")!.values.get("command")!;
    expect(v).toEqual({ value: "/bin/true", file: "/etc/s.conf", line: 3 });
    expect(doc.sections.get("program:x")!.line).toBe(2);
  });

  test("bad lines are problems with their line, and reading goes on", () => {
    const { out, problems } = values("orphan = 1\n[a]\nno separator here\nok = yes\n");
    expect(problems.map((p) => p.line)).toEqual([1, 3]);
    expect(out["a"]).toEqual({ ok: "yes" });
  });

  test("CRLF line ends and a BOM", () => {
    const { out } = values("\uFEFF[a]\r\nx = 1\r\ny = 2\r\n");
    expect(out).toEqual({ a: { x: "1", y: "2" } });
  });

  test("a section header keeps everything up to its last ']'", () => {
    const { out } = values("[program:a]b] trailing\nk = v\n");
    expect(Object.keys(out)).toEqual(["program:a]b"]);
  });
});
