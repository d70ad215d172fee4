// One unix datagram to a path or an abstract name, through libc (Bun has no AF_UNIX
// SOCK_DGRAM API): socket(2) + sendto(2) + close(2). Used for systemd's sd_notify protocol.
// Loaded lazily: only a daemon started with $NOTIFY_SOCKET pays for the dlopen.

import { FFIType, ptr, read } from "bun:ffi";
import { openLibc } from "./libc.ts";

const SYMBOLS = {
  socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  sendto: {
    args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32, FFIType.ptr, FFIType.u32],
    returns: FFIType.i64,
  },
  close: { args: [FFIType.i32], returns: FFIType.i32 },
  // glibc and musl both export the errno location under this name.
  __errno_location: { args: [], returns: FFIType.ptr },
} as const;

type Lib = ReturnType<typeof openLibc<typeof SYMBOLS>>;
let lib: Lib | null = null;

function libc(): Lib["symbols"] {
  lib ??= openLibc(SYMBOLS);
  return lib.symbols;
}

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const MSG_NOSIGNAL = 0x4000;
/** sizeof(struct sockaddr_un): a 2-byte family, then 108 bytes of path. */
const SUN_PATH_MAX = 108;

const ERRNO_NAMES: Record<number, string> = {
  1: "EPERM", 2: "ENOENT", 11: "EAGAIN", 13: "EACCES", 20: "ENOTDIR", 22: "EINVAL",
  24: "EMFILE", 40: "ELOOP", 90: "EMSGSIZE", 91: "EPROTOTYPE", 105: "ENOBUFS", 111: "ECONNREFUSED",
};

function errno(): string {
  try {
    const loc = libc().__errno_location();
    if (!loc) return "unknown error";
    const n = read.i32(loc, 0);
    return ERRNO_NAMES[n] ?? `errno ${n}`;
  } catch {
    return "unknown error";
  }
}

/**
 * The sockaddr_un for `address`: a filesystem path, or an abstract name written with a
 * leading '@' (as systemd does in $NOTIFY_SOCKET), which becomes a leading NUL byte.
 * Returns the bytes and the length to pass to sendto, or throws if it cannot fit.
 */
export function sockaddrUn(address: string): { addr: Uint8Array; len: number } {
  if (address === "" || (address[0] !== "/" && address[0] !== "@")) {
    throw new Error(`not a unix socket address: ${JSON.stringify(address)} (want an absolute path or @abstract)`);
  }
  const path = new TextEncoder().encode(address);
  const abstract = address[0] === "@";
  // A path needs room for its terminating NUL; an abstract name does not have one.
  if (path.length > (abstract ? SUN_PATH_MAX : SUN_PATH_MAX - 1)) {
    throw new Error(`unix socket address too long (${path.length} bytes, at most ${SUN_PATH_MAX - 1}): ${address}`);
  }
  const addr = new Uint8Array(2 + SUN_PATH_MAX);
  new DataView(addr.buffer).setUint16(0, AF_UNIX, true); // sa_family_t, host order (little-endian targets only)
  addr.set(path, 2);
  if (abstract) addr[2] = 0;
  return { addr, len: 2 + path.length + (abstract ? 0 : 1) };
}

/** Send one datagram to the unix socket at `address`. Throws with errno's name on failure. */
export function sendDatagram(address: string, message: string): void {
  const { addr, len } = sockaddrUn(address);
  const c = libc();
  const fd = c.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new Error(`socket(AF_UNIX, SOCK_DGRAM): ${errno()}`);
  try {
    const data = new TextEncoder().encode(message);
    // An empty message is legal; FFI still wants a valid pointer.
    const buf = data.length > 0 ? data : new Uint8Array(1);
    const sent = Number(c.sendto(fd, ptr(buf), data.length, MSG_NOSIGNAL, ptr(addr), len));
    if (sent < 0) throw new Error(`sendto ${address}: ${errno()}`);
    if (sent !== data.length) throw new Error(`sendto ${address}: sent ${sent} of ${data.length} bytes`);
  } finally {
    c.close(fd);
  }
}
