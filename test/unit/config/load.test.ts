// Good configs: defaults, every key, aliases and notes, instances, groups, ordering, log paths,
// environment files, freezing. Bad configs are in errors.test.ts.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadConfig, parseConfigText } from "../../../src/config/load.ts";
import type { Config, ProgramConfig } from "../../../src/config/types.ts";

const FIXTURES = resolve(import.meta.dir, "../../fixtures/configs");
const FILE = "/etc/tend/tend.toml";
const LOG_DIR = "/var/log/tend";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tend-config-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Config text with a [daemon] log_dir, so log paths do not depend on who runs the tests. */
function load(text: string, env: Record<string, string> = {}): Config {
  return parseConfigText(`[daemon]\nlog_dir = "${LOG_DIR}"\n${text}`, FILE, env);
}

function only(config: Config): ProgramConfig {
  expect(config.programs).toHaveLength(1);
  return config.programs[0]!;
}

describe("defaults", () => {
  test("a one-line program gets supervisord's defaults, and tend's group-kill defaults", () => {
    const p = only(load(`[program.web]\ncommand = "sleep 1"`));
    expect(p).toEqual({
      name: "web",
      program: "web",
      group: "web",
      processNum: 0,
      command: ["sleep", "1"],
      directory: null,
      environment: {},
      user: null,
      umask: null,
      priority: 999,
      autostart: true,
      autorestart: "unexpected",
      exitcodes: [0],
      startsecs: 1,
      startretries: 3,
      stopsignal: "TERM",
      stopwaitsecs: 10,
      stopasgroup: true,
      killasgroup: true,
      redirectStderr: false,
      critical: false,
      timestamps: false,
      rlimitNofile: null,
      stdoutLogfile: `${LOG_DIR}/web.out.log`,
      stdoutLogfileMaxbytes: 50 * 1024 * 1024,
      stdoutLogfileBackups: 10,
      stderrLogfile: `${LOG_DIR}/web.err.log`,
      stderrLogfileMaxbytes: 50 * 1024 * 1024,
      stderrLogfileBackups: 10,
    });
  });

  test("daemon defaults; [http] is null when absent and defaults its listen when present", () => {
    const c = parseConfigText(`[program.a]\ncommand = "x"`, FILE, {});
    expect(c.file).toBe(FILE);
    expect(c.daemon.socketMode).toBe(0o600);
    expect(c.daemon.socketOwner).toBeNull();
    expect(c.daemon.pidfile).toBeNull();
    expect(c.daemon.loglevel).toBe("info");
    // Who runs the tests decides the socket and log dir; both branches are in defaults.test.ts.
    if (process.getuid?.() === 0) {
      expect(c.daemon.socket).toBe("/run/tend/tend.sock");
      expect(c.daemon.logDir).toBe("/var/log/tend");
    }
    expect(c.http).toBeNull();
    expect(parseConfigText(`[http]`, FILE, {}).http).toEqual({ listen: "127.0.0.1:9001", username: null, password: null });
  });

  test("a config with no programs is valid (programs can come with a reload)", () => {
    const c = parseConfigText("", FILE, {});
    expect(c.programs).toEqual([]);
    expect(c.groups).toEqual({});
  });

  test("minimal.toml fixture loads from disk", () => {
    const c = loadConfig(join(FIXTURES, "minimal.toml"), {});
    expect(c.file).toBe(join(FIXTURES, "minimal.toml"));
    expect(c.programs.map((p) => [p.name, p.command])).toEqual([["sleeper", ["sleep", "1000"]]]);
  });
});

describe("every key (all-options.toml)", () => {
  const c = loadConfig(join(FIXTURES, "all-options.toml"), { TEND_PASSWORD: "s3cret" });

  test("daemon: relative paths resolve against the config's directory", () => {
    expect(c.daemon).toEqual({
      socket: join(FIXTURES, "run/tend.sock"),
      socketMode: 0o660,
      socketOwner: "root:ops",
      logDir: join(FIXTURES, "logs"),
      logfile: join(FIXTURES, "daemon/main.log"),
      logfileMaxbytes: 5 * 1024 * 1024,
      logfileBackups: 3,
      pidfile: join(FIXTURES, "run/tend.pid"),
      loglevel: "warn",
      consoleOutput: true,
      minfds: 4096,
    });
  });

  test("daemon: logfile defaults to <log_dir>/tend.log, rotated at 50MB with 10 backups; a device is never rotated (#12.12)", () => {
    const daemon = (text: string) => parseConfigText(`[daemon]\nlog_dir = "/var/log/x"\n${text}`, "/etc/tend/tend.toml", {}).daemon;
    expect(daemon("")).toMatchObject({ logDir: "/var/log/x", logfile: "/var/log/x/tend.log", logfileMaxbytes: 50 * 1024 * 1024, logfileBackups: 10 });
    expect(daemon(`logfile = "main.log"\nlogfile_maxbytes = 0`)).toMatchObject({ logDir: "/var/log/x", logfile: "/etc/tend/main.log", logfileMaxbytes: 0 });
    expect(daemon(`logfile = "/dev/stdout"\nlogfile_maxbytes = "1MB"`)).toMatchObject({ logfile: "/dev/stdout", logfileMaxbytes: 0 });
  });

  test("http: password expanded from the environment", () => {
    expect(c.http).toEqual({ listen: "0.0.0.0:9101", username: "admin", password: "s3cret" });
  });

  test("program.web: every key applied, two instances named by process_name", () => {
    expect(c.programs.map((p) => p.name)).toEqual(["site-web-005", "site-web-006", "worker"]);
    const web = c.programs[0]!;
    expect(web).toEqual({
      name: "site-web-005",
      program: "web",
      group: "site",
      processNum: 5,
      command: ["python3", "-m", "http.server", "8080", "--bind", "127.0.0.1"],
      directory: join(FIXTURES, "srv"),
      environment: { PORT: "8080", FROM_FILE: "yes", QUOTED: 'a "quoted" value', LITERAL: "no $expansion here", DEBUG: "1", VERBOSE: "true" },
      user: "www-data",
      umask: 0o027,
      priority: 10,
      autostart: false,
      autorestart: true,
      exitcodes: [0, 2],
      startsecs: 0.5,
      startretries: 7,
      stopsignal: "INT",
      stopwaitsecs: 3,
      stopasgroup: false,
      killasgroup: false,
      redirectStderr: false,
      critical: false,
      timestamps: true,
      rlimitNofile: 4096,
      stdoutLogfile: join(FIXTURES, "out/site-web-005.log"),
      stdoutLogfileMaxbytes: 1024 * 1024,
      stdoutLogfileBackups: 2,
      stderrLogfile: "/var/log/web-5.err",
      stderrLogfileMaxbytes: 2048,
      stderrLogfileBackups: 0,
    });
    expect(c.programs[1]!.processNum).toBe(6);
    expect(c.programs[1]!.stderrLogfile).toBe("/var/log/web-6.err");
  });

  test("program.worker: array command kept as is; none and redirect_stderr discard", () => {
    const worker = c.programs[2]!;
    expect(worker.command).toEqual(["/usr/bin/env", "worker", "--queue", "jobs with spaces"]);
    expect(worker.stdoutLogfile).toBeNull();
    expect(worker.stderrLogfile).toBeNull();
    expect(worker.redirectStderr).toBe(true);
    expect(worker.group).toBe("site");
  });

  test("groups list instances in start order", () => {
    expect(c.groups).toEqual({ site: ["site-web-005", "site-web-006", "worker"] });
    expect(c.notes).toEqual([]);
  });
});

describe("aliases", () => {
  const cases: [alias: string, canonical: string, value: string, pick: (p: ProgramConfig) => unknown, expected: unknown][] = [
    ["cmd", "command", `"sleep 5"`, (p) => p.command, ["sleep", "5"]],
    ["workingdir", "directory", `"/srv"`, (p) => p.directory, "/srv"],
    ["env", "environment", `{ A = "1" }`, (p) => p.environment, { A: "1" }],
    ["stdout", "stdout_logfile", `"/tmp/o.log"`, (p) => p.stdoutLogfile, "/tmp/o.log"],
    ["stderr", "stderr_logfile", `"none"`, (p) => p.stderrLogfile, null],
    ["stdout_maxbytes", "stdout_logfile_maxbytes", `"1KB"`, (p) => p.stdoutLogfileMaxbytes, 1024],
    ["stdout_backups", "stdout_logfile_backups", `3`, (p) => p.stdoutLogfileBackups, 3],
    ["stderr_maxbytes", "stderr_logfile_maxbytes", `"2KB"`, (p) => p.stderrLogfileMaxbytes, 2048],
    ["stderr_backups", "stderr_logfile_backups", `4`, (p) => p.stderrLogfileBackups, 4],
  ];
  for (const [alias, canonical, value, pick, expected] of cases) {
    test(`${alias} works as ${canonical} and is noted`, () => {
      const command = alias === "cmd" ? "" : `command = "sleep 1"\n`;
      const c = load(`[program.web]\n${command}${alias} = ${value}`);
      expect(pick(only(c))).toEqual(expected);
      expect(c.notes).toEqual([`program.web.${alias}: alias of ${canonical}`]);
    });
  }
});

describe("shell splitting of command", () => {
  const cases: [string, string[]][] = [
    [`sleep 1`, ["sleep", "1"]],
    [`  spaced   out\targs  `, ["spaced", "out", "args"]],
    [`echo 'single quoted $HOME'`, ["echo", "single quoted $HOME"]],
    [`echo "double \\"quoted\\" \\\\ end"`, ["echo", 'double "quoted" \\ end']],
    [`echo a\\ b`, ["echo", "a b"]],
    [`echo '' ""`, ["echo", "", ""]],
    [`echo it'"'s`, ["echo", `it"s`]],
    [`echo *.txt ~`, ["echo", "*.txt", "~"]],
  ];
  for (const [command, argv] of cases) {
    test(JSON.stringify(command), () => {
      // A TOML literal string, so the test text is exactly what the user would write.
      expect(only(load(`[program.web]\ncommand = '''${command}'''`)).command).toEqual(argv);
    });
  }
});

describe("${VAR} expansion", () => {
  test("in strings, arrays and environment tables; defaults; $$ is a literal $", () => {
    const p = only(
      load(
        `[program.web]
command = ["run", "--port=\${PORT}", "\${MISSING:-fallback}", "cost: $$5", "$HOME stays"]
environment = { URL = "http://\${HOST:-localhost}:\${PORT}", EMPTY = "\${UNSET:-}" }
numprocs = "\${WORKERS:-1}"`,
        { PORT: "8080" },
      ),
    );
    expect(p.command).toEqual(["run", "--port=8080", "fallback", "cost: $5", "$HOME stays"]);
    expect(p.environment).toEqual({ URL: "http://localhost:8080", EMPTY: "" });
  });

  test("a variable can supply a number or a boolean", () => {
    const c = load(`[program.web]\ncommand = "x"\nnumprocs = "\${N}"\nautostart = "\${AUTO}"`, { N: "3", AUTO: "false" });
    expect(c.programs.map((p) => p.name)).toEqual(["web_00", "web_01", "web_02"]);
    expect(c.programs.every((p) => !p.autostart)).toBe(true);
  });
});

describe("environment_file", () => {
  test("comments, export, quotes; the program's environment wins", () => {
    const envFile = join(dir, "app.env");
    writeFileSync(
      envFile,
      [
        "# a comment",
        "",
        "A=1",
        "export B=two",
        `C="double \\"q\\" \\n"`,
        "D='single $X'",
        "E=unquoted value # comment",
        "F=a#b",
        "OVERRIDDEN=from-file",
      ].join("\n"),
    );
    const p = only(load(`[program.web]\ncommand = "x"\nenvironment_file = "${envFile}"\nenvironment = { OVERRIDDEN = "from-config" }`));
    expect(p.environment).toEqual({
      A: "1",
      B: "two",
      C: 'double "q" \n',
      D: "single $X",
      E: "unquoted value",
      F: "a#b",
      OVERRIDDEN: "from-config",
    });
  });

  test("a relative environment_file is found next to the config file", () => {
    writeFileSync(join(dir, "rel.env"), "X=1\n");
    const file = join(dir, "tend.toml");
    writeFileSync(file, `[daemon]\nlog_dir = "logs"\n[program.web]\ncommand = "x"\nenvironment_file = "rel.env"\n`);
    expect(only(loadConfig(file, {})).environment).toEqual({ X: "1" });
  });
});

describe("instances", () => {
  test("numprocs > 1 names instances {program}_{num:02} by default", () => {
    const c = load(`[program.w]\ncommand = "x"\nnumprocs = 3`);
    expect(c.programs.map((p) => [p.name, p.processNum])).toEqual([["w_00", 0], ["w_01", 1], ["w_02", 2]]);
    expect(c.groups).toEqual({ w: ["w_00", "w_01", "w_02"] });
  });

  test("numprocs_start and placeholders {program} {num} {num:04} {group}", () => {
    const c = load(`[program.w]\ncommand = "x"\nnumprocs = 2\nnumprocs_start = 9\nprocess_name = "{group}.{program}.{num}.{num:04}"`);
    expect(c.programs.map((p) => p.name)).toEqual(["w.w.10.0010", "w.w.9.0009"]);
  });

  test("each instance gets its own auto log files", () => {
    const c = load(`[program.w]\ncommand = "x"\nnumprocs = 2`);
    expect(c.programs.map((p) => [p.stdoutLogfile, p.stderrLogfile])).toEqual([
      [`${LOG_DIR}/w_00.out.log`, `${LOG_DIR}/w_00.err.log`],
      [`${LOG_DIR}/w_01.out.log`, `${LOG_DIR}/w_01.err.log`],
    ]);
  });
});

describe("groups and start order", () => {
  test("programs sorted by (priority, name); groups explicit and implicit", () => {
    const c = load(`
[program.zeta]
command = "x"
priority = 1
[program.beta]
command = "x"
[program.alpha]
command = "x"
[program.db]
command = "x"
priority = -5
[group.backend]
programs = ["beta", "db"]
`);
    expect(c.programs.map((p) => p.name)).toEqual(["db", "zeta", "alpha", "beta"]);
    expect(c.groups).toEqual({ backend: ["db", "beta"], zeta: ["zeta"], alpha: ["alpha"] });
    expect(c.programs.map((p) => p.group)).toEqual(["backend", "zeta", "alpha", "backend"]);
  });

  test("a group may share its name with one of its own programs", () => {
    const c = load(`[program.web]\ncommand = "x"\n[program.assets]\ncommand = "y"\n[group.web]\nprograms = ["web", "assets"]`);
    expect(c.groups).toEqual({ web: ["web", "assets"] });
  });

  test("a group lists its members by priority, then as its programs list them (supervisord's order)", () => {
    const c = load(`
[program.zz]
command = "x"
[program.aa]
command = "x"
numprocs = 2
[program.mm]
command = "x"
priority = 5
[group.ui]
programs = ["zz", "aa", "mm"]
`);
    expect(c.groups).toEqual({ ui: ["mm", "zz", "aa_00", "aa_01"] });
  });
});

describe("log targets", () => {
  const cases: [value: string, extra: string, stdout: string | null, stderr: string | null][] = [
    [`"auto"`, "", `${LOG_DIR}/web.out.log`, `${LOG_DIR}/web.err.log`],
    [`"AUTO"`, "", `${LOG_DIR}/web.out.log`, `${LOG_DIR}/web.err.log`],
    [`"none"`, "", null, `${LOG_DIR}/web.err.log`],
    [`"off"`, "", null, `${LOG_DIR}/web.err.log`],
    [`"/dev/null"`, "", null, `${LOG_DIR}/web.err.log`],
    [`"logs/web.log"`, "", "/etc/tend/logs/web.log", `${LOG_DIR}/web.err.log`],
    [`"/abs/{name}.log"`, "", "/abs/web.log", `${LOG_DIR}/web.err.log`],
    [`"auto"`, "redirect_stderr = true", `${LOG_DIR}/web.out.log`, null],
  ];
  for (const [value, extra, stdout, stderr] of cases) {
    test(`stdout_logfile = ${value} ${extra}`, () => {
      const p = only(load(`[program.web]\ncommand = "x"\nstdout_logfile = ${value}\n${extra}`));
      expect([p.stdoutLogfile, p.stderrLogfile]).toEqual([stdout, stderr]);
    });
  }

  test("redirect_stderr with an explicit stderr_logfile: ignored, with a note", () => {
    const c = load(`[program.web]\ncommand = "x"\nredirect_stderr = true\nstderr_logfile = "/x.err"`);
    expect(only(c).stderrLogfile).toBeNull();
    expect(c.notes).toEqual(["program.web.stderr_logfile: ignored because redirect_stderr = true"]);
  });

  test("a device is never rotated", () => {
    const c = load(`[program.web]\ncommand = "x"\nstdout_logfile = "/dev/stdout"\nstderr_logfile = "/dev/stderr"`);
    expect(only(c).stdoutLogfileMaxbytes).toBe(0);
    expect(only(c).stderrLogfileMaxbytes).toBe(0);
    expect(c.notes).toEqual([
      "program.web.stdout_logfile: /dev/stdout is a device; rotation disabled",
      "program.web.stderr_logfile: /dev/stderr is a device; rotation disabled",
    ]);
  });
});

describe("value kinds", () => {
  const cases: [key: string, value: string, pick: (p: ProgramConfig) => unknown, expected: unknown][] = [
    ["stdout_logfile_maxbytes", `0`, (p) => p.stdoutLogfileMaxbytes, 0],
    ["stdout_logfile_maxbytes", `"100"`, (p) => p.stdoutLogfileMaxbytes, 100],
    ["stdout_logfile_maxbytes", `"10KB"`, (p) => p.stdoutLogfileMaxbytes, 10 * 1024],
    ["stdout_logfile_maxbytes", `"50mb"`, (p) => p.stdoutLogfileMaxbytes, 50 * 1024 ** 2],
    ["stdout_logfile_maxbytes", `"2GB"`, (p) => p.stdoutLogfileMaxbytes, 2 * 1024 ** 3],
    ["stopsignal", `"TERM"`, (p) => p.stopsignal, "TERM"],
    ["stopsignal", `"SIGTERM"`, (p) => p.stopsignal, "TERM"],
    ["stopsignal", `"sigterm"`, (p) => p.stopsignal, "TERM"],
    ["stopsignal", `15`, (p) => p.stopsignal, "TERM"],
    ["stopsignal", `"9"`, (p) => p.stopsignal, "KILL"],
    ["stopsignal", `"hup"`, (p) => p.stopsignal, "HUP"],
    ["autorestart", `false`, (p) => p.autorestart, false],
    ["autorestart", `"unexpected"`, (p) => p.autorestart, "unexpected"],
    ["autorestart", `"always"`, (p) => p.autorestart, true],
    ["autorestart", `"never"`, (p) => p.autorestart, false],
    ["autorestart", `"true"`, (p) => p.autorestart, true],
    ["autorestart", `"false"`, (p) => p.autorestart, false],
    ["autostart", `"no"`, (p) => p.autostart, false],
    ["umask", `"022"`, (p) => p.umask, 0o22],
    ["umask", `0o077`, (p) => p.umask, 0o77],
    ["umask", `0`, (p) => p.umask, 0],
    ["exitcodes", `[]`, (p) => p.exitcodes, []],
    ["exitcodes", `2`, (p) => p.exitcodes, [2]],
    ["startsecs", `0`, (p) => p.startsecs, 0],
    ["stopwaitsecs", `"2.5"`, (p) => p.stopwaitsecs, 2.5],
    ["priority", `-10`, (p) => p.priority, -10],
  ];
  for (const [key, value, pick, expected] of cases) {
    test(`${key} = ${value}`, () => {
      expect(pick(only(load(`[program.web]\ncommand = "x"\n${key} = ${value}`)))).toEqual(expected);
    });
  }

  test("http listen forms", () => {
    const listen = (v: string) => parseConfigText(`[http]\nlisten = ${v}\nusername = "u"\npassword = "p"`, FILE, {}).http!.listen;
    expect(listen(`":9001"`)).toBe("127.0.0.1:9001");
    expect(listen(`"9001"`)).toBe("127.0.0.1:9001");
    expect(listen(`9001`)).toBe("127.0.0.1:9001");
    expect(listen(`"*:80"`)).toBe("0.0.0.0:80");
    expect(listen(`"[::1]:8080"`)).toBe("[::1]:8080");
    expect(listen(`"example.com:443"`)).toBe("example.com:443");
  });
});

describe("the result", () => {
  test("is deeply frozen", () => {
    const c = load(`[program.web]\ncommand = "x"\nenvironment = { A = "1" }`);
    const p = c.programs[0]!;
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.daemon)).toBe(true);
    expect(Object.isFrozen(c.programs)).toBe(true);
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.isFrozen(p.command)).toBe(true);
    expect(Object.isFrozen(p.environment)).toBe(true);
    expect(Object.isFrozen(c.groups["web"])).toBe(true);
    expect(() => {
      (p.command as string[]).push("y");
    }).toThrow();
  });

  test("an environment key named __proto__ is an ordinary key", () => {
    const p = only(load(`[program.web]\ncommand = "x"\nenvironment = { "__proto__" = "1" }`));
    expect(Object.keys(p.environment)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(p.environment)).toBe(Object.prototype);
  });
});
