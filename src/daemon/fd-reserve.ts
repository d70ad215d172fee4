// The daemon's file descriptors. At start the soft limit goes up to the hard one. Then a
// reserve is kept that program starts never take: a start that would eat into it is refused
// with "file descriptors: N in use of M" (a spawn error, so the program goes BACKOFF/FATAL
// and status says why) instead of failing halfway through a spawn, and accepting a client,
// reopening logs and shutting down always have descriptors to work with. Once only the last
// quarter of the reserve is left, requests are refused (503) unless they relieve the shortage
// (status, stop, shutdown: served, then their connection closed), so clients alone never take
// the last descriptor (at EMFILE, accept() would spin) and never lock the operator out.

import { openFdCount } from "../sys/fds.ts";
import { getFdLimit, setFdLimit, setFdSoftLimit, type FdLimit } from "../sys/libc.ts";
import { TendError } from "../core/errors.ts";
import type { Admission } from "../http/node-adapter.ts";
import { relievesShortage } from "../api/routes.ts";

/**
 * The most one start holds at its peak: two pipes (both ends until the child has them), the
 * pidfd Bun watches it with, its two log files (opened at spawn, as supervisord does), and
 * what Bun takes while it spawns. Once running it keeps one end of each pipe, the pidfd and
 * the log files.
 */
export const FDS_PER_START = 10;

/** Kept free of program starts: 1/16 of the limit, at least 48, at most 1024. */
export function reserveFor(limit: number): number {
  return Math.min(1024, Math.max(48, Math.floor(limit / 16)));
}

export interface FdUse {
  readonly inUse: number;
  readonly limit: number;
  readonly reserve: number;
}

export function fdUse(): FdUse {
  const limit = getFdLimit().soft;
  return { inUse: openFdCount(limit), limit, reserve: reserveFor(limit) };
}

const shortage = (u: FdUse) => `file descriptors: ${u.inUse} in use of ${u.limit}`;

/** null when a program start fits beside the reserve; otherwise why it does not. */
export function startRefusal(u: FdUse = fdUse()): string | null {
  if (u.inUse + FDS_PER_START + u.reserve <= u.limit) return null;
  return `${shortage(u)} (a start needs up to ${FDS_PER_START}, and ${u.reserve} are kept for clients and shutdown): raise the daemon's limit (ulimit -n, LimitNOFILE=)`;
}

/**
 * How a request is let in once only the last quarter of the reserve is left (null before).
 * What relieves the shortage or costs nothing beyond its connection (`relieves`: status,
 * stop, signal, shutdown) is served, its connection closed after the answer, so an operator
 * is never locked out by idle clients holding the last descriptors; anything else is refused.
 */
export function admission(relieves: boolean): Admission | null {
  const u = fdUse();
  if (u.inUse <= u.limit - Math.floor(u.reserve / 4)) return null;
  if (relieves) return "close";
  return { refuse: `${shortage(u)}: the daemon keeps its last descriptors for stopping programs; try again when connections close` };
}

/** The listeners' admission check: `admission` for this request's method and path. */
export const admitAtLimit = (method: string, path: string): Admission | null => admission(relievesShortage(method, path));

/** The words for a spawn that failed for want of descriptors (EMFILE/ENFILE). */
export function fdShortage(): string {
  return shortage(fdUse());
}

/**
 * Raise the soft open-files limit to the hard one, once, before anything is spawned: a
 * supervisor's descriptors grow with its programs. Returns the limits before and after.
 * (Bun raises it too when it starts; this does not rely on that.) Programs do not inherit
 * it: they start with 1024 (child-fd-limit.ts).
 *
 * `minfds` ([daemon] minfds, supervisord's): a hard limit below it is raised to it, which
 * takes root (CAP_SYS_RESOURCE); otherwise, as supervisord, the daemon refuses to start.
 */
export function raiseFdLimit(minfds: number | null = null): { readonly before: FdLimit; readonly after: FdLimit } {
  const before = getFdLimit();
  if (minfds !== null && before.hard < minfds && !setFdLimit(minfds, minfds)) {
    throw new TendError(
      "FAILED",
      `[daemon] minfds = ${minfds}, but the hard limit of open files is ${before.hard} and tend cannot raise it ` +
        `(that takes root with CAP_SYS_RESOURCE, and at most fs.nr_open): raise it where tend is started (ulimit -Hn ${minfds}, LimitNOFILE=${minfds}, ` +
        `docker run --ulimit nofile=${minfds}) or lower minfds`,
    );
  }
  const now = getFdLimit();
  if (now.soft < now.hard) setFdSoftLimit(now.hard);
  return { before, after: getFdLimit() };
}
