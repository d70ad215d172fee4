// Which filesystem a path is on, from /proc/self/mountinfo: log files on a network
// filesystem are written from a writer thread from the start (src/logs/log-file.ts), because
// a write there can hang for as long as the server is away, and the first write that hangs
// on the event loop would hold up the whole daemon.

import { readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";

/** Filesystem types whose writes wait on a server (FUSE ones by the subtype they mount as). */
const NETWORK = new Set([
  "nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph", "glusterfs", "fuse.glusterfs", "9p", "afs", "lustre",
  "gfs2", "ocfs2", "fuse.sshfs", "fuse.s3fs", "fuse.rclone", "fuse.gcsfuse", "fuse.juicefs", "fuse.cephfs",
]);

export function isNetworkFs(fstype: string): boolean {
  return NETWORK.has(fstype);
}

/** "major:minor" → filesystem type, from the text of a mountinfo file. */
export function parseMountinfo(text: string): Map<string, string> {
  const byDev = new Map<string, string>();
  for (const line of text.split("\n")) {
    // 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
    const fields = line.split(" ");
    const sep = fields.indexOf("-", 6);
    if (sep < 0 || fields.length < sep + 2) continue;
    byDev.set(fields[2]!, fields[sep + 1]!);
  }
  return byDev;
}

/** Linux's dev_t → "major:minor" (glibc's gnu_dev_major/minor). */
export function devString(dev: number): string {
  const d = BigInt(dev);
  const major = ((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn);
  const minor = (d & 0xffn) | ((d >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}

/** The type of the filesystem `path` is (or would be created) on; null when unknown. */
export function fsTypeOf(path: string, mountinfo = "/proc/self/mountinfo"): string | null {
  try {
    let p = path;
    for (;;) {
      try {
        const dev = devString(statSync(p).dev);
        return parseMountinfo(readFileSync(mountinfo, "utf8")).get(dev) ?? null;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT" || dirname(p) === p) throw e;
        p = dirname(p);
      }
    }
  } catch {
    return null;
  }
}
