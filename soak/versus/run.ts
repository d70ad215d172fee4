// The soak suite's probes that apply to supervisord too, run against tend and supervisord
// side by side in one run (`bun soak/versus/run.ts`, or `npm run soak:versus`), printing a
// Markdown table for RELIABILITY.md. Each probe is one fault or load, the same for both:
// - the daemon SIGKILLed with its programs running, then started again: processes per program;
// - a program in a crash loop (startsecs = 0): the daemon's log growth and CPU;
// - 200 clients calling XML-RPC getAllProcessInfo over TCP: peak RSS, slowest unix-socket answer;
// - 10 followers of /logtail (supervisorctl tail -f's door) on a 10 MB/s writer: RSS growth;
// - a log disk that fills mid-line, then gets space back: bytes lost without a marker.
// Figures, not pass/fail: the invariants are checked by soak/run.ts.

import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { FIXTURES, SOAK_PROGRAMS, freePort, marker, waitFor } from "../lib/daemon.ts";
import { basicAuth, rssKb, xmlRpcLoad } from "../../test/helpers/daemon-probe.ts";
import { killMarked, withMarker } from "../../test/helpers/procs.ts";
import { accountGaps } from "../lib/gaps.ts";
import { MB, log } from "../lib/report.ts";
import { XMLRPC_ALL, haveSupervisord, makeTarget, type Kind, type Target, type TargetOpts } from "./targets.ts";

type Row = { probe: string; figure: string; tend: string; supervisord: string };
const rows: Row[] = [];
const KINDS: Kind[] = ["tend", "supervisord"];

async function each(probe: string, fn: (kind: Kind) => Promise<Record<string, string>>): Promise<void> {
  const out: Record<Kind, Record<string, string>> = { tend: {}, supervisord: {} };
  for (const kind of KINDS) {
    log("versus", `${probe}: ${kind}`);
    try {
      out[kind] = await fn(kind);
    } catch (e) {
      out[kind] = { error: (e as Error).message.slice(0, 120) };
    }
  }
  for (const figure of new Set([...Object.keys(out.tend), ...Object.keys(out.supervisord)])) {
    rows.push({ probe, figure, tend: out.tend[figure] ?? "–", supervisord: out.supervisord[figure] ?? "–" });
  }
}

async function withTarget<T>(kind: Kind, opts: TargetOpts, fn: (t: Target) => Promise<T>): Promise<T> {
  const t = makeTarget(kind, opts);
  try {
    await t.start();
    return await fn(t);
  } finally {
    await t.stop().catch(() => {});
    rmSync(t.dir, { recursive: true, force: true });
  }
}

/** Sample `pid`'s RSS every 200 ms while `body` runs; the peak in bytes. */
async function peakRss<T>(pid: number, body: () => Promise<T>): Promise<{ value: T; peak: number }> {
  const rssBytes = (p: number) => {
    try {
      return rssKb(p) * 1024;
    } catch {
      return 0; // gone
    }
  };
  let peak = rssBytes(pid);
  let on = true;
  const s = (async () => {
    while (on) {
      peak = Math.max(peak, rssBytes(pid));
      await Bun.sleep(200);
    }
  })();
  const value = await body();
  on = false;
  await s;
  return { value, peak };
}

function cpuTicks(pid: number): number {
  const st = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]);
}

const mb = (b: number) => `${(b / MB).toFixed(0)} MB`;

// ─── probes ─────────────────────────────────────────────────────────────────────────────

async function daemonKilled(kind: Kind) {
  const mark = marker();
  const programs = [0, 1, 2, 3].map((i) => ({ name: `p${i}`, command: ["sleep", `${mark}${i}`], startsecs: 0, stopwaitsecs: 1 }));
  const t = makeTarget(kind, { programs });
  try {
    await t.start();
    await t.allRunning();
    t.proc!.kill("SIGKILL");
    await t.proc!.exited;
    const orphans = withMarker(mark).length;
    await t.start();
    await t.allRunning();
    await Bun.sleep(500);
    const after = withMarker(mark).length;
    return { "processes left by the killed daemon": String(orphans), "processes per program after the restart": (after / programs.length).toFixed(1) };
  } finally {
    await t.stop().catch(() => {});
    killMarked(mark);
    rmSync(t.dir, { recursive: true, force: true });
  }
}

async function crashLoop(kind: Kind) {
  const programs = [{ name: "crash", command: [join(FIXTURES, "exits-fast.sh")], startsecs: 0, autorestart: true }];
  return withTarget(kind, { programs }, async (t) => {
    await Bun.sleep(1000);
    const size0 = t.logSize();
    const cpu0 = cpuTicks(t.pid);
    const t0 = performance.now();
    await Bun.sleep(10_000);
    const secs = (performance.now() - t0) / 1000;
    const grown = t.logSize() - size0;
    const cpu = ((cpuTicks(t.pid) - cpu0) / 100 / secs) * 100;
    const states = await t.states();
    return { "daemon log growth": `${(grown / 1024 / secs).toFixed(1)} KB/s`, "daemon CPU": `${cpu.toFixed(0)} %`, "state after 10 s": states[0]?.state ?? "?" };
  });
}

async function tcpLoad(kind: Kind) {
  const port = await freePort();
  const mark = marker();
  const programs = Array.from({ length: 40 }, (_, i) => ({ name: `svc${String(i).padStart(2, "0")}`, command: ["sleep", `${mark}${i}`], startsecs: 0 }));
  try {
    return await withTarget(kind, { programs, tcpPort: port, user: "admin", password: "pw" }, async (t) => {
      await t.allRunning();
      const base = rssKb(t.pid) * 1024;
      let slowest = 0;
      const load = await peakRss(t.pid, async () => {
        const end = performance.now() + 20_000;
        const prober = (async () => {
          while (performance.now() < end) {
            const t0 = performance.now();
            await t.statusCall().catch(() => {});
            slowest = Math.max(slowest, performance.now() - t0);
            await Bun.sleep(250);
          }
        })();
        const [r] = await Promise.all([xmlRpcLoad({ port, authorization: basicAuth("admin", "pw"), clients: 200, durationMs: 20_000, callDeadlineMs: 60_000 }), prober]);
        return r;
      });
      const peak = load.peak;
      return {
        "answer size": `${(load.value.bytes / Math.max(1, load.value.calls) / 1024).toFixed(1)} KB`,
        "answers in 20 s": String(load.value.ok),
        "failed requests": String(load.value.failed),
        "RSS before → peak": `${mb(base)} → ${mb(peak)}`,
        "slowest unix-socket status": `${slowest.toFixed(0)} ms`,
      };
    });
  } finally {
    killMarked(mark);
  }
}

async function followers(kind: Kind) {
  const dir = join("/tmp", `tend-versus-round-${process.pid}`);
  writeFileSync(dir, "1");
  const programs = [{ name: "flood", command: [join(SOAK_PROGRAMS, "numbered-flood.sh"), dir, "3000000"], startsecs: 0, autorestart: false, autostart: false }];
  try {
    return await withTarget(kind, { programs }, async (t) => {
      await Bun.sleep(500);
      const base = rssKb(t.pid) * 1024;
      let received = 0;
      await t.startProgram("flood");
      // supervisord's /logtail answers only once the log file exists.
      await waitFor(async () => (await t.states())[0]?.state === "RUNNING", { what: "flood RUNNING", timeout: 30_000 });
      const socks = Array.from({ length: 10 }, () => {
        const s = connect(t.socket);
        s.on("error", () => {});
        s.on("data", (c: Buffer) => void (received += c.length));
        s.write(`GET /logtail/flood HTTP/1.1\r\nHost: localhost\r\n\r\n`);
        return s;
      });
      const { peak } = await peakRss(t.pid, () => Bun.sleep(30_000));
      for (const s of socks) s.destroy();
      return { "RSS growth with 10 followers, 30 s": `+${mb(peak - base)}`, "bytes delivered to followers": mb(received) };
    });
  } finally {
    rmSync(dir, { force: true });
  }
}

async function diskFull(kind: Kind) {
  if (process.getuid?.() !== 0) return { skipped: "not root" };
  const base = join("/tmp", `tend-versus-disk-${process.pid}`);
  const mnt = join(base, "small");
  mkdirSync(mnt, { recursive: true });
  if (Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", mnt]).exitCode !== 0) return { skipped: "mount failed" };
  const round = join(base, "round");
  writeFileSync(round, "1");
  const logfile = join(mnt, "w.log");
  const lines = 100_000;
  const programs = [{ name: "w", command: [join(SOAK_PROGRAMS, "numbered-flood.sh"), round, String(lines)], startsecs: 0, autorestart: false, autostart: false, stdoutLog: logfile }];
  try {
    return await withTarget(kind, { programs }, async (t) => {
      const fd = openSync(join(mnt, "filler"), "w");
      const chunk = Buffer.alloc(MB, 0x66);
      for (let i = 0; i < 14; i++) writeSync(fd, chunk);
      writeSync(fd, chunk, 0, MB - 4096 * 7);
      closeSync(fd);
      await t.startProgram("w");
      await Bun.sleep(1500);
      rmSync(join(mnt, "filler"));
      await waitFor(async () => (await t.states())[0]?.state === "EXITED", { what: "writer done", timeout: 120_000 });
      await Bun.sleep(1000);
      const text = readFileSync(logfile, "latin1");
      const a = accountGaps(text);
      const lost = lines * 100 + a.ambiguous - a.present - a.counted;
      return { "bytes lost without a marker": String(Math.max(0, lost)), "bytes counted in gap markers": String(a.counted), "cut lines with no marker": String(a.glued) };
    });
  } finally {
    Bun.spawnSync(["umount", "-l", mnt]);
    rmSync(base, { recursive: true, force: true });
  }
}

// ─── main ────────────────────────────────────────────────────────────────────────────────

if (!haveSupervisord()) {
  console.error("supervisord not found (/usr/bin/supervisord): apt-get install supervisor");
  process.exit(2);
}
await each("daemon SIGKILLed, started again (4 programs)", daemonKilled);
await each("crash loop (exits at once, startsecs = 0), 10 s", crashLoop);
await each("200 TCP clients, XML-RPC getAllProcessInfo (40 programs), 20 s", tcpLoad);
await each("10 followers of /logtail on a 10 MB/s writer", followers);
await each("log disk full mid-line, then space again (10 MB written)", diskFull);

console.log("| probe | figure | tend | supervisord |\n|---|---|---|---|");
for (const r of rows) console.log(`| ${r.probe} | ${r.figure} | ${r.tend} | ${r.supervisord} |`);
