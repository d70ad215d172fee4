// Records the bytecode-order profiles (build/bytecode-order.ts) with the compiled binary:
// a daemon with a few programs that is asked what operators ask (status, stop, start,
// restart, tail) and shut down, and one client `status`. Run after `npm run build`, then
// build again to use them:
//
//   npm run build && bun build/record-order.ts && npm run build

import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ORDER_DIR } from "./bytecode-order.ts";

const bin = process.argv[2] ?? join(import.meta.dir, "..", "dist", "tend");
const dir = mkdtempSync(join(tmpdir(), "tend-order-"));
const sock = join(dir, "tend.sock");
const out = (name: string) => join(dir, name);

writeFileSync(
  join(dir, "tend.toml"),
  `[daemon]\nsocket = "${sock}"\nlog_dir = "${join(dir, "log")}"\n\n` +
    [1, 2, 3].map((i) => `[program.p${i}]\ncommand = ["sh", "-c", "while :; do echo tick; sleep 1; done"]\nstartsecs = 0\n`).join("\n"),
);

const run = (args: string[], env: Record<string, string> = {}) =>
  Bun.spawnSync([bin, ...args], { env: { ...process.env, ...env }, stdout: "ignore", stderr: "ignore", stdin: "ignore" });

const daemon = Bun.spawn([bin, "daemon", "-c", join(dir, "tend.toml")], {
  env: { ...process.env, BUN_BYTECODE_ORDER_OUT: out("daemon.order") },
  stdin: "ignore",
  stdout: "ignore",
  stderr: "ignore",
});
try {
  const deadline = Date.now() + 15_000;
  while (run(["status", "-s", sock]).exitCode !== 0) {
    if (Date.now() > deadline || daemon.exitCode !== null) throw new Error("the daemon did not get its programs running");
    await Bun.sleep(50);
  }
  run(["status", "-s", sock], { BUN_BYTECODE_ORDER_OUT: out("client.order") });
  for (const args of [["stop", "p1"], ["start", "p1"], ["restart", "p2"], ["tail", "p3"], ["status", "--json"]]) run([...args, "-s", sock]);
  run(["shutdown", "-s", sock]);
  if ((await daemon.exited) !== 0) throw new Error(`the daemon exited ${daemon.exitCode}`);
  mkdirSync(ORDER_DIR, { recursive: true });
  for (const f of ["daemon.order", "client.order"]) renameSync(out(f), join(ORDER_DIR, f));
  console.log(`recorded ${ORDER_DIR}/daemon.order and client.order with ${bin}`);
} finally {
  if (daemon.exitCode === null) daemon.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
}
