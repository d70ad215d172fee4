// `user =` gives the program every group of the user (as supervisord's initgroups does), not
// just its primary one. Needs root: creates a user with two supplementary groups, removes
// them after.

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { Daemon, fixture, startDaemon, waitFor } from "../helpers/daemon-harness.ts";
import { openFilesLimit } from "../../src/sys/proc.ts";

const canManageUsers =
  process.getuid?.() === 0 && Bun.which("useradd") !== null && Bun.which("groupadd") !== null && Bun.which("userdel") !== null;

// Short, unique names (other test runs may be doing the same on this machine).
const tag = `t${process.pid}`;
const USER = `${tag}u`;
const GROUPS = [`${tag}p`, `${tag}a`, `${tag}b`];

function run(...cmd: string[]): void {
  const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr.toString()}`);
}

function gidOf(name: string): number {
  const line = require("node:fs").readFileSync("/etc/group", "utf8").split("\n").find((l: string) => l.startsWith(`${name}:`));
  return Number(line.split(":")[2]);
}

let d: Daemon | null = null;
afterEach(async () => {
  await d?.stop();
  d?.cleanup();
  d = null;
});

describe.if(canManageUsers)("user = with supplementary groups", () => {
  beforeAll(() => {
    for (const g of GROUPS) run("groupadd", g);
    run("useradd", "-M", "-N", "-s", "/bin/sh", "-g", GROUPS[0]!, "-G", `${GROUPS[1]},${GROUPS[2]}`, USER);
  });
  afterAll(() => {
    Bun.spawnSync(["userdel", USER]);
    for (const g of GROUPS) Bun.spawnSync(["groupdel", g]);
  });

  test("the program has all of the user's groups, in the pid tend tracks, with default signals", async () => {
    d = await startDaemon(`[program.who]\ncommand = "${fixture("prints-identity.sh")}"\nstartsecs = 0\nuser = "${USER}"\n`);
    const s = await d.waitState("who", "RUNNING");
    const out = await waitFor(() => (d!.log("who.out.log").includes("SigIgn") ? d!.log("who.out.log") : null));
    const uid = Number(Bun.spawnSync(["id", "-u", USER]).stdout.toString().trim());
    const [primary, a, b] = GROUPS.map(gidOf);
    expect(out).toContain(`uid ${uid} gid ${primary}\n`);
    const groups = out.match(/^groups (.*)$/m)![1]!.split(" ").map(Number).sort((x, y) => x - y);
    expect(groups).toEqual([primary!, a!, b!].sort((x, y) => x - y));
    // Exec'd in place: the shell's own pid is the one tend reports, stops and signals.
    expect(out).toContain(`pid ${s.pid}\n`);
    // Nothing ignored that the program did not ask for (SIGPIPE stays default, as Bun's direct spawn leaves it).
    expect(out).toContain("SigIgn:\t0000000000000000");
    // The helper is a Bun process, which raises its own soft limit on start: the program still
    // gets 1024 and tend's hard limit (#12.7).
    expect(out).toContain(`nofile 1024 ${openFilesLimit(d.pid)!.hard}\n`);
    expect(s.pid).toBeGreaterThan(0);
    const stop = await d.cli("stop", "who");
    expect(stop.code).toBe(0);
  });

  test("the user's HOME, USER and LOGNAME are set as before", async () => {
    d = await startDaemon(`[program.env]\ncommand = "${fixture("prints-env.sh")}"\nstartsecs = 0\nuser = "${USER}"\n`);
    await d.waitState("env", "RUNNING");
    const out = await waitFor(() => (d!.log("env.out.log").includes("WHOAMI") ? d!.log("env.out.log") : null));
    expect(out).toContain(`WHOAMI=${USER}`);
    expect(out).toContain(`USER=${USER}`);
    expect(out).toContain(`LOGNAME=${USER}`);
  });
});
