import { describe, expect, test } from "bun:test";
import { escapeDollars, expandParts, literal, toTendString, type Expansion } from "../../../src/import/expand.ts";

const look = (m: Record<string, Expansion>) => (n: string) => m[n];

describe("supervisord's %-expansion", () => {
  test("%(name)s, %(n)d, widths and zero padding, %% — as Python's % operator", () => {
    const parts = expandParts("%(program_name)s_%(process_num)02d [%(process_num)3d] %(process_num)-3d| 100%%", look({ program_name: "web", process_num: 7 }));
    expect(literal(parts)).toBe("web_07 [  7] 7  | 100%");
  });

  test("ENV_X becomes ${X}, and literal dollars are escaped for tend", () => {
    const parts = expandParts("echo $$ $HOME ${X} %(ENV_TOKEN)s$", look({ ENV_TOKEN: { env: "TOKEN" } }));
    expect(toTendString(parts)).toBe("echo $$$ $HOME $${X} ${TOKEN}$");
  });

  test("a '$' just before an environment reference is escaped", () => {
    expect(toTendString(expandParts("cost $%(ENV_P)s", look({ ENV_P: { env: "P" } })))).toBe("cost $$${P}");
    expect(escapeDollars("a$", "$")).toBe("a$$");
  });

  test("text that carries references splices in", () => {
    const parts = expandParts("url=%(ENV_URL)s", look({ ENV_URL: { parts: [{ lit: "http://" }, { env: "HOST" }] } }));
    expect(toTendString(parts)).toBe("url=http://${HOST}");
  });

  test("unknown names, lone %, a missing conversion and %d of text are errors", () => {
    expect(() => expandParts("%(nope)s", look({}))).toThrow("cannot be expanded");
    expect(() => expandParts("50%", look({}))).toThrow("%%");
    expect(() => expandParts("%(a)", look({ a: "x" }))).toThrow("no conversion");
    expect(() => expandParts("%(a)d", look({ a: "x" }))).toThrow("needs a number");
    expect(() => expandParts("%(ENV_A)02d", look({ ENV_A: { env: "A" } }))).toThrow("environment");
  });

  test("a render hook turns %(process_num)02d into tend's {num:02}", () => {
    const parts = expandParts("%(program_name)s_%(process_num)02d", (n) =>
      n === "process_num" ? { render: ({ flags, width }) => (flags === "0" ? `{num:0${width}}` : null) } : n === "program_name" ? "w" : undefined,
    );
    expect(literal(parts)).toBe("w_{num:02}");
  });
});
