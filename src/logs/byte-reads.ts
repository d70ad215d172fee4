// supervisord's byte-offset reads of a log file (its options.readFile and tailFile: the XML-RPC
// read*Log / tail*Log methods, `supervisorctl tail`, the start of /logtail), as one plain-data
// request and answer, so that they can run where the file is written (log-file.ts): on its
// writer thread when it has one, where a disk that stopped answering holds up the reader and
// never the daemon. What the bytes mean to a client (faults, decoding) is xmlrpc/read-file.ts's.

import { closeSync, constants, fstatSync, openSync, statSync } from "node:fs";
import { readRange } from "./file-range.ts";

/** Reads at most this much in one call, whatever was asked: a response is built in memory. */
export const MAX_READ = 16 * 1024 * 1024;

export type ByteRead =
  /**
   * supervisord's readFile, arguments already checked: offset < 0 → the last |offset| bytes;
   * length 0 → offset to the end; else `length` bytes from offset.
   */
  | { readonly kind: "read"; readonly offset: number; readonly length: number }
  /**
   * supervisord's tailFile: at most `length` bytes from `offset`; if the file grew past
   * offset + length, its last `length` bytes instead (overflow).
   */
  | { readonly kind: "tail"; readonly offset: number; readonly length: number }
  /**
   * One step of following the file by size (supervisord's tail_f_producer, /mainlogtail):
   * what was added since `pos` of the file `ino`, at most `max` bytes. The first step (ino
   * null) starts `head` bytes before the end; another file under the path (rotated) is read
   * from its start; a file shorter than `pos` was truncated (`truncated`, read from 0 next).
   */
  | { readonly kind: "since"; readonly ino: number | null; readonly pos: number; readonly head: number; readonly max: number };

export type ByteReadResult =
  /** No such path (or it cannot be looked at). */
  | { readonly kind: "missing" }
  /** A device, FIFO or directory: nothing to read back (opening a FIFO could block). */
  | { readonly kind: "not-file" }
  | { readonly kind: "failed"; readonly message: string }
  | {
      readonly kind: "ok";
      readonly bytes: Uint8Array;
      /** Where in the file `bytes` start. */
      readonly start: number;
      /** The file's size when read: tailFile's next offset. */
      readonly size: number;
      readonly overflow: boolean;
      readonly truncated: boolean;
      readonly ino: number;
      readonly mtimeMs: number;
    };

export function readLogBytes(path: string, op: ByteRead): ByteReadResult {
  try {
    if (!statSync(path).isFile()) return { kind: "not-file" };
  } catch {
    return { kind: "missing" };
  }
  let fd: number;
  try {
    // O_NONBLOCK: should the path have become a FIFO since the stat, the open does not wait for a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return { kind: "failed", message: (e as Error).message };
  }
  try {
    const st = fstatSync(fd);
    const size = st.size;
    const ok = (start: number, len: number, overflow = false, truncated = false): ByteReadResult => ({
      kind: "ok",
      bytes: readRange(fd, start, Math.min(len, MAX_READ)),
      start,
      size,
      overflow,
      truncated,
      ino: st.ino,
      mtimeMs: st.mtimeMs,
    });
    if (op.kind === "read") {
      const { offset, length } = op;
      if (offset < 0) {
        const pos = Math.max(0, size + offset);
        return ok(pos, Math.min(-offset, size - pos));
      }
      if (length === 0) return ok(offset, size - offset);
      return ok(offset, Math.min(length, Math.max(0, size - offset)));
    }
    if (op.kind === "since") {
      if (op.ino === null) return ok(Math.max(0, size - op.head), Math.min(op.head, size, op.max));
      if (st.ino !== op.ino) return ok(0, Math.min(size, op.max));
      if (size < op.pos) return ok(0, 0, false, true);
      return ok(op.pos, Math.min(size - op.pos, op.max));
    }
    let { offset, length } = op;
    let overflow = false;
    if (size > offset + length) {
      overflow = true;
      offset = size - 1;
    }
    if (offset + length > size) {
      if (offset > size - 1) length = 0;
      offset = size - length;
    }
    if (offset < 0) offset = 0;
    if (length < 0) length = 0;
    return ok(offset, length, overflow);
  } catch (e) {
    return { kind: "failed", message: (e as Error).message };
  } finally {
    closeSync(fd);
  }
}
