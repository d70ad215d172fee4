// A program's two output streams and where they go: its .out.log and .err.log (rotated),
// or nowhere. Lives as long as the program's config, across restarts.

import type { ProgramConfig } from "../config/types.ts";
import { pump, type Sink } from "../logs/output-pump.ts";
import { RotatingFile } from "../logs/rotating-file.ts";
import type { ChildHandle } from "./process-port.ts";

const discard: Sink = { write() {} };

export class ProgramOutput {
  readonly stdout: RotatingFile | null;
  readonly stderr: RotatingFile | null;
  /** Last write error per stream, shown in status; null when writing works. */
  readonly errors: { stdout: string | null; stderr: string | null } = { stdout: null, stderr: null };
  bytesLogged = 0;

  constructor(cfg: ProgramConfig, onError: (stream: "stdout" | "stderr", msg: string | null) => void) {
    this.stdout = cfg.stdoutLogfile
      ? new RotatingFile(cfg.stdoutLogfile, { maxBytes: cfg.stdoutLogfileMaxbytes, backups: cfg.stdoutLogfileBackups }, (m) => {
          this.errors.stdout = m;
          onError("stdout", m);
        })
      : null;
    this.stderr = cfg.stderrLogfile
      ? new RotatingFile(cfg.stderrLogfile, { maxBytes: cfg.stderrLogfileMaxbytes, backups: cfg.stderrLogfileBackups }, (m) => {
          this.errors.stderr = m;
          onError("stderr", m);
        })
      : null;
  }

  /** Start draining a new child's pipes; resolves when both reach EOF. */
  attach(child: ChildHandle): Promise<void> {
    const counted = (file: RotatingFile | null): Sink =>
      file
        ? {
            write: (chunk) => {
              this.bytesLogged += chunk.length;
              file.write(chunk);
            },
          }
        : discard;
    const done = [pump(child.stdoutFd, counted(this.stdout))];
    if (child.stderrFd !== null) done.push(pump(child.stderrFd, counted(this.stderr)));
    return Promise.all(done).then(() => {});
  }

  reopen(): void {
    this.stdout?.reopen();
    this.stderr?.reopen();
  }

  close(): void {
    this.stdout?.close();
    this.stderr?.close();
  }
}
