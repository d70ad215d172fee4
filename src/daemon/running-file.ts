// The running file, `<log_dir>/<socket name>.running.json`: every child the daemon runs (pid,
// process group, start time, how to stop it), so that a daemon started after this one was
// SIGKILLed can stop them before it starts anything (leftovers.ts) instead of starting a
// second copy beside each.
//
// It lives in log_dir, not beside the socket: the socket's directory may be /tmp (a
// non-root daemon's default), where anyone could plant a file that names pids to kill.
// log_dir survives a daemon crash; the file is written 0600 and trusted only when it is a
// regular file of ours that no one else may write. The boot id is kept with it: a start time
// means nothing after a reboot.
//
// Writes are cheap and never late: each spawn or exit is appended at once, one short line, to
// a journal beside it (`….running.journal`), so a daemon killed a millisecond after a spawn
// still names that child; the whole file is rewritten (temp file + rename, no fsync: it must
// outlive the daemon, not the machine) at most every WRITE_EVERY_MS, and never more often
// than keeps rewriting under 1/REWRITE_SHARE of the time (a rewrite is O(children): at 3000
// programs a rewrite every 50 ms all through a start took a fifth of the daemon's CPU), after
// which the journal is emptied. A reader takes the file, then replays the journal over it (a
// torn last line is skipped). A crash loop costs two small appends per restart and ~20
// rewrites a second, and a rewrite never grows with how fast programs start. A clean
// shutdown removes both.

import { closeSync, ftruncateSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { ProgramConfig } from "../config/types.ts";
import { parseSignal } from "../core/signals.ts";
import { bootId, procStat } from "../sys/proc.ts";
import type { DaemonLog } from "./daemon-log.ts";
import type { ChildHandle } from "./process-port.ts";

export interface RunningEntry {
  readonly name: string;
  readonly pid: number;
  readonly pgid: number;
  /** /proc/PID/stat field 22: a recycled pid has another. */
  readonly start: number;
  readonly stopsignal: string;
  readonly stopwaitsecs: number;
  readonly stopasgroup: boolean;
  readonly killasgroup: boolean;
}

interface Content {
  readonly version: 1;
  readonly boot_id: string | null;
  readonly daemon: { readonly pid: number; readonly start: number };
  readonly programs: readonly RunningEntry[];
}

const WRITE_EVERY_MS = 50;
/** The next rewrite waits at least this many times as long as the last one took. */
const REWRITE_SHARE = 20;

export function runningFilePath(logDir: string, socket: string): string {
  return join(logDir, `${basename(socket).replace(/\.sock$/, "")}.running.json`);
}

/** The journal beside the running file: one JSON line per spawn ({"add": entry}) or exit ({"gone": pid}). */
export const journalPath = (path: string): string => path.replace(/\.json$/, "") + ".journal";

type JournalLine = { readonly add: RunningEntry } | { readonly gone: number };

/** What a previous daemon left in the running file. */
export type PreviousRun =
  | { readonly kind: "none" }
  | { readonly kind: "ignored"; readonly reason: string; readonly warn: boolean }
  /** Another daemon, still alive, keeps this file. */
  | { readonly kind: "live-daemon"; readonly pid: number }
  | { readonly kind: "found"; readonly entries: RunningEntry[]; readonly bad: number };

/** A file of ours no one else may write, read whole; or why it is not to be trusted. */
function readTrusted(path: string): { text: string } | { missing: true } | { reason: string } {
  try {
    const st = lstatSync(path);
    if (!st.isFile()) return { reason: "not a regular file" };
    if (st.uid !== (process.getuid?.() ?? 0)) return { reason: `owned by uid ${st.uid}, not by tend's` };
    if ((st.mode & 0o022) !== 0) return { reason: "writable by others" };
    return { text: readFileSync(path, "utf8") };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === "ENOENT" ? { missing: true } : { reason: code ?? (e as Error).message };
  }
}

export function readPrevious(path: string): PreviousRun {
  const file = readTrusted(path);
  if ("missing" in file) return { kind: "none" };
  if ("reason" in file) return { kind: "ignored", reason: file.reason, warn: true };
  const text = file.text;
  let c: Partial<Content>;
  try {
    c = JSON.parse(text) as Partial<Content>;
  } catch (e) {
    return { kind: "ignored", reason: `not JSON (${(e as Error).message})`, warn: true };
  }
  if (typeof c !== "object" || c === null || c.version !== 1 || !Array.isArray(c.programs)) {
    return { kind: "ignored", reason: "not a running file this tend knows", warn: true };
  }
  if (c.boot_id !== bootId()) return { kind: "ignored", reason: "written before the machine restarted", warn: false };
  const d = c.daemon;
  if (d && isInt(d.pid) && d.pid !== process.pid && procStat(d.pid)?.startTime === d.start) return { kind: "live-daemon", pid: d.pid };
  const byPid = new Map<number, RunningEntry>();
  let bad = 0;
  for (const e of c.programs) isEntry(e) ? byPid.set(e.pid, e) : bad++;
  // Spawns and exits since the file was last rewritten. An untrusted journal is left out
  // (the file alone still names what ran until its last rewrite).
  const journal = readTrusted(journalPath(path));
  if ("text" in journal) {
    for (const line of journal.text.split("\n")) {
      let j: Partial<JournalLine>;
      try {
        j = JSON.parse(line) as Partial<JournalLine>;
      } catch {
        continue; // empty, or torn by the crash
      }
      if ("add" in j && isEntry(j.add)) byPid.set(j.add.pid, j.add);
      else if ("gone" in j && isInt(j.gone)) byPid.delete(j.gone);
      else bad++;
    }
  }
  return { kind: "found", entries: [...byPid.values()], bad };
}

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v);

function isEntry(v: unknown): v is RunningEntry {
  const e = v as RunningEntry;
  return (
    typeof e === "object" && e !== null && typeof e.name === "string" &&
    // Never pid 0 or 1, never a group that kill(-1) would turn into "every process".
    isInt(e.pid) && e.pid > 1 && isInt(e.pgid) && e.pgid > 1 && isInt(e.start) && e.pid !== process.pid &&
    typeof e.stopsignal === "string" && parseSignal(e.stopsignal) !== null &&
    typeof e.stopwaitsecs === "number" && e.stopwaitsecs >= 0 && Number.isFinite(e.stopwaitsecs) &&
    typeof e.stopasgroup === "boolean" && typeof e.killasgroup === "boolean"
  );
}

/** The daemon's side: records children as they spawn and exit, and writes the file. */
export class RunningFile {
  private readonly children = new Map<number, RunningEntry>();
  /** Left by a previous daemon and not yet gone: kept in the file until they are. */
  private readonly inherited = new Map<number, RunningEntry>();
  private timer: Timer | null = null;
  private lastWrite = -Infinity;
  /** How long after the last rewrite the next may come (WRITE_EVERY_MS, or more for a big file). */
  private gap = WRITE_EVERY_MS;
  private failing = false;
  private closed = false;
  private readonly self = { pid: process.pid, start: procStat(process.pid)?.startTime ?? 0 };
  private readonly boot = bootId();
  /** The journal, open for appending (null until it could be opened). */
  private journal: number | null = null;

  constructor(
    readonly path: string,
    private readonly log: DaemonLog,
    inherited: readonly RunningEntry[] = [],
  ) {
    for (const e of inherited) this.inherited.set(e.pid, e);
    this.flush();
  }

  add(cfg: ProgramConfig, child: ChildHandle): void {
    // Read before the event loop turns: Bun reaps only there, so the pid is still this child.
    const st = procStat(child.pid);
    if (!st) return;
    this.children.set(child.pid, {
      name: cfg.name,
      pid: child.pid,
      pgid: st.pgrp,
      start: st.startTime,
      stopsignal: cfg.stopsignal,
      stopwaitsecs: cfg.stopwaitsecs,
      stopasgroup: cfg.stopasgroup,
      killasgroup: cfg.killasgroup,
    });
    this.append({ add: this.children.get(child.pid)! });
    this.schedule();
    void child.exited.then(() => {
      this.children.delete(child.pid);
      this.append({ gone: child.pid });
      this.schedule();
    });
  }

  /** One line to the journal, now: what the file will say at its next rewrite. */
  private append(line: JournalLine): void {
    if (this.closed || this.journal === null) return;
    try {
      writeSync(this.journal, `${JSON.stringify(line)}\n`);
    } catch {
      /* the next rewrite says it (and reports a failure to write) */
    }
  }

  /** An inherited process is gone. */
  settled(pid: number): void {
    if (this.inherited.delete(pid)) this.schedule();
  }

  /** At exit: gone when nothing is left running, else what is (the next daemon stops it). */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.children.size === 0 && this.inherited.size === 0) {
      try {
        rmSync(this.path, { force: true });
        rmSync(journalPath(this.path), { force: true });
      } catch {
        /* a read-only log_dir: nothing could be written there either */
      }
    } else this.flush();
    if (this.journal !== null) closeSync(this.journal);
    this.journal = null;
    this.closed = true;
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    const wait = Math.max(0, this.lastWrite + this.gap - performance.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, wait);
  }

  private flush(): void {
    const began = performance.now();
    this.lastWrite = began;
    const content: Content = {
      version: 1,
      boot_id: this.boot,
      daemon: this.self,
      programs: [...this.inherited.values(), ...this.children.values()],
    };
    const tmp = `${this.path}.tmp`;
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      // Replace, not overwrite: a reader (the next daemon) sees the old file or the new one.
      rmSync(tmp, { force: true });
      writeFileSync(tmp, `${JSON.stringify(content)}\n`, { mode: 0o600, flag: "wx" });
      renameSync(tmp, this.path);
      // The file now says everything the journal did. The journal is opened at the first
      // rewrite (the constructor's), once the file holds what a previous daemon's journal said.
      if (this.journal === null) this.journal = openSync(journalPath(this.path), "a", 0o600);
      ftruncateSync(this.journal);
      if (this.failing) this.log.info(`${this.path} is written again`);
      this.failing = false;
    } catch (e) {
      if (!this.failing) {
        this.log.warn(`cannot write ${this.path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): if tend is killed now, the next one will not know what it leaves running`);
      }
      this.failing = true;
    }
    this.gap = Math.max(WRITE_EVERY_MS, REWRITE_SHARE * (performance.now() - began));
  }
}
