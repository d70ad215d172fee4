// The client's socket from a supervisord .conf with problems (#12.6): found anyway while the
// file names it, with one warning line; without it, the problems are the answer.

import { afterAll, expect, spyOn, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { supervisordSocket } from "../../../src/import/load.ts";

const dir = mkdtempSync(join(tmpdir(), "tend-client-socket-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("a .conf with a problem still names its socket: used, and one warning line names the problem", () => {
  const file = join(dir, "s.conf");
  writeFileSync(file, `[unix_http_server]\nfile=%(here)s/s.sock\n[supervisord]\nlogfile=/dev/null\n[program:db]\nstartsecs=1\n`);
  const err = spyOn(console, "error").mockImplementation(() => {});
  try {
    expect(supervisordSocket(file)).toBe(join(dir, "s.sock"));
    expect(err.mock.calls).toEqual([[`tend: warning: ${file}:5: program section program:db does not specify a command (a reload would refuse the file; \`tend check\` lists its problems)`]]);
  } finally {
    err.mockRestore();
  }
});

test("a .conf with a problem and no socket of its own: the problems, as before", () => {
  const file = join(dir, "t.conf");
  writeFileSync(file, `[supervisord]\nlogfile=/dev/null\n[program:db]\nstartsecs=1\n`);
  expect(() => supervisordSocket(file)).toThrow(/invalid config/);
});
