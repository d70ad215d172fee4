// The daemon's own log: <log_dir>/tend.log (rotated) and, in the foreground, stderr. Never
// mixed with program output. Lines: ISO time, level, message.

import type { LogLevel } from "../config/types.ts";
import type { ByteRead, ByteReadResult } from "../logs/byte-reads.ts";
import { LogFile } from "../logs/log-file.ts";
import { LogFold, type LogEntry } from "./log-fold.ts";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const DEFAULT_ROTATION = { maxBytes: 50 * 1024 * 1024, backups: 10 } as const;
const LABEL: Record<LogLevel, string> = { debug: "DEBUG", info: "INFO", warn: "WARN", error: "ERROR" };

/**
 * Does the daemon echo its log to stderr? Not when started by `--detach`: there stderr is
 * a file kept only for start-up errors, and tend.log has the rest. The marker is removed so
 * programs do not inherit it.
 */
export function logsToStderr(env: Record<string, string | undefined> = process.env): boolean {
  const detached = env.TEND_DETACHED === "1";
  delete env.TEND_DETACHED;
  return !detached;
}

export class DaemonLog {
  private file: LogFile | null = null;
  private readonly encoder = new TextEncoder();
  /** Repeats (a crash loop) are counted, not written line by line: see log-fold.ts. */
  private readonly fold = new LogFold((e) => this.write(e));

  constructor(
    private level: LogLevel,
    private readonly toStderr: boolean,
  ) {}

  /**
   * (Re)target the file; null writes to stderr only. Rotation as [daemon] logfile_maxbytes and
   * logfile_backups say (DaemonConfig), 50 MB and 10 backups when they are not given.
   */
  setFile(path: string | null, rotation: { readonly maxBytes: number; readonly backups: number } = DEFAULT_ROTATION): void {
    this.fold.flush();
    this.file?.close();
    this.file = path
      ? new LogFile(path, rotation, {
          onError: (err) => {
            if (err && this.toStderr) console.error(`tend: cannot write the daemon log: ${err}`);
          },
        })
      : null;
  }

  setLevel(level: LogLevel): void {
    this.level = level;
  }

  reopen(): void {
    this.file?.reopen();
  }

  /** supervisord's offset read of tend.log, where it is written (LogFile.read); null: no file. */
  read(op: ByteRead): ByteReadResult | Promise<ByteReadResult> | null {
    return this.file ? this.file.read(op) : null;
  }

  /** Close the file; resolves once a writer thread (if it has the file) has written it all. */
  close(): Promise<void> {
    this.fold.flush();
    const file = this.file;
    if (!file) return Promise.resolve();
    file.close();
    return file.flushed();
  }

  debug(msg: string): void {
    this.log("debug", msg);
  }
  info(msg: string): void {
    this.log("info", msg);
  }
  warn(msg: string): void {
    this.log("warn", msg);
  }
  error(msg: string): void {
    this.log("error", msg);
  }

  private log(level: LogLevel, msg: string): void {
    if (RANK[level] < RANK[this.level]) return;
    this.fold.push({ level, msg, time: new Date().toISOString() });
  }

  private write(e: LogEntry): void {
    const line = `${e.time} ${LABEL[e.level]} ${e.msg}\n`;
    this.file?.write(this.encoder.encode(line));
    if (this.toStderr) process.stderr.write(line);
  }
}
