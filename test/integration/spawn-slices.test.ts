// A big start spawns in slices (src/daemon/spawn-slicer.ts): requests are answered while it
// runs, programs still start in priority order, and a stop that meets a program whose spawn
// still waits for its turn leaves it STOPPED with nothing running. No timing thresholds: the
// order of events is what is checked.

import { afterEach, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { Daemon, makeTempDir, waitFor } from "../helpers/daemon-harness.ts";

/** Enough programs that spawning them takes many loop turns even on a fast machine. */
const N = 400;
const name = (i: number) => `p${String(i).padStart(4, "0")}`;

/** Priority runs against the name, so priority order and name order differ. */
function config(): string {
  let toml = "";
  for (let i = 0; i < N; i++) {
    toml += `[program.${name(i)}]\ncommand = ["sleep", "1000"]\nautostart = false\nstartsecs = 0\npriority = ${1000 - (i % 50)}\n`;
    toml += `stdout_logfile = "none"\nstderr_logfile = "none"\n\n`;
  }
  return toml;
}

/** The daemon's live children, read from /proc. */
function children(pid: number): number[] {
  const out: number[] = [];
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      for (const p of readFileSync(`/proc/${pid}/task/${t}/children`, "utf8").split(" ")) if (p) out.push(Number(p));
    } catch {
      /* thread gone */
    }
  }
  return out;
}

let d: Daemon | null = null;
afterEach(async () => {
  await d?.stop();
  d?.cleanup();
  d = null;
});

describe("spawning in slices", () => {
  test(`a status request sent once start all has begun is answered before start all of ${N} programs`, async () => {
    d = await new Daemon(makeTempDir(), config()).start();
    const order: string[] = [];
    const startAll = d.api("POST", "/api/services/all/start").then(async (r) => {
      order.push(`start all ${r.status}`);
      return (await r.json()) as Array<{ name: string; ok: boolean }>;
    });
    // Started: the first program is running. Then ask for one program's status.
    await waitFor(() => children(d!.pid).length > 0, { interval: 2, what: "the first spawn" });
    const status = d.api("GET", `/api/services/${name(0)}`).then((r) => order.push(`status ${r.status}`));
    const [results] = await Promise.all([startAll, status]);
    expect(order).toEqual(["status 200", "start all 200"]);
    expect(results.length).toBe(N);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(children(d.pid).length).toBe(N);

    // Spawned in priority order (lower first), then by name, across every slice.
    const spawned = [...d.log("tend.log").matchAll(/spawned: '(p\d+)'/g)].map((m) => m[1]!);
    const expected = Array.from({ length: N }, (_, i) => i)
      .sort((a, b) => 1000 - (a % 50) - (1000 - (b % 50)) || a - b)
      .map(name);
    expect(spawned).toEqual(expected);
  }, 120_000);

  test("stop all in the middle of a big start: every program STOPPED, no process left", async () => {
    d = await new Daemon(makeTempDir(), config()).start();
    const startAll = d.api("POST", "/api/services/all/start");
    await waitFor(() => children(d!.pid).length > 0, { interval: 2, what: "the first spawn" });
    const stopAll = await d.api("POST", "/api/services/all/stop");
    expect(stopAll.status).toBe(200);
    await startAll;
    // Whatever start all reported, once both are done nothing may run.
    const services = await d.services();
    await waitFor(async () => (await d!.services()).every((s) => s.state === "STOPPED") || null, { what: "all STOPPED" });
    expect(services.length).toBe(N);
    await waitFor(() => children(d!.pid).length === 0, { what: "no child left" });
  }, 120_000);
});
