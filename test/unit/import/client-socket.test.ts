// The client's socket from a supervisord .conf (#12.6, #16.6): only [unix_http_server] file
// is read, so a file whose program sections are broken still reaches the daemon; a file that
// cannot be read as INI still names its socket with one warning line; without a socket of
// its own, a file's problems are the answer.

import { afterAll, expect, spyOn, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { supervisordSocket } from "../../../src/import/socket.ts";

const dir = mkdtempSync(join(tmpdir(), "tend-client-socket-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** stderr lines written while `fn` runs, and its result. */
function quietly<T>(fn: () => T): { value: T; lines: unknown[][] } {
  const err = spyOn(console, "error").mockImplementation(() => {});
  try {
    return { value: fn(), lines: err.mock.calls };
  } finally {
    err.mockRestore();
  }
}

test("broken program sections do not matter: the socket is read alone, silently", () => {
  const file = join(dir, "s.conf");
  writeFileSync(
    file,
    `[unix_http_server]\nfile=%(here)s/s.sock\n[supervisord]\nlogfile=/dev/null\n[program:db]\nstartsecs=1\n` +
      `[program:web]\ncommand=%(ENV_NOT_SET_ANYWHERE)s\nnumprocs=many\n`,
  );
  const { value, lines } = quietly(() => supervisordSocket(file));
  expect(value).toBe(join(dir, "s.sock"));
  expect(lines).toEqual([]);
});

test("a line that is no INI still leaves the socket named: used, and one warning line names the problem", () => {
  const file = join(dir, "u.conf");
  writeFileSync(file, `[unix_http_server]\nfile=%(here)s/u.sock\n[supervisord]\nthis line has no equals sign\n`);
  const { value, lines } = quietly(() => supervisordSocket(file));
  expect(value).toBe(join(dir, "u.sock"));
  expect(lines.length).toBe(1);
  expect(String(lines[0]![0])).toStartWith(`tend: warning: ${file}:4: `);
});

test("the socket named through [supervisord] environment and an [include]d file", () => {
  const file = join(dir, "v.conf");
  writeFileSync(join(dir, "v-inc.ini"), `[unix_http_server]\nfile=%(ENV_SOCKDIR)s/v.sock\n`);
  writeFileSync(file, `[supervisord]\nenvironment=SOCKDIR="${dir}/run"\n[include]\nfiles=v-inc.ini\n`);
  expect(quietly(() => supervisordSocket(file)).value).toBe(join(dir, "run", "v.sock"));
});

test("a bad socket value and no other socket: the problem is the answer", () => {
  const file = join(dir, "w.conf");
  writeFileSync(file, `[unix_http_server]\nfile=%(nope)s/w.sock\n`);
  expect(() => supervisordSocket(file)).toThrow(/invalid config/);
});

test("a missing file: the problem names it", () => {
  expect(() => supervisordSocket(join(dir, "missing.conf"))).toThrow(/invalid config/);
});

test("a .conf with an INI problem and no socket of its own: the problems, as before", () => {
  const file = join(dir, "t.conf");
  writeFileSync(file, `[supervisord]\nlogfile=/dev/null\nno equals here\n`);
  expect(() => supervisordSocket(file)).toThrow(/invalid config/);
});
