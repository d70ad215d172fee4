// Before it starts anything, a daemon stops what a previous one left running (it was
// SIGKILLed, or died of a bug): each process named in the running file that still is the
// same process (same pid and start time) gets its program's stopsignal, then SIGKILL after
// its stopwaitsecs, as a stop would. All at once, on the monotonic clock; each step is
// named in tend.log. A pid now held by another process is left alone.

import { isLive, liveGroups, procStat } from "../sys/proc.ts";
import type { DaemonLog } from "./daemon-log.ts";
import { signalProcess } from "./process-port.ts";
import { readPrevious, RunningFile, type RunningEntry } from "./running-file.ts";

const POLL_MS = 20;
/** After SIGKILL a process is gone within moments; past this, say so and go on. */
const KILL_WAIT_MS = 5000;

/**
 * Read what the previous daemon left, start recording our own children in its place, and
 * stop the leftovers. Resolves once every leftover is gone (or survived SIGKILL).
 */
export async function takeOverRunningFile(path: string, log: DaemonLog, adopt: (file: RunningFile) => void): Promise<void> {
  const prev = readPrevious(path);
  switch (prev.kind) {
    case "ignored":
      (prev.warn ? log.warn.bind(log) : log.debug.bind(log))(`ignoring ${path}: ${prev.reason}`);
      break;
    case "live-daemon":
      // Two daemons with one log_dir and socket name: its programs are its own business.
      log.warn(`${path} belongs to another running tend (pid ${prev.pid}); not recording this one's programs there (give it its own log_dir)`);
      return;
    case "found":
      if (prev.bad) log.warn(`${path}: ${prev.bad} entr${prev.bad === 1 ? "y" : "ies"} not understood, skipped`);
  }
  const entries = prev.kind === "found" ? prev.entries.filter((e) => sameProcess(e, log)) : [];
  const file = new RunningFile(path, log, entries);
  adopt(file);
  await stopAll(entries, log, (e) => file.settled(e.pid));
}

function sameProcess(e: RunningEntry, log: DaemonLog): boolean {
  const st = procStat(e.pid);
  if (!st || st.state === "Z") {
    log.debug(`pid ${e.pid} of '${e.name}' left by a previous tend is gone`);
    return false;
  }
  if (st.startTime !== e.start) {
    log.info(`pid ${e.pid} was '${e.name}' under a previous tend and is now another process: left alone`);
    return false;
  }
  return true;
}

interface Pending {
  readonly e: RunningEntry;
  readonly deadline: number;
  killedAt: number | null;
}

async function stopAll(entries: readonly RunningEntry[], log: DaemonLog, gone: (e: RunningEntry) => void): Promise<void> {
  const pending = new Set<Pending>();
  for (const e of entries) {
    log.warn(`found pid ${e.pid} of '${e.name}' left by a previous tend: stopping it (SIG${e.stopsignal}, then SIGKILL after ${e.stopwaitsecs} s)`);
    const err = signalProcess(e.pid, e.stopsignal, e.stopasgroup && e.pgid === e.pid);
    if (err) log.error(`pid ${e.pid} of '${e.name}': could not send SIG${e.stopsignal}: ${err}`);
    pending.add({ e, deadline: performance.now() + e.stopwaitsecs * 1000, killedAt: null });
  }
  while (pending.size > 0) {
    await Bun.sleep(POLL_MS);
    // One /proc scan a round for every group still waited on.
    const groups = liveGroups(new Set([...pending].filter((p) => p.e.killasgroup).map((p) => p.e.pgid)));
    const now = performance.now();
    for (const p of pending) {
      const { e } = p;
      const leader = isLive(e.pid) && procStat(e.pid)?.startTime === e.start;
      if (!leader && !(e.killasgroup && groups.has(e.pgid))) {
        log.info(`stopped pid ${e.pid} of '${e.name}' left by a previous tend`);
        pending.delete(p);
        gone(e);
      } else if (p.killedAt === null && now >= p.deadline) {
        log.warn(`pid ${e.pid} of '${e.name}' left by a previous tend is still there after ${e.stopwaitsecs} s: SIGKILL`);
        // Never the bare pid once it is not the leader any more (it may be someone else's
        // now); the group while it has a live member (its id cannot be reused until then).
        if (leader) signalProcess(e.pid, "KILL", e.killasgroup);
        else signalProcess(e.pgid, "KILL", true);
        p.killedAt = now;
      } else if (p.killedAt !== null && now - p.killedAt > KILL_WAIT_MS) {
        log.error(`pid ${e.pid} of '${e.name}' left by a previous tend survived SIGKILL; starting the programs anyway`);
        pending.delete(p);
      }
    }
  }
}
