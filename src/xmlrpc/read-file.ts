// supervisord's byte-offset log reads (supervisor.options.readFile / tailFile), which the
// read*Log and tail*Log methods and `supervisorctl tail` are defined by. Offsets and lengths
// are bytes; the bytes are decoded as UTF-8 for the XML-RPC string.

import { closeSync, fstatSync, openSync } from "node:fs";
import { readRange as readRangeOf } from "../logs/file-range.ts";
import { RpcFault } from "./faults.ts";

/** Reads at most this much in one call, whatever was asked: a response is built in memory. */
export const MAX_READ = 16 * 1024 * 1024;

const readRange = (fd: number, pos: number, len: number): Uint8Array => readRangeOf(fd, pos, Math.min(len, MAX_READ));

const utf8 = new TextDecoder("utf-8");

/**
 * readFile(offset, length):
 *  offset < 0, length == 0 → the last |offset| bytes;  offset < 0, length != 0 → BAD_ARGUMENTS;
 *  length < 0 → BAD_ARGUMENTS;  length == 0 → offset to EOF;  else length bytes from offset.
 * An I/O error is FAILED.
 */
export function readFileRange(path: string, offset: number, length: number): string {
  if (offset < 0 && length !== 0) throw new RpcFault("BAD_ARGUMENTS");
  if (length < 0) throw new RpcFault("BAD_ARGUMENTS");
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    throw new RpcFault("FAILED");
  }
  try {
    const size = fstatSync(fd).size;
    let bytes: Uint8Array;
    if (offset < 0) {
      const pos = Math.max(0, size - -offset);
      bytes = readRange(fd, pos, Math.min(-offset, size - pos));
    } else if (length === 0) {
      bytes = readRange(fd, offset, size - offset);
    } else {
      bytes = readRange(fd, offset, Math.min(length, Math.max(0, size - offset)));
    }
    return utf8.decode(bytes);
  } catch {
    throw new RpcFault("FAILED");
  } finally {
    closeSync(fd);
  }
}

/**
 * tailFile(offset, length) → [bytes, new offset (the file size), overflow]: if the file grew
 * past offset + length, skip ahead and say so; never more than `length` bytes.
 */
export function tailFileRange(path: string, offset: number, length: number): [string, number, boolean] {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return ["", offset, false];
  }
  try {
    const sz = fstatSync(fd).size;
    let overflow = false;
    if (sz > offset + length) {
      overflow = true;
      offset = sz - 1;
    }
    if (offset + length > sz) {
      if (offset > sz - 1) length = 0;
      offset = sz - length;
    }
    if (offset < 0) offset = 0;
    if (length < 0) length = 0;
    const data = length === 0 ? "" : utf8.decode(readRange(fd, offset, length));
    return [data, sz, overflow];
  } catch {
    return ["", offset, false];
  } finally {
    closeSync(fd);
  }
}

/** The last `n` bytes of a file (the start of a /logtail stream), or empty. */
export function lastBytes(path: string, n: number): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return new Uint8Array(0);
  }
  try {
    const size = fstatSync(fd).size;
    const pos = Math.max(0, size - n);
    return readRange(fd, pos, size - pos);
  } finally {
    closeSync(fd);
  }
}
