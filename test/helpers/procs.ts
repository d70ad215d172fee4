// One reader of /proc for the tests and the soak suite: a process's parent, group, state and
// command line, every process on the machine, and the processes a test marked (a unique token
// in argv, e.g. `sleep 7123456`) so it can find and kill exactly what it started.

import { readdirSync, readFileSync } from "node:fs";

export interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  /** R, S, D, Z (zombie), … */
  readonly state: string;
  /** argv joined by spaces (empty for a kernel thread, a zombie or a process that just went). */
  readonly cmdline: string;
}

export function readProc(pid: number): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name is in parentheses and may hold spaces or ")": fields follow the last ")".
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    let cmdline = "";
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
    } catch {
      /* gone meanwhile */
    }
    return { pid, state: f[0]!, ppid: Number(f[1]), pgid: Number(f[2]), cmdline };
  } catch {
    return null;
  }
}

/** Every process on the machine, zombies included (one pass over /proc). */
export function allProcs(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    const p = readProc(Number(e));
    if (p) out.push(p);
  }
  return out;
}

/** Live (not zombie) processes whose command line holds `marker`, this process excepted. */
export function withMarker(marker: string, procs = allProcs()): ProcInfo[] {
  return procs.filter((p) => p.state !== "Z" && p.pid !== process.pid && p.cmdline.includes(marker));
}

/** SIGKILL every live process carrying `marker` (by pid, never a recycled one); how many. */
export function killMarked(marker: string): number {
  let n = 0;
  for (const p of withMarker(marker)) {
    try {
      process.kill(p.pid, "SIGKILL");
      n++;
    } catch {
      /* gone */
    }
  }
  return n;
}
