// Many programs under a low open-file limit (`ulimit -n 256`, 100 programs; and thousands of
// programs near a larger limit): the daemon refuses what does not fit with a clear error, keeps
// answering (also to a burst of connections at the limit), and `shutdown` leaves no process
// behind, or exits non-zero naming what is left.

import { Daemon, guard, makeTempDir, marker, runShutdownCli, waitFor } from "../lib/daemon.ts";
import { socketAnswerMs } from "../../test/helpers/daemon-probe.ts";
import { killMarked, withMarker } from "../../test/helpers/procs.ts";
import { log, type Report } from "../lib/report.ts";

export async function fdLimit(report: Report, programs: number, nofile: number): Promise<void> {
  const S = `${programs} programs under ulimit -n ${nofile}`;
  const dir = makeTempDir("tend-soak-fds-");
  const mark = marker();
  const toml = Array.from({ length: programs }, (_, i) => `[program.p${i}]\ncommand = ["sleep", "${mark}${i}"]\nstartsecs = 0\nstartretries = 1\n`).join("\n");
  const d = new Daemon(dir, toml);
  const release = guard(d, mark);
  try {
    await d.start({ nofile, readyTimeout: 60_000 });
    // Everything settles: RUNNING, or refused (BACKOFF→FATAL) with the fd message.
    const ss = await waitFor(
      async () => {
        const all = await d.services();
        return all.every((s) => s.state === "RUNNING" || s.state === "FATAL") ? all : null;
      },
      { what: "every program RUNNING or FATAL", timeout: 180_000 },
    );
    const running = ss.filter((s) => s.state === "RUNNING").length;
    const refused = ss.filter((s) => s.state === "FATAL");
    report.set(S, "programs RUNNING (last)", running);
    report.set(S, "programs refused (last)", refused.length);
    const unclear = refused.filter((s) => !/file descriptors/.test(JSON.stringify(s)));
    report.check(S, "refusals say why (file descriptors: N in use of M)", unclear.length === 0, () => `${unclear.length} FATAL without the fd reason, e.g. ${JSON.stringify(unclear[0]).slice(0, 300)}`);
    report.check(S, "processes match RUNNING records", withMarker(mark).length === running, () => `${withMarker(mark).length} processes for ${running} RUNNING`);
    // a burst of connections at the limit: the daemon must not die, and answer afterwards
    const burst = await Promise.all(Array.from({ length: 300 }, () => socketAnswerMs(d.socket, "/api/services", 30_000)));
    report.add(S, "burst requests answered", burst.filter((x) => x !== null).length);
    report.check(S, "daemon survives a connection burst at the limit", d.proc!.exitCode === null, () => `daemon exited ${d.proc!.exitCode}`);
    // Liveness, not latency (the burst asked for 300 full listings of every program).
    const after = await socketAnswerMs(d.socket, "/api/daemon", 30_000);
    report.check(S, "socket answers after the burst", after !== null, () => "no answer within 30 s");
    const r = await runShutdownCli(d);
    const left = withMarker(mark);
    report.check(
      S,
      "shutdown: exit 0 only if nothing is left, else non-zero naming it",
      r.code !== null && (r.code === 0 ? left.length === 0 : left.every((p) => r.out.includes(String(p.pid)) || r.out.includes(`p${p.cmdline.split(mark)[1]}`))),
      () => (r.code === null ? `tend shutdown still waiting after 120 s: ${r.out.slice(0, 300)}` : `exit ${r.code}, ${left.length} left: ${r.out.slice(0, 300)}`),
    );
    report.check(S, "nothing left after shutdown", left.length === 0, () => `${left.length} left`);
    await waitFor(() => d.proc!.exitCode !== null, { what: "daemon exit", timeout: 60_000 }).catch(() => report.fail(S, "daemon exits after shutdown", "still running after 60 s"));
  } catch (e) {
    report.fail(S, "scenario runs", (e as Error).message);
  } finally {
    release();
    if (d.proc && d.proc.exitCode === null) d.proc.kill("SIGKILL");
    const k = killMarked(mark);
    if (k) log(S, `killed ${k} leftover processes`);
    d.cleanup();
  }
}
