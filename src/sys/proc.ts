// What /proc says about a process: its state letter, parent, process group and start time.
// The command name in /proc/PID/stat may hold spaces and parentheses, so fields are read
// after the last ")".

import { readFileSync, readdirSync } from "node:fs";

export interface ProcStat {
  /** R, S, D, Z, T … */
  readonly state: string;
  readonly ppid: number;
  readonly pgrp: number;
  /**
   * Field 22, clock ticks after boot: with the pid, names one process for the life of the
   * machine (a recycled pid starts later).
   */
  readonly startTime: number;
}

/** null when the process is gone (or /proc cannot be read). */
export function procStat(pid: number | string): ProcStat | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    // rest[0] is field 3 (state), so field N is rest[N - 3].
    const rest = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return { state: rest[0] ?? "", ppid: Number(rest[1]), pgrp: Number(rest[2]), startTime: Number(rest[19]) };
  } catch {
    return null;
  }
}

/** Running (not gone, not a zombie nobody has reaped yet). */
export function isLive(pid: number): boolean {
  const st = procStat(pid);
  return st !== null && st.state !== "Z";
}

/** Process groups with at least one live (non-zombie) member, among `pgids`. */
export function liveGroups(pgids: ReadonlySet<number>): Set<number> {
  const live = new Set<number>();
  if (pgids.size === 0) return live;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const st = procStat(entry);
    if (st && st.state !== "Z" && pgids.has(st.pgrp)) live.add(st.pgrp);
  }
  return live;
}

/** Live (non-zombie) members of process group `pgid`. */
export function liveMembers(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const st = procStat(entry);
    if (st && st.state !== "Z" && st.pgrp === pgid) pids.push(Number(entry));
  }
  return pids;
}

/** "1234 (sleep)": a pid with its command name, for messages that name a process. */
export function namePid(pid: number): string {
  try {
    return `${pid} (${readFileSync(`/proc/${pid}/comm`, "utf8").trim()})`;
  } catch {
    return String(pid);
  }
}

/** This boot's id: a start time is only meaningful within the boot it was read in. */
export function bootId(): string | null {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return null;
  }
}

/**
 * A process's open-files limits from /proc/PID/limits ("unlimited" reads as
 * Number.MAX_SAFE_INTEGER, as getFdLimit reads RLIM_INFINITY); null when it cannot be read.
 * No C library needed: `tend check` reads its own this way.
 */
export function openFilesLimit(pid: number | "self" = "self"): { soft: number; hard: number } | null {
  try {
    const line = readFileSync(`/proc/${pid}/limits`, "utf8").split("\n").find((l) => l.startsWith("Max open files"));
    const m = line === undefined ? null : /^Max open files\s+(\S+)\s+(\S+)/.exec(line);
    if (m === null) return null;
    const n = (s: string) => (s === "unlimited" ? Number.MAX_SAFE_INTEGER : Number(s));
    return { soft: n(m[1]!), hard: n(m[2]!) };
  } catch {
    return null;
  }
}
