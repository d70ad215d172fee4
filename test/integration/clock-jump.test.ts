// Deadlines follow monotonic time, not the wall clock (issue 11, finding 10). The daemon runs
// under libfaketime with its wall clock steered from a file (monotonic time left alone, as a
// real `date -s` or NTP step leaves it), and the clock jumps in the middle of a deadline.

import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, isGone, makeTempDir, waitFor } from "../helpers/daemon-harness.ts";
import { daemonChildren } from "../helpers/invariants.ts";

const LIBFAKETIME = ["/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1", "/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1"].find(existsSync);

let d: Daemon | null = null;
let started: number[] = [];
afterEach(async () => {
  if (d?.proc) started.push(...daemonChildren(d.pid).map((p) => p.pid));
  await d?.stop();
  for (const pid of started) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
  d?.cleanup();
  d = null;
  started = [];
});

/** A daemon whose wall clock is "+0" until jump() writes another offset (libfaketime syntax). */
async function fakeClockDaemon(programs: string): Promise<{ d: Daemon; jump: (offset: string) => void }> {
  const dir = makeTempDir();
  const clockFile = join(dir, "faketime");
  writeFileSync(clockFile, "+0\n");
  const dm = new Daemon(dir, programs);
  d = dm;
  await dm.start({
    env: {
      LD_PRELOAD: LIBFAKETIME!,
      FAKETIME_TIMESTAMP_FILE: clockFile,
      FAKETIME_NO_CACHE: "1",
      FAKETIME_DONT_FAKE_MONOTONIC: "1",
    },
  });
  return { d: dm, jump: (offset) => writeFileSync(clockFile, `${offset}\n`) };
}

const member = (pid: number, cmd: string) => waitFor(() => daemonChildren(pid).find((p) => p.cmdline === cmd), { what: cmd });

describe.skipIf(!LIBFAKETIME)("wall-clock jumps (libfaketime; apt package faketime)", () => {
  test("+1 h during a stop: a group member that ignores SIGTERM gets stopwaitsecs, not SIGKILL at once", async () => {
    const m = 557000 + (process.pid % 1000);
    const { d: dm, jump } = await fakeClockDaemon(
      `[program.grp]\ncommand = ["sh", "-c", "(trap '' TERM; exec sleep ${m}) & exec sleep ${m + 1}"]\nstartsecs = 0\nstopwaitsecs = 8\n`,
    );
    await dm.waitState("grp", "RUNNING");
    const straggler = await member(dm.pid, `sleep ${m}`);
    started.push(straggler.pid);
    const asked = performance.now();
    const stop = dm.cli("stop", "grp");
    // The leader dies of SIGTERM; the member lives on: the stop now waits on the group.
    await waitFor(() => dm.log("tend.log").includes("not yet the rest of its process group"), { what: "the wait on the group" });
    jump("+1h");
    await waitFor(() => isGone(straggler.pid), { timeout: 60_000, what: "the straggler to be killed" });
    const after = performance.now() - asked;
    // Never before stopwaitsecs (lower bound only: a slow machine makes it later, never earlier).
    expect(after).toBeGreaterThanOrEqual(8_000);
    expect((await stop).code).toBe(0);
  }, 90_000);

  test("-1 h during the shutdown sweep: a leftover that ignores SIGTERM is SIGKILLed after 2 s and the daemon exits", async () => {
    const m = 558000 + (process.pid % 1000);
    const { d: dm, jump } = await fakeClockDaemon(
      `[program.esc]\ncommand = ["sh", "-c", "setsid sh -c \\"trap '' TERM; exec sleep ${m}\\" & exec sleep ${m + 1}"]\nstartsecs = 0\n`,
    );
    await dm.waitState("esc", "RUNNING");
    const escaped = await member(dm.pid, `sleep ${m}`);
    started.push(escaped.pid);
    dm.proc!.kill("SIGTERM");
    await waitFor(() => dm.log("tend.log").includes("leftover process(es)"), { timeout: 30_000, what: "the shutdown sweep" });
    jump("-1h");
    // With the wall clock, the sweep's 2 s deadline would now be an hour away.
    const code = await Promise.race([dm.proc!.exited, Bun.sleep(30_000).then(() => "still running")]);
    expect(code).toBe(0);
    expect(isGone(escaped.pid)).toBe(true);
  }, 90_000);
});
