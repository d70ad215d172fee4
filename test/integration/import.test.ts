// `tend import`, `tend check -c x.conf` and `tend daemon -c supervisord.conf` as a user runs
// them: the commands, their output and exit codes, and a daemon that runs a supervisord config
// directly (reloads included) and answers supervisorctl.

import { afterEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fixture, isGone, makeTempDir, ROOT, runCli, tendArgv, waitFor } from "../helpers/daemon-harness.ts";

// Bun 1.4.5 applies the preload's setDefaultTimeout (test/helpers/setup.ts) to the first test
// file of a run only: a file that starts daemons and supervisorctl sets its own.
setDefaultTimeout(60_000);

const FIX = join(ROOT, "test", "fixtures", "supervisord");
const FOREVER = fixture("forever.sh");
const CTL = Bun.which("supervisorctl");
const ENV = { SUPERVISOR_PASSWORD: "s3cret", WEB_PORT: "8080", DATABASE_URL: "postgres://db/app", API_KEY: "k-123", REDIS_URL: "redis://r:6379" };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = makeTempDir("tend-import-");
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe("tend import", () => {
  test("the Debian sample: TOML on stdout, what is not carried on stderr with file:line, exit 0; -o writes a file tend check accepts", async () => {
    const r = await runCli(["import", join(FIX, "echo-sample.conf")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('socket = "/tmp/supervisor.sock"');
    expect(r.stderr).toContain(`${join(FIX, "echo-sample.conf")}:53: not carried: [supervisord] minprocs = 200: tend does not raise the process limit`);
    expect(r.stdout).toContain("minfds = 1024\n");
    const dir = tempDir();
    const out = join(dir, "tend.toml");
    const w = await runCli(["import", join(FIX, "container.conf"), "-o", out], dir, ENV);
    expect(w.code).toBe(0);
    expect(w.stdout).toBe("");
    expect(w.stderr).toContain(`wrote ${out}`);
    expect(readFileSync(out, "utf8")).toContain("[program.web]");
    const check = await runCli(["check", "-c", out], dir, ENV);
    expect(check.stderr).toBe("");
    expect(check.code).toBe(0);
    expect(check.stdout).toContain("ok");
  });

  test("variables not set where the import runs are warnings, not failures", async () => {
    for (const k of Object.keys(ENV)) expect(process.env[k]).toBeUndefined();
    const r = await runCli(["import", join(FIX, "container.conf")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('password = "${SUPERVISOR_PASSWORD}"');
  });

  test("bad files: exit 2, every problem with file and line, nothing written", async () => {
    const dir = tempDir();
    for (const [name, line] of [["bad-syntax.conf", 3], ["missing-command.conf", 4], ["bad-values.conf", 6]] as const) {
      const out = join(dir, `${name}.toml`);
      const r = await runCli(["import", join(FIX, name), "-o", out]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${join(FIX, name)}:${line}: `);
      expect(r.stderr).toContain("nothing written");
      expect(existsSync(out)).toBe(false);
    }
    expect((await runCli(["import", join(dir, "nope.conf")])).code).toBe(2);
    expect((await runCli(["import"])).code).toBe(2);
  });

  test("tend check -c supervisord.conf converts and validates", async () => {
    const ok = await runCli(["check", "-c", join(FIX, "container.conf")], undefined, ENV);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("ok (supervisord config, converted) — 5 processes");
    expect(ok.stdout).toContain("note: ");
    const missing = await runCli(["check", "-c", join(FIX, "container.conf")], undefined, { SUPERVISOR_PASSWORD: "x" });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`${join(FIX, "container.conf")}:32: environment variable WEB_PORT is not set`);
    const bad = await runCli(["check", "-c", join(FIX, "bad-values.conf")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("8 problems found");
  });
});

describe("tend daemon -c supervisord.conf", () => {
  test("runs the programs, answers tend and supervisorctl, reloads the .conf on SIGHUP and on reread/update", async () => {
    const dir = tempDir();
    const sock = join(dir, "supervisor.sock");
    const conf = join(dir, "supervisord.conf");
    const base =
      `[unix_http_server]\nfile=%(here)s/supervisor.sock\n\n[supervisord]\nnodaemon=true\nchildlogdir=%(here)s/log\nlogfile=/dev/null\n` +
      `environment=GREETING="hi %(ENV_WHO)s"\n\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n` +
      `[supervisorctl]\nserverurl=unix://%(here)s/supervisor.sock\n\n` +
      `[program:web]\ncommand=bash -lc 'exec ${FOREVER}'\nstartsecs=0\nstopasgroup=true\n\n` +
      `[program:worker]\ncommand=${FOREVER}\nprocess_name=%(program_name)s_%(process_num)02d\nnumprocs=2\nstartsecs=0\n\n` +
      `[program:env]\ncommand=${fixture("prints-env.sh")} GREETING\nautostart=true\nautorestart=false\nstartsecs=0\n`;
    writeFileSync(conf, base);
    const proc = Bun.spawn(tendArgv("daemon", "-c", conf), { cwd: dir, stdin: "ignore", stdout: "ignore", stderr: Bun.file(join(dir, "daemon.err")), env: { ...process.env, WHO: "there" } });
    cleanups.push(async () => {
      if (proc.exitCode === null) {
        proc.kill("SIGTERM");
        await Promise.race([proc.exited, Bun.sleep(15_000)]);
        if (proc.exitCode === null) proc.kill("SIGKILL");
      }
    });
    const status = () => runCli(["-c", conf, "status", "--json"], dir);
    await waitFor(async () => (await status()).code !== 4, { what: "the daemon to answer" });
    await waitFor(async () => (JSON.parse((await status()).stdout) as Array<{ state: string }>).filter((s) => s.state === "RUNNING").length === 4, { what: "web, env and 2 workers RUNNING" });
    const services = JSON.parse((await status()).stdout) as Array<{ name: string; group: string; state: string; pid: number }>;
    expect(services.map((s) => `${s.group}:${s.name}`).sort()).toEqual(["env:env", "web:web", "worker:worker_00", "worker:worker_01"]);
    await waitFor(() => existsSync(join(dir, "log", "env.out.log")) && readFileSync(join(dir, "log", "env.out.log"), "utf8").includes("GREETING=hi there"), { what: "env's output" });
    // What was not carried is in the daemon's log.
    expect(readFileSync(join(dir, "daemon.err"), "utf8")).toContain("not carried: [supervisorctl]");

    if (CTL) {
      const ctl = (...args: string[]) => {
        const p = Bun.spawn([CTL, "-c", conf, ...args], { stdout: "pipe", stderr: "pipe" });
        return Promise.all([new Response(p.stdout).text(), p.exited]);
      };
      const [out, code] = await ctl("status", "web", "worker:*");
      expect(code).toBe(0);
      expect(out).toMatch(/^web {30}RUNNING {3}pid \d+, uptime/);
      // reread/update go through the same conversion.
      writeFileSync(conf, `${base}\n[program:extra]\ncommand=${FOREVER}\nstartsecs=0\n`);
      expect(await ctl("reread")).toEqual(["extra: available\n", 0]);
      expect(await ctl("update")).toEqual(["extra: added process group\n", 0]);
      await waitFor(async () => (JSON.parse((await status()).stdout) as Array<{ name: string; state: string }>).some((s) => s.name === "extra" && s.state === "RUNNING"), { what: "extra RUNNING" });
    }

    // SIGHUP re-reads the .conf: a removed program goes.
    const webPid = services.find((s) => s.name === "web")!.pid;
    writeFileSync(conf, base.replace(/\[program:worker\][^[]*/, ""));
    proc.kill("SIGHUP");
    await waitFor(async () => !(JSON.parse((await status()).stdout) as Array<{ name: string }>).some((s) => s.name.startsWith("worker")), { what: "workers removed" });
    expect((JSON.parse((await status()).stdout) as Array<{ name: string; pid: number }>).find((s) => s.name === "web")!.pid).toBe(webPid);

    // The client reads [unix_http_server] file only (#16.6): a .conf whose program sections
    // would not convert still reaches the daemon, with nothing on stderr.
    const broken = join(dir, "client.conf");
    writeFileSync(broken, `[unix_http_server]\nfile=%(here)s/supervisor.sock\n\n[program:broken]\nnumprocs=many\nstartsecs=soon\n`);
    const viaBroken = await runCli(["-c", broken, "status", "--json"], dir);
    expect(viaBroken.stderr).toBe("");
    expect(viaBroken.code).toBe(0);
    expect((JSON.parse(viaBroken.stdout) as Array<{ name: string }>).map((s) => s.name).sort()).toEqual(["env", "web"]);

    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
    expect(isGone(webPid)).toBe(true);
    expect(existsSync(sock)).toBe(false);
  });

  test("a .conf that does not convert never starts a daemon", async () => {
    const r = await runCli(["daemon", "-c", join(FIX, "missing-command.conf")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("does not specify a command");
  });
});
