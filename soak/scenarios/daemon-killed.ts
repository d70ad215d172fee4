// The daemon is SIGKILLed with its programs running (one ignores SIGTERM), then started again
// on the same config. The programs it left must be stopped before anything starts, each named
// in tend.log: afterwards exactly one process per program, none of the old pids alive.

import { join } from "node:path";
import { Daemon, SOAK_PROGRAMS, guard, makeTempDir, marker, shutdown, waitFor } from "../lib/daemon.ts";
import { killMarked, withMarker } from "../../test/helpers/procs.ts";
import { log, type Report } from "../lib/report.ts";

const S = "daemon SIGKILLed, started again";
const N = 4;

export async function daemonKilled(report: Report): Promise<void> {
  const dir = makeTempDir("tend-soak-kill-");
  const mark = marker();
  const toml = Array.from(
    { length: N },
    (_, i) => `[program.p${i}]
command = ["${i === 0 ? join(SOAK_PROGRAMS, "ignores-term-forever.sh") : "sleep"}", "${mark}${i}"]
stopwaitsecs = 1
startsecs = 0.2
`,
  ).join("\n");
  const d = new Daemon(dir, toml, `pidfile = "${join(dir, "tend.pid")}"`);
  const release = guard(d, mark);
  try {
    await d.start();
    await waitFor(async () => (await d.services()).every((s) => s.state === "RUNNING"), { what: "all RUNNING", timeout: 30_000 });
    const before = withMarker(mark).map((p) => p.pid);
    d.proc!.kill("SIGKILL");
    await d.proc!.exited;
    d.proc = null;
    report.add(S, "daemons SIGKILLed", 1);
    const orphans = withMarker(mark);
    report.set(S, "programs left running by the killed daemon (last)", orphans.length);
    await d.start();
    await waitFor(async () => (await d.services()).every((s) => s.state === "RUNNING"), { what: "all RUNNING again", timeout: 60_000 });
    const after = withMarker(mark);
    const dup = after.length !== N;
    const oldAlive = after.filter((p) => before.includes(p.pid));
    report.check(S, "exactly one process per program after restart", !dup, () => `${after.length} processes for ${N} programs: ${after.map((p) => `${p.pid}(ppid ${p.ppid})`).join(", ")}`);
    report.check(S, "no process of the killed daemon survives", oldAlive.length === 0, () => `still alive: ${oldAlive.map((p) => p.pid).join(", ")}`);
    const named = before.filter((pid) => d.log("tend.log").includes(String(pid)));
    report.check(S, "tend.log names each leftover", orphans.length === 0 || named.length === orphans.length, () => `tend.log names ${named.length} of ${orphans.length} leftovers`);
    const { exitCode } = await shutdown(d);
    report.check(S, "shutdown exits 0", exitCode === 0, () => `exit ${exitCode}`);
    const left = withMarker(mark);
    report.check(S, "nothing left after shutdown", left.length === 0, () => left.map((p) => p.pid).join(", "));
  } catch (e) {
    report.fail(S, "scenario runs", (e as Error).message);
  } finally {
    release();
    if (d.proc) await shutdown(d).catch(() => {});
    const k = killMarked(mark);
    if (k) log(S, `killed ${k} leftover processes`);
    d.cleanup();
  }
}
