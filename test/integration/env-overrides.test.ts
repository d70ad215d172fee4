// Settings from the environment on `tend daemon`, for images with the config baked in:
// TEND_<SECTION>__<NAME>_<KEY> overrides a key (program names with - and _ included), the
// image-wide PROCESS_AUTO_RECOVERY / PROCESS_MAX_START_RETRIES / LOG_LEVEL only fill keys
// the file leaves unset, `tend check` lists every value that came from the environment, and
// a variable that names nothing is an error that names the variable.
//
// Each override is checked where it can be seen without timing: in `tend check`'s listing,
// and in the daemon's behaviour (a state, a log line, which command ran).

import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Daemon, fixture, makeTempDir, runCli, waitFor } from "../helpers/daemon-harness.ts";

// The preload's 60 s ceiling (test/helpers/setup.ts) reaches only the first file of a
// multi-file `bun test` run in Bun 1.4.5; set it here too, for this file.
setDefaultTimeout(60_000);

let d: Daemon | null = null;
afterEach(async () => {
  await d?.stop();
  d?.cleanup();
  d = null;
});

// The runner's own settings of these would change what every test here sees: set them aside
// while this file runs (the harness passes process.env on to tend).
const IMAGE_WIDE = /^(TEND_(PROGRAM|DAEMON|HTTP)__|PROCESS_AUTO_RECOVERY$|PROCESS_MAX_START_RETRIES$|LOG_LEVEL$)/;
const setAside: Record<string, string> = {};
beforeAll(() => {
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && IMAGE_WIDE.test(k)) {
      setAside[k] = v;
      delete process.env[k];
    }
  }
});
afterAll(() => Object.assign(process.env, setAside));

/** A config (not started) in a fresh temp dir. */
function config(programs: string, daemonExtra = ""): Daemon {
  d = new Daemon(makeTempDir("tend-env-"), programs, daemonExtra);
  return d;
}

function check(dm: Daemon, env: Record<string, string>) {
  return runCli(["check", "-c", dm.configFile], dm.dir, env);
}

/** The lines under "from the environment (effective values):". */
function fromEnvironment(stdout: string): string[] {
  const at = stdout.indexOf("from the environment (effective values):\n");
  if (at === -1) return [];
  return stdout
    .slice(at)
    .split("\n")
    .slice(1)
    .filter((l) => l.startsWith("  "))
    .map((l) => l.trim())
    .sort();
}

const FOREVER = `command = "${fixture("forever.sh")}"\n`;

describe("TEND_PROGRAM__<NAME>_<KEY> and TEND_DAEMON__<KEY>", () => {
  test("tend check lists each effective value with the variable it came from", async () => {
    const dm = config(`[program.app]\n${FOREVER}startsecs = 1\n`);
    const plain = await check(dm, {});
    expect(plain.code).toBe(0);
    expect(plain.stdout).not.toContain("from the environment");
    const r = await check(dm, {
      TEND_PROGRAM__APP_STARTSECS: "10",
      TEND_PROGRAM__APP_EXITCODES: "[0, 3]",
      TEND_PROGRAM__APP_CMD: "/bin/sleep 5",
      TEND_DAEMON__LOGLEVEL: "debug",
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("  app                      priority 999   autostart  /bin/sleep 5\n");
    expect(fromEnvironment(r.stdout)).toEqual([
      'daemon.loglevel = "debug"  (TEND_DAEMON__LOGLEVEL)',
      'program.app.command = ["/bin/sleep","5"]  (TEND_PROGRAM__APP_CMD)',
      "program.app.exitcodes = [0,3]  (TEND_PROGRAM__APP_EXITCODES)",
      "program.app.startsecs = 10  (TEND_PROGRAM__APP_STARTSECS)",
    ]);
  });

  test("the daemon runs with them: command, startsecs, autostart and exitcodes from the environment win over the file", async () => {
    const dm = config(
      // In the file: a command that prints nothing, 100 s to RUNNING, autostart, exit 3 unexpected.
      `[program.app]\n${FOREVER}startsecs = 100\n` +
        `[program.manual]\n${FOREVER}startsecs = 0\n` +
        `[program.codes]\ncommand = ["${fixture("exits-after.sh")}", "0.1", "3"]\nstartsecs = 0\nautorestart = false\n`,
    );
    await dm.start({
      env: {
        TEND_PROGRAM__APP_COMMAND: fixture("prints-env.sh"),
        TEND_PROGRAM__APP_STARTSECS: "0",
        TEND_PROGRAM__MANUAL_AUTOSTART: "false",
        TEND_PROGRAM__CODES_EXITCODES: "[0, 3]",
      },
    });
    // startsecs 0: RUNNING now, where the file's 100 s would keep it STARTING past the deadline.
    await dm.waitState("app", "RUNNING");
    await waitFor(() => dm.log("app.out.log").includes("SUPERVISOR_PROCESS_NAME=app"), { what: "prints-env.sh's output" });
    const manual = await dm.service("manual");
    expect(manual.state).toBe("STOPPED");
    expect(manual.description).toBe("Not started");
    // Exit 3 is expected now: no "Bad exit code".
    const codes = await dm.waitState("codes", "EXITED");
    expect(codes.exit_code).toBe(3);
    expect(codes.spawnerr).toBe("");
  });

  test("program names with dashes and underscores: TEND_PROGRAM__MY_APP_… is my-app's, not my's; TEND_PROGRAM__WEB_API_… is web_api's", async () => {
    const dm = config(
      `[program.my]\n${FOREVER}startsecs = 0\n[program.my-app]\n${FOREVER}startsecs = 0\n` +
        `[program.web]\n${FOREVER}startsecs = 0\n[program.web_api]\n${FOREVER}startsecs = 0\n`,
    );
    const env = { TEND_PROGRAM__MY_APP_AUTOSTART: "false", TEND_PROGRAM__WEB_API_AUTOSTART: "false" };
    const r = await check(dm, env);
    expect(r.code).toBe(0);
    expect(fromEnvironment(r.stdout)).toEqual([
      "program.my-app.autostart = false  (TEND_PROGRAM__MY_APP_AUTOSTART)",
      "program.web_api.autostart = false  (TEND_PROGRAM__WEB_API_AUTOSTART)",
    ]);
    await dm.start({ env: env });
    await dm.waitState("my", "RUNNING");
    await dm.waitState("web", "RUNNING");
    expect((await dm.service("my-app")).state).toBe("STOPPED");
    expect((await dm.service("web_api")).state).toBe("STOPPED");
  });

  test("two programs whose names differ only in - and _ (my_app, my-app): TEND_PROGRAM__MY_APP_… is not silently given to one", async () => {
    const dm = config(`[program.my_app]\n${FOREVER}[program.my-app]\n${FOREVER}`);
    const r = await check(dm, { TEND_PROGRAM__MY_APP_AUTOSTART: "false" });
    expect(r.stdout).not.toContain("program.my-app.autostart");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("environment variable TEND_PROGRAM__MY_APP_AUTOSTART: is ambiguous: it could mean program.my_app or program.my-app");
  });

  test("an override naming no program, no key or no section: tend check and tend daemon exit 2 naming the variable", async () => {
    const dm = config(`[program.app]\n${FOREVER}`);
    const cases: [string, string][] = [
      ["TEND_PROGRAM__NOPE_STARTSECS", "environment variable TEND_PROGRAM__NOPE_STARTSECS: matches no program and key: programs are app;"],
      ["TEND_PROGRAM__APP_NOPE", "environment variable TEND_PROGRAM__APP_NOPE: matches no program and key"],
      ["TEND_DAEMON__NOPE", "environment variable TEND_DAEMON__NOPE: no key nope in [daemon]"],
      ["TEND_NOPE__X", "environment variable TEND_NOPE__X: unknown section NOPE"],
    ];
    for (const [name, msg] of cases) {
      const r = await check(dm, { [name]: "1" });
      expect({ name, code: r.code }).toEqual({ name, code: 2 });
      expect(r.stderr).toContain(msg);
      expect(r.stderr).toContain("1 problem found");
    }
    await dm.start({ waitReady: false, env: { TEND_PROGRAM__NOPE_STARTSECS: "1" } });
    expect(await dm.proc!.exited).toBe(2);
    expect(dm.stderr()).toContain("environment variable TEND_PROGRAM__NOPE_STARTSECS: matches no program and key");
  });

  test("a bad value from the environment is an error (exit 2)", async () => {
    const dm = config(`[program.app]\n${FOREVER}`);
    const r = await check(dm, { TEND_PROGRAM__APP_STARTSECS: "soon" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('expected a non-negative number, got "soon"');
    expect(r.stderr).toContain('environment variable TEND_PROGRAM__APP_STARTSECS: program.app.startsecs: expected a non-negative number, got "soon"');
    expect(r.stderr).not.toMatch(/tend\.toml[:\d]*: program\.app\.startsecs/);
  });

  test("TEND_PROGRAM__<NAME>_ENVIRONMENT sets the program's environment", async () => {
    const dm = config(`[program.app]\n${FOREVER}`);
    const r = await check(dm, { TEND_PROGRAM__APP_ENVIRONMENT: '{ GREETING = "hello" }' });
    expect(r.stderr).not.toContain("unexpected error");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('program.app.environment = {"GREETING":"hello"}  (TEND_PROGRAM__APP_ENVIRONMENT)');
  });
});

describe("PROCESS_MAX_START_RETRIES, PROCESS_AUTO_RECOVERY and LOG_LEVEL fill only what the file leaves unset", () => {
  test("PROCESS_MAX_START_RETRIES=1: a program without startretries gets 1 (two attempts), one with startretries = 0 keeps it", async () => {
    const dm = config(
      `[program.fills]\ncommand = "${fixture("exits-fast.sh")}"\n` + `[program.keeps]\ncommand = "${fixture("exits-fast.sh")}"\nstartretries = 0\n`,
    );
    const env = { PROCESS_MAX_START_RETRIES: "1" };
    const r = await check(dm, env);
    expect(r.code).toBe(0);
    expect(fromEnvironment(r.stdout)).toEqual(["program.fills.startretries = 1  (PROCESS_MAX_START_RETRIES)"]);
    await dm.start({ env: env });
    const keeps = await dm.waitState("keeps", "FATAL");
    expect(keeps.restarts).toBe(0);
    const fills = await dm.waitState("fills", "FATAL");
    expect(fills.restarts).toBe(1);
    expect(dm.log("fills.err.log")).toBe("exiting with 1\nexiting with 1\n");
    expect(dm.log("keeps.err.log")).toBe("exiting with 1\n");
  });

  test("PROCESS_AUTO_RECOVERY=true: a program without autorestart restarts after a clean exit, one with autorestart = false does not", async () => {
    const exits = `command = ["${fixture("exits-after.sh")}", "0.1", "0"]\nstartsecs = 0\n`;
    const dm = config(`[program.filled]\n${exits}[program.kept]\n${exits}autorestart = false\n`);
    const env = { PROCESS_AUTO_RECOVERY: "true" };
    const r = await check(dm, env);
    expect(fromEnvironment(r.stdout)).toEqual(["program.filled.autorestart = true  (PROCESS_AUTO_RECOVERY)"]);
    await dm.start({ env: env });
    // Exit 0 is expected, so the file's default ("unexpected") would not restart it.
    await waitFor(async () => (await dm.service("filled")).restarts >= 2, { what: "filled to restart twice" });
    const kept = await dm.waitState("kept", "EXITED");
    expect(kept.restarts).toBe(0);
    for (const word of ["0", "no", "off"]) {
      const off = await check(dm, { PROCESS_AUTO_RECOVERY: word });
      expect({ word, code: off.code }).toEqual({ word, code: 0 });
      expect(fromEnvironment(off.stdout)).toEqual(["program.filled.autorestart = false  (PROCESS_AUTO_RECOVERY)"]);
    }
  });

  test("LOG_LEVEL=debug: DEBUG lines in tend.log when the file sets no loglevel", async () => {
    const dm = config(`[program.app]\n${FOREVER}startsecs = 0\n`);
    const r = await check(dm, { LOG_LEVEL: "debug" });
    expect(fromEnvironment(r.stdout)).toEqual(['daemon.loglevel = "debug"  (LOG_LEVEL)']);
    await dm.start({ env: { LOG_LEVEL: "debug" } });
    await dm.waitState("app", "RUNNING");
    await waitFor(() => / DEBUG app: starting\n/.test(dm.log("tend.log")), { what: "a DEBUG line in tend.log" });
  });

  test('loglevel = "warn" in the file: LOG_LEVEL=debug leaves it, TEND_DAEMON__LOGLEVEL=debug overrides it', async () => {
    const dm = config(`[program.app]\n${FOREVER}startsecs = 0\n`, `loglevel = "warn"`);
    const filled = await check(dm, { LOG_LEVEL: "debug" });
    expect(filled.code).toBe(0);
    expect(fromEnvironment(filled.stdout)).toEqual([]);
    const over = await check(dm, { LOG_LEVEL: "error", TEND_DAEMON__LOGLEVEL: "debug" });
    expect(fromEnvironment(over.stdout)).toEqual(['daemon.loglevel = "debug"  (TEND_DAEMON__LOGLEVEL)']);

    await dm.start({ env: { LOG_LEVEL: "debug" } });
    await dm.waitState("app", "RUNNING");
    // warn: not even the INFO "spawned" line, written before RUNNING, is there.
    expect(dm.log("tend.log")).not.toMatch(/ (DEBUG|INFO) /);
    await dm.stop();

    await dm.start({ env: { TEND_DAEMON__LOGLEVEL: "debug" } });
    await dm.waitState("app", "RUNNING");
    await waitFor(() => / DEBUG app: starting\n/.test(dm.log("tend.log")), { what: "a DEBUG line in tend.log" });
  });
});
