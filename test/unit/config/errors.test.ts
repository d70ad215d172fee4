// Bad configs: each case asserts the exact lines `tend check` would print, so a message that
// stops naming the key, the value or the fix fails here.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { formatIssues, loadConfig, parseConfigText } from "../../../src/config/load.ts";
import type { ConfigIssue } from "../../../src/config/types.ts";
import { TendError } from "../../../src/core/errors.ts";

const FIXTURES = resolve(import.meta.dir, "../../fixtures/configs");
const FILE = "/etc/tend/tend.toml";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tend-config-errors-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The TendError a bad config throws; fails the test if it does not throw one. */
function errorOf(run: () => unknown): TendError {
  try {
    run();
  } catch (e) {
    if (e instanceof TendError) return e;
    throw e;
  }
  throw new Error("expected the config to be rejected, but it loaded");
}

function issuesOf(text: string, env: Record<string, string> = {}): ConfigIssue[] {
  const e = errorOf(() => parseConfigText(text, FILE, env));
  expect(e.code).toBe("INVALID_CONFIG");
  return e.details as ConfigIssue[];
}

/**
 * The printed lines without the file prefix, which every line shares, and, for a problem
 * with a key, without its position: these tables are about the messages; where keys are
 * found is locate.test.ts's, and "positions" below checks they are printed.
 */
function linesOf(text: string, env: Record<string, string> = {}): string[] {
  const unplaced = issuesOf(text, env).map((i) => (i.path === undefined ? i : { ...i, line: undefined, column: undefined }));
  return formatIssues(unplaced).split("\n").map((l) => l.replace(`${FILE}`, ""));
}

/** A program with a command, plus the lines under test. */
function program(lines: string): string {
  return `[program.web]\ncommand = "sleep 1"\n${lines}`;
}

describe("malformed TOML: exact line and column", () => {
  const cases: [name: string, text: string, expected: string][] = [
    ["missing value", `[program.web]\ncommand = "sleep 1"\nstartsecs =\n`, ":3:12: Missing value after '='; values must be on the same line"],
    ["unquoted string", `[program.web]\ncommand = sleep\n`, `:2:11: Strings must be quoted: "sleep"`],
    ["unterminated string", `[program.web]\ncommand = "sleep 1\n`, ":2:19: Unterminated string; newlines must be escaped in basic strings"],
    ["duplicate table", `[program.web]\ncommand = "a"\n[program.web]\ncommand = "b"\n`, ":3:13: Cannot redefine table 'web'"],
    ["leading zero", `[program.web]\ncommand = "a"\numask = 022\n`, ":3:12: Leading zeros are not allowed in numbers"],
    [
      "supervisord-style header",
      `[program:web]\ncommand = "a"\n`,
      ":1:10: Expected ']' to close a table header but found ':' (tend writes [program.web], not [program:web])",
    ],
  ];
  for (const [name, text, expected] of cases) {
    test(name, () => {
      expect(linesOf(text)).toEqual([expected]);
    });
  }

  test("the fixture file, read from disk", () => {
    const file = join(FIXTURES, "invalid-syntax.toml");
    const e = errorOf(() => loadConfig(file, {}));
    expect(e.message).toBe(`invalid config ${file}: 1 problem`);
    expect(e.details).toEqual([
      { file, line: 3, column: 12, message: "Missing value after '='; values must be on the same line" },
    ]);
  });

  test("what only Bun rejects is reported with Bun's message and no position", () => {
    expect(issuesOf(`x = 99999999999999999999\n`)).toEqual([
      { file: FILE, message: "Integer is outside the 64-bit signed range" },
    ]);
  });
});

describe("wrong types", () => {
  const cases: [lines: string, expected: string][] = [
    [`startsecs = "abc"`, `: program.web.startsecs: expected a non-negative number, got "abc" (string)`],
    [`autostart = "maybe"`, `: program.web.autostart: expected true or false, got "maybe" (string)`],
    [`redirect_stderr = 1`, `: program.web.redirect_stderr: expected true or false, got 1 (number)`],
    [`autorestart = "sometimes"`, `: program.web.autorestart: expected true, false or "unexpected" ("always"/"never" also work), got "sometimes" (string)`],
    [`environment = "A=1"`, `: program.web.environment: expected a table like { KEY = "value" }, got "A=1" (string)`],
    [`environment = { A = { B = 1 } }`, `: program.web.environment.A: expected a string, number or boolean, got a table`],
    [`exitcodes = "0,2"`, `: program.web.exitcodes: expected an array of exit codes like [0, 2], got "0,2" (string)`],
    [`exitcodes = [0, "x"]`, `: program.web.exitcodes[1]: expected a non-negative integer, got "x" (string)`],
    [`numprocs = 1.5`, `: program.web.numprocs: expected a positive integer, got 1.5 (number)`],
    [`priority = true`, `: program.web.priority: expected an integer, got true (boolean)`],
    [`stdout_logfile = 5`, `: program.web.stdout_logfile: expected "auto", "none" or a file path, got 5 (number)`],
    [`stdout_logfile = "syslog"`, `: program.web.stdout_logfile: syslog output is not supported; use "auto", "none" or a file path`],
    [`stdout_logfile_maxbytes = "50XB"`, `: program.web.stdout_logfile_maxbytes: expected a size like "50MB" (KB, MB or GB) or a number of bytes, got "50XB" (string)`],
    [`umask = "abc"`, `: program.web.umask: expected an octal string like "022" or a TOML octal number, got "abc" (string)`],
    [`umask = "0999"`, `: program.web.umask: expected an octal string like "022" or a TOML octal number, got "0999" (string)`],
    [`umask = 22`, `: program.web.umask: 22 is a decimal number, but modes are octal: write "022" (a string) or 0o22`],
    [`user = ""`, `: program.web.user: expected a non-empty string, got "" (string)`],
    [`directory = ["a"]`, `: program.web.directory: expected a non-empty string, got ["a"] (array)`],
    [`startsecs = 1979-05-27T07:32:00Z`, `: program.web.startsecs: expected a non-negative number, got a date/time`],
  ];
  for (const [lines, expected] of cases) {
    test(lines, () => {
      expect(linesOf(program(lines))).toEqual([expected]);
    });
  }

  const commands: [value: string, expected: string][] = [
    [`5`, `: program.web.command: expected a string or an array of strings, got 5 (number)`],
    [`""`, `: program.web.command: is empty: give the program to run and its arguments`],
    [`[]`, `: program.web.command: is an empty array: give the program to run and its arguments`],
    [`["sleep", 10]`, `: program.web.command[1]: expected a string, got 10 (number)`],
    [`"sleep 'unterminated"`, `: program.web.command: cannot split "sleep 'unterminated": unterminated single quote at character 7`],
    [`'echo "open'`, `: program.web.command: cannot split "echo \\"open": unterminated double quote at character 6`],
    [`'echo a\\'`, `: program.web.command: cannot split "echo a\\\\": ends with a backslash that escapes nothing`],
    [
      `"ps aux | grep x"`,
      `: program.web.command: cannot split "ps aux | grep x": contains the shell operator "|", but commands are not run by a shell; write command = ["sh", "-c", "..."] if you need one`,
    ],
  ];
  for (const [value, expected] of commands) {
    test(`command = ${value}`, () => {
      expect(linesOf(`[program.web]\ncommand = ${value}`)).toEqual([expected]);
    });
  }

  test("a quoted shell operator is an ordinary argument", () => {
    expect(parseConfigText(`[program.web]\ncommand = "tr '|' ,"`, FILE, {}).programs[0]!.command).toEqual(["tr", "|", ","]);
  });

  test("tables that are not tables", () => {
    expect(linesOf(`daemon = 1\nhttp = "x"\nprogram = []\n`)).toEqual([
      `: daemon: expected a table ([daemon]), got 1 (number)`,
      `: http: expected a table ([http]), got "x" (string)`,
      `: program: expected a table ([program]), got [] (array)`,
    ]);
    expect(linesOf(`[program]\nweb = "sleep 1"\n`)).toEqual([`: program.web: expected a table ([program.web]), got "sleep 1" (string)`]);
  });

  test("daemon and http values", () => {
    expect(
      linesOf(`[daemon]\nloglevel = "trace"\nsocket_mode = "rw"\nsocket_owner = "a b"\n[http]\nlisten = "localhost:0"\n`),
    ).toEqual([
      `: daemon.loglevel: expected one of debug, info, warn, error, got "trace" (string)`,
      `: daemon.socket_mode: expected an octal string like "0600" or a TOML octal number, got "rw" (string)`,
      `: daemon.socket_owner: expected "user" or "user:group", got "a b" (string)`,
      `: http.listen: port must be from 1 to 65535, got "localhost:0" (string)`,
    ]);
    expect(linesOf(`[http]\nlisten = "localhost:http"\n`)).toEqual([
      `: http.listen: expected "host:port" (port 1-65535), got "localhost:http" (string)`,
    ]);
    expect(linesOf(`[http]\nlisten = "a b:80"\n`)).toEqual([
      `: http.listen: bad host "a b": expected "host:port" (port 1-65535), got "a b:80" (string)`,
    ]);
  });
});

describe("unknown keys, with suggestions", () => {
  const cases: [text: string, expected: string][] = [
    [program(`workdir = "/srv"`), `: program.web.workdir: unknown key; did you mean "directory"?`],
    [program(`cwd = "/srv"`), `: program.web.cwd: unknown key; did you mean "directory"?`],
    [program(`working_directory = "/srv"`), `: program.web.working_directory: unknown key; did you mean "directory"?`],
    [program(`restart = "always"`), `: program.web.restart: unknown key; did you mean "autorestart"?`],
    [program(`args = ["a"]`), `: program.web.args: unknown key; did you mean "command"?`],
    [program(`envfile = "a.env"`), `: program.web.envfile: unknown key; did you mean "environment_file"?`],
    [program(`env_file = "a.env"`), `: program.web.env_file: unknown key; did you mean "environment_file"?`],
    [program(`stop_signal = "INT"`), `: program.web.stop_signal: unknown key; did you mean "stopsignal"?`],
    [program(`autorestrat = true`), `: program.web.autorestrat: unknown key; did you mean "autorestart"?`],
    [program(`stopwait_secs = 3`), `: program.web.stopwait_secs: unknown key; did you mean "stopwaitsecs"?`],
    [program(`Priority = 3`), `: program.web.Priority: unknown key; did you mean "priority"?`],
    [program(`replicas = 3`), `: program.web.replicas: unknown key; did you mean "numprocs"?`],
    [program(`flavour = "mint"`), `: program.web.flavour: unknown key`],
    [program(`stdout_events_enabled = true`), `: program.web.stdout_events_enabled: unknown key: supervisord's event keys are not supported by tend`],
    [program(`depends_on = ["db"]`), `: program.web.depends_on: unknown key: not supported yet: order starts with priority (lower starts first)`],
    [`[daemon]\nlog_level = "info"`, `: daemon.log_level: unknown key; did you mean "loglevel"?`],
    [`[daemon]\nchildlogdir = "/x"`, `: daemon.childlogdir: unknown key; did you mean "log_dir"?`],
    [`[http]\nport = 9001`, `: http.port: unknown key; did you mean "listen"?`],
    [`[programs.web]\ncommand = "x"`, `: programs: unknown top-level key; did you mean "program"? (tables are daemon, http, program, group)`],
    [`[supervisord]\nlogfile = "x"`, `: supervisord: unknown top-level key; did you mean "daemon"? (tables are daemon, http, program, group)`],
    [`command = "x"`, `: command: unknown top-level key: program keys go in a [program.NAME] table`],
    [`["program:web"]\ncommand = "x"`, `: "program:web": unknown table; tend writes [program.web], not [program:web]`],
  ];
  for (const [text, expected] of cases) {
    test(text.split("\n").at(-1)!, () => {
      expect(linesOf(text)).toEqual([expected]);
    });
  }

  test("the fixture file", () => {
    const file = join(FIXTURES, "invalid-unknown-key.toml");
    expect(formatIssues(errorOf(() => loadConfig(file, {})).details as ConfigIssue[])).toBe(
      `${file}:3:1: program.web.workdir: unknown key; did you mean "directory"?`,
    );
  });

  test("a misspelt required key: both the unknown key and the missing one", () => {
    expect(linesOf(`[program.a]\ncommand = "x"\n[group.g]\nmembers = ["a"]`)).toEqual([
      `: group.g.programs: missing: a group lists its programs, e.g. programs = ["web", "worker"]`,
      `: group.g.members: unknown key; did you mean "programs"?`,
    ]);
  });

  test("an alias and its canonical key together", () => {
    expect(linesOf(`[program.web]\ncmd = "a"\ncommand = "b"`)).toEqual([
      `: program.web.cmd: "cmd" is an alias of "command" and both are set; keep one`,
    ]);
  });

  test("a problem in an aliased key is reported under the alias the user wrote", () => {
    expect(linesOf(`[program.web]\ncmd = 5`)).toEqual([
      `: program.web.cmd: expected a string or an array of strings, got 5 (number)`,
    ]);
  });
});

describe("negative and absurd numbers state the allowed range", () => {
  const cases: [lines: string, expected: string][] = [
    [`startsecs = -1`, `: program.web.startsecs: expected a non-negative number, got -1 (number)`],
    [`startsecs = 1e12`, `: program.web.startsecs: expected a number from 0 to 86400 (seconds), got 1000000000000 (number)`],
    [`stopwaitsecs = 99999999`, `: program.web.stopwaitsecs: expected a number from 0 to 86400 (seconds), got 99999999 (number)`],
    [`startsecs = nan`, `: program.web.startsecs: expected a non-negative number, got NaN (number)`],
    [`stopwaitsecs = inf`, `: program.web.stopwaitsecs: expected a number from 0 to 86400 (seconds), got Infinity (number)`],
    [`numprocs = 0`, `: program.web.numprocs: expected an integer from 1 to 1000, got 0 (number)`],
    [`numprocs = 100000`, `: program.web.numprocs: expected an integer from 1 to 1000, got 100000 (number)`],
    [`numprocs_start = -1`, `: program.web.numprocs_start: expected an integer from 0 to 1000000, got -1 (number)`],
    [`startretries = -1`, `: program.web.startretries: expected an integer from 0 to 1000, got -1 (number)`],
    [`priority = 1e9`, `: program.web.priority: expected an integer from -1000000 to 1000000, got 1000000000 (number)`],
    [`exitcodes = [0, 256]`, `: program.web.exitcodes[1]: expected an integer from 0 to 255, got 256 (number)`],
    [`exitcodes = [-1]`, `: program.web.exitcodes[0]: expected an integer from 0 to 255, got -1 (number)`],
    [`stdout_logfile_backups = 5000`, `: program.web.stdout_logfile_backups: expected an integer from 0 to 1000, got 5000 (number)`],
    [`stderr_logfile_maxbytes = "5000GB"`, `: program.web.stderr_logfile_maxbytes: expected a size of at most 1024GB, got "5000GB" (string)`],
    [`stderr_logfile_maxbytes = -1`, `: program.web.stderr_logfile_maxbytes: expected a size like "50MB" (KB, MB or GB) or a number of bytes, got -1 (number)`],
    [`umask = 0o1777`, `: program.web.umask: expected a mode from 0 to 0o777, got 1023 (number)`],
  ];
  for (const [lines, expected] of cases) {
    test(lines, () => {
      expect(linesOf(program(lines))).toEqual([expected]);
    });
  }
});

describe("signals", () => {
  const cases: [value: string, expected: string][] = [
    [`"BOGUS"`, `: program.web.stopsignal: expected a signal name like "TERM" or "SIGTERM", or a number, got "BOGUS" (string)`],
    [`"SIGTREM"`, `: program.web.stopsignal: expected a signal name like "TERM" or "SIGTERM", or a number, got "SIGTREM" (string); did you mean "TERM"?`],
    [`99`, `: program.web.stopsignal: expected a signal name like "TERM" or "SIGTERM", or a number, got 99 (number)`],
    [`0`, `: program.web.stopsignal: expected a signal name like "TERM" or "SIGTERM", or a number, got 0 (number)`],
    [`true`, `: program.web.stopsignal: expected a signal name like "TERM" or "SIGTERM", or a number, got true (boolean)`],
  ];
  for (const [value, expected] of cases) {
    test(`stopsignal = ${value}`, () => {
      expect(linesOf(program(`stopsignal = ${value}`))).toEqual([expected]);
    });
  }
});

describe("names, instances and groups", () => {
  test("missing command", () => {
    expect(linesOf(`[program.web]\nautostart = true`)).toEqual([`: program.web.command: missing: every program needs a command to run`]);
  });

  test("duplicate instance names across programs name both programs", () => {
    expect(linesOf(`[program.a]\ncommand = "x"\nprocess_name = "b"\n[program.b]\ncommand = "y"\n`)).toEqual([
      `: program.b: instance name "b" is also used by program.a; set process_name on one of them`,
    ]);
  });

  test("numprocs > 1 needs {num} in process_name", () => {
    expect(linesOf(program(`numprocs = 2\nprocess_name = "{program}"`))).toEqual([
      `: program.web.process_name: must contain {num} or {num:02} when numprocs > 1, or every instance gets the same name`,
    ]);
  });

  test("unknown placeholder", () => {
    expect(linesOf(program(`process_name = "{program}_{nmu}"`))).toEqual([
      `: program.web.process_name: unknown placeholder {nmu}: use {program}, {group}, {num}, {num:02}`,
    ]);
  });

  test("bad names", () => {
    const why = `which is not a valid name: use letters, digits, "_", "." and "-" (names become file names and URL segments)`;
    expect(linesOf(`[program."my app"]\ncommand = "x"\n[program.".."]\ncommand = "y"\n[group."a/b"]\nprograms = ["my app"]`)).toEqual([
      `: program."my app": program name is "my app", ${why}`,
      `: program."..": program name is "..", ${why}`,
      `: group."a/b": group name is "a/b", ${why}`,
    ]);
    expect(linesOf(program(`process_name = "{program} {num}"`))).toEqual([
      `: program.web.process_name: expands to "web 0", ${why}`,
    ]);
  });

  test("group problems: unknown member, listed twice, in two groups, name clash", () => {
    expect(
      linesOf(`
[program.web]
command = "x"
[program.db]
command = "y"
[group.a]
programs = ["wbe", "web", "web"]
[group.b]
programs = ["web"]
[group.db]
programs = ["web"]
`),
    ).toEqual([
      `: group.a.programs[0]: no program named "wbe"; did you mean "web"?`,
      `: group.a.programs[2]: "web" is listed twice`,
      `: group.b.programs[0]: program "web" is already in group "a"; a program belongs to one group only`,
      `: group.db: group name "db" is also a program that is not in this group; rename one of them`,
      `: group.db.programs[0]: program "web" is already in group "a"; a program belongs to one group only`,
    ]);
  });

  test("an empty or missing programs list", () => {
    expect(linesOf(`[group.a]\nprograms = []\n[group.b]\n`)).toEqual([
      `: group.a.programs: expected a non-empty array of program names, got [] (array)`,
      `: group.b.programs: missing: a group lists its programs, e.g. programs = ["web", "worker"]`,
    ]);
  });

  test("log file collisions", () => {
    expect(
      linesOf(`
[program.a]
command = "x"
stdout_logfile = "/logs/shared.log"
[program.b]
command = "y"
stdout_logfile = "/logs/shared.log"
[program.c]
command = "z"
stdout_logfile = "/logs/c.log"
stderr_logfile = "/logs/c.log"
[program.d]
command = "w"
numprocs = 2
stdout_logfile = "/logs/d.log"
`),
    ).toEqual([
      `: program.b.stdout_logfile: /logs/shared.log is also the stdout_logfile of a; use {num} or {name} in the path to give each instance its own file`,
      `: program.c.stderr_logfile: /logs/c.log is also the stdout_logfile of c; set redirect_stderr = true to merge stderr into stdout`,
      `: program.d.stdout_logfile: /logs/d.log is also the stdout_logfile of d_00; use {num} or {name} in the path to give each instance its own file`,
    ]);
  });

  test("stopasgroup without killasgroup", () => {
    expect(linesOf(program(`killasgroup = false`))).toEqual([
      `: program.web.killasgroup: cannot be false while stopasgroup is true (the final SIGKILL would miss the group)`,
    ]);
  });

  test("environment keys execve cannot pass", () => {
    expect(linesOf(program(`environment = { "A=B" = "1", "" = "2" }`))).toEqual([
      `: program.web.environment."A=B": not a valid environment variable name (it must be non-empty, without "=" or a NUL character)`,
      `: program.web.environment."": not a valid environment variable name (it must be non-empty, without "=" or a NUL character)`,
    ]);
  });

  test("a NUL character anywhere a C string goes is an error naming the key (#11.12)", () => {
    // Before: accepted, then every spawn failed with a bare ERR_INVALID_ARG_VALUE.
    const nul = "contains a NUL character (\\u0000), which no path, argument or environment variable can hold";
    expect(
      linesOf(
        `[daemon]\nlog_dir = "/var/log/t\\u0000"\n` +
          `[program.web]\ncommand = ["sleep", "1\\u0000"]\nenvironment = { V = "a\\u0000b", "K\\u0000" = "1" }\n` +
          `directory = "/srv\\u0000"\nuser = "www\\u0000"\nstdout_logfile = "/tmp/x\\u0000.log"\n` +
          `[program.api]\ncommand = "sleep\\u0000 1"\n`,
      ),
    ).toEqual([
      `: daemon.log_dir: ${nul}`,
      `: program.web.command[1]: ${nul}`,
      `: program.web.environment."K\\u0000": not a valid environment variable name (it must be non-empty, without "=" or a NUL character)`,
      `: program.web.environment.V: ${nul}`,
      `: program.web.directory: ${nul}`,
      `: program.web.user: ${nul}`,
      `: program.web.stdout_logfile: ${nul}`,
      `: program.api.command: ${nul}`,
    ]);
  });
});

describe("http authentication", () => {
  test("either key may stand alone: username defaults to admin, a loopback password is generated (#12.9)", () => {
    const http = (text: string) => parseConfigText(`[http]\n${text}`, FILE, {}).http;
    expect(http(`password = "pw"`)).toEqual({ listen: "127.0.0.1:9001", username: null, password: "pw" });
    expect(http(`username = "ops"`)).toEqual({ listen: "127.0.0.1:9001", username: "ops", password: null });
    expect(http(`listen = "0.0.0.0:9001"\npassword = "pw"`)?.password).toBe("pw");
  });
  test("a non-loopback listener needs a password", () => {
    const refused = [`: http.listen: 0.0.0.0:9001 is reachable from other hosts: set password (username defaults to admin), or listen on 127.0.0.1`];
    expect(linesOf(`[http]\nlisten = "0.0.0.0:9001"`)).toEqual(refused);
    expect(linesOf(`[http]\nlisten = "0.0.0.0:9001"\nusername = "ops"`)).toEqual(refused);
  });
});

describe("[daemon] logfile (#12.12)", () => {
  test("a program's log on tend's own log is refused; bad values name the key", () => {
    expect(linesOf(`[daemon]\nlogfile = "/var/log/main.log"\n${program(`stdout_logfile = "/var/log/main.log"`)}`)).toEqual([
      `: program.web.stdout_logfile: /var/log/main.log is also tend's own log ([daemon] logfile); give one of them another path`,
    ]);
    expect(linesOf(`[daemon]\nlogfile = ""\nlogfile_maxbytes = "1XB"\nlogfile_backups = -1\n`)).toEqual([
      `: daemon.logfile: expected a non-empty string, got "" (string)`,
      `: daemon.logfile_maxbytes: expected a size like "50MB" (KB, MB or GB) or a number of bytes, got "1XB" (string)`,
      `: daemon.logfile_backups: expected an integer from 0 to 1000, got -1 (number)`,
    ]);
  });
});

describe("user: as supervisord, one the system does not know is refused (#12.3)", () => {
  test("an unknown name or uid names the file, line and key", () => {
    const text = `[program.web]\ncommand = "sleep 1"\nuser = "no-such-user-xyz"\n[program.api]\ncommand = "sleep 1"\nnumprocs = 2\nuser = "4000000000"\n`;
    expect(issuesOf(text)).toEqual([
      { file: FILE, line: 3, column: 1, path: "program.web.user", message: `unknown user name "no-such-user-xyz": /etc/passwd has no such user` },
      { file: FILE, line: 7, column: 1, path: "program.api.user", message: `unknown user id "4000000000": /etc/passwd has no such user` },
    ]);
  });
  test("a name or a uid that /etc/passwd has passes", () => {
    for (const user of ["root", "0"]) expect(parseConfigText(program(`user = "${user}"`), FILE, {}).programs[0]!.user).toBe(user);
  });
  test("an expansion that failed is reported once, as the expansion's", () => {
    expect(linesOf(program(`user = "\${NOPE}"`))).toEqual([`: program.web.user: environment variable NOPE is not set (write \${NOPE:-default} to give a default)`]);
  });
});

describe("${VAR} expansion errors", () => {
  test("an unset variable names the key and the variable, once", () => {
    expect(linesOf(program(`numprocs = "\${WORKERS}"`))).toEqual([
      `: program.web.numprocs: environment variable WORKERS is not set (write \${WORKERS:-default} to give a default)`,
    ]);
  });
  test("inside arrays and environment tables", () => {
    expect(linesOf(`[program.web]\ncommand = ["a", "\${X}"]\nenvironment = { K = "\${Y}" }`)).toEqual([
      `: program.web.command[1]: environment variable X is not set (write \${X:-default} to give a default)`,
      `: program.web.environment.K: environment variable Y is not set (write \${Y:-default} to give a default)`,
    ]);
  });
  test("malformed references", () => {
    expect(linesOf(program(`user = "\${1X}"\ndirectory = "/a/\${B"\nprocess_name = "\${C?x}"`))).toEqual([
      `: program.web.user: bad variable reference \${1X}: expected \${NAME} or \${NAME:-default}`,
      `: program.web.directory: unterminated "\${" at character 4 (write $$ for a literal $)`,
      `: program.web.process_name: bad variable reference \${C?x}: expected \${NAME} or \${NAME:-default}`,
    ]);
  });
});

describe("environment_file errors", () => {
  test("a missing file is named", () => {
    const missing = join(dir, "nope.env");
    expect(linesOf(program(`environment_file = "${missing}"`))).toEqual([
      `: program.web.environment_file: cannot read ${missing}: no such file`,
    ]);
  });

  test("a bad line is reported at its line in the env file", () => {
    const envFile = join(dir, "bad.env");
    writeFileSync(envFile, `A=1\nthis is not an assignment\nB="unterminated\n`);
    expect(formatIssues(issuesOf(program(`environment_file = "${envFile}"`)))).toBe(
      [
        `${envFile}:2:1: expected KEY=VALUE, got "this is not an assignment" (environment_file of program.web)`,
        `${envFile}:3:3: B: unterminated double quote (environment_file of program.web)`,
      ].join("\n"),
    );
  });

  test("a NUL character in a value is reported at its place (#11.12)", () => {
    const envFile = join(dir, "nul.env");
    writeFileSync(envFile, `A=1\nB=x\0y\n`);
    expect(formatIssues(issuesOf(program(`environment_file = "${envFile}"`)))).toBe(
      `${envFile}:2:4: B: the value contains a NUL character, which no environment variable can hold (environment_file of program.web)`,
    );
  });
});

describe("the filesystem, as `tend check` sees it (#11.12)", () => {
  /** `check`'s lines for `text`; the daemon (no `paths`) must accept the same config. */
  function checkLines(text: string): string[] {
    expect(() => parseConfigText(text, FILE, {})).not.toThrow();
    const e = errorOf(() => parseConfigText(text, FILE, {}, { paths: true }));
    return formatIssues(e.details as ConfigIssue[]).split("\n").map((l) => l.replace(FILE, ""));
  }

  test("a log path that is a directory, one under a file, a directory that is a file", () => {
    const logs = join(dir, "logs");
    const isDir = join(dir, "a-dir");
    const file = join(dir, "a-file");
    mkdirSync(isDir, { recursive: true });
    writeFileSync(file, "x\n");
    expect(
      checkLines(
        `[daemon]\nlog_dir = "${logs}"\n` +
          `[program.web]\ncommand = "sleep 1"\nstdout_logfile = "${isDir}"\nstderr_logfile = "${file}/deeper/x.log"\n` +
          `[program.api]\ncommand = "sleep 1"\ndirectory = "${file}"\nnumprocs = 2\nprocess_name = "api{num}"\nstdout_logfile = "${dir}/api{num}.log"\nstderr_logfile = "none"\n`,
      ),
    ).toEqual([
      `:5:1: program.web.stdout_logfile: ${isDir} is a directory: name a file (e.g. ${isDir}/NAME.log)`,
      `:6:1: program.web.stderr_logfile: ${file}/deeper/x.log cannot be created: ${file} is a file, not a directory`,
      `:9:1: program.api.directory: ${file} is not a directory`,
    ]);
  });

  test("a log_dir that is a file, or under one; its programs' auto logs are not reported again", () => {
    const file = join(dir, "b-file");
    writeFileSync(file, "x\n");
    expect(checkLines(`[daemon]\nlog_dir = "${file}"\n[program.web]\ncommand = "sleep 1"\n`)).toEqual([`:2:1: daemon.log_dir: ${file} is not a directory`]);
    expect(checkLines(`[daemon]\nlog_dir = "${file}/logs"\n[program.web]\ncommand = "sleep 1"\n`)).toEqual([
      `:2:1: daemon.log_dir: ${file}/logs cannot be created: ${file} is a file, not a directory`,
    ]);
  });

  test("a [daemon] logfile that is a directory or under a file (#12.12)", () => {
    const file = join(dir, "d-file");
    writeFileSync(file, "x\n");
    const head = `[daemon]\nlog_dir = "${dir}/logs"\n`;
    expect(checkLines(`${head}logfile = "${dir}"\n`)).toEqual([`:3:1: daemon.logfile: ${dir} is a directory: name a file (e.g. ${dir}/NAME.log)`]);
    expect(checkLines(`${head}logfile = "${file}/main.log"\n`)).toEqual([`:3:1: daemon.logfile: ${file}/main.log cannot be created: ${file} is a file, not a directory`]);
  });

  test("a socket or pidfile whose directory is a file", () => {
    const file = join(dir, "c-file");
    writeFileSync(file, "x\n");
    expect(checkLines(`[daemon]\nlog_dir = "${dir}/logs"\nsocket = "${file}/tend.sock"\npidfile = "${file}/a/tend.pid"\n[program.web]\ncommand = "sleep 1"\n`)).toEqual([
      `:3:1: daemon.socket: ${file}/tend.sock cannot be created: ${file} is a file, not a directory`,
      `:4:1: daemon.pidfile: ${file}/a/tend.pid cannot be created: ${file} is a file, not a directory`,
    ]);
  });

  test("paths that do not exist yet, and devices, are fine", () => {
    const text = `[daemon]\nlog_dir = "${dir}/not/yet"\n[program.web]\ncommand = "sleep 1"\ndirectory = "${dir}/later"\nstdout_logfile = "/dev/stdout"\n`;
    expect(() => parseConfigText(text, FILE, {}, { paths: true })).not.toThrow();
  });
});

describe("many errors in one file", () => {
  test("all are reported, in file order, each with its line", () => {
    const file = join(FIXTURES, "invalid-many.toml");
    const e = errorOf(() => loadConfig(file, {}));
    expect(e.message).toBe(`invalid config ${file}: 7 problems`);
    const issues = e.details as ConfigIssue[];
    expect(issues.map((i) => `${i.line}: ${i.path}: ${i.message}`)).toEqual([
      `4: program.web.startsecs: expected a non-negative number, got -1 (number)`,
      `5: program.web.stopsignal: expected a signal name like "TERM" or "SIGTERM", or a number, got "BOGUS" (string)`,
      `6: program.web.cwd: unknown key; did you mean "directory"?`,
      `8: program.api.command: missing: every program needs a command to run`,
      `9: program.api.numprocs: expected an integer from 1 to 1000, got 100000 (number)`,
      `11: program.worker: instance name "web" is also used by program.web; set process_name on one of them`,
      `16: group.site.programs[1]: no program named "nope"`,
    ]);
  });

  test("problems in one program do not hide rule violations between others", () => {
    expect(linesOf(`[program.a]\ncommand = "x"\nstartsecs = -1\n[program.b]\ncommand = "x"\n[program.c]\ncommand = "x"\nprocess_name = "b"\n`)).toEqual([
      `: program.a.startsecs: expected a non-negative number, got -1 (number)`,
      `: program.c: instance name "b" is also used by program.b; set process_name on one of them`,
    ]);
  });
});

describe("reading", () => {
  test("a missing config file", () => {
    const file = join(dir, "absent.toml");
    const e = errorOf(() => loadConfig(file));
    expect(e.code).toBe("INVALID_CONFIG");
    expect(formatIssues(e.details as ConfigIssue[])).toBe(`${file}: cannot read the config file: no such file`);
  });

  test("formatIssues: syntax, schema and plain issues", () => {
    expect(
      formatIssues([
        { file: "f.toml", line: 3, column: 7, message: "bad" },
        { file: "f.toml", path: "program.web.startsecs", line: 9, column: 3, message: "worse" },
        { file: "f.toml", path: "program.web.user", line: 10, message: "no column" },
        { file: "f.toml", path: "program.web.env", message: "not in the file" },
        { file: "f.toml", message: "worst" },
      ]),
    ).toBe(
      [
        "f.toml:3:7: bad",
        "f.toml:9:3: program.web.startsecs: worse",
        "f.toml:10: program.web.user: no column",
        "f.toml: program.web.env: not in the file",
        "f.toml: worst",
      ].join("\n"),
    );
  });

  test("positions: a problem with a key names the file, the key's line and column, and the key", () => {
    const text = `[daemon]\nloglevel = "loud"\n\n[program.web]\ncommand = "sleep 1"\n  startsecs = "soon"\nenvironment = { OK = "1", BAD = { B = 1 } }\n`;
    expect(formatIssues(issuesOf(text)).split("\n")).toEqual([
      `${FILE}:2:1: daemon.loglevel: expected one of debug, info, warn, error, got "loud" (string)`,
      `${FILE}:6:3: program.web.startsecs: expected a non-negative number, got "soon" (string)`,
      `${FILE}:7:27: program.web.environment.BAD: expected a string, number or boolean, got a table`,
    ]);
  });
});
