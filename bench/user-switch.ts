// What `user =` with supplementary groups costs per spawn. Bun.spawn's uid/gid drop every
// supplementary group, so such a program is launched through `tend __exec-as` (a second exec,
// the compiled tend starting up) — src/sys/exec-as.ts. This times spawn → exit of /bin/true
// both ways, which is what a crash → restart pays on top of the program's own start.
// Needs root (it switches to uid/gid 65534).
//
//   bun bench/user-switch.ts [--samples 200]

import { existsSync } from "node:fs";
import { join } from "node:path";
import { argNumber, fmtMs, log, ROOT, summarize } from "./lib.ts";
import { openFilesLimit } from "../src/sys/proc.ts";

const samples = argNumber(process.argv, "--samples", 200);
if (process.getuid?.() !== 0) {
  log("user-switch: needs root; skipped");
  process.exit(0);
}
// Not getBinaries(): this one needs no supervisord.
const tend = process.env.TEND_BIN ?? join(ROOT, "dist", "tend");
if (!existsSync(tend)) throw new Error(`${tend} is missing: run \`npm run build\` first (or set TEND_BIN)`);
const NOBODY = 65534;

async function time(cmd: string[], opts: { uid?: number; gid?: number }): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    const p = Bun.spawn(cmd, { ...opts, stdin: "ignore", stdout: "ignore", stderr: "inherit", detached: true });
    const code = await p.exited;
    if (code !== 0) throw new Error(`${cmd.join(" ")} exited ${code}`);
    out.push(performance.now() - t0);
  }
  return out;
}

const direct = summarize(await time(["/bin/true"], { uid: NOBODY, gid: NOBODY }));
// The daemon always passes the program's open-files limit (soft 1024, tend's hard limit).
const nofile = `1024:${openFilesLimit()?.hard ?? 1024}`;
const helper = summarize(await time([tend, "__exec-as", nofile, String(NOBODY), String(NOBODY), `${NOBODY},4,27`, "/bin/true", "true"], {}));
log(`spawn → exit of /bin/true as uid ${NOBODY}, ${samples} samples (${tend})`);
log(`  Bun uid/gid (no supplementary groups): median ${fmtMs(direct.p50)}, p99 ${fmtMs(direct.p99)}`);
log(`  tend __exec-as (3 groups):             median ${fmtMs(helper.p50)}, p99 ${fmtMs(helper.p99)}`);
