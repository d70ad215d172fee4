// The daemon's weight: once it has been quiet for a while, the pages of its executable it
// mapped to boot are handed back (src/daemon/after-burst.ts, src/sys/page-out.ts), and the
// pages it needs again come back on use.

import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { parseSmaps } from "../../src/sys/page-out.ts";
import { Daemon, fixture, startDaemon, waitFor } from "../helpers/daemon-harness.ts";

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
});
