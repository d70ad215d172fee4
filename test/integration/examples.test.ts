// Every example works as written (#12.14): each config passes `tend check` and runs, each
// Dockerfile's commands run here as the image would run them (there is no Docker daemon in
// the test environment), and every stop fits inside docker stop's default 10 s grace.

import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { ROOT, makeTempDir, runCli, tendArgv, waitFor } from "../helpers/daemon-harness.ts";

const EXAMPLES = join(ROOT, "examples");
const DOCKER_STOP_GRACE = 10; // seconds between docker stop's SIGTERM and its SIGKILL
const PYTHON = Bun.which("python3");

const procs: Array<ReturnType<typeof Bun.spawn>> = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) {
    if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
    await p.exited;
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = makeTempDir("tend-examples-");
  dirs.push(d);
  return d;
}

function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

/** The TOML a Dockerfile embeds with `COPY <<'TOML' /etc/tend/tend.toml`. */
function embeddedToml(dockerfile: string): string {
  const m = /COPY <<'TOML' \/etc\/tend\/tend\.toml\n([\s\S]*?)\nTOML\n/.exec(dockerfile);
  expect(m).not.toBeNull();
  return `${m![1]}\n`;
}

/** A JSON-form instruction (ENTRYPOINT, CMD). */
function jsonInstruction(dockerfile: string, name: string): string[] {
  const m = new RegExp(`^${name} (\\[.*\\])$`, "m").exec(dockerfile);
  expect(m).not.toBeNull();
  return JSON.parse(m![1]!) as string[];
}

/** Worst-case seconds a full stop takes: one priority level at a time, each up to its longest stopwaitsecs. */
function stopBudget(file: string, env: Record<string, string>): number {
  const cfg = loadConfig(file, env);
  const levels = new Map<number, number>();
  for (const p of cfg.programs) levels.set(p.priority, Math.max(levels.get(p.priority) ?? 0, p.stopwaitsecs));
  return [...levels.values()].reduce((a, b) => a + b, 0);
}

/** Overrides that move the socket and logs into `dir` (the examples name /run and /var/log, or ./.tmp). */
const into = (dir: string) => ({ TEND_DAEMON__SOCKET: join(dir, "tend.sock"), TEND_DAEMON__LOG_DIR: join(dir, "log") });

async function daemonUp(file: string, env: Record<string, string>) {
  const p = Bun.spawn(tendArgv("daemon", "-c", file), { env: { ...process.env, ...env, NO_COLOR: "1" }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  procs.push(p);
  const status = () => runCli(["-c", file, "status"], undefined, env);
  return { p, status };
}

describe("examples/tend.toml (npm run example)", () => {
  test.skipIf(!PYTHON)("passes tend check and runs: clock and web RUNNING, web answers", async () => {
    const dir = tempDir();
    const file = join(EXAMPLES, "tend.toml");
    const port = freePort();
    const example = loadConfig(file, process.env).programs.find((p) => p.program === "web")!.command;
    expect(example.join(" ")).toContain("8765");
    // The same command line, on a free port (two suites may run side by side).
    const env = { ...into(dir), TEND_PROGRAM__WEB_COMMAND: JSON.stringify(example.map((a) => a.replace("8765", String(port)))) };
    const check = await runCli(["check", "-c", file], undefined, env);
    expect({ code: check.code, err: check.stderr }).toEqual({ code: 0, err: "" });
    const { p, status } = await daemonUp(file, env);
    await waitFor(async () => /clock +RUNNING[\s\S]*site:web +RUNNING/.test((await status()).stdout), { what: "clock and web RUNNING" });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/`).catch(() => null))?.status === 200, { what: "web to answer" });
    p.kill("SIGTERM");
    expect(await p.exited).toBe(0);
  });
});

for (const name of ["Dockerfile.debian", "Dockerfile.alpine"]) {
  describe(`examples/${name}`, () => {
    test("its embedded config passes tend check and runs; a full stop fits in docker stop's grace", async () => {
      const dockerfile = readFileSync(join(EXAMPLES, name), "utf8");
      const dir = tempDir();
      const file = join(dir, "tend.toml");
      writeFileSync(file, embeddedToml(dockerfile));
      const env = into(dir);
      const check = await runCli(["check", "-c", file], undefined, env);
      expect({ code: check.code, err: check.stderr }).toEqual({ code: 0, err: "" });
      expect(stopBudget(file, env)).toBeLessThan(DOCKER_STOP_GRACE);
      expect(jsonInstruction(dockerfile, "ENTRYPOINT")).toEqual(["tend", "daemon"]);
      expect(jsonInstruction(dockerfile, "CMD")).toEqual(["-c", "/etc/tend/tend.toml"]);
      const { p, status } = await daemonUp(file, env);
      // HEALTHCHECK CMD ["tend", "status"]: 0 once every program runs.
      expect(dockerfile).toContain('HEALTHCHECK --interval=30s --timeout=5s CMD ["tend", "status"]');
      await waitFor(async () => (await status()).code === 0, { what: "tend status to exit 0" });
      p.kill("SIGTERM");
      expect(await p.exited).toBe(0);
    });
  });
}

describe("examples/run/Dockerfile", () => {
  const dockerfile = readFileSync(join(EXAMPLES, "run", "Dockerfile"), "utf8");
  const entrypoint = jsonInstruction(dockerfile, "ENTRYPOINT");
  const cmd = jsonInstruction(dockerfile, "CMD");

  test("its base image has the command, and tend's stop timeout is inside docker stop's grace", () => {
    // debian:bookworm-slim has no python3 (exit 127): the command needs an image that does.
    if (cmd[0] === "python3") expect(dockerfile).toMatch(/^FROM python:\S+$/m);
    const timeout = Number(entrypoint[entrypoint.indexOf("--stop-timeout") + 1]);
    expect(timeout).toBeLessThan(DOCKER_STOP_GRACE);
  });

  test.skipIf(!PYTHON)("ENTRYPOINT + CMD run here as in the image: the server answers, SIGTERM exits 0", async () => {
    const port = String(freePort());
    const env = Object.fromEntries([...dockerfile.matchAll(/^ENV (\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
    expect(env.PYTHONUNBUFFERED).toBe("1");
    expect(entrypoint[0]).toBe("tend");
    const argv = [...tendArgv(...entrypoint.slice(1)), ...cmd.map((a) => (a === "8000" ? port : a))];
    const p = Bun.spawn(argv, { cwd: tempDir(), env: { ...process.env, ...env }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    procs.push(p);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/`).catch(() => null))?.status === 200, { what: "the server to answer" });
    p.kill("SIGTERM");
    expect(await p.exited).toBe(0);
    // Unbuffered: the server's lines came through as they were written.
    expect(await new Response(p.stdout).text()).toContain(`Serving HTTP on`);
  });
});
