// sd_notify over a real unix datagram socket: a python3 receiver (an implementation
// independent of tend's FFI) binds a path or an abstract name, as systemd does.

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  claimNotifySocket,
  notifyReady,
  notifyStatus,
  notifyStopping,
  resetNotifyForTests,
  sdNotify,
} from "../../src/daemon/sd-notify.ts";
import { sendDatagram, sockaddrUn } from "../../src/sys/notify-socket.ts";
import { NotifyReceiver, PYTHON } from "../fixtures/install/notify-receiver.ts";

let dir: string;
const receivers: NotifyReceiver[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tend-notify-"));
  resetNotifyForTests();
});

afterEach(async () => {
  for (const r of receivers.splice(0)) await r.stop();
  rmSync(dir, { recursive: true, force: true });
  resetNotifyForTests();
});

async function receiver(address: string): Promise<NotifyReceiver> {
  const r = new NotifyReceiver(address);
  receivers.push(r);
  return r.ready();
}

const abstractName = () => `@tend-test-${process.pid}-${Math.random().toString(36).slice(2)}`;

describe.skipIf(!PYTHON)("sd_notify to a real receiver (python3)", () => {
  test("READY=1 with a status line reaches a socket at a path", async () => {
    const r = await receiver(join(dir, "notify.sock"));
    claimNotifySocket({ NOTIFY_SOCKET: r.address });
    notifyReady("3 programs running");
    expect(await r.received(1)).toEqual(["READY=1\nSTATUS=3 programs running"]);
  });

  test("an abstract address (@name) is used as such", async () => {
    const r = await receiver(abstractName());
    claimNotifySocket({ NOTIFY_SOCKET: r.address });
    notifyReady();
    expect(await r.received(1)).toEqual(["READY=1"]);
  });

  test("STOPPING=1 is sent once, and READY=1 is not sent after it", async () => {
    const r = await receiver(join(dir, "notify.sock"));
    claimNotifySocket({ NOTIFY_SOCKET: r.address });
    notifyReady();
    notifyStopping();
    notifyStopping();
    notifyReady();
    notifyStatus("last\nline");
    // Datagrams on one socket arrive in order: the status marks the end of what was sent.
    expect(await r.received(3)).toEqual(["READY=1", "STOPPING=1\nSTATUS=stopping all programs", "STATUS=last line"]);
  });

  test("sendDatagram delivers bytes as they are (UTF-8, empty)", async () => {
    const r = await receiver(join(dir, "raw.sock"));
    sendDatagram(r.address, "STATUS=démarré ✓");
    sendDatagram(r.address, "");
    expect(await r.received(2)).toEqual(["STATUS=démarré ✓", ""]);
  });
});

describe("claiming $NOTIFY_SOCKET", () => {
  test("takes it out of the environment, so supervised programs do not inherit it", async () => {
    const env: Record<string, string | undefined> = { NOTIFY_SOCKET: "@x", PATH: process.env.PATH };
    expect(claimNotifySocket(env)).toBe("@x");
    expect("NOTIFY_SOCKET" in env).toBe(false);
    // Claimed once: a later call returns the same address and touches nothing.
    const other = { NOTIFY_SOCKET: "/elsewhere" };
    expect(claimNotifySocket(other)).toBe("@x");
    expect(other.NOTIFY_SOCKET).toBe("/elsewhere");
    const child = Bun.spawnSync(["sh", "-c", 'echo "${NOTIFY_SOCKET-unset}"'], { env: env as Record<string, string>, stdout: "pipe", stderr: "ignore", stdin: "ignore" });
    expect(child.stdout.toString().trim()).toBe("unset");
  });

  test("without it every call is a quiet no-op", () => {
    expect(claimNotifySocket({})).toBeNull();
    expect(sdNotify("READY=1")).toBeNull();
    expect(() => {
      notifyReady("x");
      notifyStopping();
    }).not.toThrow();
  });

  test("a socket nobody listens on is reported by sdNotify, never thrown", () => {
    claimNotifySocket({ NOTIFY_SOCKET: join(dir, "nobody.sock") });
    expect(sdNotify("READY=1")).toMatch(/sendto .*nobody\.sock: (ENOENT|ECONNREFUSED)/);
    const errors: unknown[] = [];
    const orig = console.error;
    console.error = (...a: unknown[]) => void errors.push(a.join(" "));
    try {
      expect(() => notifyReady()).not.toThrow();
    } finally {
      console.error = orig;
    }
    expect(String(errors[0])).toContain("cannot notify systemd (READY=1)");
  });
});

describe("sockaddr_un", () => {
  test("a path is NUL-terminated; an abstract name starts with NUL and is not", () => {
    const p = sockaddrUn("/run/systemd/notify");
    expect(p.len).toBe(2 + "/run/systemd/notify".length + 1);
    expect(p.addr[0]).toBe(1); // AF_UNIX, little-endian
    expect(new TextDecoder().decode(p.addr.slice(2, 2 + 19))).toBe("/run/systemd/notify");
    const a = sockaddrUn("@abc");
    expect(a.len).toBe(2 + 4);
    expect([...a.addr.slice(2, 6)]).toEqual([0, 97, 98, 99]);
  });

  test("relative, empty and over-long addresses are refused with the reason", () => {
    expect(() => sockaddrUn("relative.sock")).toThrow(/absolute path or @abstract/);
    expect(() => sockaddrUn("")).toThrow(/not a unix socket address/);
    expect(() => sockaddrUn(`/${"x".repeat(107)}`)).toThrow(/too long \(108 bytes, at most 107\)/);
    expect(sockaddrUn(`/${"x".repeat(106)}`).len).toBe(110);
  });
});
