// Invariants on the live process tree of a daemon, for regression tests and the soak suite:
// every live descendant of the daemon belongs to exactly one record (the pid `status` shows),
// and nothing is left once everything is stopped. Read from /proc, so they hold for what runs,
// not for what the daemon believes runs.

import type { ServiceDTO } from "../../src/api/dto.ts";
import { allProcs, type ProcInfo } from "./procs.ts";
import { waitFor } from "./wait-for.ts";

export type { ProcInfo };

/** Every live (not zombie) descendant of `pid`: its children, their children, and so on. */
export function daemonChildren(pid: number): ProcInfo[] {
  const all = allProcs().filter((p) => p.state !== "Z");
  const mine = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) if (!mine.has(p.pid) && mine.has(p.ppid)) (mine.add(p.pid), (grew = true));
  }
  return all.filter((p) => p.pid !== pid && mine.has(p.pid));
}

/**
 * Which records each descendant belongs to: the record whose pid (as `status` shows it) is
 * the process itself, one of its ancestors, or its process group (tend spawns every program
 * as its own group leader). Returns one line per violation: a process owned by no record or
 * by more than one, and a record whose pid shows no live process. Empty means it holds.
 */
export function ownershipProblems(daemonPid: number, services: readonly ServiceDTO[]): string[] {
  const kids = daemonChildren(daemonPid);
  const byPid = new Map(kids.map((p) => [p.pid, p]));
  const owners = new Map<number, string[]>();
  for (const s of services) if (s.pid) owners.set(s.pid, [...(owners.get(s.pid) ?? []), s.name]);
  const problems: string[] = [];
  for (const [pid, names] of owners) {
    if (names.length > 1) problems.push(`pid ${pid} is shown for ${names.length} records: ${names.join(", ")}`);
    if (!byPid.has(pid)) problems.push(`${names.join(", ")}: status shows pid ${pid}, which is not a live child of the daemon`);
  }
  for (const p of kids) {
    const claim = new Set<string>();
    for (let a: ProcInfo | undefined = p; a; a = byPid.get(a.ppid)) for (const n of owners.get(a.pid) ?? []) claim.add(n);
    for (const n of owners.get(p.pgid) ?? []) claim.add(n);
    if (claim.size !== 1) {
      problems.push(`pid ${p.pid} (${p.cmdline || "?"}, ppid ${p.ppid}, pgid ${p.pgid}) belongs to ${claim.size ? [...claim].join(" and ") : "no record"}`);
    }
  }
  return problems;
}

interface DaemonLike {
  readonly pid: number;
  services(): Promise<ServiceDTO[]>;
}

/**
 * Wait until every live descendant of the daemon belongs to exactly one record (processes
 * in transit, spawned or exiting, settle within the deadline); fail naming the violations.
 */
export async function expectEveryChildOwned(d: DaemonLike, timeout = 15_000): Promise<void> {
  await waitFor(async () => {
    const problems = ownershipProblems(d.pid, await d.services());
    if (problems.length) throw new Error(problems.join("; "));
    return true;
  }, { timeout, what: "every child of the daemon to belong to exactly one record" });
}

/** Wait until the daemon has no live descendant left; fail naming the ones that stay. */
export async function expectNoChildren(daemonPid: number, timeout = 15_000): Promise<void> {
  await waitFor(() => {
    const left = daemonChildren(daemonPid);
    if (left.length) throw new Error(`still running: ${left.map((p) => `${p.pid} (${p.cmdline})`).join(", ")}`);
    return true;
  }, { timeout, what: "no process left under the daemon" });
}
