// Messages between the daemon's event loop and a log-writer thread (writer-worker.ts).
// Every message to the thread is answered by exactly one "ack", in order, so the event loop
// knows how much is still on its way to the file.

import type { ByteRead, ByteReadResult } from "./byte-reads.ts";
import type { OpenState, RotationPolicy } from "./rotating-file.ts";

export type ToWriter =
  /** `state`: the open file as the event loop leaves it (RotatingFile.handOff), if it had one. */
  | { readonly t: "open"; readonly id: number; readonly path: string; readonly policy: RotationPolicy; readonly state: OpenState | null }
  /** One of the daemon's own descriptors (its stdout or stderr): written, never closed. */
  | { readonly t: "console"; readonly id: number; readonly fd: number }
  | { readonly t: "write"; readonly id: number; readonly chunk: Uint8Array }
  | { readonly t: "reopen"; readonly id: number }
  /** The file's last `lines` lines (across `backups` rotated files), read after every write before it. */
  | { readonly t: "tail"; readonly id: number; readonly req: number; readonly lines: number; readonly backups: number }
  /** supervisord's offset read of the file (byte-reads.ts), after every write before it. */
  | { readonly t: "read"; readonly id: number; readonly req: number; readonly op: ByteRead }
  | { readonly t: "close"; readonly id: number };

export type FromWriter =
  | { readonly t: "ack"; readonly id: number; readonly bytes: number }
  | { readonly t: "error"; readonly id: number; readonly message: string | null }
  /** The answer to "tail" (null: not a regular file, nothing to read back). */
  | { readonly t: "tail"; readonly id: number; readonly req: number; readonly text: string | null }
  | { readonly t: "read"; readonly id: number; readonly req: number; readonly result: ByteReadResult };
