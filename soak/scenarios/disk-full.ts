// A program's log on a small filesystem that fills up mid-line, then gets space back. Every
// byte the program wrote must be in the log, or counted in a gap marker; the line cut by
// ENOSPC must not be glued onto the first line written after space returns; the program keeps
// running throughout. Needs root (mounts a tmpfs); skipped otherwise.

import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, SOAK_PROGRAMS, guard, makeTempDir, shutdown, waitFor } from "../lib/daemon.ts";
import { GAP_MARKER, accountGaps, accountedFor } from "../lib/gaps.ts";
import { log, type Report } from "../lib/report.ts";

const S = "disk full mid-line, then space again";
const LINES = 100_000; // 10 MB of 100-byte lines

export async function diskFull(report: Report, round: number): Promise<void> {
  if (process.getuid?.() !== 0) {
    report.set(S, "skipped", "not root: cannot mount a tmpfs");
    return;
  }
  const dir = makeTempDir("tend-soak-disk-");
  const mnt = join(dir, "small");
  mkdirSync(mnt);
  const mount = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", mnt]);
  if (mount.exitCode !== 0) {
    report.set(S, "skipped", `mount failed: ${mount.stderr.toString().trim()}`);
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  const logfile = join(mnt, "w.out.log");
  writeFileSync(join(dir, "round"), String(round));
  const d = new Daemon(
    dir,
    `[program.w]
command = ["${join(SOAK_PROGRAMS, "numbered-flood.sh")}", "${join(dir, "round")}", "${LINES}"]
autostart = false
autorestart = false
startsecs = 0
stdout_logfile = "${logfile}"
stdout_logfile_maxbytes = "100MB"
`,
  );
  const release = guard(d, null, () => void Bun.spawnSync(["umount", "-l", mnt]));
  try {
    await d.start();
    // Leave ~1 MB free: the program fills it within a fraction of a second, mid-line.
    fill(join(mnt, "filler"), 15 * 1024 * 1024 - 4096 * 7);
    await d.api("POST", "/api/services/w/start?wait=false");
    await waitFor(() => d.log("tend.log").includes("cannot write stdout log"), { what: "the disk to fill", timeout: 60_000 });
    rmSync(join(mnt, "filler"));
    await waitFor(async () => (await d.service("w")).state === "EXITED", { what: "writer to finish", timeout: 120_000 });
    await waitFor(() => d.log("tend.log").includes("log writable again"), { what: "the log to recover", timeout: 30_000 }).catch(() => {});
    const text = readFileSync(logfile, "latin1");
    const lines = text.split("\n");
    const { present, counted, glued, ambiguous } = accountGaps(text);
    const written = LINES * 100;
    report.add(S, "runs", 1);
    report.add(S, "bytes dropped (counted in markers)", counted);
    const whole = report.check(S, "every byte in the log or a gap marker", accountedFor({ present, counted, glued, ambiguous }, written), () => `${present} bytes in the log + ${counted} counted = ${present + counted}, program wrote ${written} (${ambiguous} byte(s) ambiguous)`);
    if (!whole || glued > 0) keepForLook(report, lines, logfile);
    report.check(S, "a cut line is never glued to the next", glued === 0, () => `${glued} cut lines with no marker after them`);
    const { exitCode } = await shutdown(d);
    report.check(S, "shutdown exits 0", exitCode === 0, () => `exit ${exitCode}`);
  } catch (e) {
    report.fail(S, "scenario runs", (e as Error).message);
  } finally {
    release();
    if (d.proc) await shutdown(d).catch(() => {});
    Bun.spawnSync(["umount", "-l", mnt]);
    d.cleanup();
    log(S, "done");
  }
}

/** The lines around each marker or cut line, where a failed check can be read afterwards. */
function keepForLook(report: Report, lines: string[], logfile: string): void {
  const keep = `/tmp/tend-soak-disk-full-${Date.now()}.txt`;
  const near = lines.flatMap((l, i) => (l.length !== 99 || GAP_MARKER.test(l) ? lines.slice(Math.max(0, i - 2), i + 3).map((x, k) => `${i - 2 + k}: ${JSON.stringify(x)}`).concat("--") : []));
  writeFileSync(keep, near.join("\n"));
  report.set(S, "lines around the gaps kept in", keep);
  log(S, `${logfile}: lines around each gap kept in ${keep}`);
}

function fill(path: string, bytes: number): void {
  const fd = openSync(path, "w");
  const chunk = Buffer.alloc(1024 * 1024, 0x66);
  try {
    for (let left = bytes; left > 0; left -= chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, left));
  } catch {
    /* full already */
  } finally {
    closeSync(fd);
  }
}
