// Key-level checks on the parsed TOML tree, before any value is looked at: the top-level
// tables, aliases (renamed to their canonical keys, with a note), and unknown keys (errors with
// a suggestion). What comes out is one plain table per section, ready for schema.ts.

import type { KeyPath, Problem } from "./problems.ts";
import { describeValue, formatPath, isTable } from "./problems.ts";
import { DAEMON_KEYS, GROUP_KEYS, HTTP_KEYS, PROGRAM_KEYS } from "./schema.ts";
import { didYouMean } from "./suggest.ts";
import { setOwn } from "./objects.ts";

/** Short spellings accepted in [program.X] (DESIGN.md), alias → canonical. */
export const PROGRAM_ALIASES: Readonly<Record<string, string>> = {
  cmd: "command",
  workingdir: "directory",
  env: "environment",
  stdout: "stdout_logfile",
  stderr: "stderr_logfile",
  stdout_maxbytes: "stdout_logfile_maxbytes",
  stdout_backups: "stdout_logfile_backups",
  stderr_maxbytes: "stderr_logfile_maxbytes",
  stderr_backups: "stderr_logfile_backups",
};

/** Spellings from other tools (systemd, docker-compose, pm2, process-compose) → our key. */
function confusions(map: Readonly<Record<string, readonly string[]>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, wrongs] of Object.entries(map)) for (const w of wrongs) out[w] = key;
  return out;
}

const PROGRAM_CONFUSIONS = confusions({
  directory: ["cwd", "workdir", "working_dir", "working_directory", "workingdirectory", "dir", "chdir"],
  autorestart: ["restart", "restart_policy", "auto_restart", "restarts"],
  command: ["args", "arguments", "exec", "execstart", "run", "script", "cmdline", "command_line", "entrypoint"],
  environment_file: ["envfile", "env_file", "envfiles", "env_files", "dotenv", "environmentfile", "environment_files"],
  environment: ["environ", "envs", "env_vars", "vars", "variables"],
  stopsignal: ["stop_signal", "killsignal", "kill_signal", "signal", "stop_sig"],
  stopwaitsecs: ["stop_timeout", "stop_wait_secs", "stopwait", "kill_timeout", "stop_grace_period", "timeout", "timeoutstopsec"],
  startsecs: ["start_secs", "start_timeout", "startup_time", "startsec"],
  startretries: ["start_retries", "retries", "max_retries", "maxretries", "restart_retries", "max_restarts"],
  exitcodes: ["exit_codes", "exitcode", "exit_code", "success_codes", "successexitstatus"],
  autostart: ["auto_start", "enabled", "enable", "start_on_boot"],
  numprocs: ["replicas", "instances", "processes", "count", "scale", "num_procs"],
  process_name: ["name", "process", "instance_name"],
  user: ["username", "uid", "run_as", "runas"],
  stdout_logfile: ["stdout_log", "stdout_path", "stdout_file", "log", "logfile", "log_file", "output"],
  stderr_logfile: ["stderr_log", "stderr_path", "stderr_file", "error_log", "error_file"],
  priority: ["order", "start_order"],
});

/** supervisord keys (and planned ones) tend does not take: say so rather than "unknown". */
const PROGRAM_UNSUPPORTED: Readonly<Record<string, string>> = {
  stdout_capture_maxbytes: "supervisord's event keys are not supported by tend",
  stderr_capture_maxbytes: "supervisord's event keys are not supported by tend",
  stdout_events_enabled: "supervisord's event keys are not supported by tend",
  stderr_events_enabled: "supervisord's event keys are not supported by tend",
  stdout_syslog: 'syslog output is not supported; log to a file or "/dev/stdout"',
  stderr_syslog: 'syslog output is not supported; log to a file or "/dev/stderr"',
  serverurl: "supervisord-only key: tend sets SUPERVISOR_SERVER_URL to its own socket",
  depends_on: "not supported yet: order starts with priority (lower starts first)",
  healthcheck: "not supported yet",
};

const DAEMON_CONFUSIONS = confusions({
  log_dir: ["childlogdir", "logdir", "log_directory", "logs"],
  logfile: ["log_file", "log", "daemon_log", "main_log"],
  logfile_maxbytes: ["logfile_max_bytes", "log_maxbytes", "log_max_bytes", "maxbytes"],
  logfile_backups: ["log_backups", "backups"],
  loglevel: ["log_level", "level"],
  pidfile: ["pid_file", "pid"],
  socket: ["socket_path", "sock", "file", "unix_socket", "socket_file"],
  socket_mode: ["chmod", "mode", "socket_perms", "socket_permissions"],
  socket_owner: ["chown", "owner"],
});

const HTTP_CONFUSIONS = confusions({
  listen: ["port", "bind", "address", "addr", "host", "listen_address"],
  username: ["user", "login"],
  password: ["pass", "passwd", "secret"],
});

const GROUP_CONFUSIONS = confusions({ programs: ["program", "members", "services", "processes"] });
const GROUP_UNSUPPORTED: Readonly<Record<string, string>> = {
  priority: "group priority is not supported: each program's priority orders starts",
};

const TOP_KEYS = ["daemon", "http", "program", "group"] as const;
const TOP_CONFUSIONS = confusions({
  program: ["programs", "services", "service", "process", "processes", "apps"],
  group: ["groups"],
  daemon: ["supervisord", "supervisor", "unix_http_server", "server"],
  http: ["inet_http_server", "web", "api"],
});

export interface ProgramTable {
  /** The table with aliases renamed to canonical keys. */
  readonly table: Record<string, unknown>;
  /** canonical key → the alias the user actually wrote, to report problems under their word. */
  readonly aliasOf: ReadonlyMap<string, string>;
}

export interface Sections {
  readonly daemon: Record<string, unknown> | null;
  readonly http: Record<string, unknown> | null;
  /** Programs whose table is a table; `programNames` also lists the broken ones. */
  readonly programs: ReadonlyMap<string, ProgramTable>;
  readonly programNames: readonly string[];
  readonly groups: ReadonlyMap<string, Record<string, unknown>>;
  readonly problems: readonly Problem[];
  readonly notes: readonly string[];
}

export function splitSections(root: Record<string, unknown>): Sections {
  const problems: Problem[] = [];
  const notes: string[] = [];

  for (const key of Object.keys(root)) {
    if ((TOP_KEYS as readonly string[]).includes(key)) continue;
    problems.push({ path: [key], message: unknownTopLevel(key) });
  }

  const section = (key: string): Record<string, unknown> | null => {
    const value = root[key];
    if (value === undefined) return null;
    if (isTable(value)) return value;
    problems.push({ path: [key], message: `expected a table ([${key}]), got ${describeValue(value)}` });
    return null;
  };

  const daemon = section("daemon");
  if (daemon !== null) checkKeys(daemon, ["daemon"], DAEMON_KEYS, DAEMON_CONFUSIONS, {}, problems);
  const http = section("http");
  if (http !== null) checkKeys(http, ["http"], HTTP_KEYS, HTTP_CONFUSIONS, {}, problems);

  const programs = new Map<string, ProgramTable>();
  const programNames: string[] = [];
  for (const [name, value] of Object.entries(section("program") ?? {})) {
    programNames.push(name);
    const path = ["program", name];
    if (!isTable(value)) {
      problems.push({ path, message: `expected a table ([program.${name}]), got ${describeValue(value)}` });
      continue;
    }
    const { table, aliasOf } = applyAliases(value, path, problems, notes);
    checkKeys(table, path, PROGRAM_KEYS, PROGRAM_CONFUSIONS, PROGRAM_UNSUPPORTED, problems);
    programs.set(name, { table, aliasOf });
  }

  const groups = new Map<string, Record<string, unknown>>();
  for (const [name, value] of Object.entries(section("group") ?? {})) {
    const path = ["group", name];
    if (!isTable(value)) {
      problems.push({ path, message: `expected a table ([group.${name}]), got ${describeValue(value)}` });
      continue;
    }
    checkKeys(value, path, GROUP_KEYS, GROUP_CONFUSIONS, GROUP_UNSUPPORTED, problems);
    groups.set(name, value);
  }

  return { daemon, http, programs, programNames, groups, problems, notes };
}

function unknownTopLevel(key: string): string {
  // `["program:web"]` is supervisord's spelling carried over.
  const colon = /^(program|group):(.+)$/.exec(key);
  if (colon !== null) return `unknown table; tend writes [${colon[1]}.${colon[2]}], not [${colon[1]}:${colon[2]}]`;
  if (PROGRAM_KEYS.includes(key) || Object.hasOwn(PROGRAM_ALIASES, key)) {
    return "unknown top-level key: program keys go in a [program.NAME] table";
  }
  return `unknown top-level key${didYouMean(key, TOP_KEYS, TOP_CONFUSIONS)} (tables are daemon, http, program, group)`;
}

function applyAliases(
  input: Record<string, unknown>,
  path: KeyPath,
  problems: Problem[],
  notes: string[],
): ProgramTable {
  const table: Record<string, unknown> = {};
  const aliasOf = new Map<string, string>();
  for (const [key, value] of Object.entries(input)) {
    const canonical = Object.hasOwn(PROGRAM_ALIASES, key) ? PROGRAM_ALIASES[key] : undefined;
    if (canonical === undefined) {
      setOwn(table, key, value);
      continue;
    }
    if (Object.hasOwn(input, canonical)) {
      problems.push({
        path: [...path, key],
        message: `"${key}" is an alias of "${canonical}" and both are set; keep one`,
      });
      continue;
    }
    setOwn(table, canonical, value);
    aliasOf.set(canonical, key);
    notes.push(`${formatPath([...path, key])}: alias of ${canonical}`);
  }
  return { table, aliasOf };
}

function checkKeys(
  table: Record<string, unknown>,
  path: KeyPath,
  known: readonly string[],
  confusionMap: Readonly<Record<string, string>>,
  unsupported: Readonly<Record<string, string>>,
  problems: Problem[],
): void {
  for (const key of Object.keys(table)) {
    if (known.includes(key)) continue;
    const reason = Object.hasOwn(unsupported, key) ? unsupported[key] : undefined;
    const message =
      reason !== undefined ? `unknown key: ${reason}` : `unknown key${didYouMean(key, known, confusionMap)}`;
    problems.push({ path: [...path, key], message });
  }
}
