// Which filesystem a log file is on decides whether it starts on a writer thread
// (src/logs/log-file.ts): the mountinfo parsing, the path and device lookups behind that.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { devString, isNetworkFs, mountByDev, mountByPath, mountTable, parseMountinfo } from "../../../src/sys/mounts.ts";

const SAMPLE = [
  "22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw",
  "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue",
  // optional fields vary in number; the type comes after the lone "-"
  "41 22 0:45 / /srv/nfs rw,relatime shared:7 master:3 - nfs4 server:/export rw,vers=4.2",
  "42 22 0:46 / /home/me/remote rw - fuse.sshfs me@host:/ rw,user_id=0",
  "43 22 0:47 / /weird\\040dir rw - tmpfs tmpfs rw",
  // mounted over /srv/nfs/cache later: that one is what a path below it reaches
  "44 41 0:48 / /srv/nfs/cache rw - tmpfs tmpfs rw",
  "45 22 0:49 / /srv/nfs2 rw - ext4 /dev/vdb rw",
  "garbage",
  "",
].join("\n");
const mounts = parseMountinfo(SAMPLE);

describe("parseMountinfo", () => {
  test("device, mount point (unescaped) and type, whatever the number of optional fields", () => {
    expect(mounts.map((m) => `${m.dev} ${m.mountPoint} ${m.fstype}`)).toEqual([
      "254:1 / ext4",
      "98:0 /mnt2 ext3",
      "0:45 /srv/nfs nfs4",
      "0:46 /home/me/remote fuse.sshfs",
      "0:47 /weird dir tmpfs",
      "0:48 /srv/nfs/cache tmpfs",
      "0:49 /srv/nfs2 ext4",
    ]);
  });
});

describe("mountByPath (no filesystem access)", () => {
  test.each([
    ["/srv/nfs/app/app.out.log", "nfs4"],
    ["/srv/nfs", "nfs4"],
    ["/srv/nfs2/app.log", "ext4"], // a prefix of the spelling, not of the path
    ["/srv/nfs/cache/x.log", "tmpfs"], // the longest mount point wins
    ["/srv/nfs/../nfs/x.log", "nfs4"], // normalised first
    ["/home/me/remote/logs/a.log", "fuse.sshfs"],
    ["/weird dir/a.log", "tmpfs"],
    ["/var/log/a.log", "ext4"],
  ] as const)("%s → %s", (path, fstype) => {
    expect(mountByPath(path, mounts)?.fstype).toBe(fstype);
  });

  test("a later mount on the same point hides the earlier one", () => {
    const m = parseMountinfo(`${SAMPLE}\n50 41 0:60 / /srv/nfs rw - ext4 /dev/vdc rw\n`);
    expect(mountByPath("/srv/nfs/a.log", m)?.fstype).toBe("ext4");
  });

  test("no mounts known: null", () => {
    expect(mountByPath("/var/log/a.log", [])).toBeNull();
  });
});

describe("devString and mountByDev", () => {
  test.each([
    [0x0801, "8:1"], // sda1
    [0xfe01, "254:1"],
    [0x2d, "0:45"],
    // a minor past 255 is split: its high bits sit above the major (gnu_dev_makedev)
    [(259 << 8) | (300 & 0xff) | ((300 & ~0xff) << 12), "259:300"],
  ] as const)("%i → %s", (dev, want) => {
    expect(devString(dev)).toBe(want);
  });

  test("finds this machine's root filesystem from the kernel's numbers", () => {
    const root = mountByDev(statSync("/").dev, mountTable());
    expect(root).not.toBeNull();
    expect(root!.fstype.length).toBeGreaterThan(0);
  });

  test("a device in no mount: null", () => {
    expect(mountByDev(0xfffff, mounts)).toBeNull();
  });
});

describe("isNetworkFs", () => {
  test.each([
    ["nfs", true], ["nfs4", true], ["cifs", true], ["fuse.sshfs", true], ["ceph", true],
    ["ext4", false], ["xfs", false], ["tmpfs", false], ["overlay", false], ["fuse", false], ["btrfs", false],
  ] as const)("%s → %p", (fstype, want) => {
    expect(isNetworkFs(fstype)).toBe(want);
  });
});

describe("mountTable", () => {
  const dir = mkdtempSync(join(tmpdir(), "tend-mounts-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("reads a mountinfo file; an unreadable one is no mounts, never a throw", () => {
    const fake = join(dir, "mountinfo");
    writeFileSync(fake, "50 1 0:45 / /srv/nfs rw - nfs4 srv:/x rw\n");
    expect(mountTable(fake)).toEqual([{ dev: "0:45", mountPoint: "/srv/nfs", fstype: "nfs4" }]);
    expect(mountTable(join(dir, "no-such-file"))).toEqual([]);
  });
});
