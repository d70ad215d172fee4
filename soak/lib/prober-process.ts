// The unix-socket prober's own process: asks GET /api/daemon every `everyMs` and prints how
// long each answer took ("123.4", or "none" when there was no answer within `deadlineMs`), one
// line per probe, until its stdin closes. A process of its own, like an operator's `tend
// status`: the soak runner's event loop is busy with dozens of load clients and followers, and
// a probe timed there measures the runner as much as the daemon.
//
//   bun soak/lib/prober-process.ts SOCKET EVERY_MS DEADLINE_MS

import { socketAnswerMs } from "../../test/helpers/daemon-probe.ts";

const [socket, every, deadline] = [process.argv[2]!, Number(process.argv[3] ?? 250), Number(process.argv[4] ?? 5000)];
let running = true;
// The runner ends us by closing our stdin (or dies, which closes it too).
void (async () => {
  for await (const _ of Bun.stdin.stream()) {
    /* nothing is sent */
  }
  running = false;
})();
while (running) {
  const ms = await socketAnswerMs(socket, "/api/daemon", deadline);
  process.stdout.write(`${ms === null ? "none" : ms.toFixed(1)}\n`);
  await Bun.sleep(every);
}
process.exit(0);
