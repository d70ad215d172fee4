// One output stream of one program (its stdout, or its stderr) from pipe to destinations:
// optional per-line timestamps, then the log file, the live followers, and the daemon's
// console. Every byte read from the pipe goes to each of them once, in order.

import { Fanout } from "./fanout.ts";
import { LinePrefixer, timestampPrefix } from "./line-prefixer.ts";
import type { Sink } from "./output-pump.ts";
import { LogFile } from "./log-file.ts";
import type { RotationPolicy } from "./rotating-file.ts";

/** A console copy of the output; `flushed` when it is written from elsewhere (a thread). */
export interface ConsoleSink extends Sink {
  flushed?(): Promise<void>;
}

export interface StreamLogOptions {
  /** Log file path, or null to keep no file. */
  readonly path: string | null;
  readonly rotation: RotationPolicy;
  readonly timestamps: boolean;
  /** Called with a message when writing the file starts failing, null when it works again. */
  readonly onError: (message: string | null) => void;
  /** The file moved to a writer thread (log-file.ts), and why. */
  readonly onMoved?: (reason: string, slow: boolean) => void;
  /** Bytes reached the file. */
  readonly onProgress?: () => void;
}

export class StreamLog implements Sink {
  readonly file: LogFile | null;
  readonly followers = new Fanout();
  private readonly stamper: LinePrefixer | null;
  private readonly consoles = new Set<ConsoleSink>();
  bytes = 0;

  constructor(opts: StreamLogOptions) {
    this.file = opts.path
      ? new LogFile(opts.path, opts.rotation, { onError: opts.onError, onMoved: opts.onMoved, onProgress: opts.onProgress })
      : null;
    this.stamper = opts.timestamps ? new LinePrefixer(timestampPrefix) : null;
  }

  /** A promise means the file has too much in flight: read no more until it settles. */
  write(raw: Uint8Array): void | Promise<void> {
    this.bytes += raw.length;
    const chunk = this.stamper ? this.stamper.transform(raw) : raw;
    let room = this.file?.write(chunk);
    if (this.followers.size) this.followers.publish(chunk);
    // (Guarded: an iterator per chunk is garbage at disk speed.)
    if (this.consoles.size) for (const c of this.consoles) {
      const more = c.write(raw);
      if (more) room = room ? Promise.all([room, more]).then(() => {}) : more;
    }
    return room;
  }

  /** Resolves once everything written so far is in the file and on the consoles. */
  async flushed(): Promise<void> {
    await this.file?.flushed();
    for (const c of this.consoles) await c.flushed?.();
  }

  /** Mirror raw output (without file timestamps) to a console sink; it may push back too. */
  addConsole(sink: ConsoleSink): void {
    this.consoles.add(sink);
  }

  reopen(): void {
    this.file?.reopen();
  }

  close(): void {
    this.file?.close();
    this.followers.closeAll();
  }
}
