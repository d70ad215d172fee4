// Reading a program's pipe with read(2) into a buffer the caller reuses, and epoll(7) to learn
// when it is readable (output-pump.ts, readiness-worker.ts). Bun's own reader
// (Bun.file(fd).stream()) hands out a fresh buffer per read: at disk speed that garbage was
// the daemon's RSS growth (issue #16.3). Loaded lazily, once per thread that uses it.

import { FFIType, ptr, read as peek, type Pointer } from "bun:ffi";
import { openLibc } from "./libc.ts";

const SYMBOLS = {
  // i64_fast: a number, not a BigInt per call (a byte count always fits).
  read: { args: [FFIType.i32, FFIType.ptr, FFIType.u64], returns: FFIType.i64_fast },
  fcntl: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  epoll_create1: { args: [FFIType.i32], returns: FFIType.i32 },
  epoll_ctl: { args: [FFIType.i32, FFIType.i32, FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
  epoll_wait: { args: [FFIType.i32, FFIType.ptr, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  __errno_location: { args: [], returns: FFIType.ptr },
} as const;

type Lib = ReturnType<typeof openLibc<typeof SYMBOLS>>;
let lib: Lib | null = null;
/** errno is per thread, and so is this module's state (each worker loads its own copy). */
let errnoAt: Pointer | null = null;

function libc(): Lib["symbols"] {
  lib ??= openLibc(SYMBOLS);
  return lib.symbols;
}

function errno(): number {
  errnoAt ??= libc().__errno_location() as Pointer | null;
  return errnoAt === null ? 0 : peek.i32(errnoAt, 0);
}

const EINTR = 4;
const F_GETFL = 3;
const F_SETFL = 4;
const O_NONBLOCK = 0o4000;

/** Make reads of `fd` return at once when it is empty (its readiness comes from epoll). */
export function setNonblocking(fd: number): boolean {
  const flags = libc().fcntl(fd, F_GETFL, 0);
  return flags >= 0 && libc().fcntl(fd, F_SETFL, flags | O_NONBLOCK) === 0;
}

/** read() found the pipe empty: wait for readiness. */
export const EMPTY = -1;
/** read() failed for another reason (the stream ends as at EOF). */
export const FAILED = -2;

/**
 * The errors that end a pipe's stream. errno is read by a second FFI call, and the runtime
 * runs on this thread in between (an allocation, a collection): a value it left there must
 * not end the stream, since closing a pipe early costs the program a SIGPIPE and its output.
 * So only what read(2) on a pipe can really say is taken as failure; anything else (EAGAIN,
 * or a stray value) means "wait for readiness", and epoll answers at once if it is not empty.
 */
const EBADF = 9;
const EIO = 5;
const EFAULT = 14;
const EINVAL = 22;
const EISDIR = 21;
const ENDS_STREAM = new Set([EBADF, EIO, EFAULT, EINVAL, EISDIR]);

/** read(2) into `buf` (at most its length): bytes read, 0 at EOF, EMPTY or FAILED. */
export function readInto(fd: number, buf: Uint8Array, at: Pointer = ptr(buf)): number {
  for (;;) {
    const n = Number(libc().read(fd, at, buf.length));
    if (n >= 0) return n;
    const e = errno();
    if (e === EINTR) continue;
    return ENDS_STREAM.has(e) ? FAILED : EMPTY;
  }
}

const EPOLL_CLOEXEC = 0o2000000;
const EPOLL_CTL_ADD = 1;
const EPOLL_CTL_DEL = 2;
const EPOLL_CTL_MOD = 3;
const EPOLLIN = 0x1;
const EPOLLONESHOT = 1 << 30;
/** struct epoll_event is packed on x86-64 (12 bytes), naturally aligned elsewhere (16). */
const EVENT_SIZE = process.arch === "x64" ? 12 : 16;
const DATA_OFFSET = process.arch === "x64" ? 4 : 8;

/** A new epoll instance (close-on-exec); -1 when the kernel refuses one. */
export function epollCreate(): number {
  return libc().epoll_create1(EPOLL_CLOEXEC);
}

const ctlEvent = new Uint8Array(16);
const ctlView = new DataView(ctlEvent.buffer);

/**
 * Ask for one readiness report of `fd` (EPOLLONESHOT: after it fires, `fd` is quiet until
 * armed again). `known`: `fd` was armed before (modify, not add). False when refused.
 */
export function epollArm(epfd: number, fd: number, known: boolean): boolean {
  ctlView.setUint32(0, EPOLLIN | EPOLLONESHOT, true);
  ctlView.setInt32(DATA_OFFSET, fd, true);
  ctlView.setInt32(DATA_OFFSET + 4, 0, true);
  return libc().epoll_ctl(epfd, known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, ptr(ctlEvent)) === 0;
}

/** Stop watching `fd` (before closing it, so its number can be reused cleanly). */
export function epollForget(epfd: number, fd: number): void {
  libc().epoll_ctl(epfd, EPOLL_CTL_DEL, fd, ptr(ctlEvent));
}

/** A reusable buffer for `epollWait`, room for `max` events. */
export function epollEvents(max: number): Uint8Array {
  return new Uint8Array(max * EVENT_SIZE);
}

/** Block until some watched descriptor is ready; their numbers ([] after a signal). */
export function epollWait(epfd: number, events: Uint8Array, timeoutMs = -1): number[] {
  const n = libc().epoll_wait(epfd, ptr(events), events.length / EVENT_SIZE, timeoutMs);
  const view = new DataView(events.buffer, events.byteOffset);
  const fds: number[] = [];
  for (let i = 0; i < n; i++) fds.push(view.getInt32(i * EVENT_SIZE + DATA_OFFSET, true));
  return fds;
}
