// One supervisorctl session, typed the same against supervisord (Debian's `supervisor` 4.2.5)
// and against tend, both started from the same supervisord.conf: the same lines in the same
// order, and the same exit codes (issue #12, "Done when"). Only what must differ is
// normalised: pids, uptimes, stop times, the temp directory. Skipped, saying why, where
// supervisord or supervisorctl is not installed.

import { afterAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fixture, makeTempDir, tendArgv, waitFor } from "../helpers/daemon-harness.ts";
import { allProcs } from "../helpers/procs.ts";
import { isGone } from "../helpers/wait-for.ts";

// Bun applies the preload's setDefaultTimeout to the first test file of a run only.
// 64 supervisorctl runs, a third of a CPU second each: 30 s on an idle 2-core box, 335 s seen
// at a load average of 30.
setDefaultTimeout(600_000);

const SUPERVISORD = Bun.which("supervisord");
const CTL = Bun.which("supervisorctl");
const skip = !SUPERVISORD || !CTL;
if (skip) console.warn("supervisorctl-session.test: supervisord/supervisorctl not installed (apt-get install supervisor): skipped");

// writes-both-streams.sh N writes "out I"/"err I" for I in 1..N, then execs `sleep`, which
// dies at once on SIGTERM: every stop completes within supervisord's first 50 ms poll, so its
// answers to `stop all` come in its own order (see COMPLETION below).
const WRITER = fixture("writes-both-streams.sh");

/** The one config both daemons read: every path is relative to the file (%(here)s). */
function supervisordConf(edited: boolean): string {
  const program = (name: string, lines: string) => `[program:${name}]\ncommand=${WRITER} ${lines}\nstartsecs=0\n`;
  return [
    `[unix_http_server]\nfile=%(here)s/ctl.sock\n`,
    `[supervisord]\nlogfile=%(here)s/supervisord.log\npidfile=%(here)s/supervisord.pid\nchildlogdir=%(here)s/log\nnodaemon=true\n`,
    `[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n`,
    `[supervisorctl]\nserverurl=unix://%(here)s/ctl.sock\n`,
    // app's own priority puts its group before pool and site (999, then by name).
    program("app", "3") + `priority=500\nstdout_logfile=%(here)s/log/app.out.log\nstderr_logfile=%(here)s/log/app.err.log\n` + (edited ? `stopsignal=INT\n` : ""),
    // worker before web inside site: members by priority, then as `programs` lists them.
    program("web", "1"),
    program("worker", "1") + `priority=10\n`,
    `[group:site]\nprograms=web,worker\n`,
    edited ? "" : program("pool", "1") + `numprocs=2\nprocess_name=%(program_name)s_%(process_num)02d\nautostart=false\n`,
    // It exits at once, well within startsecs: on a busy box the default 1 s can pass before
    // its shell has even run, and supervisord then calls it started.
    edited ? `[program:broken]\ncommand=${fixture("exits-fast.sh")}\nautostart=false\nstartretries=0\nstartsecs=30\n` : "",
  ].join("\n");
}

interface Side {
  readonly who: "supervisord" | "tend";
  readonly dir: string;
  readonly conf: string;
  proc: ReturnType<typeof Bun.spawn>;
}

interface Ctl {
  code: number;
  out: string;
}

async function ctl(side: Side, args: readonly string[]): Promise<Ctl> {
  const p = Bun.spawn([CTL!, "-c", side.conf, ...args], {
    cwd: side.dir,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, PYTHONWARNINGS: "ignore" },
  });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out: out + err };
}

function start(who: Side["who"]): Side {
  const dir = makeTempDir(`ctl-session-${who}-`);
  mkdirSync(join(dir, "log"));
  const conf = join(dir, "supervisord.conf");
  writeFileSync(conf, supervisordConf(false));
  const fd = openSync(join(dir, "daemon.out"), "a");
  const argv = who === "supervisord" ? [SUPERVISORD!, "-n", "-c", conf] : tendArgv("daemon", "-c", conf);
  const proc = Bun.spawn(argv, { cwd: dir, stdin: "ignore", stdout: fd, stderr: fd, env: { ...process.env, NO_COLOR: "1" } });
  closeSync(fd);
  return { who, dir, conf, proc };
}

/** The state of every process, read over XML-RPC directly (supervisorctl takes a second to start). */
async function states(side: Side): Promise<string[]> {
  const body = `<?xml version="1.0"?><methodCall><methodName>supervisor.getAllProcessInfo</methodName><params></params></methodCall>`;
  const res = await fetch("http://localhost/RPC2", { method: "POST", body, headers: { "Content-Type": "text/xml" }, unix: join(side.dir, "ctl.sock") });
  const xml = await res.text();
  if (!res.ok || xml.includes("<fault>")) throw new Error(`${side.who}: getAllProcessInfo: ${res.status} ${xml.slice(0, 300)}`);
  return [...xml.matchAll(/<name>statename<\/name>\s*<value>(?:<string>)?(\w+)/g)].map((m) => m[1]!);
}

/** Until the daemon answers and no process is on its way between states. */
async function settled(side: Side): Promise<void> {
  await waitFor(
    async () => {
      if (side.proc.exitCode !== null) throw new Error(`${side.who} exited ${side.proc.exitCode}: ${readFileSync(join(side.dir, "daemon.out"), "utf8")}`);
      const now = await states(side);
      return now.length > 0 && !now.some((s) => s === "STARTING" || s === "STOPPING" || s === "BACKOFF");
    },
    { timeout: 90_000, what: `${side.who}: every process settled` },
  );
}

/** Every process below `pid` (the daemon's programs and theirs). */
function descendants(pid: number): number[] {
  const procs = allProcs();
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of procs) if (c.ppid === p && c.state !== "Z") (out.push(c.pid), walk(c.pid));
  };
  walk(pid);
  return out;
}

/** SIGTERM, SIGKILL on a deadline; then every program it left, by pid. */
async function stop(side: Side): Promise<void> {
  const kids = descendants(side.proc.pid);
  if (side.proc.exitCode === null && side.proc.signalCode === null) {
    side.proc.kill("SIGTERM");
    const done = await Promise.race([side.proc.exited.then(() => true), Bun.sleep(20_000).then(() => false)]);
    if (!done) {
      side.proc.kill("SIGKILL");
      await side.proc.exited;
    }
  }
  for (const pid of kids) {
    if (isGone(pid)) continue;
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone meanwhile */
    }
  }
}

interface Step {
  args: string[];
  /** Before the command, on each side (and waited for). */
  before?: (side: Side) => void | Promise<void>;
  /**
   * supervisord answers a group or `all` operation as each process completes, polled every
   * 50 ms, in its own order (groups by priority then name, members by priority then listing)
   * within one poll. On a loaded machine a stop can miss the first poll and come later: then
   * the lines must be the same set (tend's keep the order, tested in supervisorctl.test.ts).
   */
  completion?: boolean;
}

const appLog = (side: Side) => join(side.dir, "log", "app.out.log");

/** app's stdout once it has been spawned `runs` times (3 lines each run). */
const appRuns = (runs: number) => async (side: Side) => {
  await settled(side);
  await waitFor(() => existsSync(appLog(side)) && readFileSync(appLog(side), "utf8") === "out 1\nout 2\nout 3\n".repeat(runs), {
    timeout: 90_000,
    what: `${side.who}: app's ${runs} runs written`,
  });
};

// 32 commands a supervisord user types in a day: status, start/stop/restart by name, by group
// and all, pid, signal, the logs, the config cycle (avail, reread, update, remove, add), errors
// of every kind, reload and shutdown.
const SESSION: Step[] = [
  { args: ["status"], before: settled },
  { args: ["status", "app", "site:*"] },
  { args: ["status", "nosuch", "site:nosuch", "nogroup:*"] },
  { args: ["start", "app"] },
  { args: ["stop", "app"] },
  { args: ["stop", "app"] },
  { args: ["start", "app"] },
  { args: ["start", "pool:*"] },
  { args: ["stop", "site:web", "site:worker"] },
  { args: ["restart", "site:*"] },
  { args: ["restart", "app"] },
  { args: ["pid"] },
  { args: ["pid", "all"] },
  { args: ["pid", "app", "nosuch"] },
  { args: ["signal", "CONT", "site:*"] },
  { args: ["signal", "BOGUS", "app"] },
  { args: ["tail", "app"], before: appRuns(3) },
  { args: ["tail", "-8", "app", "stderr"] }, // from the middle of a line, as supervisord cuts it,
  { args: ["clear", "app"] },
  { args: ["tail", "app"] },
  { args: ["stop", "all"], completion: true },
  { args: ["start", "all"] },
  { args: ["restart", "all"], completion: true },
  { args: ["avail"] },
  { args: ["reread"] },
  // The operator edits the file: app changes, pool goes, broken comes.
  { args: ["reread"], before: (side) => writeFileSync(side.conf, supervisordConf(true)) },
  { args: ["update"] },
  { args: ["start", "broken"], before: settled },
  { args: ["remove", "app"] },
  // supervisorctl's start returns at BACKOFF; FATAL follows on supervisord's next loop.
  { args: ["status"], before: settled },
  { args: ["frobnicate"] },
  { args: ["shutdown"] },
];

/** What must differ between the two daemons, and only that. */
const normalise = (side: Side, step: Step) => (text: string) => {
  let t = text
    .split(side.dir)
    .join("DIR")
    .replace(/pid \d+, uptime \d+:\d\d:\d\d/g, "pid PID, uptime UPTIME")
    .replace(/[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M/g, "STOPTIME");
  if (step.args[0] === "pid") t = t.replace(/^[1-9]\d*$/gm, "PID");
  return t;
};

describe.skipIf(skip)("the same supervisorctl session against supervisord and tend", () => {
  const sides: Side[] = [];
  afterAll(async () => {
    await Promise.all(sides.map(stop));
    for (const side of sides) rmSync(side.dir, { recursive: true, force: true });
  });

  test(`${SESSION.length} commands: the same lines in the same order, the same exit codes`, async () => {
    sides.push(start("supervisord"), start("tend"));
    const transcripts: string[][] = [[], []];
    for (const step of SESSION) {
      // Both sides at once: the two daemons are independent, and supervisorctl takes a second
      // to start on a loaded machine.
      const blocks = await Promise.all(
        sides.map(async (side) => {
          await step.before?.(side);
          const r = await ctl(side, step.args);
          return { code: r.code, lines: normalise(side, step)(r.out).split("\n") };
        }),
      );
      const [sv, td] = blocks as [(typeof blocks)[0], (typeof blocks)[0]];
      if (step.completion && sv.lines.join("\n") !== td.lines.join("\n") && [...sv.lines].sort().join("\n") === [...td.lines].sort().join("\n")) {
        console.warn(`supervisorctl-session: supervisord answered \`${step.args.join(" ")}\` in completion order: ${JSON.stringify(sv.lines)}`);
        sv.lines = td.lines;
      }
      blocks.forEach((b, i) => transcripts[i]!.push(`$ supervisorctl ${step.args.join(" ")}`, ...b.lines, `[exit ${b.code}]`));
    }
    if (process.env.SESSION_TRANSCRIPT) writeFileSync(process.env.SESSION_TRANSCRIPT, transcripts[0]!.join("\n"));
    // The whole transcript at once: a difference shows with its context.
    expect(transcripts[1]!.join("\n")).toBe(transcripts[0]!.join("\n"));
    for (const side of sides) await waitFor(() => side.proc.exitCode !== null, { timeout: 30_000, what: `${side.who} to exit after shutdown` });
  });
});
