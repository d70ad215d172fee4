// tend as a container's PID 1: in a PID namespace of its own (`unshare --pid --fork
// --mount-proc`, as root) `tend daemon` and `tend run` are PID 1, reap the orphans that are
// reparented to them (1,000 double-forked ones leave no zombie), and stop everything in order
// on SIGTERM / SIGINT, which Bun would ignore as PID 1 without a handler. tini, the usual
// container init, gets the same orphans for comparison, and an init that never waits shows
// that the count does see zombies when nobody reaps them.
//
// Zombies are counted from outside: every process in /proc whose pid namespace is the test's
// (a zombie has none, so it counts when its parent is in it) and whose state is Z. Each
// namespace dies with its init, which is the only process the tests kill (by pid).

import { afterAll, afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, fixture, makeTempDir, runCli, tendArgv, waitFor } from "../helpers/daemon-harness.ts";

// The preload's 60 s ceiling (test/helpers/setup.ts) reaches only the first file of a
// multi-file `bun test` run in Bun 1.4.5; set it here too, for this file.
setDefaultTimeout(60_000);

const ORPHANS = 1000;
const UNSHARE = ["unshare", "--pid", "--fork", "--kill-child", "--mount-proc"];

function unshareWorks(): string | null {
  if (process.getuid?.() !== 0) return "not root (unshare --pid needs CAP_SYS_ADMIN)";
  if (!Bun.which("unshare")) return "unshare (util-linux) is not installed";
  const r = Bun.spawnSync([...UNSHARE, "true"], { stdout: "ignore", stderr: "pipe" });
  return r.exitCode === 0 ? null : `unshare --pid --fork --mount-proc fails here: ${r.stderr.toString().trim()}`;
}
const noNamespace = unshareWorks();
const TINI = Bun.which("tini");

/** The numbers printed at the end, per init: zombies left after ORPHANS orphans, and the peak. */
const zombiesLeft: Record<string, string> = {};
const report = (init: string, s: Settled) => (zombiesLeft[init] = `${s.zombies.length} (peak ${s.peak})`);

interface Scan {
  /** Live processes in the namespace (host pids). */
  readonly live: number[];
  /** Zombies whose parent is in the namespace. */
  readonly zombies: number[];
  /** Live processes still running the orphan maker's code (the maker itself, or an orphan). */
  readonly orphanMakers: number[];
}

interface Settled extends Scan {
  /** The most zombies seen at once while waiting (sampled every 50 ms). */
  readonly peak: number;
}

function readOr(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** A PID namespace whose init runs `argv`; the test's handle on it from outside. */
class Namespace {
  private constructor(
    readonly unshare: Bun.Subprocess,
    /** The init's pid as seen from outside (the unshare process's child). */
    readonly init: number,
    private readonly ns: string,
  ) {}

  static async start(argv: string[], opts: { cwd: string; out: string; env?: Record<string, string> }): Promise<Namespace> {
    const unshare = Bun.spawn([...UNSHARE, ...argv], {
      cwd: opts.cwd,
      stdin: "ignore",
      stdout: Bun.file(`${opts.out}.stdout`),
      stderr: Bun.file(`${opts.out}.stderr`),
      env: { ...process.env, NO_COLOR: "1", ...opts.env },
    });
    const init = await waitFor(
      () => {
        if (unshare.exitCode !== null) throw new Error(`unshare exited ${unshare.exitCode}: ${readOr(`${opts.out}.stderr`)}`);
        const kids = readdirSync(`/proc/${unshare.pid}/task`).flatMap((t) =>
          (readOr(`/proc/${unshare.pid}/task/${t}/children`) ?? "").split(" ").filter(Boolean).map(Number),
        );
        return kids[0] ?? null;
      },
      { what: "the namespace's init" },
    );
    const ns = await waitFor(() => readlinkSync(`/proc/${init}/ns/pid`), { what: "the init's pid namespace" });
    return new Namespace(unshare, init, ns);
  }

  /** A process's pid inside the namespace (the last NSpid field: 1 for its init). */
  nsPid(hostPid: number): number | null {
    const m = /^NSpid:\s+(.*)$/m.exec(readOr(`/proc/${hostPid}/status`) ?? "");
    return m ? Number(m[1]!.trim().split(/\s+/).at(-1)) : null;
  }

  scan(): Scan {
    const stats = new Map<number, { state: string; ppid: number }>();
    const live: number[] = [];
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      const s = readOr(`/proc/${pid}/stat`);
      if (!s) continue;
      const [state, ppid] = s.slice(s.lastIndexOf(")") + 2).split(" ");
      stats.set(pid, { state: state!, ppid: Number(ppid) });
      if (state === "Z") continue;
      try {
        if (readlinkSync(`/proc/${pid}/ns/pid`) === this.ns) live.push(pid);
      } catch {
        /* gone, or a zombie by now */
      }
    }
    const members = new Set(live);
    const zombies = [...stats].filter(([, s]) => s.state === "Z" && members.has(s.ppid)).map(([pid]) => pid);
    // A script's comm is its file name (15 characters); the maker becomes "sleep" once done.
    const orphanMakers = live.filter((pid) => (readOr(`/proc/${pid}/comm`) ?? "").startsWith("double-forks-or"));
    return { live, zombies, orphanMakers };
  }

  /**
   * Wait until the orphan maker has made all its orphans and every one of them has ended;
   * returns the scan then. `zombies` says how many to expect (0 with a reaping init).
   */
  async settled(marker: string, zombies: number): Promise<Settled> {
    let most = 0;
    const s = await waitFor(
      () => {
        if (this.unshare.exitCode !== null) throw new Error(`the namespace ended (unshare exited ${this.unshare.exitCode})`);
        const done = existsSync(marker);
        const s = this.scan();
        most = Math.max(most, s.zombies.length);
        return done && s.orphanMakers.length === 0 && s.zombies.length === zombies ? s : null;
      },
      { timeout: 30_000, interval: 50, what: `${ORPHANS} orphans to end with ${zombies} zombies left` },
    ).catch((e: Error) => {
      const s = this.scan();
      throw new Error(`${e.message}; now ${s.zombies.length} zombies, ${s.orphanMakers.length} orphans alive (most zombies seen ${most})`);
    });
    return { ...s, peak: most };
  }

  /** The init's exit status, as unshare passes it on. */
  exited(timeout = 30_000): Promise<number> {
    return Promise.race([
      this.unshare.exited,
      Bun.sleep(timeout).then(() => {
        throw new Error(`the namespace's init (pid ${this.init}) did not exit within ${timeout} ms`);
      }),
    ]);
  }

  signal(sig: NodeJS.Signals): void {
    process.kill(this.init, sig);
  }

  /** SIGKILL the init (the kernel then kills everything in the namespace) and reap unshare. */
  async kill(): Promise<void> {
    if (this.unshare.exitCode === null) {
      try {
        process.kill(this.init, "SIGKILL");
      } catch {
        /* gone */
      }
      await this.unshare.exited;
    }
  }
}

let dir: string | null = null;
let ns: Namespace | null = null;
afterEach(async () => {
  await ns?.kill();
  ns = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

afterAll(() => {
  if (Object.keys(zombiesLeft).length === 0) return;
  console.log(
    `zombies left after ${ORPHANS} double-forked orphans: ` +
      Object.entries(zombiesLeft)
        .map(([init, n]) => `${init} ${n}`)
        .join(", "),
  );
});

/** The harness's Daemon writes the config and talks to the API; the namespace runs it. */
function daemonInNamespace(d: Daemon): Promise<Namespace> {
  return Namespace.start(tendArgv("daemon", "-c", d.configFile), { cwd: d.dir, out: join(d.dir, "init") });
}

function runInNamespace(cwd: string, args: string[], env?: Record<string, string>): Promise<Namespace> {
  return Namespace.start(tendArgv("run", ...args), { cwd, out: join(cwd, "init"), env });
}

const lines = (file: string) => (readOr(file) ?? "").split("\n").filter(Boolean);

describe.skipIf(noNamespace !== null)("tend as PID 1 of a PID namespace", () => {
  test(`tend daemon: is PID 1, reaps ${ORPHANS} double-forked orphans, SIGTERM stops every program in reverse priority order and exits 0`, async () => {
    dir = makeTempDir("tend-pid1-");
    const stops = join(dir, "order");
    const marker = join(dir, "orphans-done");
    const d = new Daemon(
      dir,
      `[program.first]\ncommand = ["${fixture("records-start-and-term.sh")}", "${stops}", "first"]\npriority = 1\n` +
        `[program.second]\ncommand = ["${fixture("records-start-and-term.sh")}", "${stops}", "second"]\npriority = 5\n` +
        `[program.orphans]\ncommand = ["${fixture("double-forks-orphans.sh")}", "${ORPHANS}", "${marker}"]\npriority = 10\n`,
    );
    ns = await daemonInNamespace(d);
    await waitFor(async () => (await d.api("GET", "/api/daemon").catch(() => null))?.ok, { what: "the daemon's socket" });

    // PID 1, as the daemon sees itself and as the kernel maps it.
    const pid = await d.cli("pid");
    expect(pid.stdout).toBe("1\n");
    expect(((await (await d.api("GET", "/api/daemon")).json()) as { pid: number }).pid).toBe(1);
    expect(ns.nsPid(ns.init)).toBe(1);

    const s = await ns.settled(marker, 0);
    report("tend daemon", s);
    expect(s.zombies).toEqual([]);
    // The programs themselves are untouched by the reaping.
    for (const name of ["first", "second", "orphans"]) await d.waitState(name, "RUNNING");
    await waitFor(() => lines(stops).length === 2, { what: "both recorders to be ready" });

    ns.signal("SIGTERM");
    expect(await ns.exited()).toBe(0);
    expect(lines(stops).filter((l) => l.startsWith("stop"))).toEqual(["stop second", "stop first"]);
    const log = d.log("tend.log");
    expect(log).toContain("received SIGTERM: shutting down");
    const at = (name: string) => log.indexOf(`stopped: ${name} `);
    expect(at("orphans")).toBeGreaterThan(-1);
    expect(at("orphans")).toBeLessThan(at("second"));
    expect(at("second")).toBeLessThan(at("first"));
    expect(existsSync(d.socket)).toBe(false);
  });

  test(`tend run: is PID 1, reaps ${ORPHANS} double-forked orphans, SIGINT stops the command and exits 0`, async () => {
    dir = makeTempDir("tend-pid1-");
    const marker = join(dir, "orphans-done");
    const sock = join(dir, "run.sock");
    ns = await runInNamespace(dir, ["-s", sock, "--", fixture("double-forks-orphans.sh"), String(ORPHANS), marker]);
    const pid = await waitFor(async () => {
      const r = await runCli(["-s", sock, "pid"]);
      return r.code === 0 ? r : null;
    }, { what: "tend run's socket" });
    expect(pid.stdout).toBe("1\n");
    expect(ns.nsPid(ns.init)).toBe(1);

    const s = await ns.settled(marker, 0);
    report("tend run", s);
    expect(s.zombies).toEqual([]);

    ns.signal("SIGINT");
    expect(await ns.exited()).toBe(0);
  });

  test.each([
    ["daemon", "SIGINT"],
    ["run", "SIGTERM"],
  ] as const)("tend %s as PID 1: %s stops the program with its stop signal and exits 0", async (mode, sig) => {
    dir = makeTempDir("tend-pid1-");
    const rec = join(dir, "rec");
    const cmd = [fixture("records-start-and-term.sh"), rec, "app"];
    if (mode === "daemon") {
      const d = new Daemon(dir, `[program.app]\ncommand = ${JSON.stringify(cmd)}\n`);
      ns = await daemonInNamespace(d);
    } else {
      ns = await runInNamespace(dir, ["--", ...cmd]);
    }
    await waitFor(() => lines(rec).includes("start app"), { what: "the program to be ready" });
    ns.signal(sig);
    expect(await ns.exited()).toBe(0);
    expect(lines(rec)).toEqual(["start app", "stop app"]);
  });

  test.each([
    ["tend daemon, a critical program goes FATAL", 1],
    ["tend run --no-restart, the command exits 5", 5],
    ["tend run --retries 1 --startsecs 0, the command keeps exiting", 1],
  ] as const)("exit status as PID 1: %s → %d", async (what, code) => {
    dir = makeTempDir("tend-pid1-");
    if (what.startsWith("tend daemon")) {
      const d = new Daemon(
        dir,
        `[program.crit]\ncommand = "${fixture("exits-fast.sh")}"\nstartretries = 0\ncritical = true\n` +
          `[program.other]\ncommand = "${fixture("forever.sh")}"\n`,
      );
      ns = await daemonInNamespace(d);
      expect(await ns.exited()).toBe(code);
      expect(d.log("tend.log")).toContain("critical program crit is FATAL");
    } else {
      const opts = what.includes("--no-restart") ? ["--no-restart"] : ["--retries", "1", "--startsecs", "0"];
      ns = await runInNamespace(dir, [...opts, "--", fixture("exits-fast.sh"), String(code === 1 ? 3 : code)]);
      expect(await ns.exited()).toBe(code);
    }
  });
});

describe.skipIf(noNamespace !== null || TINI === null)("the same orphans under tini, and under an init that never waits", () => {
  test(`tini as PID 1 reaps ${ORPHANS} double-forked orphans too (0 zombies left, as with tend)`, async () => {
    dir = makeTempDir("tend-pid1-");
    const marker = join(dir, "orphans-done");
    ns = await Namespace.start([TINI!, "-s", "--", fixture("double-forks-orphans.sh"), String(ORPHANS), marker], { cwd: dir, out: join(dir, "init") });
    expect(ns.nsPid(ns.init)).toBe(1);
    const s = await ns.settled(marker, 0);
    report("tini", s);
    expect(s.zombies).toEqual([]);
  });

  test(`control: with an init that never waits (sleep), all ${ORPHANS} orphans stay zombies, so the count above is real`, async () => {
    dir = makeTempDir("tend-pid1-");
    const marker = join(dir, "orphans-done");
    writeFileSync(join(dir, "init.sh"), `${fixture("double-forks-orphans.sh")} ${ORPHANS} ${marker} &\nexec sleep 1000\n`);
    ns = await Namespace.start(["sh", join(dir, "init.sh")], { cwd: dir, out: join(dir, "init") });
    const s = await ns.settled(marker, ORPHANS);
    report("no reaper (sleep as PID 1)", s);
    expect(s.zombies.length).toBe(ORPHANS);
  });
});

// A skip says why in its name, so it is visible in the test output rather than silent.
if (noNamespace !== null) test.skip(`PID 1 and tini tests skipped: ${noNamespace}`, () => {});
else if (TINI === null) test.skip("tini comparison skipped: tini is not installed (apt-get install tini)", () => {});
