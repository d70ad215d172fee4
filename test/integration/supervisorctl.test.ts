// The real supervisorctl (Debian's `supervisor` package) scripted against tend's socket: the
// same output and the same exit codes as against supervisord (reference §6). Skipped, saying
// why, where supervisorctl is not installed.

import { afterEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, fixture, makeTempDir, startDaemon, waitFor } from "../helpers/daemon-harness.ts";

// Bun 1.4.5 applies the preload's setDefaultTimeout (test/helpers/setup.ts) to the first test
// file of a run only: a file that starts daemons and supervisorctl sets its own.
setDefaultTimeout(60_000);

const CTL = Bun.which("supervisorctl");
const skip = !CTL;
if (skip) console.warn("supervisorctl.test: supervisorctl is not installed (apt-get install supervisor): skipped");

let d: Daemon | null = null;
/** supervisorctl processes that never end by themselves (tail -f): killed after each test. */
const followers: Array<ReturnType<typeof Bun.spawn>> = [];
afterEach(async () => {
  for (const p of followers.splice(0)) {
    p.kill("SIGKILL");
    await p.exited;
  }
  await d?.stop();
  d?.cleanup();
  d = null;
});

const FOREVER = fixture("forever.sh");

interface Ctl {
  code: number;
  out: string;
  err: string;
}

/** supervisorctl -c <a config pointing at tend's socket> ARGS... */
async function ctl(...args: string[]): Promise<Ctl> {
  return ctlWith(ctlConf(), ...args);
}

/** supervisorctl -c CONF ARGS... */
async function ctlWith(conf: string, ...args: string[]): Promise<Ctl> {
  const p = Bun.spawn([CTL!, "-c", conf, ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, PYTHONWARNINGS: "ignore" } });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

/** A supervisorctl config naming tend's unix socket, or a TCP URL with a username and password. */
function ctlConf(server: { url: string; username?: string; password?: string } = { url: `unix://${d!.socket}` }): string {
  const conf = join(d!.dir, server.username ? "supervisorctl-tcp.conf" : "supervisorctl.conf");
  const creds = server.username ? `username=${server.username}\npassword=${server.password}\n` : "";
  writeFileSync(conf, `[supervisorctl]\nserverurl=${server.url}\n${creds}\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n`);
  return conf;
}

/** supervisorctl -c CONF ARGS... that runs until killed (tail -f): its stdout so far, and whether it still runs. */
function ctlFollow(conf: string, ...args: string[]): { out: () => string; running: () => boolean } {
  const p = Bun.spawn([CTL!, "-c", conf, ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, PYTHONWARNINGS: "ignore" } });
  followers.push(p);
  let out = "";
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of p.stdout) out += decoder.decode(chunk, { stream: true });
  })();
  return { out: () => out, running: () => p.exitCode === null && p.signalCode === null };
}

/** supervisorctl -s unix://... with no config file at all. */
async function ctlUrl(url: string, ...args: string[]): Promise<Ctl> {
  const p = Bun.spawn([CTL!, "-s", url, ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe", cwd: d!.dir });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

const STATUS_LINE = /^(\S+)\s+(STOPPED|STARTING|RUNNING|BACKOFF|STOPPING|EXITED|FATAL|UNKNOWN)\s*(.*)$/;

const CONFIG =
  `[program.app]\ncommand = "${FOREVER}"\nstartsecs = 0\n` +
  `[program.web]\ncommand = "${FOREVER}"\nstartsecs = 0\n` +
  `[program.worker]\ncommand = "${FOREVER}"\nstartsecs = 0\n` +
  `[group.site]\nprograms = ["web", "worker"]\n` +
  `[program.pool]\ncommand = "${FOREVER}"\nnumprocs = 2\nautostart = false\nstartsecs = 0\n`;

describe.skipIf(skip)("supervisorctl against tend", () => {
  test("status: supervisorctl's columns and descriptions; exit 3 with a stopped process, 0 when all run, 4 for a bad name", async () => {
    d = await startDaemon(CONFIG);
    await d.waitState("app", "RUNNING");
    await d.waitState("worker", "RUNNING");
    const st = await ctl("status");
    expect(st.code).toBe(3);
    const lines = st.out.trimEnd().split("\n");
    expect(lines.map((l) => STATUS_LINE.exec(l)?.slice(1, 3))).toEqual([
      ["app", "RUNNING"],
      ["pool:pool_00", "STOPPED"],
      ["pool:pool_01", "STOPPED"],
      ["site:web", "RUNNING"],
      ["site:worker", "RUNNING"],
    ]);
    // Name column 33 wide, state column 10 wide, as _show_statuses prints them.
    expect(lines[0]).toMatch(/^app {30}RUNNING {3}pid \d+, uptime 0:00:\d\d$/);
    expect(lines[1]).toBe(`${"pool:pool_00".padEnd(33)}${"STOPPED".padEnd(10)}Not started`);
    expect(await ctl("status", "app", "site:*")).toMatchObject({ code: 0 });
    const bad = await ctl("status", "nosuch");
    expect(bad).toMatchObject({ code: 4, out: "nosuch: ERROR (no such process)\n" });
    expect((await ctl("status", "nogroup:*")).out).toBe("nogroup: ERROR (no such group)\n");
  });

  test("start, stop, restart: names, GROUP:*, all; messages and exit codes", async () => {
    d = await startDaemon(CONFIG + `[program.quick]\ncommand = "${fixture("exits-fast.sh")}"\nautostart = false\nstartretries = 0\n[program.missing]\ncommand = "/nonexistent/bin"\nautostart = false\nstartretries = 0\n`);
    await d.waitState("app", "RUNNING");
    expect(await ctl("start", "pool:*")).toMatchObject({ code: 0, out: "pool:pool_00: started\npool:pool_01: started\n" });
    expect(await ctl("start", "app")).toMatchObject({ code: 0, out: "app: ERROR (already started)\n" });
    expect(await ctl("stop", "pool:pool_01")).toMatchObject({ code: 0, out: "pool:pool_01: stopped\n" });
    expect(await ctl("stop", "pool:pool_01")).toMatchObject({ code: 0, out: "pool:pool_01: ERROR (not running)\n" });
    expect(await ctl("stop", "nosuch")).toMatchObject({ code: 1, out: "nosuch: ERROR (no such process)\n" });
    expect(await ctl("start", "nosuch")).toMatchObject({ code: 1, out: "nosuch: ERROR (no such process)\n" });
    expect(await ctl("start", "nogroup:*")).toMatchObject({ code: 2, out: "nogroup: ERROR (no such group)\n" });
    expect(await ctl("start", "quick")).toMatchObject({ code: 7, out: "quick: ERROR (spawn error)\n" });
    expect(await ctl("start", "missing")).toMatchObject({ code: 1, out: "missing: ERROR (no such file)\n" });
    const r = await ctl("restart", "site:*");
    expect(r.code).toBe(0);
    expect(r.out.split("\n").sort().join("\n")).toBe(["", "site:web: started", "site:web: stopped", "site:worker: started", "site:worker: stopped"].join("\n"));
    const all = await ctl("stop", "all");
    expect(all.code).toBe(0);
    expect(all.out.trimEnd().split("\n").sort()).toEqual(["app: stopped", "pool:pool_00: stopped", "site:web: stopped", "site:worker: stopped"]);
    for (const s of await d.services()) expect(["STOPPED", "FATAL", "BACKOFF"]).toContain(s.state);
    expect((await ctl("start", "all")).code).toBe(7); // quick cannot start: a spawn error among the results
    expect((await d.service("app")).state).toBe("RUNNING");
  });

  test("group and all answers in supervisord's order: groups by priority then name, members by priority then listing (#12.4)", async () => {
    const p = (name: string, extra = "") => `[program.${name}]\ncommand = "${FOREVER}"\nstartsecs = 0\n${extra}`;
    d = await startDaemon(
      p("zeta", "priority = 1\n") + p("alpha") + p("beta", "priority = 5\n") + p("mid", "priority = 500\n") + p("web") + p("comfy") +
        `[group.ui]\nprograms = ["web", "comfy"]\n`,
    );
    for (const n of ["zeta", "alpha", "beta", "mid", "web", "comfy"]) await d.waitState(n, "RUNNING");
    const order = ["zeta", "beta", "mid", "alpha", "ui:web", "ui:comfy"];
    const each = (verb: string) => order.map((n) => `${n}: ${verb}\n`).join("");
    expect(await ctl("stop", "all")).toMatchObject({ code: 0, out: each("stopped") });
    expect(await ctl("start", "all")).toMatchObject({ code: 0, out: each("started") });
    expect(await ctl("restart", "all")).toMatchObject({ code: 0, out: each("stopped") + each("started") });
    expect(await ctl("signal", "CONT", "all")).toMatchObject({ code: 0, out: each("signalled") });
    expect(await ctl("stop", "ui:*")).toMatchObject({ code: 0, out: "ui:web: stopped\nui:comfy: stopped\n" });
    expect(await ctl("start", "ui:*")).toMatchObject({ code: 0, out: "ui:web: started\nui:comfy: started\n" });
    // status stays lexical (getAllProcessInfo); a group member's bare name is no process.
    expect((await ctl("status")).out.trimEnd().split("\n").map((l) => l.split(" ")[0])).toEqual(["alpha", "beta", "mid", "ui:comfy", "ui:web", "zeta"]);
    expect(await ctl("stop", "comfy")).toMatchObject({ code: 1, out: "comfy: ERROR (no such process)\n" });
  });

  test("signal, pid", async () => {
    d = await startDaemon(CONFIG);
    const app = await d.waitState("app", "RUNNING");
    expect(await ctl("pid")).toMatchObject({ code: 0, out: `${d.pid}\n` });
    expect(await ctl("pid", "app")).toMatchObject({ code: 0, out: `${app.pid}\n` });
    expect(await ctl("pid", "pool:pool_00")).toMatchObject({ code: 7, out: "0\n" });
    expect(await ctl("pid", "nosuch")).toMatchObject({ code: 1, out: "No such process nosuch\n" });
    expect(await ctl("signal", "CONT", "app")).toMatchObject({ code: 0, out: "app: signalled\n" });
    expect(await ctl("signal", "BOGUS", "app")).toMatchObject({ code: 1, out: "app: ERROR (bad signal name)\n" });
    expect(await ctl("signal", "HUP", "pool:pool_00")).toMatchObject({ code: 7, out: "pool:pool_00: ERROR (not running)\n" });
    const grp = await ctl("signal", "CONT", "site:*");
    expect(grp.out.trimEnd().split("\n").sort()).toEqual(["site:web: signalled", "site:worker: signalled"]);
    // TERM kills app; autorestart = unexpected brings it back with a new pid.
    expect((await ctl("signal", "TERM", "app")).code).toBe(0);
    await d.waitState("app", "RUNNING", 15_000, (s) => s.pid !== app.pid);
  });

  test("tail, clear, maintail", async () => {
    const trigger = join(import.meta.dir, `.ctl-trigger-${process.pid}-${Date.now()}`);
    d = await startDaemon(`[program.app]\ncommand = ["${fixture("numbered-lines.sh")}", "600", "${trigger}"]\nstartsecs = 0\n`);
    await waitFor(() => d!.log("app.out.log").endsWith("600\n"), { what: "600 lines" });
    const file = d.log("app.out.log");
    const t = await ctl("tail", "app");
    expect(t.code).toBe(0);
    expect(t.out).toBe(`${file.slice(-1600)}\n`);
    expect((await ctl("tail", "-20", "app")).out).toBe(`${file.slice(-20)}\n`);
    expect(await ctl("tail", "app", "stderr")).toMatchObject({ code: 0, out: "\n" }); // started, nothing written yet
    expect(await ctl("tail", "nosuch")).toMatchObject({ code: 1, out: "nosuch: ERROR (no such process name)\n" });
    expect(await ctl("clear", "app")).toMatchObject({ code: 0, out: "app: cleared\n" });
    expect(d.log("app.out.log")).toBe("");
    expect(await ctl("clear", "nosuch")).toMatchObject({ code: 1, out: "nosuch: ERROR (no such process)\n" });
    const main = await ctl("maintail", "-200");
    expect(main.code).toBe(0);
    expect(main.out.length).toBeGreaterThan(100);
    expect(main.out).toContain("app");
  });

  // supervisorctl's HTTP client (supervisor/http_client.py) sends one CRLF more than its GET
  // needs; the daemon must ignore it (RFC 9112 §2.2) rather than answer it with a 400 in the
  // middle of the stream (Bun.serve did: src/http/node-adapter.ts).
  async function followBoth(conf: string, trigger: string): Promise<void> {
    await waitFor(() => d!.log("app.out.log") === "1\n2\n3\n", { what: "app's first 3 lines" });
    const tail = ctlFollow(conf, "tail", "-f", "app");
    const main = ctlFollow(conf, "maintail", "-f");
    await waitFor(() => tail.out().includes("==> Press Ctrl-C to exit <==\n1\n2\n3\n"), { what: "tail -f to show the last lines" });
    await waitFor(() => main.out().includes("tend started with pid"), { what: "maintail -f to show the daemon log" });
    // Written after both started following.
    writeFileSync(trigger, "4");
    await waitFor(() => tail.out().endsWith("\n3\n4\n5\n6\n7\n"), { what: "tail -f to show lines 4..7 as they are written" });
    expect((await ctlWith(conf, "stop", "app")).out).toBe("app: stopped\n");
    await waitFor(() => /stopped: app \(terminated by SIGTERM\)/.test(main.out()), { what: "maintail -f to show the stop" });
    for (const f of [tail, main]) {
      expect(f.out()).not.toContain("Bad Request");
      expect(f.running()).toBe(true);
    }
  }

  test("tail -f and maintail -f over the unix socket: the last lines, then each line as it is written", async () => {
    const trigger = join(import.meta.dir, `.ctl-trigger-${process.pid}-${Date.now()}`);
    d = await startDaemon(`[program.app]\ncommand = ["${fixture("numbered-lines.sh")}", "3", "${trigger}"]\nstartsecs = 0\n`);
    try {
      await followBoth(ctlConf(), trigger);
    } finally {
      rmSync(trigger, { force: true });
    }
  });

  test("tail -f and maintail -f over TCP with a username and password", async () => {
    const trigger = join(import.meta.dir, `.ctl-trigger-${process.pid}-${Date.now()}`);
    const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = probe.port;
    probe.stop(true);
    d = await new Daemon(
      makeTempDir(),
      `[program.app]\ncommand = ["${fixture("numbered-lines.sh")}", "3", "${trigger}"]\nstartsecs = 0\n`,
      `[http]\nlisten = "127.0.0.1:${port}"\nusername = "admin"\npassword = "s3cret"\n`,
    ).start();
    try {
      const conf = ctlConf({ url: `http://127.0.0.1:${port}`, username: "admin", password: "s3cret" });
      await followBoth(conf, trigger);
      // The stop above went over TCP too: nothing reached the unix socket.
      expect((await d.service("app")).state).toBe("STOPPED");
    } finally {
      rmSync(trigger, { force: true });
    }
  });

  test("avail, reread, update: group by group as supervisord", async () => {
    d = await startDaemon(CONFIG);
    await d.waitState("app", "RUNNING");
    const avail = await ctl("avail");
    expect(avail.code).toBe(0);
    expect(avail.out.split("\n")[0]).toBe(`${"app".padEnd(32)} ${"in use".padEnd(9)} ${"auto".padEnd(9)} 999:999`);
    expect(await ctl("reread")).toMatchObject({ code: 0, out: "No config updates to processes\n" });
    d.writeConfig(
      `[program.app]\ncommand = "${FOREVER}"\nstartsecs = 0\nstopsignal = "INT"\n` +
        `[program.web]\ncommand = "${FOREVER}"\nstartsecs = 0\n[group.site]\nprograms = ["web"]\n` +
        `[program.fresh]\ncommand = "${FOREVER}"\nstartsecs = 0\n`,
    );
    expect(await ctl("reread")).toMatchObject({ code: 0, out: "app: changed\nfresh: available\npool: disappeared\nsite: changed\n" });
    const up = await ctl("update");
    expect(up.code).toBe(0);
    expect(up.out).toBe(
      "pool: stopped\npool: removed process group\napp: stopped\napp: updated process group\nsite: stopped\nsite: updated process group\nfresh: added process group\n",
    );
    await d.waitState("fresh", "RUNNING");
    await d.waitState("app", "RUNNING");
    const names = (await d.services()).map((s) => `${s.group}:${s.name}`).sort();
    expect(names).toEqual(["app:app", "fresh:fresh", "site:web"]);
    expect(await ctl("update", "nosuch")).toMatchObject({ out: "ERROR: no such group: nosuch\n" });
    expect(await ctl("reread")).toMatchObject({ out: "No config updates to processes\n" });
  });

  test("add, remove, reload", async () => {
    d = await startDaemon(CONFIG);
    const app = await d.waitState("app", "RUNNING");
    expect(await ctl("remove", "app")).toMatchObject({ code: 1, out: "ERROR: process/group still running: app\n" });
    expect((await ctl("stop", "app")).code).toBe(0);
    expect(await ctl("remove", "app")).toMatchObject({ code: 0, out: "app: removed process group\n" });
    expect(await ctl("remove", "app")).toMatchObject({ out: "ERROR: no such process/group: app\n" });
    expect(await ctl("add", "app")).toMatchObject({ code: 0, out: "app: added process group\n" });
    expect(await ctl("add", "app")).toMatchObject({ out: "ERROR: process group already active\n" });
    expect(await ctl("add", "nosuch")).toMatchObject({ out: "ERROR: no such process/group: nosuch\n" });
    await d.waitState("app", "RUNNING", 15_000, (s) => s.pid !== app.pid);
    // reload: every program stops and starts again from a fresh read of the config.
    const before = await d.service("site:web");
    d.writeConfig(CONFIG + `[program.late]\ncommand = "${FOREVER}"\nstartsecs = 0\n`);
    expect(await ctl("reload")).toMatchObject({ code: 0, out: "Restarted supervisord\n" });
    await d.waitState("late", "RUNNING");
    await d.waitState("web", "RUNNING", 15_000, (s) => s.pid !== before.pid);
    expect((await ctl("status", "late")).code).toBe(0);
  });

  test("over TCP ([http] listen) with a username and password: the same commands; a wrong password is refused", async () => {
    const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = probe.port;
    probe.stop(true);
    d = await new Daemon(makeTempDir(), CONFIG, `[http]\nlisten = "127.0.0.1:${port}"\nusername = "admin"\npassword = "s3cret"\n`).start();
    await d.waitState("app", "RUNNING");
    const url = `http://127.0.0.1:${port}`;
    const st = await ctlUrl(url, "-u", "admin", "-p", "s3cret", "status", "app");
    expect(st).toMatchObject({ code: 0 });
    expect(st.out).toMatch(/^app {30}RUNNING {3}pid \d+, uptime/);
    const denied = await ctlUrl(url, "-u", "admin", "-p", "wrong", "status");
    expect(denied.code).toBe(1);
    expect(denied.out).toContain("Server requires authentication");
    expect((await ctlUrl(url, "status")).out).toContain("Server requires authentication");
    expect(await ctlUrl(url, "-u", "admin", "-p", "s3cret", "stop", "app")).toMatchObject({ code: 0, out: "app: stopped\n" });
    expect((await d.service("app")).state).toBe("STOPPED");
  });

  test("shutdown; then no socket: status 4, stop 7; unknown action 1", async () => {
    d = await startDaemon(CONFIG);
    await d.waitState("app", "RUNNING");
    expect(await ctl("frobnicate")).toMatchObject({ code: 1, out: "*** Unknown syntax: frobnicate\n" });
    expect(await ctl("version")).toMatchObject({ code: 0, out: "4.2.5\n" });
    expect(await ctlUrl(`unix://${d.socket}`, "status", "app")).toMatchObject({ code: 0 });
    expect(await ctl("shutdown")).toMatchObject({ code: 0, out: "Shut down\n" });
    await d.proc!.exited;
    expect(d.proc!.exitCode).toBe(0);
    expect(await ctl("status")).toMatchObject({ code: 4, out: `unix://${d.socket} no such file\n` });
    expect((await ctl("stop", "app")).code).toBe(7);
  });
});
