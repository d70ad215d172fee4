// The autostart edit touches one value or adds one line; every other byte of the file stays.

import { describe, expect, test } from "bun:test";
import { setProgramBool, setProgramKey, TomlEditError } from "../../../src/http/toml-edit.ts";

const set = (text: string, program: string, value: boolean) => setProgramBool(text, program, "autostart", value);

describe("an existing key: only the value changes", () => {
  const cases: Array<[string, string, string]> = [
    ["plain", `[program.web]\ncommand = "x"\nautostart = true\n`, `[program.web]\ncommand = "x"\nautostart = false\n`],
    ["no spaces, trailing comment", `[program.web]\ncommand = "x"\nautostart=true # c\n`, `[program.web]\ncommand = "x"\nautostart=false # c\n`],
    ["comment with no space", `[program.web]\nautostart = true#c\ncommand = "x"\n`, `[program.web]\nautostart = false#c\ncommand = "x"\n`],
    ["odd spacing and tabs", `[program.web]\n\t autostart \t=\t true\t\t# keep\ncommand = "x"`, `[program.web]\n\t autostart \t=\t false\t\t# keep\ncommand = "x"`],
    ["quoted key", `[program.web]\n"autostart" = true\ncommand = "x"\n`, `[program.web]\n"autostart" = false\ncommand = "x"\n`],
    ["literal-quoted key", `[program.web]\n'autostart' = true\ncommand = "x"\n`, `[program.web]\n'autostart' = false\ncommand = "x"\n`],
    ["string value", `[program.web]\ncommand = "x"\nautostart = "yes" # from supervisord\n`, `[program.web]\ncommand = "x"\nautostart = false # from supervisord\n`],
    ["header spacing and quoting", `[ program . "web" ] # the site\ncommand = "x"\nautostart = true\n`, `[ program . "web" ] # the site\ncommand = "x"\nautostart = false\n`],
    ["dotted key under [program]", `[program]\nweb.command = "x"\nweb.autostart = true\n`, `[program]\nweb.command = "x"\nweb.autostart = false\n`],
    ["dotted key at the root", `program.web.command = "x"\nprogram . web . autostart = true # c\n`, `program.web.command = "x"\nprogram . web . autostart = false # c\n`],
    ["inline table", `[program]\nweb = { command = "x", autostart = true } # c\n`, `[program]\nweb = { command = "x", autostart = false } # c\n`],
    ["nested inline tables", `program = { web = { command = "x", autostart = true }, db = { command = "y" } }\n`, `program = { web = { command = "x", autostart = false }, db = { command = "y" } }\n`],
    [
      "the right program among several",
      `[program.api]\ncommand = "a"\nautostart = true\n\n[program.web]\ncommand = "x"\nautostart = true\n\n[program.webx]\ncommand = "y"\nautostart = true\n`,
      `[program.api]\ncommand = "a"\nautostart = true\n\n[program.web]\ncommand = "x"\nautostart = false\n\n[program.webx]\ncommand = "y"\nautostart = true\n`,
    ],
    ["CRLF", `# top\r\n[program.web]\r\ncommand = "x"\r\nautostart = true # c\r\n`, `# top\r\n[program.web]\r\ncommand = "x"\r\nautostart = false # c\r\n`],
    ["no newline at the end", `[program.web]\ncommand = "x"\nautostart = true`, `[program.web]\ncommand = "x"\nautostart = false`],
    ["byte order mark", `\ufeff[program.web]\ncommand = "x"\nautostart = true\n`, `\ufeff[program.web]\ncommand = "x"\nautostart = false\n`],
    ["a name that needs quotes", `[program."a.b"]\ncommand = "x"\nautostart = true\n`, `[program."a.b"]\ncommand = "x"\nautostart = false\n`],
  ];
  for (const [name, before, after] of cases) {
    test(name, () => {
      const program = before.includes('"a.b"') ? "a.b" : "web";
      expect(set(before, program, false)).toBe(after);
      // And back: the round trip restores the original bytes when it was `true`.
      if (/autostart\s*=\s*true/.test(before.split(program === "a.b" ? "a.b" : "[program.web]").at(-1)!) || name === "inline table") {
        expect(set(after, program, true)).toBe(before.replace(/"yes"/, "true"));
      }
    });
  }
});

describe("tricky text around the key is skipped, not misread", () => {
  test("autostart inside strings, comments and multi-line values is not the key", () => {
    const text = [
      `# autostart = true (a comment)`,
      `[program.web]`,
      `command = ["sh", "-c", "autostart = true"]`,
      `description = """`,
      `autostart = true`,
      `[program.web]`,
      `"""`,
      `notes = '''`,
      `autostart = true'''`,
      `environment = { A = "autostart = true", B = '}' }`,
      `exitcodes = [`,
      `  0, # autostart = true`,
      `  2,`,
      `]`,
      `autostart = true # the real one`,
      ``,
    ].join("\n");
    const out = setProgramKey(text, "web", "autostart", "false");
    expect(out).toBe(text.replace("autostart = true # the real one", "autostart = false # the real one"));
  });

  test("a key of another program with the same suffix, and a sub-table of the program, are left alone", () => {
    const text = `[program.web]\ncommand = "x"\n\n[program.web.environment]\nautostart = "true"\n\n[program.web2]\ncommand = "y"\nautostart = true\n`;
    const out = set(text, "web", false);
    expect(out).toBe(`[program.web]\ncommand = "x"\nautostart = false\n\n[program.web.environment]\nautostart = "true"\n\n[program.web2]\ncommand = "y"\nautostart = true\n`);
  });

  test("dates with a space, escapes in strings, literal strings with backslashes", () => {
    const text = `when = 1979-05-27 07:32:00Z\n[program.web]\ncommand = "say \\"hi\\" \\u00e9"\ndirectory = 'C:\\x'\nautostart = true\n`;
    expect(set(text, "web", false)).toBe(text.replace("autostart = true", "autostart = false"));
  });

  test("multi-line basic strings with escaped quotes and closing quotes in the content", () => {
    const text = `[program.web]\ncommand = """a \\""" b""""\nautostart = true\n`;
    expect(set(text, "web", false)).toBe(text.replace("autostart = true", "autostart = false"));
  });
});

describe("a missing key: one line is added to the program's table", () => {
  test("after the table's last key, with its indentation, before comments and the next table", () => {
    const text = `[program.web]\n  command = "x" # run\n  priority = 5\n\n# the database\n[program.db]\ncommand = "y"\n`;
    expect(set(text, "web", false)).toBe(`[program.web]\n  command = "x" # run\n  priority = 5\n  autostart = false\n\n# the database\n[program.db]\ncommand = "y"\n`);
  });

  test("after a key whose value spans lines", () => {
    const text = `[program.web]\ncommand = [\n  "sh",\n  "-c", # shell\n  "run",\n] # end\n[program.db]\ncommand = "y"\n`;
    expect(set(text, "web", false)).toBe(`[program.web]\ncommand = [\n  "sh",\n  "-c", # shell\n  "run",\n] # end\nautostart = false\n[program.db]\ncommand = "y"\n`);
  });

  test("before the program's own sub-tables", () => {
    const text = `[program.web]\ncommand = "x"\n[program.web.environment]\nA = "1"\n`;
    expect(set(text, "web", false)).toBe(`[program.web]\ncommand = "x"\nautostart = false\n[program.web.environment]\nA = "1"\n`);
  });

  test("CRLF lines get CRLF; a last line without a newline keeps the file without one", () => {
    expect(set(`[program.web]\r\ncommand = "x"\r\n`, "web", false)).toBe(`[program.web]\r\ncommand = "x"\r\nautostart = false\r\n`);
    expect(set(`[program.web]\r\ncommand = "x"`, "web", false)).toBe(`[program.web]\r\ncommand = "x"\r\nautostart = false`);
    expect(set(`[program.web]\ncommand = "x"`, "web", false)).toBe(`[program.web]\ncommand = "x"\nautostart = false`);
  });

  test("dotted keys: the same dotted form, after the program's last line", () => {
    expect(set(`[program]\nweb.command = "x"\nweb.priority = 1\ndb.command = "y"\n`, "web", false)).toBe(
      `[program]\nweb.command = "x"\nweb.priority = 1\nweb.autostart = false\ndb.command = "y"\n`,
    );
    expect(set(`program.web.command = "x"\n`, "web", true)).toBe(`program.web.command = "x"\nprogram.web.autostart = true\n`);
  });

  test("inline tables: one entry is added before the closing brace", () => {
    expect(set(`[program]\nweb = { command = "x" } # c\n`, "web", false)).toBe(`[program]\nweb = { command = "x", autostart = false } # c\n`);
    expect(set(`program = { web = { command = "x" } }\n`, "web", false)).toBe(`program = { web = { command = "x", autostart = false } }\n`);
    expect(set(`program = { web.command = "x" }\n`, "web", false)).toBe(`program = { web.command = "x", web.autostart = false }\n`);
  });

  test("a program name that needs quoting is quoted in the key it adds", () => {
    expect(set(`[program]\n"a.b".command = "x"\n`, "a.b", false)).toBe(`[program]\n"a.b".command = "x"\n"a.b".autostart = false\n`);
  });
});

describe("refusals", () => {
  test("a program that is not in the file", () => {
    expect(() => set(`[program.web]\ncommand = "x"\n`, "db", false)).toThrow(TomlEditError);
    expect(() => set(`[program.web]\ncommand = "x"\n`, "db", false)).toThrow(/program db is not defined/);
  });

  test("text that does not parse", () => {
    expect(() => set(`[program.web]\ncommand = "x\n`, "web", false)).toThrow(TomlEditError);
  });

  test("a value the scanner cannot skip is refused, not guessed", () => {
    expect(() => setProgramKey(`[program.web]\ncommand = "x" junk\n`, "web", "autostart", "false")).toThrow(/cannot edit this TOML safely/);
  });
});
