// The ONLY file that starts and signals programs. It turns a ProgramConfig into a running
// child with real pipes for its output, or into a spawn error with a reason worded as
// supervisord words it ("can't find command 'x'"), so status can show why.

import { closeSync, statSync, accessSync, constants as fsc } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { ProgramConfig } from "../config/types.ts";
import { osPipe } from "../sys/libc.ts";
import { lookupUser, type UserEntry } from "../sys/users.ts";
import { parseSignal, signalNumber } from "../core/signals.ts";
import { launchFor, type Launch } from "./user-launch.ts";
import { fdShortage, fdUse, startRefusal } from "./fd-reserve.ts";
import { childFdLimit, daemonFdLimit, planFdLimit, withFdLimit } from "./child-fd-limit.ts";

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: string | null;
}

export interface ChildHandle {
  readonly pid: number;
  /** Read ends of the child's stdout and stderr pipes (stderr null with redirect_stderr). */
  readonly stdoutFd: number;
  readonly stderrFd: number | null;
  readonly exited: Promise<ExitInfo>;
}

export class SpawnError extends Error {
  constructor(
    message: string,
    /** NO_FILE (not found), NOT_EXECUTABLE, or FAILED: mirrors supervisord's start faults. */
    readonly kind: "NO_FILE" | "NOT_EXECUTABLE" | "FAILED",
  ) {
    super(message);
  }
}

/** Pids Bun spawned: the orphan reaper must never waitpid() these. */
export const bunPids = new Set<number>();

export interface SpawnContext {
  /** The daemon's environment, the base of every child's. */
  readonly baseEnv: Readonly<Record<string, string | undefined>>;
  /** SUPERVISOR_SERVER_URL for the child, as supervisord sets it. */
  readonly serverUrl: string;
}

function resolveCommand(argv0: string, pathVar: string | undefined, cwd: string | null): string {
  let resolved: string | null;
  if (argv0.includes("/")) {
    resolved = isAbsolute(argv0) ? argv0 : join(cwd ?? process.cwd(), argv0);
    try {
      statSync(resolved);
    } catch {
      throw new SpawnError(`can't find command '${argv0}'`, "NO_FILE");
    }
  } else {
    resolved = Bun.which(argv0, { PATH: pathVar ?? "/usr/local/bin:/usr/bin:/bin" });
    if (!resolved) throw new SpawnError(`can't find command '${argv0}'`, "NO_FILE");
  }
  const st = statSync(resolved);
  if (st.isDirectory()) throw new SpawnError(`command at '${resolved}' is a directory`, "NOT_EXECUTABLE");
  // access(X_OK) says yes to root for any file; the mode bits are what exec checks.
  let executable = (st.mode & 0o111) !== 0;
  if (executable) {
    try {
      accessSync(resolved, fsc.X_OK);
    } catch {
      executable = false;
    }
  }
  if (!executable) throw new SpawnError(`command at '${resolved}' is not executable`, "NOT_EXECUTABLE");
  return resolved;
}

function checkDirectory(dir: string | null): void {
  if (dir === null) return;
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new SpawnError(`couldn't chdir to '${dir}': no such directory`, "FAILED");
  }
  if (!st.isDirectory()) throw new SpawnError(`couldn't chdir to '${dir}': not a directory`, "FAILED");
}

function resolveUser(user: string | null): UserEntry | null {
  if (user === null) return null;
  const entry = lookupUser(user);
  if (!entry) throw new SpawnError(`unknown user '${user}'`, "FAILED");
  const myUid = process.getuid?.() ?? 0;
  if (myUid !== 0 && entry.uid !== myUid) {
    throw new SpawnError(`can't run as user '${user}': tend is not running as root`, "FAILED");
  }
  return entry;
}

export function buildEnv(cfg: ProgramConfig, ctx: SpawnContext, user: UserEntry | null): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.baseEnv)) if (v !== undefined) env[k] = v;
  // supervisord sets these; scripts written for it check them.
  env.SUPERVISOR_ENABLED = "1";
  env.SUPERVISOR_PROCESS_NAME = cfg.name;
  env.SUPERVISOR_GROUP_NAME = cfg.group;
  env.SUPERVISOR_SERVER_URL = ctx.serverUrl;
  env.TEND_PROCESS_NAME = cfg.name;
  env.TEND_GROUP_NAME = cfg.group;
  if (user) {
    env.HOME = user.home;
    env.USER = user.name;
    env.LOGNAME = user.name;
    if (user.shell) env.SHELL = user.shell;
  }
  Object.assign(env, cfg.environment);
  return env;
}

export function spawnProgram(cfg: ProgramConfig, ctx: SpawnContext): ChildHandle {
  const [argv0, ...args] = cfg.command;
  if (argv0 === undefined || argv0 === "") throw new SpawnError("command is empty", "FAILED");
  const user = resolveUser(cfg.user);
  const env = buildEnv(cfg, ctx, user);
  checkDirectory(cfg.directory);
  const file = resolveCommand(argv0, env.PATH, cfg.directory);

  // Refused before anything is opened: running short never fails a start halfway.
  const use = fdUse();
  const refusal = startRefusal(use);
  if (refusal) throw new SpawnError(refusal, "FAILED");
  const daemonLimit = daemonFdLimit();
  const nofile = childFdLimit(cfg.rlimitNofile, daemonLimit);
  if (typeof nofile === "string") throw new SpawnError(nofile, "FAILED");
  let outR: number, outW: number;
  try {
    [outR, outW] = osPipe();
  } catch {
    throw new SpawnError(fdShortage(), "FAILED");
  }
  let errR: number | null = null;
  let errW: number;
  if (cfg.redirectStderr) {
    errW = outW;
  } else {
    try {
      [errR, errW] = osPipe();
    } catch {
      closeSync(outR);
      closeSync(outW);
      throw new SpawnError(fdShortage(), "FAILED");
    }
  }

  // umask has no spawn option: set ours around the synchronous spawn (nothing interleaves).
  const oldUmask = cfg.umask === null ? null : process.umask(cfg.umask);
  let proc: ReturnType<typeof Bun.spawn>;
  try {
    // The child's limit is set around the spawn, or by `tend __exec-as` (child-fd-limit.ts),
    // which also runs programs whose user has supplementary groups (user-launch.ts).
    const plan = planFdLimit(nofile, daemonLimit, use.inUse);
    const spawn = (launch: Launch) => () => Bun.spawn(launch.cmd, {
      argv0: launch.argv0,
      cwd: cfg.directory ?? undefined,
      env,
      stdin: "ignore",
      stdout: outW,
      stderr: errW,
      // Own session and process group: stop/kill reach the whole tree with kill(-pgid).
      detached: true,
      ...(launch.uid !== undefined ? { uid: launch.uid, gid: launch.gid } : {}),
    });
    const launch = launchFor(user, file, argv0, args, nofile, plan === "helper");
    try {
      proc = launch.helper || plan === "inherit" ? spawn(launch)() : withFdLimit(nofile, daemonLimit, plan === "free", spawn(launch));
    } catch (e) {
      // A writer thread took the numbers below the lowered limit in that instant (the spawn
      // failed before any child ran): the helper sets the limit instead.
      if (launch.helper || plan === "inherit" || (e as NodeJS.ErrnoException).code !== "EMFILE") throw e;
      proc = spawn(launchFor(user, file, argv0, args, nofile, true))();
    }
  } catch (e) {
    closeSync(outR);
    if (errR !== null) closeSync(errR);
    const code = (e as NodeJS.ErrnoException).code;
    const kind = code === "ENOENT" ? "NO_FILE" : code === "EACCES" || code === "ENOEXEC" ? "NOT_EXECUTABLE" : "FAILED";
    throw new SpawnError(describeSpawnFailure(e, argv0), kind);
  } finally {
    if (oldUmask !== null) process.umask(oldUmask);
    // Our copies of the write ends must go, or EOF never arrives when the child exits.
    closeSync(outW);
    if (errW !== outW) closeSync(errW);
  }
  const pid = proc.pid;
  bunPids.add(pid);
  const exited = proc.exited.then(
    () => ({ code: proc.signalCode ? null : proc.exitCode, signal: proc.signalCode ? String(proc.signalCode).replace(/^SIG/, "") : null }),
    () => ({ code: null, signal: null }),
  ).finally(() => bunPids.delete(pid));
  return { pid, stdoutFd: outR, stderrFd: errR, exited };
}

function describeSpawnFailure(e: unknown, argv0: string): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case "ENOENT":
      return `can't find command '${argv0}'`;
    case "EACCES":
      return `no permission to run command '${argv0}'`;
    case "ENOEXEC":
      return `command at '${argv0}' is not executable (not a program or script with #!)`;
    case "EMFILE":
    case "ENFILE":
      return `too many open files to spawn '${argv0}' (${fdShortage()})`;
    case "EAGAIN":
      return `Too many processes in process table to spawn '${argv0}'`;
    default:
      return `unknown error during spawn of '${argv0}': ${err.code ?? err.message}`;
  }
}

/**
 * Signal a pid, or its process group. ESRCH (already gone) is fine: the exit event is on its
 * way. Returns an error message for anything else.
 */
export function signalProcess(pid: number, signal: string, group: boolean): string | null {
  const name = parseSignal(signal);
  if (!name || pid <= 0) return `bad signal ${signal} or pid ${pid}`;
  try {
    process.kill(group ? -pid : pid, signalNumber(name));
    return null;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ESRCH") {
      // The group leader may be gone while members live on; the pid itself may be gone too.
      if (group) {
        try {
          process.kill(pid, signalNumber(name));
        } catch {
          /* gone */
        }
      }
      return null;
    }
    return `${code ?? (e as Error).message}`;
  }
}

/** kill(-pgid, 0): does the process group still have a member (zombies included)? */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
