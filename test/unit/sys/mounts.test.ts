// Which filesystem a log file is on decides whether it starts on a writer thread
// (src/logs/log-file.ts): the mountinfo parsing and dev_t decoding behind that.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { devString, fsTypeOf, isNetworkFs, parseMountinfo } from "../../../src/sys/mounts.ts";

const SAMPLE = [
  "22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw",
  "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue",
  // optional fields vary in number; the type comes after the lone "-"
  "41 22 0:45 / /srv/nfs rw,relatime shared:7 master:3 - nfs4 server:/export rw,vers=4.2",
  "42 22 0:46 / /home/me/remote rw - fuse.sshfs me@host:/ rw,user_id=0",
  "43 22 0:47 / /weird\\040dir rw - tmpfs tmpfs rw",
  "garbage",
  "",
].join("\n");

describe("parseMountinfo", () => {
  test("maps major:minor to the filesystem type, whatever the number of optional fields", () => {
    const m = parseMountinfo(SAMPLE);
    expect(m.get("254:1")).toBe("ext4");
    expect(m.get("98:0")).toBe("ext3");
    expect(m.get("0:45")).toBe("nfs4");
    expect(m.get("0:46")).toBe("fuse.sshfs");
    expect(m.get("0:47")).toBe("tmpfs");
    expect(m.size).toBe(5);
  });
});

describe("devString", () => {
  test.each([
    [0x0801, "8:1"], // sda1
    [0xfe01, "254:1"],
    [0x2d, "0:45"],
    // a minor past 255 is split: its high bits sit above the major (gnu_dev_makedev)
    [(259 << 8) | (300 & 0xff) | ((300 & ~0xff) << 12), "259:300"],
  ] as const)("%i → %s", (dev, want) => {
    expect(devString(dev)).toBe(want);
  });

  test("agrees with the kernel's own numbers for / (mountinfo of this machine)", () => {
    expect(parseMountinfo(readFileSync("/proc/self/mountinfo", "utf8")).has(devString(statSync("/").dev))).toBe(true);
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

describe("fsTypeOf", () => {
  const dir = mkdtempSync(join(tmpdir(), "tend-mounts-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("a file not created yet is on the filesystem of its nearest existing directory", () => {
    const fake = join(dir, "mountinfo");
    writeFileSync(fake, `50 1 ${devString(statSync(dir).dev)} / ${dir} rw - nfs4 srv:/x rw\n`);
    expect(fsTypeOf(join(dir, "not", "yet", "app.out.log"), fake)).toBe("nfs4");
  });

  test("unknown device or unreadable mountinfo: null, never a throw", () => {
    expect(fsTypeOf(join(dir, "x.log"), join(dir, "no-such-mountinfo"))).toBeNull();
    const other = join(dir, "other");
    writeFileSync(other, "50 1 999:999 / /nowhere rw - nfs4 srv:/x rw\n");
    expect(fsTypeOf(join(dir, "x.log"), other)).toBeNull();
  });
});
