// The soak and fault suite: `npm run soak -- --minutes N` (default 5). Not part of `npm test`.
//
// For N minutes, one daemon takes everything at once (scenarios/mixed.ts: followers of a fast
// writer, restarts racing reloads, a crash loop, API load on TCP and the unix socket) while,
// beside it, fault scenarios run in turn on daemons of their own: the daemon SIGKILLed and
// started again, many programs under a low fd limit, a log disk that fills mid-line. Every
// check is an invariant (bounded memory and fds, each child owned by one record, no zombie, no
// byte lost without a marker, the socket answering within 1 s), never a timing target.
// Prints the figures as Markdown (for RELIABILITY.md), writes them as JSON with --json FILE,
// and exits 1 if any invariant broke.

import { writeFileSync } from "node:fs";
import { daemonKilled } from "./scenarios/daemon-killed.ts";
import { diskFull } from "./scenarios/disk-full.ts";
import { fdLimit } from "./scenarios/fd-limit.ts";
import { mixed } from "./scenarios/mixed.ts";
import { log, Report } from "./lib/report.ts";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const minutes = Number(arg("minutes") ?? 5);
const only = arg("only")?.split(",");
const json = arg("json");
if (!(minutes > 0)) {
  console.error("usage: npm run soak -- [--minutes N] [--only mixed,faults] [--json FILE]");
  process.exit(2);
}

const report = new Report();
const endAt = Date.now() + minutes * 60_000;
const want = (s: string) => !only || only.includes(s);
log("soak", `running for ${minutes} min${only ? ` (${only.join(", ")})` : ""}`);

const faults = async () => {
  let round = 0;
  const scenarios = [
    () => daemonKilled(report),
    () => fdLimit(report, 100, 256),
    () => diskFull(report, round),
    () => fdLimit(report, 2000, 4096),
  ];
  do {
    for (const s of scenarios) {
      if (round > 0 && Date.now() >= endAt) break;
      await s();
    }
    round++;
  } while (Date.now() < endAt);
  report.set("faults", "rounds", round);
};

await Promise.all([
  want("mixed") ? mixed(report, { endAt, periodMs: Math.min(60_000, (minutes * 60_000) / 2) }) : null,
  want("faults") ? faults() : null,
]);

console.log(report.markdown());
if (json) writeFileSync(json, JSON.stringify(report.json(), null, 2));
log("soak", `${report.violationCount} invariant violation(s)`);
process.exit(report.violationCount ? 1 : 0);
