// A program's log on a small filesystem that fills up mid-line, then gets space back. Every
// byte the program wrote must be in the log, or counted in a gap marker; the line cut by
// ENOSPC must not be glued onto the first line written after space returns; the program keeps
// running throughout. Needs root (mounts a tmpfs); skipped otherwise.

import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, SOAK_PROGRAMS, makeTempDir, shutdown, waitFor } from "../lib/daemon.ts";
import { log, type Report } from "../lib/report.ts";

const S = "disk full mid-line, then space again";
const LINES = 100_000; // 10 MB of 100-byte lines
/** The daemon's gap marker: "[tend: N bytes dropped …]" (README, "Logs"). */
const MARKER = /^\[tend: (\d+) bytes? dropped/;

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
    let intact = 0;
    let fragments = 0;
    let counted = 0;
    let glued = 0;
    const lines = text.split("\n");
    lines.pop(); // after the last newline
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const m = MARKER.exec(line);
      if (m) {
        counted += Number(m[1]);
        continue;
      }
      if (/^R\d+ \d+ x+$/.test(line) && line.length === 99) {
        intact++;
        continue;
      }
      // A cut line: its newline is tend's, and a marker must follow it.
      fragments += line.length;
      if (!MARKER.test(lines[i + 1] ?? "")) glued++;
    }
    const present = intact * 100 + fragments;
    const written = LINES * 100;
    report.add(S, "runs", 1);
    report.add(S, "bytes dropped (counted in markers)", counted);
    report.check(S, "every byte in the log or a gap marker", present + counted === written, () => `${present} bytes in the log + ${counted} counted = ${present + counted}, program wrote ${written}`);
    report.check(S, "a cut line is never glued to the next", glued === 0, () => `${glued} cut lines with no marker after them`);
    const { exitCode } = await shutdown(d);
    report.check(S, "shutdown exits 0", exitCode === 0, () => `exit ${exitCode}`);
  } catch (e) {
    report.fail(S, "scenario runs", (e as Error).message);
  } finally {
    if (d.proc) await shutdown(d).catch(() => {});
    Bun.spawnSync(["umount", "-l", mnt]);
    d.cleanup();
    log(S, "done");
  }
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
