// Clients the scenarios drive the daemon with, beyond the tests' probes
// (test/helpers/daemon-probe.ts: RSS, fds, one timed GET, bounded HTTP/XML-RPC load): the
// unix-socket prober (the operator's door must answer within a second whatever else happens;
// it asks from a process of its own) and log followers, live and stalled. Every loop ends
// when told to.

import { connect, type Socket } from "node:net";
import { join } from "node:path";
import type { Report } from "./report.ts";

export interface Stoppable {
  stop(): Promise<void>;
}

/**
 * Asks GET /api/daemon on the unix socket every `everyMs`, from a process of its own
 * (prober-process.ts); any answer slower than `limitMs` (or none within five times that) is a
 * violation.
 */
export function socketProber(report: Report, scenario: string, socket: string, everyMs = 250, limitMs = 1000): Stoppable {
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, "prober-process.ts"), socket, String(everyMs), String(limitMs * 5)], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "inherit",
  });
  const done = (async () => {
    let rest = "";
    for await (const chunk of proc.stdout) {
      rest += new TextDecoder().decode(chunk);
      const lines = rest.split("\n");
      rest = lines.pop()!;
      for (const line of lines) {
        const ms = line === "none" ? null : Number(line);
        report.add(scenario, "socket probes", 1);
        if (ms !== null) report.max(scenario, "socket probe max (ms)", Math.round(ms));
        report.check(scenario, "unix socket answers within 1 s", ms !== null && ms <= limitMs, () =>
          ms === null ? `no answer within ${(limitMs * 5) / 1000} s` : `answered in ${ms.toFixed(0)} ms`,
        );
      }
    }
  })();
  return {
    async stop() {
      proc.stdin.end();
      const ended = await Promise.race([proc.exited.then(() => true), Bun.sleep(10_000).then(() => false)]);
      if (!ended) proc.kill("SIGKILL");
      await done;
    },
  };
}

/**
 * A follower of `/api/services/NAME/log/follow` on a raw unix-socket connection. A live one
 * reads everything; a stalled one reads nothing (the kernel buffers fill, the daemon must cap
 * what it holds for it). Bytes received are counted.
 */
export function follower(socket: string, name: string, stalled: boolean): Stoppable & { bytes(): number } {
  let bytes = 0;
  const sock: Socket = connect(socket);
  sock.on("error", () => {});
  sock.write(`GET /api/services/${name}/log/follow?stream=stdout&lines=0 HTTP/1.1\r\nHost: localhost\r\n\r\n`);
  if (stalled) sock.pause();
  else sock.on("data", (c: Buffer) => void (bytes += c.length));
  const closed = new Promise<void>((r) => sock.once("close", () => r()));
  return {
    bytes: () => bytes,
    async stop() {
      sock.destroy();
      await Promise.race([closed, Bun.sleep(2000)]);
    },
  };
}
