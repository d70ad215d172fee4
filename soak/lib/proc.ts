// /proc readers for the soak suite's invariants: memory, fds, children, zombies. Linux only,
// read-only; nothing here signals anything.

import { readFileSync, readdirSync, readlinkSync } from "node:fs";

/** Resident set size of `pid` in bytes, or null once it is gone. */
export function rssBytes(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Open file descriptors of `pid`, or null once it is gone. */
export function fdCount(pid: number): number | null {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

/** What `pid`'s fds point at, grouped ("pipe", "socket", "anon_inode:[pidfd]", a path's dir …). */
export function fdKinds(pid: number): Record<string, number> {
  const kinds: Record<string, number> = {};
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      let t: string;
      try {
        t = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const k = t.startsWith("/") ? "file" : t.replace(/:\[\d+\]$/, "").replace(/\[\d+\]$/, "");
      kinds[k] = (kinds[k] ?? 0) + 1;
    }
  } catch {
    /* gone */
  }
  return kinds;
}

export interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly state: string;
  readonly starttime: number;
  readonly cmdline: string;
}

export function procInfo(pid: number): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    let cmdline = "";
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
    } catch {
      /* a zombie has none */
    }
    return { pid, ppid: Number(rest[1]), state: rest[0]!, starttime: Number(rest[19]), cmdline };
  } catch {
    return null;
  }
}

/** Every process on the machine (one pass over /proc). */
export function allProcs(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    const p = procInfo(Number(e));
    if (p) out.push(p);
  }
  return out;
}

/** Direct children of `pid` (zombies included: state "Z"). */
export function childrenOf(pid: number, procs = allProcs()): ProcInfo[] {
  return procs.filter((p) => p.ppid === pid);
}

/** Live processes whose command line contains `marker` (a unique token the scenario put in argv). */
export function withMarker(marker: string, procs = allProcs()): ProcInfo[] {
  return procs.filter((p) => p.state !== "Z" && p.cmdline.includes(marker) && p.pid !== process.pid);
}

/** Kill by pid, only if it still carries `marker` (never a recycled pid). */
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
