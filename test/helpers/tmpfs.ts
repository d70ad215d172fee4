// Whether tests can mount a tmpfs here (root, and allowed by the container): the disk-full and
// read-only-filesystem tests skip without it. Probed by a real mount and unmount.

import { rmSync } from "node:fs";
import { makeTempDir } from "./daemon-harness.ts";

export function canMountTmpfs(): boolean {
  if (process.getuid?.() !== 0) return false;
  const dir = makeTempDir("tend-mount-probe-");
  try {
    if (Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir], { stdout: "ignore", stderr: "ignore" }).exitCode !== 0) return false;
    Bun.spawnSync(["umount", dir], { stdout: "ignore", stderr: "ignore" });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
