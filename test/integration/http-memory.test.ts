// The daemon's memory and liveness under what its HTTP doors carry: followers of a fast
// writer (#11 item 1: every streamed chunk used to stay in memory until the follower left, and
// every follower held copies of its own).
// Properties, not timings: RSS growth is bounded with a wide margin, read from /proc.

import { afterEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { Daemon, fixture, makeTempDir, waitFor } from "../helpers/daemon-harness.ts";
import { rssKb } from "../helpers/daemon-probe.ts";

setDefaultTimeout(60_000);

let d: Daemon | null = null;
afterEach(async () => {
  await d?.stop();
  d?.cleanup();
  d = null;
});

const MB = 1024 * 1024;

describe("streamed answers", () => {
  test("a follower of a fast writer costs the daemon a bounded amount of memory, not what it was sent", async () => {
    // 256 MiB through one follower. Before the fix the daemon kept every chunk it had sent
    // (RSS grew by about what went through); now what is in flight is bounded by the
    // follower's queue (4 MiB) and the garbage collector's lag: 128 MiB leaves room for both (measured: 55-66 MiB).
    // The program writes far more than that (what the follower cannot take is skipped, and
    // never sent); the test stops reading at 256 MiB and the daemon's stop ends the program.
    const total = 256 * MB;
    const dir = makeTempDir("tend-follow-mem-");
    const go = join(dir, "go");
    d = new Daemon(
      dir,
      `[program.fast]\ncommand = ["${fixture("spews.sh")}", "${64 * total}", "${go}"]\nstartsecs = 0\nautorestart = false\nstdout_logfile = "none"\n`,
    );
    await d.start();
    await d.waitState("fast", "RUNNING");
    const res = await d.api("GET", "/api/services/fast/log/follow?lines=0");
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const before = rssKb(d.pid);
    let peak = before;
    let got = 0;
    let sampledAt = 0;
    writeFileSync(go, "");
    try {
      while (got < total) {
        const r = await reader.read();
        if (r.done) break;
        got += r.value.byteLength;
        if (got - sampledAt >= 8 * MB) {
          sampledAt = got;
          peak = Math.max(peak, rssKb(d.pid));
        }
      }
    } finally {
      await reader.cancel().catch(() => {});
    }
    expect(got).toBeGreaterThanOrEqual(total);
    const grewMb = (peak - before) / 1024;
    expect(grewMb).toBeLessThan(128);
  });

  test("followers that take nothing share one bounded queue, not a copy each", async () => {
    // 32 followers stop reading after the headers (their sockets paused), while the program
    // writes 256 MiB. Each follower may keep 4 MiB waiting; before the fix every one of them
    // held its own copies (RSS grew by 300 MiB); now they queue the same chunks.
    const dir = makeTempDir("tend-stalled-mem-");
    const go = join(dir, "go");
    d = new Daemon(
      dir,
      `[program.fast]\ncommand = ["${fixture("spews.sh")}", "${256 * MB}", "${go}"]\nstartsecs = 0\nautorestart = false\nstdout_logfile = "none"\n`,
    );
    await d.start();
    await d.waitState("fast", "RUNNING");
    const sockets: Socket[] = [];
    try {
      for (let i = 0; i < 32; i++) {
        sockets.push(
          await new Promise<Socket>((resolve, reject) => {
            const s = connect(d!.socket, () => s.write("GET /api/services/fast/log/follow?lines=0 HTTP/1.1\r\nHost: x\r\n\r\n"));
            s.once("data", () => {
              s.pause();
              resolve(s);
            });
            s.once("error", reject);
          }),
        );
      }
      const before = rssKb(d.pid);
      let peak = before;
      writeFileSync(go, "");
      await waitFor(
        async () => {
          peak = Math.max(peak, rssKb(d!.pid));
          return (await d!.service("fast")).state === "EXITED";
        },
        { timeout: 50_000, what: "the program to write everything and exit" },
      );
      peak = Math.max(peak, rssKb(d.pid));
      expect((peak - before) / 1024).toBeLessThan(96);
    } finally {
      for (const s of sockets) s.destroy();
    }
  });
});
