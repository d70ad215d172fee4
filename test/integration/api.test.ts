// The HTTP API over the unix socket, route by route (DESIGN.md "HTTP API"): bodies, status
// codes and error codes, against a real daemon; hostile names never reach the filesystem.

import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ActionResultDTO, DaemonDTO, ErrorDTO, ReloadPlanDTO, ServiceDTO } from "../../src/api/dto.ts";
import { VERSION } from "../../src/version.ts";
import { Daemon, fixture, isGone, makeTempDir, startDaemon, waitFor } from "../helpers/daemon-harness.ts";
import { rawConnect, statusOf } from "../helpers/raw-conn.ts";

let d: Daemon | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await d?.stop();
  d?.cleanup();
  d = null;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const FOREVER = fixture("forever.sh");
/** A program table; startsecs = 0 unless `extra` sets it. */
const prog = (name: string, extra = "", command = `"${FOREVER}"`) =>
  `[program.${name}]\ncommand = ${command}\n${extra.includes("startsecs") ? "" : "startsecs = 0\n"}${extra}`;

async function call<T>(method: string, path: string): Promise<{ status: number; body: T; type: string | null }> {
  const res = await d!.api(method, path);
  const type = res.headers.get("content-type");
  const text = await res.text();
  return { status: res.status, type, body: (type?.startsWith("application/json") ? JSON.parse(text) : text) as T };
}

/** Send bytes as they are (no URL normalisation by a client) and return the raw response. */
async function raw(socket: string, request: string): Promise<string> {
  const c = await rawConnect({ unix: socket });
  c.socket.write(request);
  await waitFor(() => c.closed(), { what: "the server to answer and close the connection" });
  return c.received();
}

describe("services", () => {
  test("GET /api/services lists every process with its fields; GET /api/services/{name} one", async () => {
    d = await startDaemon(prog("web") + prog("off", "autostart = false\n") + prog("w", "numprocs = 2\n") + `[group.site]\nprograms = ["web", "off"]\n`);
    for (const n of ["web", "w_00", "w_01"]) await d.waitState(n, "RUNNING");

    const list = await call<ServiceDTO[]>("GET", "/api/services");
    expect(list.status).toBe(200);
    expect(list.type).toStartWith("application/json");
    // supervisord's getAllProcessInfo order: by group, then name.
    expect(list.body.map((s) => [s.group, s.name, s.state])).toEqual([
      ["site", "off", "STOPPED"],
      ["site", "web", "RUNNING"],
      ["w", "w_00", "RUNNING"],
      ["w", "w_01", "RUNNING"],
    ]);

    const web = await call<ServiceDTO>("GET", "/api/services/web");
    expect(web.status).toBe(200);
    const s = web.body;
    expect(s).toMatchObject({
      name: "web",
      group: "site",
      program: "web",
      state: "RUNNING",
      statecode: 20,
      stopped_at: null,
      exit_code: null,
      exit_signal: null,
      spawnerr: "",
      restarts: 0,
      autostart: true,
      priority: 999,
      command: [FOREVER],
      stdout_logfile: join(d.logDir, "web.out.log"),
      stderr_logfile: join(d.logDir, "web.err.log"),
      log_errors: [],
    });
    expect(s.pid).toBeGreaterThan(0);
    expect(isGone(s.pid!)).toBe(false);
    expect(s.description).toMatch(new RegExp(`^pid ${s.pid}, uptime \\d+:\\d\\d:\\d\\d$`));
    expect(Date.parse(s.started_at!)).toBeLessThanOrEqual(Date.now());
    expect(s.uptime_seconds).toBeGreaterThanOrEqual(0);
    expect(typeof s.bytes_logged).toBe("number");

    // The same process by its namespec; an instance by name.
    expect((await call<ServiceDTO>("GET", "/api/services/site:web")).body.pid).toBe(s.pid);
    expect((await call<ServiceDTO>("GET", "/api/services/w_01")).body).toMatchObject({ name: "w_01", group: "w", program: "w" });

    const off = (await call<ServiceDTO>("GET", "/api/services/off")).body;
    expect(off).toMatchObject({ state: "STOPPED", statecode: 0, pid: null, started_at: null, description: "Not started", autostart: false });

    // A group is not one service.
    const group = await call<ErrorDTO>("GET", "/api/services/w:*");
    expect(group.status).toBe(404);
    expect(group.body.error.code).toBe("BAD_NAME");
    expect(group.body.error.message).toContain("w_00, w_01");
  });

  test("start / stop / restart: results per process; ?wait=false returns at once", async () => {
    d = await startDaemon(prog("slow", "startsecs = 1\nautostart = false\n") + prog("web") + prog("nofile", "autostart = false\nstartretries = 0\n", `"/nonexistent/binary"`));
    await d.waitState("web", "RUNNING");

    const nowait = await call<ActionResultDTO[]>("POST", "/api/services/slow/start?wait=false");
    expect(nowait.status).toBe(200);
    expect(nowait.body).toEqual([{ name: "slow", group: "slow", ok: true, code: null, message: "starting", state: "STARTING" }]);
    await d.waitState("slow", "RUNNING");

    const stopNowait = await call<ActionResultDTO[]>("POST", "/api/services/slow/stop?wait=false");
    expect(stopNowait.status).toBe(200);
    expect(stopNowait.body).toEqual([{ name: "slow", group: "slow", ok: true, code: null, message: "stopping", state: "STOPPING" }]);
    await d.waitState("slow", "STOPPED");

    // Waiting (the default): start returns once RUNNING, i.e. after startsecs.
    const started = await call<ActionResultDTO[]>("POST", "/api/services/slow/start");
    expect(started.status).toBe(200);
    expect(started.body).toEqual([{ name: "slow", group: "slow", ok: true, code: null, message: "started", state: "RUNNING" }]);
    expect((await d.service("slow")).state).toBe("RUNNING");

    const already = await call<ActionResultDTO[]>("POST", "/api/services/slow/start");
    expect(already.status).toBe(200);
    expect(already.body).toEqual([{ name: "slow", group: "slow", ok: false, code: "ALREADY_STARTED", message: "already started", state: "RUNNING" }]);

    const pid = (await d.service("web")).pid!;
    const restarted = await call<ActionResultDTO[]>("POST", "/api/services/web/restart");
    expect(restarted.status).toBe(200);
    expect(restarted.body).toEqual([{ name: "web", group: "web", ok: true, code: null, message: "restarted", state: "RUNNING", stopped: true }]);
    const after = await d.service("web");
    expect(after.pid).not.toBe(pid);
    expect(isGone(pid)).toBe(true);

    const stopped = await call<ActionResultDTO[]>("POST", "/api/services/web/stop");
    expect(stopped.body).toEqual([{ name: "web", group: "web", ok: true, code: null, message: "stopped", state: "STOPPED" }]);
    expect(isGone(after.pid!)).toBe(true);
    const notRunning = await call<ActionResultDTO[]>("POST", "/api/services/web/stop");
    expect(notRunning.status).toBe(200);
    expect(notRunning.body).toEqual([{ name: "web", group: "web", ok: false, code: "NOT_RUNNING", message: "not running", state: "STOPPED" }]);

    // A failure is a 207 with the reason per process.
    const failed = await call<ActionResultDTO[]>("POST", "/api/services/nofile/start");
    expect(failed.status).toBe(207);
    expect(failed.body.length).toBe(1);
    expect(failed.body[0]).toMatchObject({ name: "nofile", ok: false, code: "NO_FILE" });
    expect(failed.body[0]!.message).toStartWith("no such file");

    // all: only what was running is stopped.
    const all = await call<ActionResultDTO[]>("POST", "/api/services/all/stop");
    expect(all.status).toBe(200);
    expect(all.body.map((r) => [r.name, r.message])).toEqual([["slow", "stopped"]]);
  });

  test("restart?wait=false asks for the stop and answers at once; the start follows once stopped (#12.2)", async () => {
    // stubborn ignores SIGTERM: only the SIGKILL after stopwaitsecs ends it, so it is still
    // STOPPING when an answer that does not wait is sent.
    const stubborn = prog("stubborn", "stopwaitsecs = 3\n", `"${fixture("ignores-sigterm.sh")}"`);
    d = await startDaemon(stubborn + prog("idle", "autostart = false\n") + `[group.g]\nprograms = ["stubborn", "idle"]\n`);
    const before = await d.waitState("stubborn", "RUNNING");

    const answer = await call<ActionResultDTO[]>("POST", "/api/services/g:*/restart?wait=false");
    expect(answer.status).toBe(200);
    expect([...answer.body].sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: "idle", group: "g", ok: true, code: null, message: "starting", state: "STOPPED" },
      { name: "stubborn", group: "g", ok: true, code: null, message: "restarting", state: "STOPPING" },
    ]);

    // As in a waited restart, the starts come once every stop is done.
    const idle = await d.waitState("idle", "RUNNING");
    expect(isGone(before.pid!)).toBe(true);
    const after = await d.waitState("stubborn", "RUNNING");
    expect(after.pid).not.toBe(before.pid);
    expect(idle.pid).not.toBeNull();
  });

  test("POST /api/services/{name}/signal/{SIG} reaches the process", async () => {
    const dir = makeTempDir();
    dirs.push(dir);
    const out = join(dir, "signals");
    d = await startDaemon(prog("rec", "", `["${fixture("records-signal.sh")}", "${out}"]`) + prog("off", "autostart = false\n"));
    await d.waitState("rec", "RUNNING");
    const recorded = () => (existsSync(out) ? readFileSync(out, "utf8") : "");
    await waitFor(() => recorded() === "ready\n", { what: "records-signal.sh to be ready" });

    const hup = await call<ActionResultDTO[]>("POST", "/api/services/rec/signal/HUP");
    expect(hup.status).toBe(200);
    expect(hup.body).toEqual([{ name: "rec", group: "rec", ok: true, code: null, message: "signalled", state: "RUNNING" }]);
    await waitFor(() => recorded() === "ready\nHUP\n", { what: "HUP recorded" });

    expect((await call("POST", "/api/services/rec/signal/SIGUSR1")).status).toBe(200);
    await waitFor(() => recorded() === "ready\nHUP\nUSR1\n", { what: "USR1 recorded" });
    expect((await call("POST", "/api/services/rec/signal/10")).status).toBe(200);
    await waitFor(() => recorded() === "ready\nHUP\nUSR1\nUSR1\n", { what: "signal 10 (USR1) recorded" });

    const bogus = await call<ErrorDTO>("POST", "/api/services/rec/signal/BOGUS");
    expect(bogus.status).toBe(400);
    expect(bogus.body.error).toMatchObject({ code: "BAD_SIGNAL", message: "unknown signal: BOGUS" });

    const off = await call<ActionResultDTO[]>("POST", "/api/services/off/signal/HUP");
    expect(off.body).toEqual([{ name: "off", group: "off", ok: false, code: "NOT_RUNNING", message: "not running", state: "STOPPED" }]);
    expect((await d.service("rec")).state).toBe("RUNNING");
  });

  test("GET /api/services/{name}/log?stream=&lines= returns the last lines as text", async () => {
    const cwd = makeTempDir();
    dirs.push(cwd);
    const whoami = Bun.spawnSync(["id", "-un"]).stdout.toString().trim();
    d = await startDaemon(
      prog("env", `directory = "${cwd}"\numask = "022"\n`, `"${fixture("prints-env.sh")}"`) +
        prog("web") +
        prog("count", "", `["sh", "-c", "i=1; while [ $i -le 150 ]; do echo line $i; i=$((i+1)); done; exec sleep 1000"]`) +
        prog("merged", "redirect_stderr = true\n"),
    );
    const web = await d.waitState("web", "RUNNING");
    await waitFor(() => d!.log("env.out.log").includes("WHOAMI="), { what: "prints-env output" });
    await waitFor(() => d!.log("count.out.log").includes("line 150\n"), { what: "count output" });
    await waitFor(() => d!.log("web.err.log").includes("forever started"), { what: "forever stderr" });

    const three = await call<string>("GET", "/api/services/env/log?stream=stdout&lines=3");
    expect(three.status).toBe(200);
    expect(three.type).toStartWith("text/plain");
    expect(three.body).toBe(`PWD_IS=${cwd}\nUMASK_IS=0022\nWHOAMI=${whoami}\n`);

    expect((await call<string>("GET", "/api/services/web/log?stream=stderr&lines=1")).body).toBe(`forever started pid ${web.pid}\n`);
    // Defaults: stdout, 100 lines.
    expect((await call<string>("GET", "/api/services/count/log")).body).toBe(Array.from({ length: 100 }, (_, i) => `line ${51 + i}\n`).join(""));
    expect((await call<string>("GET", "/api/services/count/log?lines=2")).body).toBe("line 149\nline 150\n");
    expect((await call<string>("GET", "/api/services/count/log?lines=0")).body).toBe("");

    for (const bad of ["", "-1", "abc", "1.5", "1000001", "1e400"]) {
      const r = await call<ErrorDTO>("GET", `/api/services/count/log?lines=${bad}`);
      expect({ bad, status: r.status, code: r.body.error?.code }).toEqual({ bad, status: 400, code: "BAD_REQUEST" });
    }
    const badStream = await call<ErrorDTO>("GET", "/api/services/count/log?stream=both");
    expect(badStream.status).toBe(400);
    expect(badStream.body.error).toMatchObject({ code: "BAD_REQUEST", message: 'stream must be stdout or stderr, got "both"' });

    const merged = await call<ErrorDTO>("GET", "/api/services/merged/log?stream=stderr");
    expect(merged.status).toBe(404);
    expect(merged.body.error.code).toBe("NO_FILE");
    expect(merged.body.error.message).toContain("merged has no stderr log file");
  });
});

describe("reload and daemon", () => {
  test("POST /api/reload?dry_run=1 plans, POST /api/reload applies; a bad config is refused", async () => {
    d = await startDaemon(prog("keep") + prog("edit") + prog("gone"));
    const before = await Promise.all(["keep", "edit", "gone"].map((n) => d!.waitState(n, "RUNNING")));
    d.writeConfig(prog("keep") + prog("edit", "startretries = 7\n") + prog("fresh"));

    const dry = await call<ReloadPlanDTO>("POST", "/api/reload?dry_run=1");
    expect(dry.status).toBe(200);
    expect(dry.body).toEqual({ added: ["fresh"], changed: ["edit"], removed: ["gone"], unchanged: ["keep"], daemon_changed: [], applied: false });
    expect((await d.service("gone")).pid).toBe(before[2]!.pid);
    expect((await call("GET", "/api/services/fresh")).status).toBe(404);

    const applied = await call<ReloadPlanDTO>("POST", "/api/reload");
    expect(applied.status).toBe(200);
    expect(applied.body).toEqual({ ...dry.body, applied: true });
    await d.waitState("fresh", "RUNNING");
    expect((await d.service("keep")).pid).toBe(before[0]!.pid);
    const edit = await d.waitState("edit", "RUNNING");
    expect(edit.pid).not.toBe(before[1]!.pid);
    expect((await call("GET", "/api/services/gone")).status).toBe(404);
    expect(isGone(before[2]!.pid!)).toBe(true);

    writeFileSync(d.configFile, "[program.broken\n");
    const bad = await call<ErrorDTO>("POST", "/api/reload");
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe("INVALID_CONFIG");
    expect(JSON.stringify(bad.body.error.details)).toContain(d.configFile);
    expect((await d.services()).map((s) => s.name)).toEqual(["edit", "fresh", "keep"]);
  });

  test("GET /api/daemon describes the daemon", async () => {
    d = await startDaemon(prog("a") + prog("b", "numprocs = 2\n"));
    const info = await call<DaemonDTO>("GET", "/api/daemon");
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({
      pid: d.pid,
      version: VERSION,
      config_file: d.configFile,
      socket: d.socket,
      log_dir: d.logDir,
      state: "RUNNING",
      programs: 3,
    });
    if (process.env.TEND_BIN) expect(info.body.version).toMatch(/^\d+\.\d+\.\d+/);
    const started = Date.parse(info.body.started_at);
    expect(started).toBeLessThanOrEqual(Date.now());
    expect(Number.isNaN(started)).toBe(false);
  });

  test("POST /api/shutdown answers 202, then the daemon stops everything and exits 0", async () => {
    d = await startDaemon(prog("a") + prog("b"));
    const pids = (await Promise.all(["a", "b"].map((n) => d!.waitState(n, "RUNNING")))).map((s) => s.pid!);
    const r = await call<{ ok: boolean; message: string }>("POST", "/api/shutdown");
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ ok: true, message: "shutting down" });
    expect(await d.proc!.exited).toBe(0);
    for (const pid of pids) expect(isGone(pid)).toBe(true);
    expect(existsSync(d.socket)).toBe(false);
  });
});

describe("errors", () => {
  test("unknown name: 404 BAD_NAME naming the known names, on every service route", async () => {
    d = await startDaemon(prog("web") + prog("db"));
    await d.waitState("web", "RUNNING");
    const routes: Array<[string, string]> = [
      ["GET", "/api/services/nosuch"],
      ["POST", "/api/services/nosuch/start"],
      ["POST", "/api/services/nosuch/stop"],
      ["POST", "/api/services/nosuch/restart"],
      ["POST", "/api/services/nosuch/signal/HUP"],
      ["GET", "/api/services/nosuch/log"],
    ];
    for (const [method, path] of routes) {
      const r = await call<ErrorDTO>(method, path);
      expect({ path, status: r.status }).toEqual({ path, status: 404 });
      expect(r.body.error.code).toBe("BAD_NAME");
      expect(r.body.error.message).toBe("no such process: nosuch (known: db, web)");
      expect(r.body.error.details).toEqual({ names: ["db", "web"], groups: ["db", "web"] });
    }
    const group = await call<ErrorDTO>("POST", "/api/services/nog:*/start");
    expect(group.status).toBe(404);
    expect(group.body.error).toMatchObject({ code: "BAD_NAME", message: "no such group: nog:* (known: db:*, web:*)" });
  });

  test("unknown route 404, wrong method 405 (GET never shuts down or reloads)", async () => {
    d = await startDaemon(prog("web"));
    await d.waitState("web", "RUNNING");
    for (const [method, path] of [
      ["GET", "/nope"],
      ["GET", "/api"],
      ["GET", "/api/nope"],
      ["GET", "/api/services/web/nope"],
      ["POST", "/api/services/web/signal"],
      ["GET", "/api/services/web/log/extra"],
    ] as const) {
      const r = await call<ErrorDTO>(method, path);
      expect({ path, status: r.status }).toEqual({ path, status: 404 });
      expect(r.body.error.message).toBe(`no route ${method} ${path}`);
    }
    for (const [method, path] of [
      ["GET", "/api/shutdown"],
      ["GET", "/api/reload"],
      ["POST", "/api/daemon"],
      ["DELETE", "/api/services"],
      ["PUT", "/api/services/web"],
      ["GET", "/api/services/web/start"],
      ["GET", "/api/services/web/stop"],
      ["GET", "/api/services/web/signal/HUP"],
      ["POST", "/api/services/web/log"],
    ] as const) {
      const r = await call<ErrorDTO>(method, path);
      expect({ method, path, status: r.status }).toEqual({ method, path, status: 405 });
      expect(r.body.error.message).toBe(`method ${method} not allowed on ${path}`);
    }
    // Still up, and nothing was stopped.
    expect(((await call<DaemonDTO>("GET", "/api/daemon")).body).state).toBe("RUNNING");
    expect((await d.service("web")).state).toBe("RUNNING");
  });

  test("names with .., /, %2F or NUL never reach a file; the daemon stays up", async () => {
    d = await startDaemon(prog("web"));
    await d.waitState("web", "RUNNING");
    // Canaries where a traversal would land.
    writeFileSync(join(d.dir, "canary.out.log"), "CANARY-IN-DIR\n");
    writeFileSync(join(d.dir, "canary"), "CANARY-IN-DIR\n");
    const logsBefore = readdirSync(d.logDir).sort();

    const names = [
      "..",
      "...",
      "%2E%2E",
      "..%2F..%2Fcanary",
      "..%2Fcanary",
      "%2Fetc%2Fpasswd",
      "web%2F..%2F..%2Fcanary",
      "web%00",
      "%00",
      "web%00..%2F..%2Fcanary",
      "%2e%2e%2fcanary",
      "web%5C..%5Ccanary",
    ];
    for (const name of names) {
      for (const [method, suffix] of [
        ["GET", ""],
        ["GET", "/log"],
        ["GET", "/log?stream=stderr"],
        ["POST", "/start"],
        ["POST", "/stop"],
        ["POST", "/restart"],
        ["POST", "/signal/HUP"],
      ] as const) {
        const res = await d.api(method, `/api/services/${name}${suffix}`);
        const body = await res.text();
        expect({ name, suffix, status: [400, 404].includes(res.status) }).toEqual({ name, suffix, status: true });
        expect(body).not.toContain("CANARY");
        expect(body).not.toContain("root:");
        expect(res.headers.get("content-type")).toStartWith("application/json");
      }
    }
    // The same over a raw connection, so that no client normalises the path first.
    for (const path of ["/api/services/../../canary/log", "/api/services/..%2F..%2Fcanary/log", "/api/services/web%00/log", "/api/services/%2e%2e/log"]) {
      const response = await raw(d.socket, `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
      expect({ path, status: [400, 404].includes(statusOf(response)) }).toEqual({ path, status: true });
      expect(response).not.toContain("CANARY");
    }
    expect(readdirSync(d.logDir).sort()).toEqual(logsBefore);
    expect(readdirSync(d.dir).filter((f) => f.includes("canary")).sort()).toEqual(["canary", "canary.out.log"]);
    const info = (await call<DaemonDTO>("GET", "/api/daemon")).body;
    expect(info.pid).toBe(d.pid);
    expect((await d.service("web")).state).toBe("RUNNING");
  });
});
