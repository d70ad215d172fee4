// Program output is read into one buffer that every pipe reuses (output-pump.ts, issue #16.3):
// what leaves it — for a log file, a writer thread, a follower — must be exactly what the
// program wrote, with several programs writing at once.

import { afterEach, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, fixture, makeTempDir, waitFor } from "../helpers/daemon-harness.ts";

let d: Daemon | null = null;
afterEach(async () => {
  await d?.stop();
  d?.cleanup();
  d = null;
});

const MB = 1_000_000;

/** `path` and its rotated files joined oldest first (path.N … path.1, path). */
function joined(path: string): Buffer {
  const dir = path.slice(0, path.lastIndexOf("/"));
  const name = path.slice(path.lastIndexOf("/") + 1);
  const rotated = readdirSync(dir)
    .filter((f) => f.startsWith(`${name}.`) && /^\d+$/.test(f.slice(name.length + 1)))
    .map((f) => Number(f.slice(name.length + 1)))
    .sort((a, b) => b - a);
  return Buffer.concat([...rotated.map((n) => readFileSync(`${path}.${n}`)), existsSync(path) ? readFileSync(path) : Buffer.alloc(0)]);
}

const sha = (b: Uint8Array) => new Bun.CryptoHasher("sha256").update(b).digest("hex");

test("programs writing at once through rotation, a writer thread and a follower: every byte arrives, in order, each to its own log", async () => {
  const dir = makeTempDir();
  const go = join(dir, "go");
  const fifo = join(dir, "threaded.fifo");
  expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
  const big = 24 * MB;
  const small = 3 * MB; // within a follower's 4 MB bound: none of it may be skipped, however slow this reader is
  const program = (name: string, bytes: number, extra: string) =>
    `[program.${name}]\ncommand = ["${fixture("writes-random-copy.sh")}", "${bytes}", "${join(dir, `${name}.copy`)}", "${go}"]\n` +
    `startsecs = 0\nautorestart = false\n${extra}`;
  d = new Daemon(
    dir,
    program("a", big, `stdout_logfile_maxbytes = "4MB"\nstdout_logfile_backups = 20\n`) +
      program("b", big, `stdout_logfile_maxbytes = "4MB"\nstdout_logfile_backups = 20\n`) +
      // A FIFO is written by a writer thread: each chunk is handed over, so it must be a copy.
      program("threaded", big, `stdout_logfile = "${fifo}"\n`) +
      program("followed", small, ""),
  );
  await d.start();
  for (const name of ["a", "b", "threaded", "followed"]) await d.waitState(name, "RUNNING");
  const res = await d.api("GET", "/api/services/followed/log/follow?stream=stdout&lines=0");
  expect(res.status).toBe(200);
  const followed: Uint8Array[] = [];
  let followedBytes = 0;
  const following = (async () => {
    for await (const chunk of res.body! as ReadableStream<Uint8Array>) {
      followed.push(chunk);
      followedBytes += chunk.length;
      if (followedBytes >= small) break;
    }
  })();
  const fifoReader = Bun.spawn(["head", "-c", String(big), fifo], { stdout: "pipe", stderr: "ignore" });
  const fromFifo = new Response(fifoReader.stdout).arrayBuffer();
  writeFileSync(go, "");

  for (const name of ["a", "b", "threaded", "followed"]) await d.waitState(name, "EXITED", 120_000);
  await waitFor(() => (joined(join(d!.logDir, "a.out.log")).length >= big && joined(join(d!.logDir, "b.out.log")).length >= big ? true : null), {
    timeout: 60_000,
    what: "a's and b's logs to hold their bytes",
  });
  for (const name of ["a", "b"]) {
    const log = joined(join(d.logDir, `${name}.out.log`));
    expect(log.length).toBe(big);
    expect(sha(log)).toBe(sha(readFileSync(join(dir, `${name}.copy`))));
  }
  expect(readdirSync(d.logDir).filter((f) => f.startsWith("a.out.log.")).length).toBeGreaterThanOrEqual(5);
  const threaded = new Uint8Array(await fromFifo);
  expect(threaded.length).toBe(big);
  expect(sha(threaded)).toBe(sha(readFileSync(join(dir, "threaded.copy"))));
  await following;
  await res.body!.cancel().catch(() => {});
  const got = Buffer.concat(followed);
  expect(got.length).toBe(small);
  expect(sha(got)).toBe(sha(readFileSync(join(dir, "followed.copy"))));
  expect(sha(joined(join(d.logDir, "followed.out.log")))).toBe(sha(got));
});
