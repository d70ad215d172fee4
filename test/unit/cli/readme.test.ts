// The README says what the code does: its Commands block lists every command the help knows,
// and the file names and rules it promises are the ones in the code (#12.17).

import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { COMMANDS, PAGES } from "../../../src/cli/help.ts";
import { expandVars } from "../../../src/config/env.ts";

const ROOT = join(import.meta.dir, "..", "..", "..");
const README = readFileSync(join(ROOT, "README.md"), "utf8");

test("the README's Commands block lists every command", () => {
  const block = /## Commands\n\n```\n([\s\S]*?)```/.exec(README)![1]!;
  for (const c of COMMANDS) {
    const verbs = c === "start" || c === "stop" || c === "restart" ? "start|stop|restart" : c;
    expect({ c, listed: block.includes(`tend ${verbs}`) }).toEqual({ c, listed: true });
  }
  expect(PAGES.import!.synopsis).toBe("import FILE [-o OUT]");
  expect(block).toContain("tend import FILE [-o OUT]");
});

test("what the README promises: tend.detached.err, $$, the Node.js version", () => {
  expect(readFileSync(join(ROOT, "src", "cli", "detach.ts"), "utf8")).toContain('"tend.detached.err"');
  expect(README).toContain("<log_dir>/tend.detached.err");
  // "$$ is a literal $", where command is described.
  expect(expandVars("echo pid $$", {})).toEqual({ ok: true, value: "echo pid $" });
  const commandRow = README.split("\n").find((l) => l.startsWith("| `command` |"))!;
  expect(commandRow).toContain('`"echo pid $$"` runs `echo pid $`');
  const engines = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { engines: { node: string } }).engines.node;
  expect(engines).toBe(">=20");
  expect(README).toContain("Node.js 20 or later");
});
