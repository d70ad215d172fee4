// supervisord.conf → tend config, on the fixtures in test/fixtures/supervisord/: the Debian
// sample, a container-style config, and bad ones. The output must load as a tend config.

import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfigText } from "../../../src/config/load.ts";
import { convertSupervisordConfig } from "../../../src/import/convert.ts";
import { isSupervisordConfig, loadSupervisordConfig } from "../../../src/import/load.ts";

const FIX = join(import.meta.dir, "..", "..", "fixtures", "supervisord");
const ENV = { SUPERVISOR_PASSWORD: "s3cret", WEB_PORT: "8080", DATABASE_URL: "postgres://db/app", API_KEY: "k-123", REDIS_URL: "redis://r:6379" };

function convert(text: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "tend-import-"));
  const file = join(dir, "supervisord.conf");
  writeFileSync(file, text);
  const conv = convertSupervisordConfig(file, env);
  return { conv, file, dir, config: () => parseConfigText(conv.toml, file, env) };
}

describe("the Debian sample (echo_supervisord_conf)", () => {
  const conv = convertSupervisordConfig(join(FIX, "echo-sample.conf"), {});
  test("converts without problems, and loads", () => {
    expect(conv.problems).toEqual([]);
    const cfg = parseConfigText(conv.toml, join(FIX, "echo-sample.conf"), {});
    expect(cfg.daemon.socket).toBe("/tmp/supervisor.sock");
    expect(cfg.daemon.pidfile).toBe("/tmp/supervisord.pid");
    expect(cfg.daemon.logDir).toBe("/tmp");
    // [supervisord] logfile, logfile_maxbytes and logfile_backups are tend.log's (#12.12).
    expect(cfg.daemon).toMatchObject({ logfile: "/tmp/supervisord.log", logfileMaxbytes: 50 * 1024 * 1024, logfileBackups: 10 });
    expect(conv.toml).toContain(`logfile = "/tmp/supervisord.log"\nlogfile_maxbytes = "50MB"\nlogfile_backups = 10\n`);
    expect(cfg.programs).toEqual([]);
  });
  test("lists what it cannot carry, with line numbers and reasons", () => {
    const keys = conv.dropped.map((d) => d.key ?? `[${d.section}]`);
    expect(keys).toEqual(["nodaemon", "silent", "minprocs", "[supervisorctl]"]);
    expect(conv.dropped.find((d) => d.key === "minprocs")).toMatchObject({ line: 53, value: "200" });
    expect(conv.toml).toContain("# not carried: minprocs = 200: tend does not raise the process limit");
  });
  test("[supervisord] minfds is carried: the daemon's open-files floor (#12.7)", () => {
    expect(conv.toml).toContain("minfds = 1024\n");
    expect(parseConfigText(conv.toml, join(FIX, "echo-sample.conf"), {}).daemon.minfds).toBe(1024);
  });
});

describe("a container-style config", () => {
  const file = join(FIX, "container.conf");
  const conv = convertSupervisordConfig(file, ENV);
  const cfg = parseConfigText(conv.toml, file, ENV);
  const prog = (n: string) => cfg.programs.find((p) => p.name === n)!;

  test("no problems; includes read relative to the file, sorted; %(here)s is each file's directory", () => {
    expect(conv.problems).toEqual([]);
    expect(cfg.programs.map((p) => p.name).sort()).toEqual(["cron", "queue", "web", "worker_00", "worker_01"]);
    expect(prog("queue").command).toEqual(["/usr/bin/env", "sleep", "3600"]);
    expect(prog("queue").stdoutLogfile).toBe(join(FIX, "conf.d", "..", "log", "queue.log").replace("/conf.d/..", ""));
    expect(cfg.daemon.socket).toBe(join(FIX, "run", "supervisor.sock"));
    expect(cfg.daemon.socketMode).toBe(0o770);
  });

  test("secrets stay references: %(ENV_X)s is ${X} in the file, the value only in the loaded config", () => {
    expect(conv.toml).toContain('API_KEY = "${API_KEY}"');
    expect(conv.toml).not.toContain("k-123");
    expect(conv.toml).toContain('password = "${SUPERVISOR_PASSWORD}"');
    expect(prog("web").environment).toMatchObject({ API_KEY: "k-123", DATABASE_URL: "postgres://db/app", APP_ENV: "production", GREETING: "hello, world" });
    expect(prog("web").command).toEqual(["bash", "-lc", "exec python3 -m http.server 8080 --bind 127.0.0.1"]);
    expect(prog("queue").environment).toMatchObject({ QUEUE_NAME: "jobs;1", REDIS_URL: "redis://r:6379", TZ: "UTC" });
    expect(cfg.http).toEqual({ listen: "127.0.0.1:9001", username: "admin", password: "s3cret" });
  });

  test("stopasgroup/killasgroup: supervisord's false written out, true kept; autostart/autorestart per program", () => {
    expect(prog("web")).toMatchObject({ stopasgroup: true, killasgroup: true, autorestart: true, autostart: true, stopsignal: "INT", redirectStderr: true, stdoutLogfile: "/dev/stdout" });
    expect(prog("worker_00")).toMatchObject({ stopasgroup: false, killasgroup: false, autorestart: "unexpected", exitcodes: [0, 2], stopwaitsecs: 30 });
    expect(prog("cron")).toMatchObject({ stopasgroup: true, killasgroup: true, autostart: false, autorestart: false, priority: 100, user: "root", umask: 0o022 });
    expect(prog("queue")).toMatchObject({ stopasgroup: false, killasgroup: false });
  });

  test("groups: [group:app] keeps its members; numprocs whose command varies per process becomes one program per process", () => {
    expect(prog("web").group).toBe("app");
    expect(prog("cron").group).toBe("app");
    expect(prog("worker_01")).toMatchObject({ group: "worker", command: ["/bin/sh", "-c", "while true; do echo working 1; sleep 5; done"] });
    expect(prog("worker_01").stdoutLogfile).toBe(join(FIX, "log", "worker-01.log"));
    expect(prog("worker_01").stderrLogfile).toBeNull();
  });

  test("every key not carried is listed: event listener, syslog, events, serverurl, group priority, user", () => {
    const what = conv.dropped.map((d) => `${d.section}${d.key ? `.${d.key}` : ""}`);
    expect(what).not.toContain("supervisord.logfile");
    expect(what).not.toContain("supervisord.logfile_maxbytes");
    // logfile=/dev/null with logfile_maxbytes=0: tend.log discarded, never rotated.
    expect(cfg.daemon).toMatchObject({ logfile: "/dev/null", logfileMaxbytes: 0 });
    expect(what).toEqual(
      expect.arrayContaining(["supervisord.user", "eventlistener:crashmail", "program:queue.stdout_events_enabled", "program:queue.stderr_syslog", "program:queue.serverurl", "group:app.priority", "supervisorctl"]),
    );
    expect(conv.dropped.find((d) => d.section === "eventlistener:crashmail")!.file).toBe(join(FIX, "conf.d", "20-listener.ini"));
  });

  test("a variable not set where tend loads it is tend's error, pointed at the supervisord line", () => {
    expect(() => loadSupervisordConfig(file, {})).toThrow();
    try {
      loadSupervisordConfig(file, { ...ENV, WEB_PORT: undefined } as never);
    } catch (e) {
      const issues = (e as { details: Array<{ file: string; line?: number; message: string }> }).details;
      expect(issues).toEqual([expect.objectContaining({ file, line: 32, message: expect.stringContaining("WEB_PORT is not set") })]);
    }
  });
});

describe("numprocs, booleans, sizes, signals", () => {
  const file = join(FIX, "numprocs.conf");
  const conv = convertSupervisordConfig(file, {});
  const cfg = parseConfigText(conv.toml, file, {});
  test("numprocs with only the name and log paths varying stays one program with {num} templates", () => {
    expect(conv.toml).toContain('process_name = "pool_{num:02}"');
    expect(cfg.programs.filter((p) => p.program === "pool").map((p) => p.name)).toEqual(["pool_01", "pool_02", "pool_03"]);
    expect(cfg.programs.find((p) => p.name === "pool_02")!.stdoutLogfile).toBe(join(FIX, "log", "pool-02.out"));
  });
  test("yes/on/1, 1KB, off, sighup, %% — supervisord's value syntax", () => {
    const p = cfg.programs.find((x) => x.name === "pool_01")!;
    expect(p).toMatchObject({ autostart: true, autorestart: true, stopasgroup: true, killasgroup: true, stdoutLogfileMaxbytes: 1024, stderrLogfile: null });
    expect(p.environment).toEqual({ A: "1", B: "two words", PCT: "100%" });
    expect(cfg.programs.find((x) => x.name === "plain")).toMatchObject({ autostart: false, stopsignal: "HUP", stopasgroup: false });
  });
});

describe("bad input", () => {
  const problems = (name: string) => convertSupervisordConfig(join(FIX, name), {}).problems.map((p) => `${p.line}: ${p.message}`);
  test("bad syntax names the line", () => expect(problems("bad-syntax.conf")).toEqual(['3: not a "key = value" line: "this line has no separator"']));
  test("a program without a command", () => expect(problems("missing-command.conf")).toEqual(["4: program section program:nocmd does not specify a command"]));
  test("bad values, conflicting keys, unknown group members, a lone %: every one reported", () => {
    expect(problems("bad-values.conf")).toEqual([
      "6: [program:a] autostart: not a valid boolean value: 'maybe' (true/yes/on/1 or false/no/off/0)",
      "7: [program:a] startsecs: not an integer: 'soon'",
      "8: [program:a] stopsignal: value 'NOPE' is not a valid signal name",
      "9: [program:a] exitcodes: not a valid list of exit codes: '0,300'",
      "10: [program:a] stdout_logfile_maxbytes: not a byte size: '5TB' (a number with an optional KB, MB or GB)",
      "15: [program:b]: Cannot set stopasgroup=true and killasgroup=false",
      '18: [program:c] command: a "%" that is not %(name)s in "/bin/echo 100%" (write %% for a literal %)',
      "21: [group:g] names unknown program ghost",
    ]);
  });
  test("[supervisord] logfile_maxbytes and logfile_backups: bad values name the line (#12.12)", () => {
    const { conv } = convert("[supervisord]\nlogfile = %(here)s/main.log\nlogfile_maxbytes = 5TB\nlogfile_backups = many\n");
    expect(conv.problems.map((p) => `${p.line}: ${p.message}`)).toEqual([
      "3: [supervisord] logfile_maxbytes: not a byte size: '5TB' (a number with an optional KB, MB or GB)",
      "4: [supervisord] logfile_backups: not an integer: 'many'",
    ]);
    const good = convert("[supervisord]\nlogfile = %(here)s/main.log\nlogfile_maxbytes = 1KB\nlogfile_backups = 0\n");
    expect(good.conv.problems).toEqual([]);
    expect(good.config().daemon).toMatchObject({ logfile: join(good.dir, "main.log"), logfileMaxbytes: 1024, logfileBackups: 0 });
  });
  test("unknown sections and keys are not errors (supervisord ignores them) but are listed", () => {
    const conv = convertSupervisordConfig(join(FIX, "unknown-sections.conf"), {});
    expect(conv.problems).toEqual([]);
    expect(conv.dropped.map((d) => d.key ?? d.section)).toEqual(["made_up_key", "frobnicator", "colour"]);
  });
  test("names with ':' or '/' are refused as supervisord refuses them", () => {
    const { conv } = convert("[supervisord]\n[program:a/b]\ncommand=/bin/true\n");
    expect(conv.problems[0]!.message).toContain("Invalid name");
  });
  test("numprocs > 1 without %(process_num) in process_name", () => {
    const { conv } = convert("[program:w]\ncommand=/bin/true\nnumprocs=2\n");
    expect(conv.problems[0]!.message).toContain("%(process_num) must be present");
  });
});

describe("commands", () => {
  test("a command tend would split differently is written as an array; one it splits the same stays a string", () => {
    const { conv, config } = convert("[program:a]\ncommand=/bin/echo a | b > c\n[program:b]\ncommand=bash -lc 'x && y'\n");
    expect(conv.toml).toContain('command = ["/bin/echo", "a", "|", "b", ">", "c"]');
    expect(conv.toml).toContain(`command = "bash -lc 'x && y'"`);
    expect(config().programs.map((p) => p.command)).toEqual([["/bin/echo", "a", "|", "b", ">", "c"], ["bash", "-lc", "x && y"]]);
  });
  test("literal $ and ${ in commands survive tend's ${VAR} expansion", () => {
    const { config } = convert("[program:a]\ncommand=sh -c 'echo $HOME ${HOME} $$'\n");
    expect(config().programs[0]!.command).toEqual(["sh", "-c", "echo $HOME ${HOME} $$"]);
  });
});

test("dialect detection: .conf/.ini by name, otherwise by its sections", () => {
  const { dir } = convert("");
  const odd = join(dir, "supervisor-config");
  writeFileSync(odd, "; x\n[program:a]\ncommand=/bin/true\n");
  expect(isSupervisordConfig(odd)).toBe(true);
  const toml = join(dir, "tend-config");
  writeFileSync(toml, '[program.a]\ncommand = "/bin/true"\n');
  expect(isSupervisordConfig(toml)).toBe(false);
  expect(isSupervisordConfig(join(FIX, "container.conf"))).toBe(true);
});

test("problems tend finds in the converted config point at the supervisord file and line", () => {
  const { file } = convert("[program:bad@name]\ncommand=/bin/true\n[program:w]\ncommand=/bin/echo %(process_num)d\nprocess_name=%(program_name)s_%(process_num)d\nnumprocs=2\nstartsecs=-1\n");
  let issues: Array<{ file: string; line?: number; message: string }> = [];
  try {
    loadSupervisordConfig(file, {});
  } catch (e) {
    issues = (e as { details: typeof issues }).details;
  }
  expect(issues.map((i) => [i.file, i.line])).toEqual([[file, 1], [file, 7], [file, 7]]);
  expect(issues[0]!.message).toContain('not a valid name');
  expect(issues[1]!.message).toContain("tend's program.w_0.startsecs");
});
