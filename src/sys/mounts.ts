// Which filesystem a path is on, from /proc/self/mountinfo: log files on a network
// filesystem are written from a writer thread from the start (src/logs/log-file.ts), because
// a write there can hang for as long as the server is away, and the first write that hangs
// on the event loop would hold up the whole daemon. The path is matched against mount points
// as a string first, so a dead server is never touched (a stat would hang too); a symlink into
// such a mount is still found through the device number once the file can be stat'ed.

import { readFileSync } from "node:fs";
import { resolve } from "node:path";

/** Filesystem types whose writes wait on a server (FUSE ones by the subtype they mount as). */
const NETWORK = new Set([
  "nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph", "glusterfs", "fuse.glusterfs", "9p", "afs", "lustre",
  "gfs2", "ocfs2", "fuse.sshfs", "fuse.s3fs", "fuse.rclone", "fuse.gcsfuse", "fuse.juicefs", "fuse.cephfs",
]);

export function isNetworkFs(fstype: string): boolean {
  return NETWORK.has(fstype);
}

export interface Mount {
  /** "major:minor", as in mountinfo and devString(). */
  readonly dev: string;
  readonly mountPoint: string;
  readonly fstype: string;
}

/** mountinfo escapes space, tab, newline and backslash in paths as \ooo. */
const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** The mounts listed in the text of a mountinfo file, in mount order. */
export function parseMountinfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split("\n")) {
    // 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
    const fields = line.split(" ");
    const sep = fields.indexOf("-", 6);
    if (sep < 0 || fields.length < sep + 2) continue;
    mounts.push({ dev: fields[2]!, mountPoint: unescape(fields[4]!), fstype: fields[sep + 1]! });
  }
  return mounts;
}

const SELF = "/proc/self/mountinfo";
/** The table read for the current synchronous burst (every program's log files at start or reload). */
let current: Mount[] | null = null;

/** This process's mounts; empty when /proc cannot be read. Read once per tick, not per file. */
export function mountTable(mountinfo = SELF): Mount[] {
  if (mountinfo === SELF && current) return current;
  let mounts: Mount[];
  try {
    mounts = parseMountinfo(readFileSync(mountinfo, "utf8"));
  } catch {
    mounts = [];
  }
  if (mountinfo === SELF) {
    current = mounts;
    queueMicrotask(() => (current = null));
  }
  return mounts;
}

/** The mount `path` falls under by its spelling (no filesystem access): the longest mount point, the latest mount on it. */
export function mountByPath(path: string, mounts: readonly Mount[]): Mount | null {
  const p = resolve(path);
  let best: Mount | null = null;
  for (const m of mounts) {
    const mp = m.mountPoint;
    const under = p === mp || mp === "/" || p.startsWith(mp.endsWith("/") ? mp : `${mp}/`);
    if (under && (!best || mp.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

/** The mount of a device number (statSync().dev); the latest when several share it. */
export function mountByDev(dev: number, mounts: readonly Mount[]): Mount | null {
  const d = devString(dev);
  let found: Mount | null = null;
  for (const m of mounts) if (m.dev === d) found = m;
  return found;
}

/** Linux's dev_t → "major:minor" (glibc's gnu_dev_major/minor). */
export function devString(dev: number): string {
  const d = BigInt(dev);
  const major = ((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn);
  const minor = (d & 0xffn) | ((d >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}
