// Poll a condition until a deadline instead of sleeping a fixed time: fast on an idle
// machine, still correct on a loaded one. Fails with the last value seen.

export async function waitFor<T>(
  probe: () => T | Promise<T>,
  opts: { timeout?: number; interval?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const timeout = opts.timeout ?? 15_000;
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      last = await probe();
      if (last) return last as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${opts.what ?? "condition"}; last: ${describe(last)}`);
    }
    await Bun.sleep(opts.interval ?? 20);
  }
}

function describe(v: unknown): string {
  if (v instanceof Error) return v.message;
  try {
    return JSON.stringify(v)?.slice(0, 500) ?? String(v);
  } catch {
    return String(v);
  }
}

/** true once the pid is gone (or a zombie nobody has reaped yet). */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const s = require("node:fs").readFileSync(`/proc/${pid}/stat`, "utf8") as string;
    return s[s.lastIndexOf(")") + 2] === "Z";
  } catch {
    return true;
  }
}
