// The client's socket from a config file that does not parse (#12.6): the `socket = "..."`
// line read on its own.

import { describe, expect, test } from "bun:test";
import { lenientSocketSetting, tomlString } from "../../../src/cli/socket-path.ts";

describe("tomlString", () => {
  test("basic and literal one-line strings, with what follows them", () => {
    expect(tomlString(`"/run/tend.sock"`)).toBe("/run/tend.sock");
    expect(tomlString(`"/run/t\\"x.sock" # a comment`)).toBe('/run/t"x.sock');
    expect(tomlString(`'C:\\tend.sock' # c`)).toBe("C:\\tend.sock");
  });
  test("anything else is null", () => {
    for (const bad of [`"/run/unclosed`, `'/run/unclosed`, `"""/run/x"""`, `/run/bare`, `42`, `"\\Uzzzz"`]) expect(tomlString(bad)).toBeNull();
  });
});

describe("lenientSocketSetting", () => {
  const file = "/etc/app/tend.toml";
  test("the [daemon] socket line of a file broken elsewhere, resolved as the daemon resolves it", async () => {
    const text = `[daemon]\nsocket = "run/\${APP}.sock"  # here\n[program.web\ncommand = "x"\n`;
    expect(await lenientSocketSetting(file, text, { APP: "web" })).toBe("/etc/app/run/web.sock");
    expect(await lenientSocketSetting(file, `daemon.socket = '/s.sock'\n[program.x]]\n`, {})).toBe("/s.sock");
  });
  test("no socket line: null (the default applies); a socket line that is itself broken: malformed", async () => {
    expect(await lenientSocketSetting(file, `[program.web\ncommand = "x"\n`, {})).toBeNull();
    expect(await lenientSocketSetting(file, `[program.web]\nsocket = "/not/the/daemon.sock"\n[daemon]\nlog_dir = "x\n`, {})).toBeNull();
    expect(await lenientSocketSetting(file, `[daemon]\nsocket = "/run/unclosed\n`, {})).toBe("malformed");
  });
});
