// A log file written without ever stalling the daemon for long. Writes go straight to the
// file from the event loop (the fast path: at least 0.95× the speed of a shell redirect,
// BENCHMARKS.md) until one write takes SLOW_WRITE_MS or more; from then on the file is written
// by a writer thread (writer-threads.ts), so a slow disk holds up only its own programs. A
// target that can block on a reader (a FIFO, a pipe such as /dev/stdout, a terminal), and a
// file on a network filesystem (NFS, SMB, sshfs: a write can hang while the server is away),
// start on a thread. On a thread, at most 1 MB waits in memory (ThreadTarget): past that, write()
// returns a promise and the pipe from the program is not read until it settles, so the
// program blocks on its own full pipe (backpressure) and the daemon's memory stays flat.

import { readLogBytes, type ByteRead, type ByteReadResult } from "./byte-reads.ts";
import { RotatingFile, type RotationPolicy } from "./rotating-file.ts";
import { readTail } from "./tail.ts";
import { blockingDomain, ThreadTarget, type TargetEvents } from "./writer-threads.ts";
import { isNetworkFs, mountByDev, mountByPath, mountTable } from "../sys/mounts.ts";

/** A write slower than this moves the file to a writer thread (page-cache writes take µs). */
export const SLOW_WRITE_MS = 20;

export interface LogFileEvents extends TargetEvents {
  /** The file moved to a writer thread (or could not), and why (`slow`: worth a warning). */
  readonly onMoved?: (reason: string, slow: boolean) => void;
}

export class LogFile {
  private direct: RotatingFile | null = null;
  private thread: ThreadTarget | null = null;

  constructor(
    readonly path: string,
    private readonly policy: RotationPolicy,
    private readonly events: LogFileEvents,
  ) {
    const onNetwork = (fstype: string) => `on ${fstype}, a network filesystem, where a write can hang`;
    // By the path's spelling first: a stat on a network mount whose server is gone would hang.
    const mounts = mountTable();
    const spelled = mountByPath(path, mounts);
    if (spelled && isNetworkFs(spelled.fstype)) {
      this.moveToThread(onNetwork(spelled.fstype), null, false, `fs:${spelled.dev}`);
      return;
    }
    const domain = blockingDomain(path);
    const mount = domain.dev === null ? null : mountByDev(domain.dev, mounts); // a symlink into a mount
    if (domain.stream) this.moveToThread("not a regular file, so a reader that stalls could block a write", null, false, domain.key);
    else if (mount && isNetworkFs(mount.fstype)) this.moveToThread(onNetwork(mount.fstype), null, false, domain.key);
    else this.direct = new RotatingFile(path, policy, events.onError);
  }

  /** Write `chunk`; a promise means "too much in flight: wait before writing more". */
  write(chunk: Uint8Array): void | Promise<void> {
    if (!this.direct) return this.thread!.write(chunk);
    const t0 = performance.now();
    this.direct.write(chunk);
    const ms = performance.now() - t0;
    if (ms >= SLOW_WRITE_MS) this.moveToThread(`a write took ${Math.round(ms)} ms`, this.direct, true);
    // The path became a FIFO or a device after we looked: a reader could block it from now on.
    else if (this.direct.isStream) this.moveToThread("not a regular file, so a reader that stalls could block a write", this.direct, false);
  }

  /**
   * The last `lines` lines (rotated files included); null when the target is not a regular
   * file. A file on a writer thread is read there, after the writes before this call, so a
   * disk that stopped answering holds up the reader, never the daemon.
   */
  tail(lines: number, backups: number): string | null | Promise<string | null> {
    if (this.thread) return this.thread.tail(lines, backups);
    return readTail(this.path, lines, backups);
  }

  /** supervisord's offset read of the file (byte-reads.ts): on its writer thread, as tail(). */
  read(op: ByteRead): ByteReadResult | Promise<ByteReadResult> {
    if (this.thread) return this.thread.read(op);
    return readLogBytes(this.path, op);
  }

  /** Resolves once everything written so far is in the file (at once on the fast path). */
  flushed(): Promise<void> {
    return this.thread ? this.thread.flushed() : Promise.resolve();
  }

  /**
   * Open the file now (a program's start: its log files are held from its spawn on, as
   * supervisord does, so the descriptors a start costs are all taken when it is counted).
   * A file on a writer thread opens there at its first write.
   */
  prepare(): void {
    this.direct?.prepare();
  }

  /** Close and reopen on the next write (external logrotate, SIGUSR2). */
  reopen(): void {
    if (this.direct) this.direct.reopen();
    else this.thread!.reopen();
  }

  /** Close the file; what is in flight is still written. */
  close(): void {
    if (this.direct) this.direct.close();
    else this.thread!.close();
  }

  private moveToThread(reason: string, from: RotatingFile | null, slow: boolean, key = blockingDomain(this.path).key): void {
    const { path, policy, events } = this;
    try {
      // The open file is handed over only once the thread exists.
      const open = (id: number) => ({ t: "open", id, path, policy, state: from ? from.handOff() : null }) as const;
      this.thread = new ThreadTarget(key, open, path, events);
    } catch (e) {
      // No thread to be had (the system is out of them): writing from the event loop
      // beats not writing at all.
      this.direct = from ?? new RotatingFile(path, policy, events.onError);
      this.thread = null;
      events.onMoved?.(`${reason}, but no writer thread could start (${(e as Error).message}): still written from the event loop`, true);
      return;
    }
    this.direct = null;
    events.onMoved?.(`written from a separate thread from now on: ${reason}`, slow);
  }
}
