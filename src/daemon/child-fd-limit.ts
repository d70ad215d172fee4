// The open-files limit a program starts with. The daemon runs with its soft limit raised to
// the hard one (fd-reserve.ts; Bun does it too), and a child inherits it: a program that uses
// select() breaks on a descriptor ≥ 1024 (FD_SETSIZE), and one that closes every descriptor
// up to the limit at start crawls. So a child gets soft 1024 and the hard limit tend was given
// (systemd's defaults for services), or its program's `rlimit_nofile` as the soft limit.
//
// How, with no extra process in the spawn path: limits are copied into a child when it is
// forked, and Bun.spawn forks (vfork) and execs inside the call, on this thread. So the daemon
// sets its own soft limit to the child's around that one call and puts it back after (as it
// does the umask). Descriptors it already holds stay valid at any number; only new ones must
// fit below the lowered limit, and the kernel hands out the lowest free number: the spawn takes
// one (its pidfd), and a log writer thread may open a file in the same moment. So the window
// is used while the daemon holds fewer than `soft - SPARE` descriptors (at least SPARE numbers
// are then free below the limit), or once numbers held for spawns below 1024 are freed for
// it (low-fds.ts: a daemon with a large limit keeps 0–1023 to itself, so its hundreds of
// programs' pipes and log files land above). Otherwise (no numbers left to free: a thousand
// programs running, or clients that came first) the program is launched through
// `tend __exec-as` (user-launch.ts), which sets the limit in the child itself and execs the
// program in place: one exec more, same pid.

import { getFdLimit, setFdLimit, type FdLimit } from "../sys/libc.ts";
import { canFreeLowFds, freeLowFds, topUpLowFds } from "./low-fds.ts";

/** systemd's default soft limit for services, and select()'s FD_SETSIZE. */
export const CHILD_SOFT_DEFAULT = 1024;

/**
 * Free numbers kept below the lowered limit, counted before the start opens its own: its pipes
 * (up to 4 ends) and pidfd come out of these, and the rest (27 or more) are for what a log
 * writer thread opens during the spawn (it reopens one file at a time).
 */
export const SPARE_BELOW = 32;

/** The daemon's limits now. */
export const daemonFdLimit = (): FdLimit => getFdLimit();

/**
 * The child's limits: soft `rlimit_nofile` or 1024 (the hard limit when that is lower), hard
 * the daemon's. null with the reason when `rlimit_nofile` is above the daemon's hard limit,
 * which only root could raise (and `[daemon] minfds` does, at start).
 */
export function childFdLimit(rlimitNofile: number | null, daemon: FdLimit): FdLimit | string {
  if (rlimitNofile !== null && rlimitNofile > daemon.hard) {
    return `rlimit_nofile = ${rlimitNofile} is above tend's hard limit of open files (${daemon.hard}): raise it where tend is started (ulimit -Hn, LimitNOFILE=), or set [daemon] minfds when tend runs as root`;
  }
  return { soft: rlimitNofile ?? Math.min(CHILD_SOFT_DEFAULT, daemon.hard), hard: daemon.hard };
}

/**
 * How the child gets its limit: "inherit" (it is the daemon's), "around" (withFdLimit, with
 * numbers free below the limit), "free" (withFdLimit, once held numbers are freed), or
 * "helper" (`tend __exec-as`).
 */
export type FdLimitPlan = "inherit" | "around" | "free" | "helper";

export function planFdLimit(child: FdLimit, daemon: FdLimit, inUse: number): FdLimitPlan {
  if (child.soft === daemon.soft) return "inherit";
  if (inUse + SPARE_BELOW <= child.soft) return "around";
  return canFreeLowFds(child.soft) ? "free" : "helper";
}

/**
 * Run `spawn` (a synchronous Bun.spawn) with the daemon's soft limit set to the child's, and
 * put it back after, whatever happens. Nothing else on this thread runs in between. With
 * `free`, held numbers below the limit are freed first; after, whatever is free below 1024
 * (those, and any others freed since) is held again.
 */
export function withFdLimit<T>(child: FdLimit, daemon: FdLimit, free: boolean, spawn: () => T): T {
  if (free) freeLowFds(child.soft);
  if (!setFdLimit(child.soft, daemon.hard)) {
    topUpLowFds();
    throw new Error(`setrlimit(RLIMIT_NOFILE, ${child.soft}) failed`);
  }
  try {
    return spawn();
  } finally {
    setFdLimit(daemon.soft, daemon.hard);
    topUpLowFds();
  }
}
