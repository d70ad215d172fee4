// The daemon's weight: once it has been quiet for a while, the pages of its executable it
// mapped to boot are handed back (src/daemon/after-burst.ts, src/sys/page-out.ts), and the
// pages it needs again come back on use. Its idle wake-ups: it runs with Bun's GC timer off
// (src/sys/runtime-env.ts), which its programs do not inherit.

import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { parseSmaps } from "../../src/sys/page-out.ts";
import { Daemon, fixture, makeTempDir, startDaemon, waitFor } from "../helpers/daemon-harness.ts";

let d: Daemon | null = null;
afterEach(async () => {
  await d?.stop();
  d?.cleanup();
  d = null;
});

/** kB of the daemon's executable resident in its read-only mappings. */
function exeResidentKb(pid: number): number {
  const exe = statSync(`/proc/${pid}/exe`);
  const maps = parseSmaps(readFileSync(`/proc/${pid}/smaps`, "utf8"));
  return maps.filter((m) => m.inode === exe.ino && m.perms[1] === "-").reduce((kb, m) => kb + m.rssKb, 0);
}

describe("weight", () => {
  test("once quiet, the daemon unmaps most of the executable it mapped, and goes on answering", async () => {
    d = await startDaemon(`[program.a]\ncommand = "${fixture("forever.sh")}"\nstartsecs = 0\n`, `loglevel = "debug"`);
    await d.waitState("a", "RUNNING");
    // No API request from here on: each would start the quiet period over.
    const line = await waitFor(() => /quiet: heap [\d.]+ MB after a full collection, ([\d.]+) MB of the executable unmapped/.exec(d!.log("tend.log")), {
      timeout: 45_000,
      interval: 200,
      what: "the after-burst line in tend.log",
    });
    const unmappedKb = Number(line[1]) * 1024;
    // What the daemon has mapped back since (its timers, the log line) is a fraction of it.
    expect(exeResidentKb(d.pid)).toBeLessThan(unmappedKb);
    expect((await d.service("a")).state).toBe("RUNNING");
  });

  /** The daemon's own environment (as exec'd) and the one its program printed. */
  async function environments(env: Record<string, string | undefined>): Promise<{ daemon: string[]; program: string[] }> {
    d = await new Daemon(makeTempDir(), `[program.env]\ncommand = "${fixture("prints-env.sh")}"\nstartsecs = 0\n`).start({ env: env as Record<string, string> });
    await waitFor(() => d!.log("env.out.log").includes("WHOAMI="), { what: "prints-env output" });
    // Exec'd in place: the pid that was started is the daemon's.
    expect(((await (await d.api("GET", "/api/daemon")).json()) as { pid: number }).pid).toBe(d.pid);
    const daemon = readFileSync(`/proc/${d.pid}/environ`, "utf8").split("\0");
    return { daemon, program: d.log("env.out.log").split("\n") };
  }
  const runtimeVars = (lines: string[]) => lines.filter((l) => /^(BUN_GC_TIMER_DISABLE|TEND_RUNTIME_ENV_ADDED)=/.test(l)).sort();

  test("the daemon runs without Bun's GC timer; its programs do not inherit that", async () => {
    const { daemon, program } = await environments({ BUN_GC_TIMER_DISABLE: undefined });
    expect(runtimeVars(daemon)).toEqual(["BUN_GC_TIMER_DISABLE=1", "TEND_RUNTIME_ENV_ADDED=BUN_GC_TIMER_DISABLE"]);
    expect(runtimeVars(program)).toEqual([]);
  });

  test("a setting the user gave the daemon is kept, and passed on to its programs as before", async () => {
    const { daemon, program } = await environments({ BUN_GC_TIMER_DISABLE: "0" });
    expect(runtimeVars(daemon)).toEqual(["BUN_GC_TIMER_DISABLE=0"]);
    expect(runtimeVars(program)).toEqual(["BUN_GC_TIMER_DISABLE=0"]);
  });
});
