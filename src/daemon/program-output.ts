// A program's two output streams and where they go: its .out.log and .err.log (rotated),
// live followers, and optionally the daemon's console. Lives as long as the program's
// config, across restarts, so followers keep following through a restart.

import type { ProgramConfig } from "../config/types.ts";
import { drainNow, pump } from "../logs/output-pump.ts";
import { StreamLog, type ConsoleSink } from "../logs/stream-log.ts";
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
    onMoved: (stream: StreamName, reason: string, slow: boolean) => void = () => {},
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
        onMoved: (reason, slow) => onMoved(stream, reason, slow),
        onProgress: () => (this.lastActivityAt = performance.now()),
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
  mirrorTo(make: (stream: StreamName) => ConsoleSink & { end(): void }): void {
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
    this.stdout.file?.prepare();
    if (this.stderr !== this.stdout) this.stderr.file?.prepare();
    const noting = (log: StreamLog) => ({
      write: (chunk: Uint8Array) => {
        this.lastActivityAt = performance.now();
        return log.write(chunk);
      },
    });
    const done = [pump(child.stdoutFd, noting(this.stdout))];
    if (child.stderrFd !== null) done.push(pump(child.stderrFd, noting(this.stderr)));
    const drained = Promise.all(done).then(() => {
      for (const end of this.consoleEnds) end();
    });
    this.pipes.set(drained, child.stderrFd === null ? [child.stdoutFd] : [child.stdoutFd, child.stderrFd]);
    return drained;
  }

  /** The pipes each attach() drains, by the promise it returned (for settled). */
  private readonly pipes = new WeakMap<Promise<void>, number[]>();

  /** When output was last read from a pipe, or reached a file on a writer thread. */
  private lastActivityAt = 0;

  /**
   * Resolves once the pipes reach EOF, or once nothing has been read for `quietMs`: a
   * grandchild that inherited the pipe can keep it open forever, but a backlog still being
   * drained (a program that wrote megabytes just before exiting) is waited for in full. Then
   * what was read gets up to `flushMs` to reach files on a writer thread (a slow disk), so
   * a program's last lines are in its log when its exit is reported; a target that takes no
   * writes at all delays the report by no more than that.
   */
  async settled(drained: Promise<void>, quietMs = 50, flushMs = 2000): Promise<void> {
    let eof = false;
    // One reaction on `drained` for the whole wait: racing it in the loop would add one per
    // turn, all held until EOF (forever, if a grandchild keeps the pipe open and writing).
    let wake: (() => void) | null = null;
    void drained.then(() => {
      eof = true;
      wake?.();
    });
    const nap = (ms: number) =>
      new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          wake = null;
          resolve();
        };
        const timer = setTimeout(done, ms);
        wake = done;
      });
    // The exit can be seen before the last bytes are read: give EOF its chance first. The
    // pipes are read at once, not when the readiness thread next reports them (under load,
    // or before it has started, that can take longer than `quietMs`).
    if (!eof) for (const fd of this.pipes.get(drained) ?? []) drainNow(fd);
    if (!eof) await nap(quietMs);
    for (;;) {
      const quietFor = performance.now() - this.lastActivityAt;
      if (eof || quietFor >= quietMs) break;
      await nap(quietMs - quietFor);
    }
    let timer: Timer | undefined;
    await Promise.race([
      Promise.all([this.stdout.flushed(), this.stderr.flushed()]),
      new Promise<void>((r) => (timer = setTimeout(r, flushMs))),
    ]);
    clearTimeout(timer);
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
