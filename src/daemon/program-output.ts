// A program's two output streams and where they go: its .out.log and .err.log (rotated),
// live followers, and optionally the daemon's console. Lives as long as the program's
// config, across restarts, so followers keep following through a restart.

import type { ProgramConfig } from "../config/types.ts";
import { pump, type Sink } from "../logs/output-pump.ts";
import { StreamLog } from "../logs/stream-log.ts";
import type { ChildHandle } from "./process-port.ts";

export type StreamName = "stdout" | "stderr";

export class ProgramOutput {
  readonly stdout: StreamLog;
  /** With redirect_stderr, stderr is the stdout stream. */
  readonly stderr: StreamLog;
  /** Last write error per stream, shown in status; null when writing works. */
  readonly errors: Record<StreamName, string | null> = { stdout: null, stderr: null };
  private readonly consoleEnds: Array<() => void> = [];

  constructor(
    readonly cfg: ProgramConfig,
    onError: (stream: StreamName, msg: string | null) => void,
  ) {
    const make = (stream: StreamName, path: string | null, maxBytes: number, backups: number) =>
      new StreamLog({
        path,
        rotation: { maxBytes, backups },
        timestamps: cfg.timestamps,
        onError: (m) => {
          this.errors[stream] = m;
          onError(stream, m);
        },
      });
    this.stdout = make("stdout", cfg.stdoutLogfile, cfg.stdoutLogfileMaxbytes, cfg.stdoutLogfileBackups);
    this.stderr = cfg.redirectStderr
      ? this.stdout
      : make("stderr", cfg.stderrLogfile, cfg.stderrLogfileMaxbytes, cfg.stderrLogfileBackups);
  }

  get bytesLogged(): number {
    return this.stdout.bytes + (this.stderr === this.stdout ? 0 : this.stderr.bytes);
  }

  stream(name: StreamName): StreamLog {
    return name === "stdout" ? this.stdout : this.stderr;
  }

  /** Mirror output to the daemon's console: `make` builds the sink for each stream. */
  mirrorTo(make: (stream: StreamName) => Sink & { end(): void }): void {
    const out = make("stdout");
    this.stdout.addConsole(out);
    this.consoleEnds.push(() => out.end());
    if (this.stderr !== this.stdout) {
      const err = make("stderr");
      this.stderr.addConsole(err);
      this.consoleEnds.push(() => err.end());
    }
  }

  /** Start draining a new child's pipes; resolves when both reach EOF. */
  attach(child: ChildHandle): Promise<void> {
    const done = [pump(child.stdoutFd, this.stdout)];
    if (child.stderrFd !== null) done.push(pump(child.stderrFd, this.stderr));
    return Promise.all(done).then(() => {
      for (const end of this.consoleEnds) end();
    });
  }

  reopen(): void {
    this.stdout.reopen();
    this.stderr.reopen();
  }

  close(): void {
    this.stdout.close();
    this.stderr.close();
  }
}
