// What /proc says about a process: its state letter and parent. The command name in
// /proc/PID/stat may hold spaces and parentheses, so fields are read after the last ")".

import { readFileSync } from "node:fs";

export interface ProcStat {
  /** R, S, D, Z, T … */
  readonly state: string;
  readonly ppid: number;
}

/** null when the process is gone (or /proc cannot be read). */
export function procStat(pid: number | string): ProcStat | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const rest = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return { state: rest[0] ?? "", ppid: Number(rest[1]) };
  } catch {
    return null;
  }
}

/** Running (not gone, not a zombie nobody has reaped yet). */
export function isLive(pid: number): boolean {
  const st = procStat(pid);
  return st !== null && st.state !== "Z";
}
