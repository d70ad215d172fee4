// `tend check` looks at the filesystem too: a log path that is a directory, a path under a
// regular file, a log_dir (or the socket's or pidfile's directory) on a read-only filesystem
// pass every rule about the config's values and then fail at run time. Only `check` runs these (load.ts, `paths`): at start and reload a
// log path that does not work yet is reported in status and tend.log while the program runs
// (the filesystem may be mounted later), so the daemon does not refuse it. Only what holds for
// every user is reported: "not writable by me" is not, since `check` need not run as the
// daemon's user (except as root, whom only a read-only filesystem stops anyway).

import { accessSync, constants, statSync } from "node:fs";
import { dirname } from "node:path";
import type { DaemonConfig, ProgramConfig } from "./types.ts";
import type { Problem } from "./problems.ts";

const errnoOf = (e: unknown) => (e as NodeJS.ErrnoException).code;

type Nearest = { readonly at: string; readonly isDir: boolean } | { readonly fileAbove: string } | { readonly unknown: true };

/** The path itself if it exists, else its nearest existing ancestor, or the file in the way. */
function nearest(path: string): Nearest {
  for (let p = path; ; p = dirname(p)) {
    try {
      const st = statSync(p);
      if (p !== path && !st.isDirectory()) return { fileAbove: p };
      return { at: p, isDir: st.isDirectory() };
    } catch (e) {
      // ENOTDIR: a component above is not a directory; keep going up to name it. Anything
      // else (a directory we may not search) we cannot judge from here.
      if (dirname(p) === p || (errnoOf(e) !== "ENOENT" && errnoOf(e) !== "ENOTDIR")) return { unknown: true };
    }
  }
}

/** Why files cannot be created in the directory `dir` (null: they can, as far as we can tell). */
function unwritable(dir: string): string | null {
  try {
    accessSync(dir, constants.W_OK);
    return null;
  } catch (e) {
    if (errnoOf(e) === "EROFS") return "on a read-only file system";
    if (errnoOf(e) === "EACCES" && process.getuid?.() === 0) return "not writable, even by root";
    return null;
  }
}

function logDirProblem(logDir: string): string | null {
  const n = nearest(logDir);
  if ("unknown" in n) return null;
  if ("fileAbove" in n) return `${logDir} cannot be created: ${n.fileAbove} is a file, not a directory`;
  if (n.at === logDir && !n.isDir) return `${logDir} is not a directory`;
  const why = unwritable(n.at);
  if (why === null) return null;
  return n.at === logDir ? `${logDir} is ${why}: tend.log and the programs' logs go there` : `${logDir} cannot be created: ${n.at} is ${why}`;
}

/** A file the daemon creates (socket, pidfile): its directory must be makeable and writable. */
function daemonFileProblem(path: string): string | null {
  const dir = dirname(path);
  const n = nearest(dir);
  if ("unknown" in n) return null;
  if ("fileAbove" in n) return `${path} cannot be created: ${n.fileAbove} is a file, not a directory`;
  if (n.at === dir && !n.isDir) return `${path} cannot be created: ${dir} is a file, not a directory`;
  const why = unwritable(n.at);
  return why === null ? null : `${path} cannot be created: ${n.at} is ${why}`;
}

function logFileProblem(path: string): string | null {
  const n = nearest(path);
  if ("unknown" in n) return null;
  if ("fileAbove" in n) return `${path} cannot be created: ${n.fileAbove} is a file, not a directory`;
  if (n.at === path && n.isDir) return `${path} is a directory: name a file (e.g. ${path.replace(/\/+$/, "")}/NAME.log)`;
  const why = unwritable(n.at);
  if (why === null) return null;
  return n.at === path ? `${path} is ${why}` : `${path} cannot be created: ${n.at} is ${why}`;
}

/** The filesystem problems of a config that passed every other check. */
export function pathProblems(daemon: DaemonConfig, instances: readonly ProgramConfig[]): Problem[] {
  const problems: Problem[] = [];
  const logDir = logDirProblem(daemon.logDir);
  if (logDir !== null) problems.push({ path: ["daemon", "log_dir"], message: logDir });
  for (const [key, path] of [
    ["socket", daemon.socket],
    ["pidfile", daemon.pidfile],
  ] as const) {
    const message = path === null ? null : daemonFileProblem(path);
    if (message !== null) problems.push({ path: ["daemon", key], message });
  }
  // tend.log under a bad log_dir is log_dir's problem; elsewhere it is logfile's.
  if (!daemon.logfile.startsWith("/dev/") && !(logDir !== null && daemon.logfile.startsWith(`${daemon.logDir}/`))) {
    const message = logFileProblem(daemon.logfile);
    if (message !== null) problems.push({ path: ["daemon", "logfile"], message });
  }
  const seen = new Set<string>();
  for (const inst of instances) {
    for (const [key, path] of [
      ["stdout_logfile", inst.stdoutLogfile],
      ["stderr_logfile", inst.stderrLogfile],
    ] as const) {
      // Devices are written as streams; files under a bad log_dir are that key's problem.
      if (path === null || path.startsWith("/dev/") || (logDir !== null && path.startsWith(`${daemon.logDir}/`))) continue;
      const message = logFileProblem(path);
      const id = `${inst.program}\0${key}\0${message}`;
      if (message === null || seen.has(id)) continue;
      seen.add(id);
      problems.push({ path: ["program", inst.program, key], message });
    }
    // A missing directory may be made before the program starts (the start says so if not).
    const dir = inst.directory === null ? null : nearest(inst.directory);
    if (dir !== null && !seen.has(`${inst.program}\0directory`) && ("fileAbove" in dir || ("at" in dir && dir.at === inst.directory && !dir.isDir))) {
      seen.add(`${inst.program}\0directory`);
      const where = "fileAbove" in dir ? `${dir.fileAbove} is a file, not a directory` : `${inst.directory} is not a directory`;
      problems.push({ path: ["program", inst.program, "directory"], message: where });
    }
  }
  return problems;
}
