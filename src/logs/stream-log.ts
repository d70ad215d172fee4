// One output stream of one program (its stdout, or its stderr) from pipe to destinations:
// optional per-line timestamps, then the log file, the live followers, and the daemon's
// console. Every byte read from the pipe goes to each of them once, in order.

import { Fanout } from "./fanout.ts";
import { LinePrefixer, timestampPrefix } from "./line-prefixer.ts";
import type { Sink } from "./output-pump.ts";
import { RotatingFile, type RotationPolicy } from "./rotating-file.ts";

export interface StreamLogOptions {
  /** Log file path, or null to keep no file. */
  readonly path: string | null;
  readonly rotation: RotationPolicy;
  readonly timestamps: boolean;
  /** Called with a message when writing the file starts failing, null when it works again. */
  readonly onError: (message: string | null) => void;
}

export class StreamLog implements Sink {
  readonly file: RotatingFile | null;
  readonly followers = new Fanout();
  private readonly stamper: LinePrefixer | null;
  private readonly consoles = new Set<Sink>();
  bytes = 0;

  constructor(opts: StreamLogOptions) {
    this.file = opts.path ? new RotatingFile(opts.path, opts.rotation, opts.onError) : null;
    this.stamper = opts.timestamps ? new LinePrefixer(timestampPrefix) : null;
  }

  write(raw: Uint8Array): void {
    this.bytes += raw.length;
    const chunk = this.stamper ? this.stamper.transform(raw) : raw;
    this.file?.write(chunk);
    if (this.followers.size) this.followers.publish(chunk);
    for (const c of this.consoles) c.write(raw);
  }

  /** Mirror raw output (without file timestamps) to a console sink. */
  addConsole(sink: Sink): void {
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
