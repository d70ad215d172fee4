// The open-files limit programs start with (#12.7). Bun raises the daemon's soft limit to the
// hard one, and children inherited it (a child of a daemon started under `ulimit -Sn 1024`
// saw 20000), which breaks programs that use select(). Programs get soft 1024 and the hard
// limit tend was given (systemd's defaults), or their `rlimit_nofile`; `[daemon] minfds` is
// supervisord's. The daemon's own limit is unchanged, and a daemon holding more than 1024
// descriptors still starts programs with 1024.

import { afterEach, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect, type Socket } from "node:net";
import { fdCount } from "../helpers/daemon-probe.ts";
import { Daemon, fixture, makeTempDir, tendArgv, waitFor } from "../helpers/daemon-harness.ts";
import { openFilesLimit } from "../../src/sys/proc.ts";

const LIMITS = { soft: 1024, hard: 8192 };

/** CAP_SYS_RESOURCE (bit 24) in our effective set: what raising a hard limit takes. */
const canRaiseHardLimit = (BigInt(`0x${/^CapEff:\s+([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"))![1]}`) >> 24n) & 1n ? true : false;
const PRINTS = fixture("prints-fd-limit.sh");

let d: Daemon | null = null;
const idle: Socket[] = [];

afterEach(async () => {
  for (const s of idle.splice(0)) s.destroy();
  if (d) {
    if (d.proc && d.proc.exitCode === null) await d.stop();
    d.cleanup();
    d = null;
  }
});

/** A connection to `path` once connected; null when it was refused. */
const connected = (path: string) =>
  new Promise<Socket | null>((resolve) => {
    const s = connect(path);
    s.once("connect", () => resolve(s));
    // Kept for the socket's life: a later error (the daemon closing it) must not throw.
    s.on("error", () => {
      s.destroy();
      resolve(null);
    });
  });

/** The daemon's descriptors below 1024: copies of /dev/null (held numbers), and the others. */
function lowFds(pid: number): { held: number; other: number } {
  let held = 0;
  let other = 0;
  for (const name of readdirSync(`/proc/${pid}/fd`)) {
    if (Number(name) >= 1024) continue;
    let target = "";
    try {
      target = readlinkSync(`/proc/${pid}/fd/${name}`);
    } catch {
      continue;
    }
    if (target === "/dev/null") held++;
    else other++;
  }
  return { held, other };
}

const program = (name: string, extra = "") => `[program.${name}]\ncommand = "${PRINTS}"\nstartsecs = 0\n${extra}\n`;

/** What prints-fd-limit.sh printed: "SOFT HARD". */
const printed = (name: string) =>
  waitFor(() => /^nofile (\d+ \d+)$/m.exec(d!.log(`${name}.out.log`))?.[1] ?? null, { what: `${name} to print its limits` });

describe("programs' open-files limit", () => {
  test("under ulimit -Sn 1024 -Hn 8192: a program gets 1024 and 8192, also after a restart; rlimit_nofile sets its soft limit; the daemon keeps 8192", async () => {
    d = new Daemon(makeTempDir(), program("plain") + program("wide", "rlimit_nofile = 3000") + program("full", "rlimit_nofile = 8192"));
    await d.start({ nofile: LIMITS });
    expect(await printed("plain")).toBe("1024 8192");
    expect(await printed("wide")).toBe("3000 8192");
    expect(await printed("full")).toBe("8192 8192");
    // The daemon's own soft limit went back up after each spawn.
    expect(openFilesLimit(d.pid)).toEqual({ soft: 8192, hard: 8192 });

    const first = (await d.service("plain")).pid!;
    expect((await d.cli("restart", "plain")).code).toBe(0);
    await d.waitState("plain", "RUNNING", 15_000, (s) => s.pid !== first);
    await waitFor(() => d!.log("plain.out.log").split("\n").filter((l) => l.startsWith("nofile")).length === 2, { what: "the restarted plain to print" });
    expect(d.log("plain.out.log")).toBe("nofile 1024 8192\nnofile 1024 8192\n");
    expect(openFilesLimit(d.pid)).toEqual({ soft: 8192, hard: 8192 });
  });

  // Hard 8192: the daemon holds 0–1023 for spawns (low-fds.ts), so the clients land above.
  // Hard 4096: it does not, the clients fill 0–1023, and starts go through `tend __exec-as`.
  test.each([8192, 4096])("a daemon (hard limit %d) holding more than 1024 descriptors: 50 programs start RUNNING with 1024, their logs written, the daemon answering", async (hard) => {
    const names = Array.from({ length: 50 }, (_, i) => `p${i}`);
    d = new Daemon(makeTempDir(), names.map((n) => program(n, "autostart = false")).join(""));
    await d.start({ nofile: { soft: 1024, hard } });
    // Idle clients fill the daemon's low descriptor numbers (each connection is one). In
    // batches: a unix socket refuses connects beyond the listen backlog (EAGAIN).
    await waitFor(
      async () => {
        const batch = await Promise.all(Array.from({ length: 100 }, () => connected(d!.socket)));
        idle.push(...batch.filter((s): s is Socket => s !== null));
        return fdCount(d!.pid) > 1100;
      },
      { what: "the daemon to hold more than 1100 descriptors", timeout: 60_000 },
    );

    const r = await d.cli("start", "all");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const services = await d.services();
    expect(services.map((s) => s.state)).toEqual(names.map(() => "RUNNING"));
    for (const n of names) expect(await printed(n)).toBe(`1024 ${hard}`);
    expect(openFilesLimit(d.pid)).toEqual({ soft: hard, hard });
    expect((await d.cli("status")).code).toBe(0);
  }, 120_000);

  test("200 programs: the daemon's pipes and log files land above 1024 (0–1023 kept for spawns), and each program starts with 1024", async () => {
    const names = Array.from({ length: 200 }, (_, i) => `p${i}`);
    d = new Daemon(makeTempDir(), names.map((n) => program(n)).join(""));
    await d.start({ nofile: LIMITS });
    await waitFor(async () => (await d!.services()).every((s) => s.state === "RUNNING"), { what: "200 programs RUNNING", timeout: 90_000 });
    for (const n of names) expect(await printed(n)).toBe("1024 8192");
    // Below 1024: the numbers held (/dev/null), the programs' pidfds (taken in the spawn,
    // under the lowered limit) and what the daemon opened before holding them.
    const low = lowFds(d.pid);
    expect(low.held).toBeGreaterThan(500);
    expect(low.other).toBeLessThanOrEqual(200 + 40);
    expect(fdCount(d.pid)).toBeGreaterThan(1024);
  }, 120_000);

  test("`tend run -- CMD` gives its command the same default", async () => {
    const dir = makeTempDir();
    const script = join(dir, "limits.sh");
    writeFileSync(script, `#!/bin/sh\necho "nofile $(ulimit -Sn) $(ulimit -Hn)"\n`, { mode: 0o755 });
    const run = Bun.spawn(["sh", "-c", `ulimit -Sn ${LIMITS.soft} && ulimit -Hn ${LIMITS.hard} && exec "$@"`, "sh", ...tendArgv("run", "--no-restart", "--startsecs", "0", "--", script)], {
      cwd: dir,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const [out, err, code] = await Promise.all([new Response(run.stdout).text(), new Response(run.stderr).text(), run.exited]);
    expect(err).toBe("");
    expect(out).toBe("nofile 1024 8192\n");
    expect(code).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("bad values", () => {
  test("tend check refuses a bad rlimit_nofile or minfds, naming the file and key; one above the hard limit says which limit", async () => {
    const dir = makeTempDir();
    const file = join(dir, "tend.toml");
    writeFileSync(
      file,
      `[daemon]\nminfds = -5\n\n` +
        `[program.neg]\ncommand = "sleep 1"\nrlimit_nofile = -1\n\n` +
        `[program.pair]\ncommand = "sleep 1"\nrlimit_nofile = "1024:4096"\n\n` +
        `[program.huge]\ncommand = "sleep 1"\nrlimit_nofile = 9000\n\n` +
        `[program.fine]\ncommand = "sleep 1"\nrlimit_nofile = "\${FILES:-4096}"\n`,
    );
    const check = Bun.spawn(["sh", "-c", `ulimit -Sn ${LIMITS.soft} && ulimit -Hn ${LIMITS.hard} && exec "$@"`, "sh", ...tendArgv("check", "-c", file)], {
      cwd: dir,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const [err, code] = await Promise.all([new Response(check.stderr).text(), check.exited]);
    expect(code).toBe(2);
    expect(err.split("\n")).toEqual([
      `${file}:2:1: daemon.minfds: expected an integer from 1 to 1073741816, got -5 (number)`,
      `${file}:6:1: program.neg.rlimit_nofile: expected an integer from 1 to 1073741816, got -1 (number)`,
      `${file}:10:1: program.pair.rlimit_nofile: expected one number (the soft limit; the hard limit stays tend's), got "1024:4096" (string): "SOFT:HARD" is not supported`,
      `${file}:14:1: program.huge.rlimit_nofile: 9000 is above the hard limit of open files (8192): raise it where tend is started (ulimit -Hn, LimitNOFILE=), or set [daemon] minfds when tend runs as root`,
      "4 problems found",
      "",
    ]);
    rmSync(dir, { recursive: true, force: true });
  });

  test("minfds above what the kernel allows: the daemon refuses to start and says why", async () => {
    const nrOpen = Number(readFileSync("/proc/sys/fs/nr_open", "utf8"));
    d = new Daemon(makeTempDir(), program("plain"), `minfds = ${nrOpen + 1}`);
    await d.start({ nofile: LIMITS, waitReady: false });
    expect(await d.proc!.exited).toBe(1);
    expect(d.stderr()).toContain(`tend: [daemon] minfds = ${nrOpen + 1}, but the hard limit of open files is 8192 and tend cannot raise it`);
    expect(d.stderr()).toContain(`ulimit -Hn ${nrOpen + 1}`);
  });

  test("minfds above the hard limit: raised with CAP_SYS_RESOURCE (root), refused without", async () => {
    d = new Daemon(makeTempDir(), program("plain", "rlimit_nofile = 9000"), "minfds = 10000");
    await d.start({ nofile: LIMITS, waitReady: canRaiseHardLimit });
    if (canRaiseHardLimit) {
      // As supervisord: the hard limit too. Programs get 1024 soft and the new hard limit.
      expect(openFilesLimit(d.pid)).toEqual({ soft: 10000, hard: 10000 });
      expect(await printed("plain")).toBe("9000 10000");
    } else {
      expect(await d.proc!.exited).toBe(1);
      expect(d.stderr()).toContain("tend: [daemon] minfds = 10000, but the hard limit of open files is 8192");
    }
  });
});
