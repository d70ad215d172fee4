// The `tend` client as a user sees it: exact output on stdout/stderr and exit codes for every
// command, against a real daemon in a temp dir (supervisorctl's layout and LSB exit codes).

import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ServiceDTO } from "../../src/api/dto.ts";
import { COMMIT, VERSION } from "../../src/version.ts";
import { Daemon, ROOT, fixture, isGone, makeTempDir, runCli, startDaemon, tendArgv, waitFor } from "../helpers/daemon-harness.ts";

let d: Daemon | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await d?.stop();
  d?.cleanup();
  d = null;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const CONFIGS = join(ROOT, "test", "fixtures", "configs");
const FOREVER = fixture("forever.sh");
/** A program table; startsecs = 0 unless `extra` sets it. */
const prog = (name: string, extra = "", command = `"${FOREVER}"`) =>
  `[program.${name}]\ncommand = ${command}\n${extra.includes("startsecs") ? "" : "startsecs = 0\n"}${extra}`;
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** One status line as a regex: name padded to `width`, state padded to 10, then the description. */
function row(width: number, namespec: string, state: string, desc: string | RegExp): RegExp {
  const tail = typeof desc === "string" ? esc(desc) : desc.source;
  return new RegExp(`^${esc(namespec.padEnd(width) + state.padEnd(10))}${tail}$`);
}
const running = (pid: number) => new RegExp(`pid ${pid}, uptime \\d+:\\d\\d:\\d\\d`);
const STOP_TIME = /[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M/;

/** stdout split into lines, requiring the trailing newline. */
function lines(out: string): string[] {
  expect(out.endsWith("\n")).toBe(true);
  return out.slice(0, -1).split("\n");
}

function expectRows(out: string, rows: RegExp[]): void {
  const ls = lines(out);
  expect(ls.length).toBe(rows.length);
  ls.forEach((l, i) => expect(l).toMatch(rows[i]!));
}

describe("status", () => {
  const LONG = "zz_a_program_with_a_rather_long_name"; // 36 characters: the column becomes 39

  async function statusDaemon(): Promise<Daemon> {
    d = await startDaemon(
      prog("alpha") + prog("beta", "autostart = false\n") + prog("idle", "autostart = false\n") + prog("web") + prog(LONG) +
        `[group.grp]\nprograms = ["alpha", "beta"]\n`,
    );
    for (const n of ["alpha", "web", LONG]) await d.waitState(n, "RUNNING");
    return d;
  }

  test("table: supervisorctl layout, group members as group:name, widths from the longest name", async () => {
    d = await statusDaemon();
    const pid = async (n: string) => (await d!.service(n)).pid!;
    const [alpha, web, long] = [await pid("alpha"), await pid("web"), await pid(LONG)];
    expect(LONG.length).toBe(36);

    // Every program listed: the name column is len(longest)+3 = 39 wide.
    const all = await d.cli("status");
    expect(all.stderr).toBe("");
    expectRows(all.stdout, [
      row(39, "grp:alpha", "RUNNING", running(alpha)),
      row(39, "grp:beta", "STOPPED", "Not started"),
      row(39, "idle", "STOPPED", "Not started"),
      row(39, "web", "RUNNING", running(web)),
      row(39, LONG, "RUNNING", running(long)),
    ]);
    expect(all.code).toBe(3);

    // Only short names printed: the column is max(30, …)+3 = 33.
    const short = await d.cli("status", "idle", "web");
    expect(lines(short.stdout)[0]).toBe(`${"idle".padEnd(33)}STOPPED   Not started`);
    expectRows(short.stdout, [row(33, "idle", "STOPPED", "Not started"), row(33, "web", "RUNNING", running(web))]);
    expect(short.stdout).not.toContain("\x1b[");
    expect(short.code).toBe(3);
  });

  test("status NAME... filters in argument order: names, group:name, GROUP:*, GROUP:, all", async () => {
    d = await statusDaemon();
    const web = (await d.service("web")).pid!;
    const alpha = (await d.service("alpha")).pid!;

    const r = await d.cli("status", "web", "grp:*");
    expectRows(r.stdout, [
      row(33, "web", "RUNNING", running(web)),
      row(33, "grp:alpha", "RUNNING", running(alpha)),
      row(33, "grp:beta", "STOPPED", "Not started"),
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(3);

    // A group member by its namespec or its bare name; duplicates shown once.
    const one = await d.cli("status", "grp:alpha", "alpha");
    expectRows(one.stdout, [row(33, "grp:alpha", "RUNNING", running(alpha))]);
    expect(one.code).toBe(0);

    const trailing = await d.cli("status", "grp:");
    expect(lines(trailing.stdout).map((l) => l.slice(0, 33).trim())).toEqual(["grp:alpha", "grp:beta"]);

    const everything = await d.cli("status", "all");
    expect(lines(everything.stdout).length).toBe(5);
  });

  test("rows in supervisorctl's order (getAllProcessInfo: lexical by group, then name)", async () => {
    d = await startDaemon(prog("zed") + prog("mid", "priority = 1\nautostart = false\n") + prog("bee", "autostart = false\n") + `[group.aaa]\nprograms = ["zed"]\n`);
    const zed = await d.waitState("zed", "RUNNING");
    const r = await d.cli("status");
    const rows = [row(33, "aaa:zed", "RUNNING", running(zed.pid!)), row(33, "bee", "STOPPED", "Not started"), row(33, "mid", "STOPPED", "Not started")];
    // Every row has the supervisorctl layout, whatever the order.
    const ls = lines(r.stdout);
    expect(ls.length).toBe(3);
    for (const l of ls) expect(rows.some((re) => re.test(l))).toBe(true);
    expectRows(r.stdout, rows);
    expect(r.code).toBe(3);
  });

  test("--json parses and carries every field", async () => {
    d = await statusDaemon();
    const r = await d.cli("status", "--json", "grp:*", "web");
    expect(r.code).toBe(3);
    const list = JSON.parse(r.stdout) as ServiceDTO[];
    expect(list.map((s) => s.name)).toEqual(["alpha", "beta", "web"]);
    const [alpha, beta, web] = list as [ServiceDTO, ServiceDTO, ServiceDTO];
    for (const s of list) {
      for (const key of ["name", "group", "program", "state", "statecode", "description", "pid", "started_at", "stopped_at", "exit_code", "spawnerr", "restarts", "autostart", "priority", "command", "stdout_logfile", "stderr_logfile"]) {
        expect(s).toHaveProperty(key);
      }
    }
    expect(alpha).toMatchObject({ group: "grp", program: "alpha", state: "RUNNING", statecode: 20, autostart: true, priority: 999, command: [FOREVER] });
    expect(alpha.pid).toBeGreaterThan(0);
    expect(Number.isNaN(Date.parse(alpha.started_at!))).toBe(false);
    expect(beta).toMatchObject({ group: "grp", state: "STOPPED", statecode: 0, pid: null, description: "Not started", autostart: false });
    expect(web).toMatchObject({ group: "web", state: "RUNNING", stdout_logfile: join(d.logDir, "web.out.log"), stderr_logfile: join(d.logDir, "web.err.log") });

    const all = JSON.parse((await d.cli("status", "--json")).stdout) as ServiceDTO[];
    expect(all.length).toBe(5);
  });

  test("exit codes: 0 all running, 3 some stopped, 4 unknown name; a stopped one wins over a bad name", async () => {
    d = await startDaemon(prog("up") + prog("down", "autostart = false\n") + prog("crash", "startretries = 0\nstartsecs = 1\n", `"${fixture("exits-fast.sh")}"`));
    await d.waitState("up", "RUNNING");
    await d.waitState("crash", "FATAL");

    expect((await d.cli("status", "up")).code).toBe(0);
    expect((await d.cli("status", "down")).code).toBe(3);
    expect((await d.cli("status", "crash")).code).toBe(3);
    expect((await d.cli("status")).code).toBe(3);

    const bad = await d.cli("status", "nosuch");
    expect(bad.code).toBe(4);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toBe("nosuch: ERROR (no such process; known: crash, down, up)\n");

    const badGroup = await d.cli("status", "nog:*");
    expect(badGroup.code).toBe(4);
    expect(badGroup.stderr).toStartWith("nog:*: ERROR (no such group");
    expect(badGroup.stderr).toBe("nog:*: ERROR (no such group; known: crash:*, down:*, up:*)\n");

    const mixed = await d.cli("status", "up", "nosuch");
    expect(mixed.code).toBe(4);
    expect(lines(mixed.stdout).length).toBe(1);
    expect((await d.cli("status", "down", "nosuch")).code).toBe(3);

    // Stopped by hand: STOPPED with the stop time, exit 3.
    expect((await d.cli("stop", "up")).code).toBe(0);
    const stopped = await d.cli("status", "up");
    expectRows(stopped.stdout, [row(33, "up", "STOPPED", STOP_TIME)]);
    expect(stopped.code).toBe(3);
  });

  test("no daemon: exit 4 and a message naming the socket and `tend daemon`", async () => {
    const dir = makeTempDir();
    dirs.push(dir);
    const sock = join(dir, "none.sock");
    const r = await runCli(["-s", sock, "status"], dir);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`tend: no daemon on ${sock} (no socket file): start one with \`tend daemon\`\n`);

    // Without -s, the socket comes from the config file given with -c.
    const cfg = join(dir, "tend.toml");
    await Bun.write(cfg, `[daemon]\nsocket = "${join(dir, "from-config.sock")}"\nlog_dir = "${dir}"\n${prog("a")}`);
    const viaConfig = await runCli(["-c", cfg, "status"], dir, { TEND_SOCKET: "" });
    expect(viaConfig.code).toBe(4);
    expect(viaConfig.stderr).toContain(`no daemon on ${join(dir, "from-config.sock")}`);
    expect(viaConfig.stderr).toContain("`tend daemon`");
  });
});

describe("start, stop, restart", () => {
  test("one name: started, stopped, restarted; already started is exit 0; not running on stop", async () => {
    d = await startDaemon(prog("web"));
    const first = await d.waitState("web", "RUNNING");

    const again = await d.cli("start", "web");
    expect(again.stdout).toBe("web: ERROR (already started)\n");
    expect(again.code).toBe(0);

    const stop = await d.cli("stop", "web");
    expect(stop.stdout).toBe("web: stopped\n");
    expect(stop.stderr).toBe("");
    expect(stop.code).toBe(0);
    expect((await d.service("web")).state).toBe("STOPPED");
    expect(isGone(first.pid!)).toBe(true);

    const stopAgain = await d.cli("stop", "web");
    expect(stopAgain.stdout).toBe("web: ERROR (not running)\n");
    expect(stopAgain.code).toBe(0);

    const start = await d.cli("start", "web");
    expect(start.stdout).toBe("web: started\n");
    expect(start.code).toBe(0);
    const second = await d.service("web");
    expect(second.state).toBe("RUNNING");

    // restart: what supervisorctl prints, a stop then a start (#12.5).
    const restart = await d.cli("restart", "web");
    expect(restart.stdout).toBe("web: stopped\nweb: started\n");
    expect(restart.code).toBe(0);
    const third = await d.service("web");
    expect(third.state).toBe("RUNNING");
    expect(third.pid).not.toBe(second.pid);
    expect(isGone(second.pid!)).toBe(true);

    // Not running: supervisorctl's stop step says so, then it starts.
    await d.cli("stop", "web");
    const fromStopped = await d.cli("restart", "web");
    expect(fromStopped.stdout).toBe("web: ERROR (not running)\nweb: started\n");
    expect(fromStopped.code).toBe(0);
    expect((await d.service("web")).state).toBe("RUNNING");

    // --no-wait: the daemon's answer as it is; the restart goes on behind it (#12.2).
    const fourth = await d.service("web");
    const noWait = await d.cli("restart", "--no-wait", "web");
    expect(noWait.stdout).toBe("web: restarting\n");
    expect(noWait.code).toBe(0);
    const fifth = await d.waitState("web", "RUNNING", 15_000, (s) => s.pid !== fourth.pid);
    expect(isGone(fourth.pid!)).toBe(true);
    expect(fifth.pid).not.toBe(fourth.pid);
  });

  test("instances, GROUP:*, all and several names at once", async () => {
    d = await startDaemon(prog("w", "numprocs = 2\n") + prog("solo") + prog("off", "autostart = false\n"));
    for (const n of ["w_00", "w_01", "solo"]) await d.waitState(n, "RUNNING");

    // Several names: one line each, in argument order.
    const two = await d.cli("stop", "w:w_00", "solo");
    expect(two.stdout).toBe("w:w_00: stopped\nsolo: stopped\n");
    expect(two.code).toBe(0);

    // GROUP:* starts only the members that were not running.
    const group = await d.cli("start", "w:*");
    expect(group.stdout).toBe("w:w_00: started\n");
    expect(group.code).toBe(0);

    // An instance by its bare name.
    const bare = await d.cli("start", "w_01");
    expect(bare.stdout).toBe("w:w_01: ERROR (already started)\n");
    expect(bare.code).toBe(0);

    const stopAll = await d.cli("stop", "all");
    expect(stopAll.stdout).toBe("w:w_00: stopped\nw:w_01: stopped\n");
    expect(stopAll.code).toBe(0);
    for (const n of ["w_00", "w_01", "solo", "off"]) expect(["STOPPED", "EXITED"]).toContain((await d.service(n)).state);

    const startAll = await d.cli("start", "all");
    expect(startAll.stdout).toBe("off: started\nsolo: started\nw:w_00: started\nw:w_01: started\n");
    expect(startAll.code).toBe(0);

    // Nothing left to start: nothing printed, success.
    const none = await d.cli("start", "all");
    expect(none.stdout).toBe("");
    expect(none.code).toBe(0);

    const before = await Promise.all(["w_00", "w_01"].map((n) => d!.service(n)));
    const restart = await d.cli("restart", "w:*");
    expect(restart.stdout).toBe("w:w_00: stopped\nw:w_01: stopped\nw:w_00: started\nw:w_01: started\n");
    expect(restart.code).toBe(0);
    const after = await Promise.all(["w_00", "w_01"].map((n) => d!.service(n)));
    after.forEach((s, i) => {
      expect(s.state).toBe("RUNNING");
      expect(s.pid).not.toBe(before[i]!.pid);
    });
    expect((await d.service("solo")).state).toBe("RUNNING");

    // Several names, one of them a group with a stopped member: every stop, then every start;
    // a group's stopped member has no stop line (supervisorctl's stop all lists running ones).
    await d.cli("stop", "w:w_00");
    const several = await d.cli("restart", "solo", "w:*");
    expect(several.stdout).toBe("solo: stopped\nw:w_01: stopped\nsolo: started\nw:w_00: started\nw:w_01: started\n");
    expect(several.code).toBe(0);

    // A bad name among good ones: the good ones still act, the bad one is reported, exit 4.
    const mixed = await d.cli("stop", "solo", "nosuch");
    expect(mixed.stdout).toBe("solo: stopped\n");
    expect(mixed.stderr).toBe("nosuch: ERROR (no such process: nosuch (known: off, solo, w:w_00, w:w_01))\n");
    expect(mixed.code).toBe(4);
    expect((await d.service("solo")).state).toBe("STOPPED");
  });
});

describe("a config file broken on disk while the daemon runs (#12.6)", () => {
  test("status, stop and shutdown still reach the daemon, with one line of warning; reload reports the error", async () => {
    d = await startDaemon(prog("web") + prog("db"));
    await d.waitState("web", "RUNNING");
    await d.waitState("db", "RUNNING");
    // The operator is mid-edit: a table header without its closing bracket (line 6).
    const good = readFileSync(d.configFile, "utf8");
    writeFileSync(d.configFile, good.replace("[program.db]", "[program.db"));
    const lineOf = good.split("\n").indexOf("[program.db]") + 1;
    const cli = (...args: string[]) => runCli(["-c", d!.configFile, ...args], d!.dir);
    const warning = new RegExp(`^tend: warning: ${esc(d.configFile)}:${lineOf}:\\d+: .+\\n$`);

    const st = await cli("status");
    expect(st.code).toBe(0);
    expect(lines(st.stdout).map((l) => l.split(" ")[0])).toEqual(["db", "web"]);
    expect(st.stderr).toMatch(warning);

    const stop = await cli("stop", "web");
    expect(stop).toMatchObject({ code: 0, stdout: "web: stopped\n" });
    expect(stop.stderr).toMatch(warning);

    const reload = await cli("reload");
    expect(reload.code).toBe(2);
    expect(reload.stderr).toContain(`${d.configFile}:${lineOf}:`);
    expect((await d.service("db")).state).toBe("RUNNING");

    const down = await cli("shutdown");
    expect(down).toMatchObject({ code: 0, stdout: "Shut down\n" });
    expect(down.stderr).toMatch(warning);
    expect(await d.proc!.exited).toBe(0);
  });
});

describe("the order of group and all answers (#12.4)", () => {
  test("supervisord's: groups by priority then name, members by priority then as the group lists them", async () => {
    d = await startDaemon(
      prog("zeta", "priority = 1\n") + prog("alpha") + prog("beta", "priority = 5\n") + prog("mid", "priority = 500\n") +
        prog("web") + prog("comfy") + `[group.ui]\nprograms = ["web", "comfy"]\n`,
    );
    for (const n of ["zeta", "alpha", "beta", "mid", "web", "comfy"]) await d.waitState(n, "RUNNING");
    const order = ["zeta", "beta", "mid", "alpha", "ui:web", "ui:comfy"];
    expect((await d.cli("stop", "all")).stdout).toBe(order.map((n) => `${n}: stopped\n`).join(""));
    expect((await d.cli("start", "all")).stdout).toBe(order.map((n) => `${n}: started\n`).join(""));
    expect((await d.cli("signal", "CONT", "all")).stdout).toBe(order.map((n) => `${n}: signalled\n`).join(""));
    expect((await d.cli("restart", "ui:*")).stdout).toBe("ui:web: stopped\nui:comfy: stopped\nui:web: started\nui:comfy: started\n");
    // Listings stay by name, as supervisorctl's status.
    expect(lines((await d.cli("status")).stdout).map((l) => l.split(" ")[0])).toEqual(["alpha", "beta", "mid", "ui:comfy", "ui:web", "zeta"]);
  });
});

describe("signal", () => {
  test("signal HUP NAME reaches the process; names, numbers and SIG prefixes accepted", async () => {
    const dir = makeTempDir();
    dirs.push(dir);
    const out = join(dir, "signals");
    d = await startDaemon(prog("rec", "", `["${fixture("records-signal.sh")}", "${out}"]`) + prog("off", "autostart = false\n"));
    await d.waitState("rec", "RUNNING");
    const recorded = () => (existsSync(out) ? readFileSync(out, "utf8") : "");
    await waitFor(() => recorded().startsWith("ready\n"), { what: "records-signal.sh to be ready" });

    const hup = await d.cli("signal", "HUP", "rec");
    expect(hup.stdout).toBe("rec: signalled\n");
    expect(hup.stderr).toBe("");
    expect(hup.code).toBe(0);
    await waitFor(() => recorded() === "ready\nHUP\n", { what: "HUP recorded" });

    const usr1 = await d.cli("signal", "sigusr1", "rec");
    expect(usr1.stdout).toBe("rec: signalled\n");
    await waitFor(() => recorded() === "ready\nHUP\nUSR1\n", { what: "USR1 recorded" });

    const num = await d.cli("signal", "1", "rec");
    expect(num.code).toBe(0);
    await waitFor(() => recorded() === "ready\nHUP\nUSR1\nHUP\n", { what: "signal 1 (HUP) recorded" });
    expect((await d.service("rec")).state).toBe("RUNNING");

    const stopped = await d.cli("signal", "HUP", "off");
    expect(stopped.stdout).toBe("off: ERROR (not running)\n");
    expect(stopped.code).toBe(7);
  });

  test("signal BOGUS NAME: a clear error, exit 2", async () => {
    d = await startDaemon(prog("web"));
    await d.waitState("web", "RUNNING");
    const r = await d.cli("signal", "BOGUS", "web");
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("web: ERROR (unknown signal: BOGUS)\n");
    expect((await d.service("web")).state).toBe("RUNNING");
  });
});

describe("signal GROUP:*", () => {
  test("signal HUP GROUP:* signals the running members", async () => {
    const dir = makeTempDir();
    dirs.push(dir);
    const out = join(dir, "signals");
    d = await startDaemon(
      prog("rec", "", `["${fixture("records-signal.sh")}", "${out}"]`) + prog("off", "autostart = false\n") + `[group.g]\nprograms = ["rec", "off"]\n`,
    );
    await d.waitState("rec", "RUNNING");
    const recorded = () => (existsSync(out) ? readFileSync(out, "utf8") : "");
    await waitFor(() => recorded() === "ready\n", { what: "records-signal.sh to be ready" });
    const r = await d.cli("signal", "HUP", "g:*");
    expect(r.stdout).toBe("g:rec: signalled\n");
    expect(r.code).toBe(0);
    await waitFor(() => recorded() === "ready\nHUP\n", { what: "HUP recorded" });
    expect((await d.service("off")).state).toBe("STOPPED");
  });
});

describe("pid", () => {
  test("pid: the daemon's; pid NAME: the process's; a stopped one prints 0 and exits 7", async () => {
    d = await startDaemon(prog("web") + prog("off", "autostart = false\n"));
    const web = await d.waitState("web", "RUNNING");

    const daemon = await d.cli("pid");
    expect(daemon.stdout).toBe(`${d.pid}\n`);
    expect(daemon.code).toBe(0);

    const one = await d.cli("pid", "web");
    expect(one.stdout).toBe(`${web.pid}\n`);
    expect(one.code).toBe(0);

    const off = await d.cli("pid", "off");
    expect(off.stdout).toBe("0\n");
    expect(off.code).toBe(7);
  });
});

describe("tail", () => {
  test("tail -n N NAME [stdout|stderr] prints exactly the last N lines", async () => {
    const cwd = makeTempDir();
    dirs.push(cwd);
    const whoami = Bun.spawnSync(["id", "-un"]).stdout.toString().trim();
    d = await startDaemon(
      prog("env", `directory = "${cwd}"\numask = "027"\n`, `"${fixture("prints-env.sh")}"`) +
        prog("web") +
        prog("count", "", `["sh", "-c", "i=1; while [ $i -le 30 ]; do echo line $i; i=$((i+1)); done; exec sleep 1000"]`) +
        prog("merged", "redirect_stderr = true\n"),
    );
    const web = await d.waitState("web", "RUNNING");
    await waitFor(() => d!.log("env.out.log").includes("WHOAMI="), { what: "prints-env output" });
    await waitFor(() => d!.log("count.out.log").includes("line 30\n"), { what: "count output" });
    await waitFor(() => d!.log("web.err.log").includes("forever started"), { what: "forever stderr" });

    const three = await d.cli("tail", "-n", "3", "env");
    expect(three.stdout).toBe(`PWD_IS=${cwd}\nUMASK_IS=0027\nWHOAMI=${whoami}\n`);
    expect(three.code).toBe(0);
    expect((await d.cli("tail", "-n", "3", "env", "stdout")).stdout).toBe(three.stdout);

    const err = await d.cli("tail", "-n", "1", "web", "stderr");
    expect(err.stdout).toBe(`forever started pid ${web.pid}\n`);
    expect(err.code).toBe(0);

    const five = await d.cli("tail", "-n", "5", "count");
    expect(five.stdout).toBe("line 26\nline 27\nline 28\nline 29\nline 30\n");
    expect((await d.cli("tail", "-2", "count")).stdout).toBe("line 29\nline 30\n");
    const dflt = await d.cli("tail", "count");
    expect(dflt.stdout).toBe(Array.from({ length: 10 }, (_, i) => `line ${21 + i}\n`).join(""));
    const more = await d.cli("tail", "-n", "100", "count");
    expect(more.stdout).toBe(Array.from({ length: 30 }, (_, i) => `line ${1 + i}\n`).join(""));
    const zero = await d.cli("tail", "-n", "0", "count");
    expect(zero.stdout).toBe("");
    expect(zero.code).toBe(0);

    // redirect_stderr: there is no stderr log, and the error says why.
    const merged = await d.cli("tail", "merged", "stderr");
    expect(merged.code).not.toBe(0);
    expect(merged.stdout).toBe("");
    expect(merged.stderr).toContain("merged has no stderr log file");
  });
});

describe("reload --dry-run", () => {
  test("prints what would change and changes nothing", async () => {
    d = await startDaemon(prog("keep") + prog("edit") + prog("gone"));
    const before = await Promise.all(["keep", "edit", "gone"].map((n) => d!.waitState(n, "RUNNING")));

    const same = await d.cli("reload", "--dry-run");
    expect(same.stdout).toBe("No config updates to processes\nunchanged: edit, gone, keep\n");
    expect(same.code).toBe(0);

    d.writeConfig(prog("keep") + prog("edit", "startretries = 7\n") + prog("fresh"));
    const r = await d.cli("reload", "--dry-run");
    expect(r.stdout).toBe(
      "fresh: added (would start)\nedit: changed (would restart)\ngone: removed (would stop and remove)\nunchanged: keep\n",
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);

    const after = await Promise.all(["keep", "edit", "gone"].map((n) => d!.service(n)));
    after.forEach((s, i) => {
      expect(s.state).toBe("RUNNING");
      expect(s.pid).toBe(before[i]!.pid);
    });
    expect((await d.api("GET", "/api/services/fresh")).status).toBe(404);
  });
});

describe("shutdown", () => {
  test("returns once the daemon is gone and prints `Shut down`", async () => {
    d = await startDaemon(prog("web") + prog("stubborn", "stopwaitsecs = 1\n", `"${fixture("ignores-sigterm.sh")}"`));
    const web = await d.waitState("web", "RUNNING");
    const stubborn = await d.waitState("stubborn", "RUNNING");
    const pid = d.pid;
    const r = await d.cli("shutdown");
    expect(r.stdout).toBe("Shut down\n");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    // Gone at the moment the command returned: no polling here.
    expect(isGone(pid)).toBe(true);
    expect(isGone(web.pid!)).toBe(true);
    expect(isGone(stubborn.pid!)).toBe(true);
    expect(await d.proc!.exited).toBe(0);
  });
});

describe("check", () => {
  test("a good config: ok, a summary, exit 0", async () => {
    const file = join(CONFIGS, "minimal.toml");
    const r = await runCli(["check", "-c", file]);
    expect(r.stdout).toBe(`${file}: ok — 1 process\n  ${"sleeper".padEnd(24)} priority 999   autostart  sleep 1000\n`);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  test("malformed TOML: file:line:col, exit 2", async () => {
    const file = join(CONFIGS, "invalid-syntax.toml");
    const r = await runCli(["check", "-c", file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const [first, summary, ...rest] = lines(r.stderr);
    expect(first).toMatch(new RegExp(`^${esc(file)}:3:12: \\S`));
    expect(summary).toBe("1 problem found");
    expect(rest).toEqual([]);
  });

  test("unknown key: the key path and a did-you-mean, exit 2", async () => {
    const file = join(CONFIGS, "invalid-unknown-key.toml");
    const r = await runCli(["check", "-c", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${file}:3:1: program.web.workdir: unknown key; did you mean "directory"?\n1 problem found\n`);
  });

  test("every problem at once; a missing file is an error too", async () => {
    const file = join(CONFIGS, "invalid-many.toml");
    const r = await runCli(["check", "-c", file]);
    expect(r.code).toBe(2);
    const ls = lines(r.stderr);
    expect(ls.at(-1)).toBe("7 problems found");
    for (const key of ["program.web.startsecs", "program.web.stopsignal", "program.web.cwd", "program.api.command", "program.api.numprocs", "program.worker", "group.site.programs[1]"]) {
      expect(ls.some((l) => new RegExp(`^${esc(file)}:\\d+:\\d+: ${esc(key)}: `).test(l))).toBe(true);
    }
    const missing = await runCli(["check", "-c", join(CONFIGS, "no-such-file.toml")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no-such-file.toml");
  });

  test("a NUL in an environment value, a log path that is a directory: exit 2 naming the key; the daemon refuses the NUL too (#11.12)", async () => {
    const dir = makeTempDir();
    try {
      const file = join(dir, "tend.toml");
      const head = `[daemon]\nsocket = "${dir}/tend.sock"\nlog_dir = "${dir}/log"\n[program.web]\ncommand = "sleep 1000"\n`;
      writeFileSync(file, `${head}environment = { V = "a\\u0000b" }\n`);
      const nul = await runCli(["check", "-c", file]);
      expect(nul.code).toBe(2);
      expect(nul.stderr).toBe(
        `${file}:6:17: program.web.environment.V: contains a NUL character (\\u0000), which no path, argument or environment variable can hold\n1 problem found\n`,
      );
      // Before: the daemon started, and every spawn of web failed with ERR_INVALID_ARG_VALUE.
      // (Killed on a deadline should it ever start after all.)
      const daemon = Bun.spawn(tendArgv("daemon", "-c", file), { stdin: "ignore", stdout: "ignore", stderr: "pipe", timeout: 30_000, killSignal: "SIGKILL" });
      const [daemonErr, daemonCode] = await Promise.all([new Response(daemon.stderr).text(), daemon.exited]);
      expect(daemonCode).toBe(2);
      expect(daemonErr).toContain("program.web.environment.V: contains a NUL character");
      expect(daemonErr).not.toMatch(/^\s+at /m);

      mkdirSync(join(dir, "out"));
      writeFileSync(file, `${head}stdout_logfile = "${dir}/out"\n`);
      const isDir = await runCli(["check", "-c", file]);
      expect(isDir.code).toBe(2);
      expect(isDir.stderr).toBe(`${file}:6:1: program.web.stdout_logfile: ${dir}/out is a directory: name a file (e.g. ${dir}/out/NAME.log)\n1 problem found\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("check: an unknown user (#12.3)", () => {
  test("check exits 2 naming the file and key; the daemon refuses to start, as supervisord refuses the file", async () => {
    const dir = makeTempDir();
    try {
      const file = join(dir, "tend.toml");
      writeFileSync(file, `[daemon]\nsocket = "${dir}/tend.sock"\nlog_dir = "${dir}/log"\n[program.x]\ncommand = "sleep 1000"\nuser = "no-such-user-xyz"\n`);
      const check = await runCli(["check", "-c", file]);
      expect(check.code).toBe(2);
      expect(check.stdout).toBe("");
      expect(check.stderr).toBe(`${file}:6:1: program.x.user: unknown user name "no-such-user-xyz": /etc/passwd has no such user\n1 problem found\n`);
      // Before: check said ok, the daemon started and x went FATAL ("unknown user").
      const daemon = Bun.spawn(tendArgv("daemon", "-c", file), { stdin: "ignore", stdout: "ignore", stderr: "pipe", timeout: 30_000, killSignal: "SIGKILL" });
      const [daemonErr, daemonCode] = await Promise.all([new Response(daemon.stderr).text(), daemon.exited]);
      expect(daemonCode).toBe(2);
      expect(daemonErr).toContain(`program.x.user: unknown user name "no-such-user-xyz"`);

      writeFileSync(file, `[daemon]\nsocket = "${dir}/tend.sock"\nlog_dir = "${dir}/log"\n[program.x]\ncommand = "sleep 1000"\nuser = "0"\n`);
      expect((await runCli(["check", "-c", file])).code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("version, usage, colour", () => {
  test("version", async () => {
    const r = await runCli(["version"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^tend \S+ \(\S+\) linux-(x64|arm64)(-musl)?\n$/);
    if (!process.env.TEND_BIN) expect(r.stdout).toBe(`tend ${VERSION} (${COMMIT}) ${process.platform}-${process.arch}\n`);
  });

  test("usage errors exit 2 with the message and the one synopsis line that applies (#12.10)", async () => {
    const dir = makeTempDir();
    dirs.push(dir);
    const sock = join(dir, "none.sock");
    const cases: Array<[string[], string, string]> = [
      [["bogus"], 'tend: unknown command "bogus"', "usage: tend COMMAND [ARGS]  (tend help: the commands)"],
      [["stauts"], 'tend: unknown command "stauts"; did you mean "status"?', "usage: tend COMMAND [ARGS]  (tend help: the commands)"],
      [["update"], 'tend: unknown command "update"; did you mean "reload"?', "usage: tend COMMAND [ARGS]  (tend help: the commands)"],
      [["help", "restrat"], 'tend: unknown command "restrat"; did you mean "restart"?', "usage: tend COMMAND [ARGS]  (tend help: the commands)"],
      [["status", "--bogus"], "tend: unknown option --bogus for status", "usage: tend status [--json] [NAME...]  (tend help status)"],
      [["-x", "status"], "tend: unknown option -x", "usage: tend status [--json] [NAME...]  (tend help status)"],
      [["start"], "tend: start needs a NAME (a program, GROUP:*, or all)", "usage: tend start [--no-wait] NAME...  (tend help start)"],
      [["stop"], "tend: stop needs a NAME (a program, GROUP:*, or all)", "usage: tend stop [--no-wait] NAME...  (tend help stop)"],
      [["restart"], "tend: restart needs a NAME (a program, GROUP:*, or all)", "usage: tend restart [--no-wait] NAME...  (tend help restart)"],
      [["signal", "HUP"], "tend: signal needs SIG and at least one NAME", "usage: tend signal SIG NAME...  (tend help signal)"],
      [["tail"], "tend: tail needs a NAME", "usage: tend tail [-f] [-n N] NAME [stdout|stderr]  (tend help tail)"],
      [["tail", "-n", "x", "web"], "tend: -n needs a non-negative integer, got x", "usage: tend tail [-f] [-n N] NAME [stdout|stderr]  (tend help tail)"],
      [["tail", "web", "both"], "tend: stream must be stdout or stderr, got both", "usage: tend tail [-f] [-n N] NAME [stdout|stderr]  (tend help tail)"],
      [["pid", "a", "b"], "tend: pid takes at most one NAME", "usage: tend pid [NAME]  (tend help pid)"],
      [["status", "-c"], "tend: -c needs a value", "usage: tend status [--json] [NAME...]  (tend help status)"],
    ];
    for (const [args, message, usage] of cases) {
      const r = await runCli(["-s", sock, ...args], dir);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stdout).toBe("");
      expect({ args, stderr: r.stderr }).toEqual({ args, stderr: `${message}\n${usage}\n` });
    }
  });

  test("help: each command has its own page (synopsis, options, exit codes, example), three ways to ask (#12.10)", async () => {
    const commands = ["daemon", "status", "start", "stop", "restart", "signal", "pid", "tail", "logs", "reload", "shutdown", "check", "import", "run", "version", "help"];
    const overview = await runCli(["--help"]);
    expect(overview.code).toBe(0);
    expect(overview.stdout).toStartWith("tend — a process supervisor\n\nUsage:\n");
    for (const c of commands) expect(overview.stdout).toContain(`\n  tend ${c}`);
    for (const argv of [[], ["help"], ["-h"]]) expect((await runCli(argv)).stdout).toBe(overview.stdout);

    for (const c of commands) {
      const page = await runCli(["help", c]);
      expect({ c, code: page.code, stderr: page.stderr }).toEqual({ c, code: 0, stderr: "" });
      const text = page.stdout;
      expect(text).toStartWith(`Usage: tend ${c}`);
      expect(text).toMatch(/\nExit status:\n  0 +\S/);
      expect(text).toContain(`\nExample:\n  tend ${c}`);
      expect(text).not.toContain("Global options:"); // its own page, not the overview
      if (c !== "version" && c !== "help" && c !== "shutdown" && c !== "pid" && c !== "signal") expect(text).toContain("\nOptions:\n");
      // tend CMD --help and tend CMD -h print the same page.
      for (const flag of ["--help", "-h"]) {
        const r = await runCli([c, flag]);
        expect({ c, flag, code: r.code, out: r.stdout }).toEqual({ c, flag, code: 0, out: text });
      }
    }
    // A bad option does not hide the help that was asked for.
    expect((await runCli(["status", "--bogus", "--help"])).stdout).toStartWith("Usage: tend status");
  });

  test("no colour when NO_COLOR is set or stdout is not a tty", async () => {
    d = await startDaemon(prog("web") + prog("off", "autostart = false\n"));
    await d.waitState("web", "RUNNING");
    const { NO_COLOR: _drop, ...env } = process.env;
    const run = (argv: string[], extra: Record<string, string> = {}) => {
      const p = Bun.spawnSync(argv, { cwd: d!.dir, env: { ...env, ...extra }, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
      return { out: p.stdout.toString(), err: p.stderr.toString(), code: p.exitCode };
    };
    const status = tendArgv("-s", d.socket, "status");

    // A pipe, no NO_COLOR.
    const piped = run(status);
    expect(piped.out).toContain("RUNNING");
    expect(piped.out).not.toContain("\x1b[");
    const stopPiped = run(tendArgv("-s", d.socket, "stop", "off"));
    expect(stopPiped.out + stopPiped.err).not.toContain("\x1b[");

    // A terminal (through script(1)): colour without NO_COLOR, none with it.
    const script = Bun.which("script");
    if (script) {
      const quoted = status.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
      const tty = run([script, "-qec", quoted, "/dev/null"]);
      // picocolors' sequences (it closes with 39, not a full reset): #12.8.
      expect(tty.out).toContain("\x1b[32mRUNNING   \x1b[39m");
      expect(tty.out).toContain("STOPPED   "); // a stopped one is not coloured
      // Errors too, on a terminal: the ERROR of a result line. (Bun itself prints console.error
      // lines in red on a terminal, without NO_COLOR; tend adds nothing around them.)
      const q = (argv: string[]) => argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
      const bad = run([script, "-qec", q(tendArgv("-s", d.socket, "stop", "nosuch")), "/dev/null"]);
      expect(bad.out).toContain("nosuch: \x1b[31mERROR\x1b[39m (");
      // stdout piped, stderr a terminal: picocolors stays unloaded (it would make the pipe non-blocking).
      const half = run([script, "-qec", `${q(tendArgv("-s", d.socket, "stop", "nosuch"))} | cat`, "/dev/null"]);
      expect(half.out).toContain("nosuch: ERROR (");
      expect(half.out).not.toContain("\x1b[39m");
      const noColour = run([script, "-qec", quoted, "/dev/null"], { NO_COLOR: "1" });
      expect(noColour.out).toContain("RUNNING");
      expect(noColour.out).not.toContain("\x1b[");
    }
  });
});
