// systemd learns about reloads (#12.15): RELOADING=1 with MONOTONIC_USEC= (CLOCK_MONOTONIC,
// as Type=notify-reload checks it) when an applied reload begins, READY=1 when it is done,
// whatever asked for it (tend reload, SIGHUP, the API) and whatever its outcome. Against a
// real datagram receiver (python3), a real daemon.

import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { NotifyReceiver, PYTHON } from "../fixtures/install/notify-receiver.ts";
import { Daemon, fixture, makeTempDir } from "../helpers/daemon-harness.ts";

let d: Daemon | null = null;
let receiver: NotifyReceiver | null = null;
afterEach(async () => {
  await d?.stop();
  d?.cleanup();
  d = null;
  await receiver?.stop();
  receiver = null;
});

const prog = (name: string) => `[program.${name}]\ncommand = "${fixture("forever.sh")}"\nstartsecs = 0\n`;

/** CLOCK_MONOTONIC in µs from an independent reader (python3). */
function monotonicNow(): bigint {
  const p = Bun.spawnSync([PYTHON!, "-c", "import time; print(time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000)"], { stdout: "pipe" });
  return BigInt(p.stdout.toString().trim());
}

describe.skipIf(!PYTHON)("sd_notify around reloads", () => {
  test("tend reload, a bad config and SIGHUP each send RELOADING=1 + MONOTONIC_USEC, then READY=1; --dry-run sends nothing", async () => {
    const dir = makeTempDir("tend-notify-reload-");
    receiver = await new NotifyReceiver(join(dir, "notify.sock"), 20).ready();
    d = new Daemon(dir, prog("a"));
    await d.start({ env: { NOTIFY_SOCKET: receiver.address } });
    expect((await receiver.received(1))[0]).toMatch(/^READY=1\n/);

    // A dry run changes nothing: no reload to announce.
    expect((await d.cli("reload", "--dry-run")).code).toBe(0);

    // An applied reload (a program added).
    d.writeConfig(prog("a") + prog("b"));
    const before = monotonicNow();
    const r = await d.cli("reload");
    const after = monotonicNow();
    expect(r.code).toBe(0);
    const m = await receiver.received(3);
    expect(m.length).toBe(3); // the dry run sent nothing
    const reloading = /^RELOADING=1\nMONOTONIC_USEC=(\d+)\n/.exec(m[1]!);
    expect(reloading).not.toBeNull();
    const usec = BigInt(reloading![1]!);
    expect(usec >= before && usec <= after).toBe(true);
    expect(m[2]).toMatch(/^READY=1\nSTATUS=\d+ of 2 programs running$/);

    // A config with a problem: announced too, and READY=1 follows (the running config stays).
    d.writeConfig(`${prog("a")}bogus_key = 1\n`);
    expect((await d.cli("reload")).code).toBe(2);
    const bad = await receiver.received(5);
    expect(bad[3]).toMatch(/^RELOADING=1\nMONOTONIC_USEC=\d+\n/);
    expect(bad[4]).toMatch(/^READY=1\n/);

    // SIGHUP (what Type=notify-reload sends for systemctl reload).
    d.writeConfig(prog("a"));
    process.kill(d.pid, "SIGHUP");
    const hup = await receiver.received(7);
    expect(hup[5]).toMatch(/^RELOADING=1\nMONOTONIC_USEC=\d+\n/);
    expect(hup[6]).toMatch(/^READY=1\nSTATUS=\d+ of 1 programs running$/);
  });
});
