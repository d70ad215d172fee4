// Every transition of the state machine, driven through the real daemon and real processes.

import { afterEach, describe, expect, test } from "bun:test";
import { Daemon, fixture, startDaemon, waitFor } from "../helpers/daemon-harness.ts";

let d: Daemon | null = null;
afterEach(async () => {
  await d?.stop();
  d?.cleanup();
  d = null;
});

describe("lifecycle", () => {
  test("STOPPED → STARTING → RUNNING after startsecs (autostart)", async () => {
    d = await startDaemon(`[program.app]\ncommand = "${fixture("forever.sh")}"\nstartsecs = 1\n`);
    const first = await d.service("app");
    expect(["STARTING", "RUNNING"]).toContain(first.state);
    const s = await d.waitState("app", "RUNNING");
    expect(s.pid).toBeGreaterThan(0);
    expect(s.description).toMatch(/^pid \d+, uptime 0:00:\d\d$/);
    // startsecs is honoured: RUNNING no sooner than 1 s after the spawn.
    expect(Date.now() - Date.parse(s.started_at!)).toBeGreaterThanOrEqual(900);
  });

  test("startsecs = 0 reaches RUNNING at once; autostart = false stays STOPPED", async () => {
    d = await startDaemon(
      `[program.now]\ncommand = "${fixture("forever.sh")}"\nstartsecs = 0\n` +
        `[program.manual]\ncommand = "${fixture("forever.sh")}"\nautostart = false\n`,
    );
    await d.waitState("now", "RUNNING");
    const m = await d.service("manual");
    expect(m.state).toBe("STOPPED");
    expect(m.description).toBe("Not started");
  });

  test("RUNNING → STOPPING → STOPPED on stop; STOPPED → RUNNING on start; restart changes the pid", async () => {
    d = await startDaemon(`[program.app]\ncommand = "${fixture("forever.sh")}"\nstartsecs = 0\n`);
    const a = await d.waitState("app", "RUNNING");
    const stop = await d.cli("stop", "app");
    expect(stop.stdout.trim()).toBe("app: stopped");
    expect(stop.code).toBe(0);
    expect((await d.service("app")).state).toBe("STOPPED");
    const start = await d.cli("start", "app");
    expect(start.stdout.trim()).toBe("app: started");
    const b = await d.service("app");
    expect(b.state).toBe("RUNNING");
    expect(b.pid).not.toBe(a.pid);
    const r = await d.cli("restart", "app");
    expect(r.stdout.trim()).toBe("app: stopped\napp: started");
    expect((await d.service("app")).pid).not.toBe(b.pid);
  });

  test("RUNNING → EXITED with autorestart = false; expected vs unexpected exit codes", async () => {
    d = await startDaemon(
      `[program.ok]\ncommand = ["${fixture("exits-after.sh")}", "0.3", "0"]\nstartsecs = 0\nautorestart = false\n` +
        `[program.bad]\ncommand = ["${fixture("exits-after.sh")}", "0.3", "3"]\nstartsecs = 0\nautorestart = false\n`,
    );
    const ok = await d.waitState("ok", "EXITED");
    expect(ok.exit_code).toBe(0);
    expect(ok.spawnerr).toBe("");
    const bad = await d.waitState("bad", "EXITED");
    expect(bad.exit_code).toBe(3);
    expect(bad.spawnerr).toBe("Bad exit code 3");
    expect(bad.description).toMatch(/^[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M$/);
  });

  test("autorestart = unexpected restarts only on codes outside exitcodes", async () => {
    d = await startDaemon(
      `[program.expected]\ncommand = ["${fixture("exits-after.sh")}", "0.2", "2"]\nstartsecs = 0\nexitcodes = [0, 2]\n` +
        `[program.unexpected]\ncommand = ["${fixture("exits-after.sh")}", "0.2", "1"]\nstartsecs = 0\nexitcodes = [0, 2]\n`,
    );
    await d.waitState("expected", "EXITED");
    // The unexpected one keeps coming back: wait for a few restarts.
    await waitFor(async () => (await d!.service("unexpected")).restarts >= 2, { what: "2 restarts" });
    await Bun.sleep(400);
    const e = await d.service("expected");
    expect(e.state).toBe("EXITED");
    expect(e.restarts).toBe(0);
  });

  test("autorestart = true restarts after any exit", async () => {
    d = await startDaemon(`[program.app]\ncommand = ["${fixture("exits-after.sh")}", "0.1", "0"]\nstartsecs = 0\nautorestart = true\n`);
    await waitFor(async () => (await d!.service("app")).restarts >= 3, { what: "3 restarts" });
  });

  test("crash loop: STARTING → BACKOFF → … → FATAL after startretries + 1 attempts", async () => {
    d = await startDaemon(`[program.crash]\ncommand = "${fixture("exits-fast.sh")}"\nstartsecs = 1\nstartretries = 2\n`);
    const seen = new Set<string>();
    const s = await waitFor(
      async () => {
        const x = await d!.service("crash");
        seen.add(x.state);
        return x.state === "FATAL" ? x : null;
      },
      { timeout: 20_000, interval: 10, what: "FATAL" },
    );
    expect(seen.has("BACKOFF")).toBe(true);
    expect(s.description).toBe("Exited too quickly (process log may have details)");
    // startretries = 2: three attempts in all, so two restarts after the first spawn.
    expect(s.restarts).toBe(2);
    expect(d.log("crash.err.log").match(/exiting with 1/g)?.length).toBe(3);
    // FATAL is left only by hand.
    const r = await d.cli("start", "crash");
    expect(r.stdout.trim()).toMatch(/^crash: ERROR \(spawn error/);
    expect(r.code).toBe(7);
  });

  test("spawn errors show their reason in status and go FATAL", async () => {
    d = await startDaemon(
      `[program.nocmd]\ncommand = "/nonexistent/binary"\nstartretries = 0\n` +
        `[program.notexec]\ncommand = "${fixture("../configs")}"\nstartretries = 0\n` +
        `[program.nodir]\ncommand = "${fixture("forever.sh")}"\ndirectory = "/nonexistent-dir"\nstartretries = 0\n`,
    );
    const nocmd = await d.waitState("nocmd", "FATAL");
    expect(nocmd.description).toBe("can't find command '/nonexistent/binary'");
    expect((await d.waitState("notexec", "FATAL")).description).toMatch(/^command at '.*' is a directory$/);
    expect((await d.waitState("nodir", "FATAL")).description).toBe("couldn't chdir to '/nonexistent-dir': no such directory");
    // An unknown user is refused with the config now (#12.3: cli.test.ts "check: an unknown user").
    const st = await d.cli("status");
    expect(st.stdout).toContain("can't find command '/nonexistent/binary'");
    expect(st.code).toBe(3);
    const start = await d.cli("start", "nocmd");
    expect(start.stdout.trim()).toMatch(/^nocmd: ERROR \(no such file/);
    expect(start.code).toBe(1);
  });

  test("numprocs names instances by process_name; GROUP:* acts on the group", async () => {
    d = await startDaemon(
      `[program.w]\ncommand = "${fixture("forever.sh")}"\nnumprocs = 3\nstartsecs = 0\n` +
        `[program.solo]\ncommand = "${fixture("forever.sh")}"\nstartsecs = 0\n`,
    );
    for (const n of ["w_00", "w_01", "w_02", "solo"]) await d.waitState(n, "RUNNING");
    const st = await d.cli("stop", "w:*");
    expect(st.stdout.trim().split("\n").sort()).toEqual(["w:w_00: stopped", "w:w_01: stopped", "w:w_02: stopped"]);
    expect((await d.service("solo")).state).toBe("RUNNING");
    const start = await d.cli("start", "w:w_01");
    expect(start.stdout.trim()).toBe("w:w_01: started");
  });

  test("directory, environment and umask reach the child", async () => {
    const dir = (await import("node:os")).tmpdir();
    d = await startDaemon(
      `[program.env]\ncommand = "${fixture("prints-env.sh")}"\nstartsecs = 0\ndirectory = "${dir}"\numask = "027"\nenvironment = { GREETING = "hello world" }\n`,
    );
    await d.waitState("env", "RUNNING");
    const out = await waitFor(() => (d!.log("env.out.log").includes("UMASK_IS") ? d!.log("env.out.log") : null));
    expect(out).toContain("GREETING=hello world");
    expect(out).toContain(`PWD_IS=${dir}`);
    expect(out).toContain("UMASK_IS=0027");
    expect(out).toContain("SUPERVISOR_PROCESS_NAME=env");
    expect(out).toContain("SUPERVISOR_ENABLED=1");
  });

  test("priority: lower starts first; stop all stops higher priority values first", async () => {
    d = await startDaemon(
      `[program.db]\ncommand = "${fixture("forever.sh")}"\npriority = 1\nstartsecs = 0\n` +
        `[program.app]\ncommand = "${fixture("forever.sh")}"\npriority = 50\nstartsecs = 0\n` +
        `[program.proxy]\ncommand = "${fixture("forever.sh")}"\npriority = 100\nstartsecs = 0\n`,
    );
    for (const n of ["db", "app", "proxy"]) await d.waitState(n, "RUNNING");
    const log = () => d!.log("tend.log");
    const spawned = [...log().matchAll(/spawned: '(\w+)'/g)].map((m) => m[1]);
    expect(spawned).toEqual(["db", "app", "proxy"]);
    const r = await d.cli("stop", "all");
    // Answered in supervisord's order (#12.4: by priority, as supervisorctl prints it); stopped
    // in reverse priority, as the log shows.
    expect(r.stdout.trim().split("\n")).toEqual(["db: stopped", "app: stopped", "proxy: stopped"]);
    const stopped = [...log().matchAll(/stopped: (\w+) \(/g)].map((m) => m[1]);
    expect(stopped).toEqual(["proxy", "app", "db"]);
  });

  test("STARTING → STOPPING → STOPPED when stopped before startsecs", async () => {
    d = await startDaemon(`[program.slow]\ncommand = "${fixture("forever.sh")}"\nstartsecs = 30\n`);
    const s = await d.waitState("slow", "STARTING");
    const r = await d.cli("stop", "slow");
    expect(r.stdout.trim()).toBe("slow: stopped");
    const after = await d.service("slow");
    expect(after.state).toBe("STOPPED");
    expect(after.exit_signal).toBe("TERM");
    expect(() => process.kill(s.pid!, 0)).toThrow();
  });

  test.if(process.getuid?.() === 0)("user runs the program as that user (tend as root)", async () => {
    d = await startDaemon(`[program.asnobody]\ncommand = "${fixture("prints-env.sh")}"\nstartsecs = 0\nuser = "nobody"\n`);
    await d.waitState("asnobody", "RUNNING");
    const out = await waitFor(() => (d!.log("asnobody.out.log").includes("WHOAMI") ? d!.log("asnobody.out.log") : null));
    expect(out).toContain("WHOAMI=nobody");
    expect(out).toContain("USER=nobody");
  });
});
