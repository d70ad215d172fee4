// The daemon itself: its socket and pidfile, signals (TERM/INT shut down in order and exit
// 0 leaving nothing behind, HUP reloads), stale and live sockets.

import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { Daemon, fixture, isGone, makeTempDir, pidsIn, runCli, startDaemon, waitFor } from "../helpers/daemon-harness.ts";
import { canMountTmpfs } from "../helpers/tmpfs.ts";

let d: Daemon | null = null;
afterEach(async () => {
  await d?.stop();
  d?.cleanup();
  d = null;
});

describe("daemon", () => {
  test("socket is 0600, pidfile holds the daemon's pid, both removed at exit", async () => {
    const dir = makeTempDir();
    d = await new Daemon(dir, `[program.a]\ncommand = "${fixture("forever.sh")}"\n`, `pidfile = "${join(dir, "tend.pid")}"`).start();
    expect(statSync(d.socket).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, "tend.pid"), "utf8").trim()).toBe(String(d.pid));
    expect(await d.stop()).toBe(0);
    expect(existsSync(d.socket)).toBe(false);
    expect(existsSync(join(dir, "tend.pid"))).toBe(false);
  });

  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    test(`${sig} stops every program in reverse priority, grandchildren included, and exits 0`, async () => {
      const pidfile = join(makeTempDir(), "pids");
      d = await startDaemon(
        `[program.first]\ncommand = "${fixture("forever.sh")}"\npriority = 1\nstartsecs = 0\n` +
          `[program.tree]\ncommand = ["${fixture("spawns-grandchildren.sh")}", "${pidfile}"]\npriority = 5\nstartsecs = 0\n` +
          `[program.stubborn]\ncommand = "${fixture("ignores-sigterm.sh")}"\npriority = 10\nstartsecs = 0\nstopwaitsecs = 1\n`,
      );
      const running = await Promise.all(["first", "tree", "stubborn"].map((n) => d!.waitState(n, "RUNNING")));
      const grandchildren = await waitFor(() => (pidsIn(pidfile).length === 3 ? pidsIn(pidfile) : null));
      d.proc!.kill(sig);
      expect(await d.proc!.exited).toBe(0);
      for (const p of [...running.map((s) => s.pid!), ...grandchildren]) expect(isGone(p)).toBe(true);
      const order = [...d.log("tend.log").matchAll(/stopped: (\w+) \(/g)].map((m) => m[1]);
      expect(order).toEqual(["stubborn", "tree", "first"]);
      expect(existsSync(d.socket)).toBe(false);
    });
  }

  test("a process that escaped its group (setsid) is still stopped at shutdown", async () => {
    const pidfile = join(makeTempDir(), "escaped");
    d = await startDaemon(
      `[program.escaper]\ncommand = ["sh", "-c", "setsid sh -c 'echo $$$$ > ${pidfile}; exec sleep 1000' & wait"]\nstartsecs = 0\n`,
    );
    const pid = await waitFor(() => (existsSync(pidfile) ? Number(readFileSync(pidfile, "utf8").trim()) : 0));
    expect(isGone(pid)).toBe(false);
    d.proc!.kill("SIGTERM");
    expect(await d.proc!.exited).toBe(0);
    expect(isGone(pid)).toBe(true);
  });

  test("[daemon] logfile: tend.log is written where it says, rotated by logfile_maxbytes/backups; mainlogtail reads it (#12.12)", async () => {
    const dir = makeTempDir();
    const main = join(dir, "persist", "supervisord.log");
    // 12 programs: each start logs lines of its own ("spawned: 'pNN' …"), more than 1 KB in all.
    const programs = Array.from({ length: 12 }, (_, i) => `[program.p${String(i).padStart(2, "0")}]\ncommand = "${fixture("forever.sh")}"\nstartsecs = 0\n`).join("");
    d = await new Daemon(dir, programs, `logfile = "${main}"\nlogfile_maxbytes = "1KB"\nlogfile_backups = 2`).start();
    for (let i = 0; i < 12; i++) await d.waitState(`p${String(i).padStart(2, "0")}`, "RUNNING");
    const all = () => [main, `${main}.1`, `${main}.2`].map((f) => (existsSync(f) ? readFileSync(f, "utf8") : "")).join("");
    await waitFor(() => all().includes("success: p11 entered RUNNING"), { what: "p11's start in the configured logfile" });
    // Before: the key was unknown (and an imported supervisord.conf's logfile was dropped).
    expect(existsSync(join(d.logDir, "tend.log"))).toBe(false);
    expect(existsSync(`${main}.1`)).toBe(true);
    expect(existsSync(`${main}.3`)).toBe(false);
    for (const f of [main, `${main}.1`, `${main}.2`]) if (existsSync(f)) expect(statSync(f).size).toBeLessThanOrEqual(1024);
    // supervisorctl's maintail reads the same file.
    const reader = (await fetch("http://localhost/mainlogtail", { unix: d.socket })).body!.getReader();
    const tail = new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    expect(tail).toContain("success: p11 entered RUNNING");
    expect(readFileSync(main, "utf8")).toContain(tail.split("\n").at(-2)!);
  });

  test("a stale socket file is replaced; a live one refuses a second daemon", async () => {
    const dir = makeTempDir();
    const stale = join(dir, "tend.sock");
    // Leave a socket file with nothing listening, as a crashed daemon would (python binds
    // and exits without unlinking).
    Bun.spawnSync(["python3", "-c", `import socket; socket.socket(socket.AF_UNIX).bind(${JSON.stringify(stale)})`]);
    expect(existsSync(stale)).toBe(true);
    d = await new Daemon(dir, `[program.a]\ncommand = "${fixture("forever.sh")}"\n`).start();
    expect((await d.api("GET", "/api/daemon")).ok).toBe(true);

    const second = Bun.spawn([process.execPath, join(import.meta.dir, "../../src/main.ts"), "daemon", "-c", d.configFile], {
      stdout: "pipe", stderr: "pipe", stdin: "ignore",
    });
    const [code, err] = await Promise.all([second.exited, new Response(second.stderr).text()]);
    expect(code).not.toBe(0);
    expect(err).toContain("already running");
    expect(err).toContain(d.socket);
    expect(((await (await d.api("GET", "/api/daemon")).json()) as { pid: number }).pid).toBe(d.pid);
  });

  test("SIGHUP reloads the config", async () => {
    d = await startDaemon(`[program.a]\ncommand = "${fixture("forever.sh")}"\nstartsecs = 0\n`);
    await d.waitState("a", "RUNNING");
    d.writeConfig(
      `[program.a]\ncommand = "${fixture("forever.sh")}"\nstartsecs = 0\n[program.b]\ncommand = "${fixture("forever.sh")}"\nstartsecs = 0\n`,
    );
    d.proc!.kill("SIGHUP");
    await d.waitState("b", "RUNNING");
  });

  test("a bad config never starts a daemon: every problem printed, non-zero exit", async () => {
    const dir = makeTempDir();
    const bad = new Daemon(dir, `[program.a]\ncommand = "x"\nstartsecs = -1\nworkdir = "/tmp"\n`);
    await bad.start({ waitReady: false });
    const code = await bad.proc!.exited;
    expect(code).toBe(2);
    const err = bad.stderr();
    expect(err).toContain("program.a.startsecs");
    expect(err).toContain('did you mean "directory"');
    expect(existsSync(bad.socket)).toBe(false);
    bad.cleanup();
  });

  test("a missing socket directory is created", async () => {
    const dir = makeTempDir();
    const sock = join(dir, "deep", "er", "tend.sock");
    d = new Daemon(dir, `[program.a]\ncommand = "${fixture("forever.sh")}"\n`);
    d.writeConfig(`[program.a]\ncommand = "${fixture("forever.sh")}"\n`);
    const cfg = readFileSync(d.configFile, "utf8").replace(`socket = "${d.socket}"`, `socket = "${sock}"`);
    await Bun.write(d.configFile, cfg);
    (d as { socket: string }).socket = sock;
    await d.start();
    expect(statSync(sock).mode & 0o777).toBe(0o600);
  });

  test.skipIf(!canMountTmpfs())("a read-only log_dir (#11.12): check names it, --detach refuses with one clear line, the foreground daemon runs and exits cleanly", async () => {
    const dir = makeTempDir();
    d = new Daemon(dir, `[program.a]\ncommand = "${fixture("forever.sh")}"\nstartsecs = 0\n`);
    mkdirSync(d.logDir);
    expect(Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=64k,ro", "tmpfs", d.logDir]).exitCode).toBe(0);
    try {
      const check = await runCli(["check", "-c", d.configFile], dir);
      expect(check.code).toBe(2);
      expect(check.stderr).toBe(`${d.configFile}:3:1: daemon.log_dir: ${d.logDir} is on a read-only file system: tend.log and the programs' logs go there\n1 problem found\n`);
      // Before: an EROFS stack trace from mkdir.
      const detached = await runCli(["daemon", "-c", d.configFile, "--detach"], dir);
      expect(detached.code).toBe(1);
      expect(detached.stderr).toBe(
        `tend: cannot start the daemon in the background: [daemon] log_dir ${d.logDir} is not writable (EROFS: read-only file system), ` +
          "and a detached daemon writes its output there; fix log_dir, or run `tend daemon` in the foreground\n",
      );
      // In the foreground its output has somewhere to go (stderr): it runs, says what it cannot
      // write, and exits 0 without a stack trace.
      await d.start();
      await d.waitState("a", "RUNNING");
      expect((await d.cli("shutdown")).code).toBe(0);
      expect(await d.proc!.exited).toBe(0);
      const err = readFileSync(d.daemonLog, "utf8");
      expect(err).toContain(`cannot write the daemon log: ${d.logDir}/tend.log: EROFS (read-only file system)`);
      expect(err).not.toMatch(/^\s+at /m);
    } finally {
      await d.stop();
      if (Bun.spawnSync(["umount", d.logDir]).exitCode !== 0) Bun.spawnSync(["umount", "-l", d.logDir]);
    }
  });

  test("--detach returns once the socket answers; the daemon outlives the command and keeps working", async () => {
    const dir = makeTempDir();
    d = new Daemon(dir, `[program.a]\ncommand = "${fixture("forever.sh")}"\nstartsecs = 0\n`);
    const r = await runCli(["daemon", "-c", d.configFile, "--detach"], dir);
    expect(r.code).toBe(0);
    const pid = Number(/pid (\d+)/.exec(r.stdout)?.[1]);
    expect(pid).toBeGreaterThan(0);
    try {
      // Commands that make the daemon log (it used to die writing to the launcher's pipe).
      expect((await d.cli("stop", "a")).stdout.trim()).toBe("a: stopped");
      expect((await d.cli("start", "a")).stdout.trim()).toBe("a: started");
      expect(isGone(pid)).toBe(false);
      expect((await d.cli("shutdown")).stdout.trim()).toBe("Shut down");
      await waitFor(() => isGone(pid), { what: "the detached daemon to exit" });
    } finally {
      if (!isGone(pid)) process.kill(pid, "SIGKILL");
    }
  });
});
