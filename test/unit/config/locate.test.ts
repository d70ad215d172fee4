// Where keys are written: line numbers for schema problems, and raw literals.

import { describe, expect, test } from "bun:test";
import { buildLocator } from "../../../src/config/locate.ts";
import { parseConfigText } from "../../../src/config/load.ts";
import type { ConfigIssue } from "../../../src/config/types.ts";

const TEXT = `# comment
[daemon]
loglevel = "info"   # trailing

[program.web]
command = """
not = a key
"""
  startsecs = 5
environment = { PORT = "1", "X.Y" = "2" }
"quoted.key" = 1
a.b.c = 2

[program."my.app"]
umask = 22 # octal?
`;

describe("buildLocator", () => {
  const loc = buildLocator(TEXT);
  test.each([
    [["daemon"], 2, 1],
    [["daemon", "loglevel"], 3, 1],
    [["program"], 5, 1],
    [["program", "web"], 5, 1],
    [["program", "web", "command"], 6, 1],
    [["program", "web", "startsecs"], 9, 3],
    [["program", "web", "environment"], 10, 1],
    [["program", "web", "environment", "PORT"], 10, 17],
    [["program", "web", "environment", "X.Y"], 10, 29],
    [["program", "web", "quoted.key"], 11, 1],
    [["program", "web", "a", "b", "c"], 12, 1],
    [["program", "my.app", "umask"], 15, 1],
  ] as [string[], number, number][])("%p at %p:%p", (path, line, column) => {
    expect(loc.locate(path)).toEqual({ line, column });
  });

  test("keys inside a multi-line string are not keys", () => {
    expect(loc.locate(["program", "web", "not"])).toEqual({ line: 5, column: 1 });
  });

  test("an unplaced key falls back to its nearest parent; array indices are skipped", () => {
    expect(loc.locate(["program", "web", "missing"])).toEqual({ line: 5, column: 1 });
    expect(loc.locate(["program", "web", "command", 2])).toEqual({ line: 6, column: 1 });
    expect(loc.locate(["nowhere"])).toBeNull();
  });

  test("literal: the value text without a trailing comment", () => {
    expect(loc.literal(["program", "my.app", "umask"])).toBe("22");
    expect(loc.literal(["daemon", "loglevel"])).toBe('"info"   # trailing');
    expect(loc.literal(["program", "web", "startsecs"])).toBe("5");
    expect(loc.literal(["program", "web", "nope"])).toBeNull();
  });
});

test("schema issues carry the line and column of their key", () => {
  let issues: ConfigIssue[] = [];
  try {
    parseConfigText(`[program.web]\ncommand = "x"\n\n  startsecs = -1\n[program.api]\nstopsignal = "NOPE"\n`, "/t.toml", {});
  } catch (e) {
    issues = (e as { details: ConfigIssue[] }).details;
  }
  expect(issues.map((i) => [i.path, i.line, i.column])).toEqual([
    ["program.web.startsecs", 4, 3],
    ["program.api.command", 5, 1],
    ["program.api.stopsignal", 6, 1],
  ]);
});
