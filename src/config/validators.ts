// Cross-field checks, each a small named function over the parsed model returning problems
// (process-compose's `validate(p, validateX, ...)` shape). They run after the schema, on the
// programs that passed it, so one bad value does not hide a duplicate name elsewhere.

import type { ProgramConfig } from "./types.ts";
import type { KeyPath, Problem } from "./problems.ts";
import type { GroupSpec, HttpSpec, ProgramSpec } from "./schema.ts";
import { describeName, isValidName } from "./names.ts";
import { lookupUser } from "../sys/users.ts";
import { openFilesLimit } from "../sys/proc.ts";

export interface Model {
  /** Every [program.NAME] declared, including those that failed the schema. */
  readonly programNames: readonly string[];
  /** Programs that passed the schema. */
  readonly specs: ReadonlyMap<string, ProgramSpec>;
  readonly groups: ReadonlyMap<string, GroupSpec>;
  /** program → explicit group. */
  readonly groupOf: ReadonlyMap<string, string>;
  readonly instances: readonly ProgramConfig[];
  readonly http: HttpSpec | null;
  /** The daemon's own log ([daemon] logfile, resolved). */
  readonly daemonLogfile: string;
  /** [daemon] minfds, or null. */
  readonly minfds: number | null;
  /** The value after `=` exactly as written in the file, when it can be found. */
  readonly literal: (path: KeyPath) => string | null;
  /** The value at a path in the parsed (env-expanded) tree. */
  readonly raw: (path: KeyPath) => unknown;
}

export type Validator = (model: Model) => Problem[];

export function validateNames(model: Model): Problem[] {
  const problems: Problem[] = [];
  for (const name of model.programNames) {
    if (!isValidName(name)) problems.push({ path: ["program", name], message: `program name is ${describeName(name)}` });
  }
  for (const name of model.groups.keys()) {
    if (!isValidName(name)) problems.push({ path: ["group", name], message: `group name is ${describeName(name)}` });
  }
  return problems;
}

/** Instance names are how every command and route finds a process: they must be unique. */
export function validateUniqueInstances(model: Model): Problem[] {
  const owner = new Map<string, string>();
  const problems: Problem[] = [];
  const reported = new Set<string>();
  for (const inst of model.instances) {
    const first = owner.get(inst.name);
    if (first === undefined) {
      owner.set(inst.name, inst.program);
      continue;
    }
    const key = `${first}\0${inst.program}\0${inst.name}`;
    if (reported.has(key)) continue;
    reported.add(key);
    problems.push({
      path: ["program", inst.program],
      message:
        first === inst.program
          ? `instance name ${JSON.stringify(inst.name)} is produced twice; process_name must contain {num}`
          : `instance name ${JSON.stringify(inst.name)} is also used by program.${first}; set process_name on one of them`,
    });
  }
  return problems;
}

/**
 * A group name shares the namespace of programs and instances (`tend start NAME` takes any of
 * them), so it may only coincide with a program or instance that is in that group.
 */
export function validateGroupNames(model: Model): Problem[] {
  const problems: Problem[] = [];
  for (const group of model.groups.keys()) {
    const clash = model.programNames.find((p) => p === group && model.groupOf.get(p) !== group);
    if (clash !== undefined) {
      problems.push({
        path: ["group", group],
        message: `group name ${JSON.stringify(group)} is also a program that is not in this group; rename one of them`,
      });
      continue;
    }
    const inst = model.instances.find((i) => i.name === group && i.group !== group);
    if (inst !== undefined) {
      problems.push({
        path: ["group", group],
        message: `group name ${JSON.stringify(group)} is also an instance of program.${inst.program}, which is not in this group`,
      });
    }
  }
  return problems;
}

/** Two writers rotating one file corrupt it: every log path has one owner. */
export function validateLogPaths(model: Model): Problem[] {
  const owner = new Map<string, { name: string; key: string }>();
  const problems: Problem[] = [];
  // A duplicated instance name is reported once, by validateUniqueInstances; its "auto" log
  // paths collide as a consequence, which is not a second mistake.
  const seen = new Set<string>();
  const duplicated = new Set<string>();
  for (const inst of model.instances) {
    if (seen.has(inst.name)) duplicated.add(inst.name);
    seen.add(inst.name);
  }
  for (const inst of model.instances) {
    if (duplicated.has(inst.name)) continue;
    for (const [key, path] of [
      ["stdout_logfile", inst.stdoutLogfile],
      ["stderr_logfile", inst.stderrLogfile],
    ] as const) {
      // Devices (/dev/stdout) are shared on purpose: the container's log is everyone's.
      if (path === null || path.startsWith("/dev/")) continue;
      if (path === model.daemonLogfile) {
        problems.push({ path: ["program", inst.program, key], message: `${path} is also tend's own log ([daemon] logfile); give one of them another path` });
        continue;
      }
      const first = owner.get(path);
      if (first === undefined) {
        owner.set(path, { name: inst.name, key });
        continue;
      }
      const hint =
        first.name === inst.name
          ? "; set redirect_stderr = true to merge stderr into stdout"
          : "; use {num} or {name} in the path to give each instance its own file";
      problems.push({
        path: ["program", inst.program, key],
        message: `${path} is also the ${first.key} of ${first.name}${hint}`,
      });
    }
  }
  return problems;
}

/** execve takes KEY=VALUE strings: a key with "=" or NUL, or an empty one, cannot be passed. */
export function validateEnvironmentKeys(model: Model): Problem[] {
  const problems: Problem[] = [];
  for (const [program, spec] of model.specs) {
    for (const key of Object.keys(spec.environment)) {
      if (key === "" || key.includes("=") || key.includes("\0")) {
        problems.push({
          path: ["program", program, "environment", key],
          message: `not a valid environment variable name (it must be non-empty, without "=" or a NUL character)`,
        });
      }
    }
  }
  return problems;
}

/**
 * Every string in the config ends up in a C string (a path, an argument, an environment
 * variable, a user name): a NUL character (TOML's "\u0000") would cut it short, and Bun
 * refuses the spawn (ERR_INVALID_ARG_VALUE), so the program could never start. Keys with one
 * are reported where they are judged (environment names above, program and group names).
 */
export function validateNoNul(model: Model): Problem[] {
  const problems: Problem[] = [];
  const walk = (value: unknown, path: KeyPath): void => {
    if (typeof value === "string") {
      if (value.includes("\0")) {
        problems.push({ path, message: `contains a NUL character (\\u0000), which no path, argument or environment variable can hold` });
      }
    } else if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]));
    else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
  };
  walk(model.raw([]), []);
  return problems;
}

/** As supervisord: signalling the group on stop but killing only the leader leaks the rest. */
export function validateKillAsGroup(model: Model): Problem[] {
  const problems: Problem[] = [];
  for (const [program, spec] of model.specs) {
    if (spec.stopasgroup && !spec.killasgroup) {
      problems.push({
        path: ["program", program, "killasgroup"],
        message: "cannot be false while stopasgroup is true (the final SIGKILL would miss the group)",
      });
    }
  }
  return problems;
}

/**
 * A `user` the system does not know can never be run as: the program would go FATAL at its
 * first start. supervisord refuses the file ("Invalid user name x in section 'program:web'");
 * so does tend, at check, start and reload. As supervisord's name_to_uid, a numeric uid counts
 * only when /etc/passwd has it (the spawn needs its home and group from there too).
 */
export function validateUsers(model: Model): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const known = new Map<string, boolean>();
  const exists = (user: string) => known.get(user) ?? known.set(user, lookupUser(user) !== null).get(user)!;
  for (const inst of model.instances) {
    if (inst.user === null || seen.has(inst.program)) continue;
    seen.add(inst.program);
    // A NUL is validateNoNul's to report; such a name could not be looked up.
    if (inst.user.includes("\0") || exists(inst.user)) continue;
    const what = /^\d+$/.test(inst.user) ? "user id" : "user name";
    problems.push({ path: ["program", inst.program, "user"], message: `unknown ${what} "${inst.user}": /etc/passwd has no such user` });
  }
  return problems;
}

/**
 * A program's `rlimit_nofile` must fit under the hard limit of open files, which only root can
 * raise: above it, every start would fail. The hard limit is this process's (the daemon's at
 * start and reload; the shell's for `tend check`), or `[daemon] minfds` when higher, since the
 * daemon raises its own to that at start or refuses to start.
 */
export function validateNofile(model: Model): Problem[] {
  const hard = Math.max(openFilesLimit()?.hard ?? Number.MAX_SAFE_INTEGER, model.minfds ?? 0);
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const inst of model.instances) {
    if (inst.rlimitNofile === null || inst.rlimitNofile <= hard || seen.has(inst.program)) continue;
    seen.add(inst.program);
    problems.push({
      path: ["program", inst.program, "rlimit_nofile"],
      message: `${inst.rlimitNofile} is above the hard limit of open files (${hard}): raise it where tend is started (ulimit -Hn, LimitNOFILE=), or set [daemon] minfds when tend runs as root`,
    });
  }
  return problems;
}

function isLoopback(listen: string): boolean {
  const host = listen.slice(0, listen.lastIndexOf(":"));
  return host === "localhost" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The TCP door has the whole API behind it. `username` defaults to admin, and a loopback
 * listener without a password gets a generated one (src/http/auth.ts), so either key may stand
 * alone; off-host, a password must be set.
 */
export function validateHttpAuth(model: Model): Problem[] {
  const http = model.http;
  if (http === null) return [];
  if (http.password === undefined && !isLoopback(http.listen)) {
    return [
      {
        path: ["http", "listen"],
        message: `${http.listen} is reachable from other hosts: set password (username defaults to admin), or listen on 127.0.0.1`,
      },
    ];
  }
  return [];
}

/**
 * `umask = 22` is a decimal 22 (octal 026), almost never what was meant; TOML's `0o022` and
 * the string "022" are unambiguous. Only a decimal literal we can see in the file is flagged.
 */
export function validateOctalLiterals(model: Model): Problem[] {
  const paths: KeyPath[] = [["daemon", "socket_mode"], ...model.programNames.map((p) => ["program", p, "umask"])];
  const problems: Problem[] = [];
  for (const path of paths) {
    const value = model.raw(path);
    if (typeof value !== "number" || value === 0) continue;
    const literal = model.literal(path);
    if (literal === null || !/^[+-]?[\d_]+$/.test(literal)) continue;
    const digits = literal.replace(/^\+/, "");
    const fix = /^[0-7]+$/.test(digits) ? `"0${digits}" (a string) or 0o${digits}` : `a string like "022" or 0o022`;
    problems.push({ path, message: `${literal} is a decimal number, but modes are octal: write ${fix}` });
  }
  return problems;
}

export const VALIDATORS: readonly Validator[] = [
  validateNames,
  validateUniqueInstances,
  validateGroupNames,
  validateLogPaths,
  validateEnvironmentKeys,
  validateNoNul,
  validateKillAsGroup,
  validateUsers,
  validateNofile,
  validateHttpAuth,
  validateOctalLiterals,
];

export function runValidators(model: Model, validators: readonly Validator[] = VALIDATORS): Problem[] {
  return validators.flatMap((validate) => validate(model));
}
