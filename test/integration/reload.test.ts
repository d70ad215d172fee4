// Reload applies a per-program diff: added start, removed stop and go, changed restart,
// unchanged keep their pid. A broken config on reload changes nothing.

import { afterEach, describe, expect, test } from "bun:test";
import { Daemon, fixture, isGone, startDaemon, waitFor } from "../helpers/daemon-harness.ts";

let d: Daemon | null = null;
afterEach(async () => {
  await d?.stop();
  d?.cleanup();
  d = null;
});

const prog = (name: string, extra = "") => `[program.${name}]\ncommand = "${fixture("forever.sh")}"\nstartsecs = 0\n${extra}\n`;

describe("reload", () => {
  test("unchanged keep their pid, changed restart, added start, removed stop and go", async () => {
    d = await startDaemon(prog("keep") + prog("change") + prog("drop"));
    const keep = await d.waitState("keep", "RUNNING");
    const change = await d.waitState("change", "RUNNING");
    const drop = await d.waitState("drop", "RUNNING");
    d.writeConfig(prog("keep") + prog("change", 'environment = { V = "2" }') + prog("add"));

    const dry = await d.cli("reload", "--dry-run");
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("add: added (would start)");
    expect(dry.stdout).toContain("change: changed (would restart)");
    expect(dry.stdout).toContain("drop: removed (would stop and remove)");
    expect((await d.services()).map((s) => s.name).sort()).toEqual(["change", "drop", "keep"]);

    const r = await d.cli("reload");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("add: added (started)");
    expect(r.stdout).toContain("unchanged: keep");
    const names = (await d.services()).map((s) => s.name).sort();
    expect(names).toEqual(["add", "change", "keep"]);
    expect((await d.service("keep")).pid).toBe(keep.pid);
    const changed = await d.waitState("change", "RUNNING");
    expect(changed.pid).not.toBe(change.pid);
    await d.waitState("add", "RUNNING");
    expect(() => process.kill(drop.pid!, 0)).toThrow();
  });

  test("a broken config on reload is reported and the running config stays", async () => {
    d = await startDaemon(prog("a"));
    const a = await d.waitState("a", "RUNNING");
    d.writeConfig(prog("a") + `[program.b]\ncommand = "x"\nstartsecs = "soon"\n[program.c\n`);
    const r = await d.cli("reload");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("tend.toml:");
    expect(r.stderr).toMatch(/:\d+:\d+/);
    expect((await d.services()).map((s) => s.name)).toEqual(["a"]);
    expect((await d.service("a")).pid).toBe(a.pid);
    // SIGHUP with the same broken file: logged, nothing changes, daemon stays up.
    d.proc!.kill("SIGHUP");
    const { waitFor } = await import("../helpers/wait-for.ts");
    await waitFor(() => d!.log("tend.log").includes("reload failed"));
    expect((await d.service("a")).pid).toBe(a.pid);
  });

  test("a program stopped by hand and unchanged stays stopped across a reload", async () => {
    d = await startDaemon(prog("a") + prog("b"));
    await d.waitState("a", "RUNNING");
    await d.cli("stop", "a");
    d.writeConfig(prog("a") + prog("b") + prog("c"));
    await d.cli("reload");
    expect((await d.service("a")).state).toBe("STOPPED");
    await d.waitState("c", "RUNNING");
  });

  test("moving a program into a group counts as a change", async () => {
    d = await startDaemon(prog("a"));
    const a = await d.waitState("a", "RUNNING");
    d.writeConfig(prog("a") + `[group.g]\nprograms = ["a"]\n`);
    const r = await d.cli("reload");
    expect(r.stdout).toContain("a: changed");
    const after = await d.waitState("a", "RUNNING");
    expect(after.group).toBe("g");
    expect(after.pid).not.toBe(a.pid);
  });

  test("a follower of a changed program keeps following through the reload", async () => {
    d = await startDaemon(prog("app"));
    const first = await d.waitState("app", "RUNNING");
    const res = await d.api("GET", "/api/services/app/log/follow?stream=stderr&lines=1");
    const reader = res.body!.getReader();
    let text = "";
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the follow ended before "${needle}"; got: ${text}`);
        text += new TextDecoder().decode(value);
      }
    };
    try {
      await readUntil(`forever started pid ${first.pid}`);
      d.writeConfig(prog("app", 'environment = { V = "2" }'));
      expect((await d.cli("reload")).stdout).toContain("app: changed");
      const second = await d.waitState("app", "RUNNING", 15_000, (s) => s.pid !== first.pid);
      await readUntil(`forever started pid ${second.pid}`);
    } finally {
      await reader.cancel();
    }
  });

  test("a changed program whose old process exits slowly: the event stream shows one history under its name, ending in the new process", async () => {
    const slow = (v: string) =>
      `[program.slow]\ncommand = "${fixture("ignores-sigterm.sh")}"\nstartsecs = 0\nstopwaitsecs = 1\nenvironment = { V = "${v}" }\n`;
    d = await startDaemon(slow("1"));
    const before = await d.waitState("slow", "RUNNING");
    const res = await d.api("GET", "/api/events");
    const reader = res.body!.getReader();
    let text = "";
    const reading = (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          text += new TextDecoder().decode(value);
        }
      } catch {
        /* cancelled */
      }
    })();
    d.writeConfig(slow("2"));
    expect((await d.cli("reload")).code).toBe(0);
    const after = await d.waitState("slow", "RUNNING");
    expect(after.pid).not.toBe(before.pid);
    expect(isGone(before.pid!)).toBe(true);
    // The snapshot a reload sends comes after every change it made.
    await waitFor(() => (text.split("event: snapshot").length >= 3 ? true : null), { what: "the reload's snapshot" });
    await reader.cancel();
    await reading;
    // Each change of "slow" starts where the last one (or the last snapshot) left it, and the
    // last says what runs now: no late change of the old record in between.
    let state: string | null = null;
    const seen: string[] = [];
    for (const block of text.split("\n\n")) {
      const m = /^event: (\w+)\ndata: (.*)$/s.exec(block.trim());
      if (!m) continue;
      const data = JSON.parse(m[2]!);
      if (m[1] === "snapshot") {
        state = data.services.find((s: { name: string }) => s.name === "slow")?.state ?? null;
        continue;
      }
      if (m[1] !== "state" || data.name !== "slow") continue;
      seen.push(`${data.from}->${data.to}`);
      expect({ seen, from: data.from }).toEqual({ seen, from: state });
      state = data.to;
    }
    expect(seen).toEqual(["RUNNING->STOPPING", "STOPPING->STOPPED", "STOPPED->STARTING", "STARTING->RUNNING"]);
    expect(state).toBe("RUNNING");
  });
});
