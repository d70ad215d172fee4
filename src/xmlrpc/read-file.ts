// supervisord's byte-offset log reads (supervisor.options.readFile / tailFile), which the
// read*Log and tail*Log methods and `supervisorctl tail` are defined by. Offsets and lengths
// are bytes; the bytes are decoded as UTF-8 for the XML-RPC string. The reading itself is
// logs/byte-reads.ts's, done where the file is written (the daemon's backend, readLogBytes).

import { readLogBytes, type ByteReadResult } from "../logs/byte-reads.ts";
import { RpcFault } from "./faults.ts";

const utf8 = new TextDecoder("utf-8");

/** readFile's arguments: offset < 0 with a length, or a negative length, is BAD_ARGUMENTS. */
export function checkReadArgs(offset: number, length: number): void {
  if (offset < 0 && length !== 0) throw new RpcFault("BAD_ARGUMENTS");
  if (length < 0) throw new RpcFault("BAD_ARGUMENTS");
}

/** readFile's answer: the bytes as a string; anything but a read that worked is FAILED. */
export function readAnswer(r: ByteReadResult): string {
  if (r.kind !== "ok") throw new RpcFault("FAILED");
  return utf8.decode(r.bytes);
}

/** tailFile's answer, [bytes, new offset (the file size), overflow]; no file: ["", offset, false]. */
export function tailAnswer(r: ByteReadResult, offset: number): [string, number, boolean] {
  if (r.kind !== "ok") return ["", offset, false];
  return [utf8.decode(r.bytes), r.size, r.overflow];
}

/**
 * readFile(offset, length), read here:
 *  offset < 0, length == 0 → the last |offset| bytes;  offset < 0, length != 0 → BAD_ARGUMENTS;
 *  length < 0 → BAD_ARGUMENTS;  length == 0 → offset to EOF;  else length bytes from offset.
 * An I/O error is FAILED.
 */
export function readFileRange(path: string, offset: number, length: number): string {
  checkReadArgs(offset, length);
  return readAnswer(readLogBytes(path, { kind: "read", offset, length }));
}

/**
 * tailFile(offset, length) → [bytes, new offset (the file size), overflow]: if the file grew
 * past offset + length, skip ahead and say so; never more than `length` bytes.
 */
export function tailFileRange(path: string, offset: number, length: number): [string, number, boolean] {
  return tailAnswer(readLogBytes(path, { kind: "tail", offset, length }), offset);
}
