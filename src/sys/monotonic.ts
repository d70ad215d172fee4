// CLOCK_MONOTONIC in microseconds, as systemd reads MONOTONIC_USEC= (sd_notify(3)). Bun's
// process.hrtime counts from the process's start, not from boot, so it cannot be used here.
// Loaded lazily: only a daemon that notifies systemd of a reload pays for the dlopen.

import { FFIType, ptr } from "bun:ffi";
import { openLibc } from "./libc.ts";

const SYMBOLS = { clock_gettime: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 } } as const;
type Lib = ReturnType<typeof openLibc<typeof SYMBOLS>>;
let lib: Lib | null = null;

const CLOCK_MONOTONIC = 1;

/** Microseconds since boot on CLOCK_MONOTONIC (struct timespec: two 64-bit fields on x64 and arm64). */
export function monotonicMicros(): bigint {
  lib ??= openLibc(SYMBOLS);
  const ts = new BigInt64Array(2);
  if (lib.symbols.clock_gettime(CLOCK_MONOTONIC, ptr(ts)) !== 0) throw new Error("clock_gettime(CLOCK_MONOTONIC) failed");
  return ts[0]! * 1_000_000n + ts[1]! / 1000n;
}
