// Turn one parsed [program.NAME] into its instances (numprocs of them): expand process_name,
// resolve paths against the config's directory, pick log files, merge environments. The output
// is the ProgramConfig the supervisor runs; nothing downstream sees the raw spec.

import { join, resolve } from "node:path";
import type { ProgramConfig } from "./types.ts";
import type { Problem } from "./problems.ts";
import type { LogTarget, ProgramSpec } from "./schema.ts";
import { expandTemplate, mentionsNum } from "./template.ts";
import { describeName, isValidName } from "./names.ts";

export interface InstanceContext {
  readonly configDir: string;
  readonly logDir: string;
  readonly group: string;
  /** Variables read from environment_file (the program's own `environment` wins over them). */
  readonly fileEnv: Readonly<Record<string, string>>;
  /** Keys the user wrote in the table, to tell a chosen value from a default. */
  readonly given: ReadonlySet<string>;
}

export interface Instances {
  readonly instances: readonly ProgramConfig[];
  readonly problems: readonly Problem[];
  readonly notes: readonly string[];
}

/** Paths that are devices, not files: writable, but there is nothing to rotate. */
export function isDevice(path: string): boolean {
  return path.startsWith("/dev/") || path.startsWith("/proc/self/fd/");
}

export function buildInstances(program: string, spec: ProgramSpec, ctx: InstanceContext): Instances {
  const problems: Problem[] = [];
  const notes: string[] = [];
  const at = (key: string) => ["program", program, key];

  const explicitName = spec.process_name !== undefined;
  const template = spec.process_name ?? (spec.numprocs > 1 ? "{program}_{num:02}" : "{program}");
  if (spec.numprocs > 1 && !mentionsNum(template)) {
    problems.push({
      path: at("process_name"),
      message: `must contain {num} or {num:02} when numprocs > 1, or every instance gets the same name`,
    });
    return { instances: [], problems, notes };
  }

  const environment = { ...ctx.fileEnv, ...spec.environment };
  const directory = spec.directory === undefined ? null : resolve(ctx.configDir, spec.directory);
  const redirectStderr = spec.redirect_stderr;
  if (redirectStderr && ctx.given.has("stderr_logfile")) {
    notes.push(`program.${program}.stderr_logfile: ignored because redirect_stderr = true`);
  }

  const instances: ProgramConfig[] = [];
  for (let i = 0; i < spec.numprocs; i++) {
    const processNum = spec.numprocs_start + i;
    const vars = { program, group: ctx.group, num: processNum };
    const named = expandTemplate(template, vars);
    if (!named.ok) {
      problems.push({ path: at("process_name"), message: named.message });
      break;
    }
    const name = named.value;
    // A bad program name is reported once by validators.ts; only a chosen process_name is
    // checked here, since it is what made this instance's name.
    if (explicitName && !isValidName(name)) {
      problems.push({ path: at("process_name"), message: `expands to ${describeName(name)}` });
      break;
    }

    const log = (key: "stdout_logfile" | "stderr_logfile", target: LogTarget, suffix: string): string | null => {
      if (target.kind === "none") return null;
      if (target.kind === "auto") return join(ctx.logDir, `${name}.${suffix}.log`);
      const expanded = expandTemplate(target.path, { ...vars, name });
      if (!expanded.ok) {
        problems.push({ path: at(key), message: expanded.message });
        return null;
      }
      return resolve(ctx.configDir, expanded.value);
    };
    const stdoutLogfile = log("stdout_logfile", spec.stdout_logfile, "out");
    const stderrLogfile = redirectStderr ? null : log("stderr_logfile", spec.stderr_logfile, "err");

    // A device (/dev/stdout, the container's log) cannot be renamed aside: never rotate it.
    const maxbytes = (path: string | null, bytes: number, key: string): number => {
      if (path === null || !isDevice(path) || bytes === 0) return bytes;
      if (i === 0) notes.push(`program.${program}.${key}: ${path} is a device; rotation disabled`);
      return 0;
    };

    instances.push({
      name,
      program,
      group: ctx.group,
      processNum,
      command: spec.command,
      directory,
      environment,
      user: spec.user ?? null,
      umask: spec.umask ?? null,
      priority: spec.priority,
      autostart: spec.autostart,
      autorestart: spec.autorestart,
      exitcodes: spec.exitcodes,
      startsecs: spec.startsecs,
      startretries: spec.startretries,
      stopsignal: spec.stopsignal,
      stopwaitsecs: spec.stopwaitsecs,
      stopasgroup: spec.stopasgroup,
      killasgroup: spec.killasgroup,
      redirectStderr,
      timestamps: spec.timestamps,
      critical: spec.critical,
      rlimitNofile: spec.rlimit_nofile ?? null,
      stdoutLogfile,
      stdoutLogfileMaxbytes: maxbytes(stdoutLogfile, spec.stdout_logfile_maxbytes, "stdout_logfile"),
      stdoutLogfileBackups: spec.stdout_logfile_backups,
      stderrLogfile,
      stderrLogfileMaxbytes: maxbytes(stderrLogfile, spec.stderr_logfile_maxbytes, "stderr_logfile"),
      stderrLogfileBackups: spec.stderr_logfile_backups,
    });
  }
  // Only the first failing instance is reported: the rest fail the same way.
  const unique = problems.filter((p, i) => problems.findIndex((q) => q.message === p.message) === i);
  return { instances, problems: unique, notes };
}
