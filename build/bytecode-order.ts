// Profile-guided layout of the executable's bytecode (bun build --bytecode-order): the
// functions a daemon and a client run are placed together at the front of the embedded
// module graph, so a process maps and decodes less of it (the daemon keeps ≈ 2 MB fewer
// pages of it resident, BENCHMARKS.md). The profiles hold hashes of functions, not code, and
// a profile from an older build still applies; `bun build/record-order.ts` records them again.

import { existsSync } from "node:fs";
import { join } from "node:path";

export const ORDER_DIR = join(import.meta.dir, "order");
/** Most important first: the long-running daemon, then the client's `status`. */
export const ORDER_FILES = ["daemon.order", "client.order"].map((f) => join(ORDER_DIR, f));

/** The --bytecode-order flag for the profiles that exist (none: no flag, the default layout). */
export function bytecodeOrderArgs(): string[] {
  const files = ORDER_FILES.filter((f) => existsSync(f));
  return files.length ? [`--bytecode-order=${files.join(",")}`] : [];
}
