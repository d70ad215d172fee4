// The TOML schema: for each table, its keys, their value kinds, defaults and allowed ranges,
// as valibot object schemas whose outputs are the parsed "specs" the rest of the loader uses.
// Unknown keys and aliases are handled before this (keys.ts); cross-field rules after it
// (validators.ts). Value parsing lives in units.ts so messages are written in one place.

import * as v from "valibot";
import type { Parsed, Problem } from "./problems.ts";
import { describeValue, isTable } from "./problems.ts";
import { setOwn } from "./objects.ts";
import type { LogTarget } from "./units.ts";
import {
  parseAutorestart,
  parseBool,
  parseByteSize,
  parseCommand,
  parseEnvValue,
  parseExitCodes,
  parseInteger,
  parseListen,
  parseLogLevel,
  parseLogTarget,
  parseNofile,
  parseNonEmptyString,
  parseOctal,
  parseOwner,
  parseSeconds,
  parseStopSignal,
} from "./units.ts";

/** Limits beyond which a value is a typo, not a choice; each error message states them. */
export const LIMITS = {
  numprocs: 1000,
  numprocsStart: 1_000_000,
  priority: 1_000_000,
  seconds: 86_400,
  startretries: 1000,
  backups: 1000,
} as const;

/**
 * A key whose value a units.ts parser turns into T. The parser's problems become valibot
 * issues; their sub-paths (an array index, an environment key) ride along as path items.
 */
function field<T>(parse: (input: unknown) => Parsed<T>) {
  return v.pipe(
    v.unknown(),
    v.rawTransform<unknown, T>(({ dataset, addIssue, NEVER }) => {
      const r = parse(dataset.value);
      if (r.ok) return r.value;
      for (const p of r.problems) {
        const [first, ...rest] = p.path.map(
          (key): v.UnknownPathItem => ({ type: "unknown", origin: "value", input: dataset.value, key, value: undefined }),
        );
        addIssue({ message: p.message, ...(first === undefined ? {} : { path: [first, ...rest] }) });
      }
      return NEVER;
    }),
  );
}

function parseEnvironment(input: unknown): Parsed<Readonly<Record<string, string>>> {
  if (!isTable(input)) return { ok: false, problems: [{ path: [], message: `expected a table like { KEY = "value" }, got ${describeValue(input)}` }] };
  const out: Record<string, string> = {};
  const problems: Problem[] = [];
  for (const [key, value] of Object.entries(input)) {
    const r = parseEnvValue(value);
    if (r.ok) setOwn(out, key, r.value);
    else problems.push(...r.problems.map((p) => ({ path: [key, ...p.path], message: p.message })));
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: out };
}

function parseNameList(input: unknown): Parsed<readonly string[]> {
  if (!Array.isArray(input) || input.length === 0) {
    return { ok: false, problems: [{ path: [], message: `expected a non-empty array of program names, got ${describeValue(input)}` }] };
  }
  const problems = input.flatMap((item, i) =>
    typeof item === "string" && item !== "" ? [] : [{ path: [i], message: `expected a program name, got ${describeValue(item)}` }],
  );
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: input as string[] };
}

const seconds = field(parseSeconds(LIMITS.seconds));
const bool = field(parseBool);
const path = field(parseNonEmptyString);

export const DaemonSchema = v.object({
  socket: v.optional(path),
  socket_mode: v.optional(field(parseOctal(0o7777)), "0600"),
  socket_owner: v.optional(field(parseOwner)),
  log_dir: v.optional(path),
  // tend.log: supervisord's [supervisord] logfile, logfile_maxbytes, logfile_backups.
  logfile: v.optional(path),
  logfile_maxbytes: v.optional(field(parseByteSize), "50MB"),
  logfile_backups: v.optional(field(parseInteger(0, LIMITS.backups)), 10),
  pidfile: v.optional(path),
  loglevel: v.optional(field(parseLogLevel), "info"),
  console_output: v.optional(bool, false),
  // supervisord's minfds: the daemon raises its open-files limit to at least this at start
  // (the hard one too, as root), and refuses to start when it cannot.
  minfds: v.optional(field(parseNofile)),
});

export const HttpSchema = v.object({
  listen: v.optional(field(parseListen), "127.0.0.1:9001"),
  username: v.optional(field(parseNonEmptyString)),
  password: v.optional(field(parseNonEmptyString)),
});

/** Entries are in the order `tend check` and suggestions list them. */
export const ProgramSchema = v.object(
  {
    command: field(parseCommand),
    process_name: v.optional(field(parseNonEmptyString)),
    numprocs: v.optional(field(parseInteger(1, LIMITS.numprocs)), 1),
    numprocs_start: v.optional(field(parseInteger(0, LIMITS.numprocsStart)), 0),
    directory: v.optional(path),
    environment: v.optional(field(parseEnvironment), {}),
    environment_file: v.optional(path),
    user: v.optional(field(parseNonEmptyString)),
    umask: v.optional(field(parseOctal(0o777))),
    priority: v.optional(field(parseInteger(-LIMITS.priority, LIMITS.priority)), 999),
    autostart: v.optional(bool, true),
    autorestart: v.optional(field(parseAutorestart), "unexpected"),
    exitcodes: v.optional(field(parseExitCodes), [0]),
    startsecs: v.optional(seconds, 1),
    startretries: v.optional(field(parseInteger(0, LIMITS.startretries)), 3),
    stopsignal: v.optional(field(parseStopSignal), "TERM"),
    stopwaitsecs: v.optional(seconds, 10),
    // tend's defaults differ from supervisord's here: stop the whole process group, so worker
    // trees (npm → node, gunicorn) do not outlive a stop.
    stopasgroup: v.optional(bool, true),
    killasgroup: v.optional(bool, true),
    redirect_stderr: v.optional(bool, false),
    timestamps: v.optional(bool, false),
    critical: v.optional(bool, false),
    // The program's soft open-files limit; unset: 1024, systemd's default (child-fd-limit.ts).
    rlimit_nofile: v.optional(field(parseNofile)),
    stdout_logfile: v.optional(field(parseLogTarget), "auto"),
    stdout_logfile_maxbytes: v.optional(field(parseByteSize), "50MB"),
    stdout_logfile_backups: v.optional(field(parseInteger(0, LIMITS.backups)), 10),
    stderr_logfile: v.optional(field(parseLogTarget), "auto"),
    stderr_logfile_maxbytes: v.optional(field(parseByteSize), "50MB"),
    stderr_logfile_backups: v.optional(field(parseInteger(0, LIMITS.backups)), 10),
  },
  // The only required key is `command`, so a key issue from the object means it is missing.
  (issue) =>
    issue.kind === "schema" && issue.input === undefined
      ? "missing: every program needs a command to run"
      : `expected a table, got ${describeValue(issue.input)}`,
);

export const GroupSchema = v.object(
  { programs: field(parseNameList) },
  (issue) =>
    issue.kind === "schema" && issue.input === undefined
      ? "missing: a group lists its programs, e.g. programs = [\"web\", \"worker\"]"
      : `expected a table, got ${describeValue(issue.input)}`,
);

export type DaemonSpec = v.InferOutput<typeof DaemonSchema>;
export type HttpSpec = v.InferOutput<typeof HttpSchema>;
export type ProgramSpec = v.InferOutput<typeof ProgramSchema>;
export type GroupSpec = v.InferOutput<typeof GroupSchema>;
export type { LogTarget };

export const DAEMON_KEYS: readonly string[] = Object.keys(DaemonSchema.entries);
export const HTTP_KEYS: readonly string[] = Object.keys(HttpSchema.entries);
export const PROGRAM_KEYS: readonly string[] = Object.keys(ProgramSchema.entries);
export const GROUP_KEYS: readonly string[] = Object.keys(GroupSchema.entries);

/** Run a table schema; problems carry paths relative to the table. */
export function parseTable<S extends v.GenericSchema>(
  schema: S,
  table: Record<string, unknown>,
): { readonly value: v.InferOutput<S> } | { readonly problems: readonly Problem[] } {
  const r = v.safeParse(schema, table);
  if (r.success) return { value: r.output };
  return {
    problems: r.issues.map((issue) => ({
      path: (issue.path ?? []).map((item): string | number => {
        const key: unknown = item.key;
        return typeof key === "number" ? key : String(key);
      }),
      message: issue.message,
    })),
  };
}
