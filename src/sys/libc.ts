// The one place tend calls libc directly through bun:ffi: real pipes (Bun's "pipe" is a
// socketpair, which breaks children that open /dev/stdout), reaping orphans as PID 1 or
// subreaper, becoming a subreaper, the open-files limit, holding descriptor numbers
// (low-fds.ts), and unmapping pages of the executable (page-out.ts). Loaded lazily so the client never pays for dlopen.

import { dlopen, FFIType, ptr, type FFIFunction } from "bun:ffi";

const SYMBOLS = {
  pipe2: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
  waitpid: { args: [FFIType.i32, FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
  waitid: { args: [FFIType.i32, FFIType.u32, FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
  prctl: { args: [FFIType.i32, FFIType.u64, FFIType.u64, FFIType.u64, FFIType.u64], returns: FFIType.i32 },
  getrlimit: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
  setrlimit: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
  madvise: { args: [FFIType.u64, FFIType.u64, FFIType.i32], returns: FFIType.i32 },
  fcntl: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
} as const;

// glibc names its C library libc.so.6; musl (Alpine) ships it as the dynamic loader itself.
const CANDIDATES = [
  "libc.so.6",
  `libc.musl-${process.arch === "arm64" ? "aarch64" : "x86_64"}.so.1`,
  `/lib/ld-musl-${process.arch === "arm64" ? "aarch64" : "x86_64"}.so.1`,
];

/** dlopen the C library (glibc or musl) with `symbols`; the caller keeps the handle. */
export function openLibc<S extends Record<string, FFIFunction>>(symbols: S): ReturnType<typeof dlopen<S>> {
  const errors: string[] = [];
  for (const name of CANDIDATES) {
    try {
      return dlopen(name, symbols);
    } catch (e) {
      errors.push(`${name}: ${(e as Error).message}`);
    }
  }
  throw new Error(`cannot load the C library (${errors.join("; ")})`);
}

type Lib = ReturnType<typeof dlopen<typeof SYMBOLS>>;
let lib: Lib | null = null;

function libc(): Lib["symbols"] {
  lib ??= openLibc(SYMBOLS);
  return lib.symbols;
}

const O_CLOEXEC = 0o2000000;

/** A real pipe(2): [readFd, writeFd], both close-on-exec (Bun.spawn dup2s the one it passes). */
export function osPipe(): [number, number] {
  const fds = new Int32Array(2);
  if (libc().pipe2(ptr(fds), O_CLOEXEC) !== 0) throw new Error("pipe2 failed (too many open files?)");
  return [fds[0]!, fds[1]!];
}

const F_DUPFD_CLOEXEC = 1030;

/** fcntl(F_DUPFD_CLOEXEC): a close-on-exec copy of `fd` at the lowest free number ≥ `min`; -1 on failure. */
export function dupAtLeast(fd: number, min: number): number {
  return libc().fcntl(fd, F_DUPFD_CLOEXEC, min);
}

const WNOHANG = 1;
const status = new Int32Array(1);

/** Reap one zombie that Bun did not spawn. Never call on a Bun-owned pid (its `exited` would reject). */
export function reapPid(pid: number): boolean {
  return libc().waitpid(pid, ptr(status), WNOHANG) === pid;
}

const P_ALL = 0;
const WEXITED = 4;
const WNOWAIT = 0x01000000;
/** siginfo_t is 128 bytes; si_pid sits at byte 16 on 64-bit Linux (x86_64 and aarch64 alike). */
const siginfo = new Int32Array(32);
const SI_PID = 16 / 4;

/**
 * The pid of one zombie child, left unreaped (WNOWAIT), or 0 when no child is waitable (or
 * there are no children). One syscall: the kernel walks its own list, not /proc.
 */
export function peekZombie(): number {
  siginfo[SI_PID] = 0;
  if (libc().waitid(P_ALL, 0, ptr(siginfo), WEXITED | WNOHANG | WNOWAIT) !== 0) return 0;
  return siginfo[SI_PID]!;
}

const PR_SET_CHILD_SUBREAPER = 36;

/** Orphaned descendants get reparented to us instead of to init, so we can reap and kill them. */
export function becomeSubreaper(): boolean {
  return libc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) === 0;
}

/** RLIMIT_NOFILE: 7 on every Linux architecture tend targets (x86_64, aarch64). */
const RLIMIT_NOFILE = 7;

export interface FdLimit {
  readonly soft: number;
  readonly hard: number;
}

/** The open-files limit (RLIM_INFINITY reads as Number.MAX_SAFE_INTEGER). */
export function getFdLimit(): FdLimit {
  const lim = new BigUint64Array(2);
  if (libc().getrlimit(RLIMIT_NOFILE, ptr(lim)) !== 0) throw new Error("getrlimit(RLIMIT_NOFILE) failed");
  const n = (v: bigint) => (v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v));
  return { soft: n(lim[0]!), hard: n(lim[1]!) };
}

/** Set the soft open-files limit (at most the hard one); false when the kernel refuses. */
export function setFdSoftLimit(soft: number): boolean {
  const lim = new BigUint64Array(2);
  if (libc().getrlimit(RLIMIT_NOFILE, ptr(lim)) !== 0) return false;
  lim[0] = BigInt(soft) < lim[1]! ? BigInt(soft) : lim[1]!;
  return libc().setrlimit(RLIMIT_NOFILE, ptr(lim)) === 0;
}

const RLIM_INFINITY = 0xffff_ffff_ffff_ffffn;
/** getFdLimit's reading of RLIM_INFINITY, back to it. */
const rlim = (n: number): bigint => (n >= Number.MAX_SAFE_INTEGER ? RLIM_INFINITY : BigInt(n));

// One buffer for the spawn path's calls: a crash → restart sets the limit twice.
const fdLimitBuf = new BigUint64Array(2);

/**
 * Set both open-files limits. Raising the hard one needs root (CAP_SYS_RESOURCE), and so does
 * raising it back after lowering it: false when the kernel refuses.
 */
export function setFdLimit(soft: number, hard: number): boolean {
  fdLimitBuf[0] = rlim(soft);
  fdLimitBuf[1] = rlim(hard);
  return libc().setrlimit(RLIMIT_NOFILE, ptr(fdLimitBuf)) === 0;
}

const MADV_DONTNEED = 4;

/**
 * Unmap [start, start + length) from this process. Only for private file mappings that were
 * never written (the kernel maps the page cache's copy back in on the next touch): on a page
 * that was written, the write would be lost.
 */
export function dropCleanPages(start: number, length: number): boolean {
  return libc().madvise(start, length, MADV_DONTNEED) === 0;
}
