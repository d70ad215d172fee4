// The dashboard end to end: a real daemon with [http] on 127.0.0.1, the page in headless
// Chromium (Debian's /usr/bin/chromium through playwright-core; .ci/run installs it). The
// page loads from the daemon alone, shows every process live, restarts one and sees its pid
// change, acts on a group, follows a log as lines arrive, flips autostart, and fits a phone.
//
// TEND_SCREENSHOT=docs/dashboard.png also saves the README's screenshot.

import { afterAll, afterEach, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { Daemon, fixture, makeTempDir, ROOT, waitFor } from "../helpers/daemon-harness.ts";

// The preload's 60 s ceiling, again: Bun 1.4.5 applies a preload's setDefaultTimeout to the
// first test file only (npm test also passes --timeout; a bare `bun test FILE...` does not).
setDefaultTimeout(60_000);

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`dashboard tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium; .ci/run does)`);

const FOREVER = fixture("forever.sh");
const USER = "ops";
const PASSWORD = "dashboard-test";

function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

const CONFIG = (port: number) => `[http]
listen = "127.0.0.1:${port}"
username = "${USER}"
password = "${PASSWORD}"

[program.web]
command = "${FOREVER}"
startsecs = 0
autostart = true # serve the site

[program.api]
command = "${FOREVER}"
startsecs = 0

[program.worker]
command = "${FOREVER}"
numprocs = 2
startsecs = 0

[program.backup]
command = ["sh", "-c", "echo backup done; exit 0"]
startsecs = 0
autorestart = false

[program.report]
command = "${FOREVER}"
autostart = false

[group.site]
programs = ["web", "api"]
`;

let context: BrowserContext | null = null;
let userDataDir = "";
let d: Daemon | null = null;
let base = "";

/** Console errors and every URL the page asked for: all must be the daemon's own. */
const consoleErrors: string[] = [];
const requested: string[] = [];

describe.skipIf(!hasChromium)("dashboard in headless Chromium", () => {
  beforeAll(async () => {
    const { chromium } = await import("playwright-core");
    userDataDir = mkdtempSync(join(tmpdir(), "tend-chromium-"));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      httpCredentials: { username: USER, password: PASSWORD },
      viewport: { width: 1180, height: 860 },
    });
  });

  afterAll(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  afterEach(async () => {
    for (const p of context?.pages() ?? []) await p.close();
    await d?.stop();
    d?.cleanup();
    d = null;
  });

  async function open(): Promise<Page> {
    const port = freePort();
    d = new Daemon(makeTempDir("tend-dash-"), CONFIG(port));
    await d.start();
    base = `http://127.0.0.1:${port}`;
    await d.waitState("web", "RUNNING");
    await d.waitState("backup", "EXITED");
    const page = await context!.newPage();
    consoleErrors.length = 0;
    requested.length = 0;
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => consoleErrors.push(String(e)));
    page.on("request", (r) => requested.push(r.url()));
    await page.goto(`${base}/`);
    return page;
  }

  const row = (page: Page, name: string) => page.locator(`.proc[data-name="${name}"]`);
  const text = async (page: Page, name: string, field: string) => (await row(page, name).locator(`.${field}`).textContent()) ?? "";

  test("loads from the daemon alone and shows every process with its live state, pid and restarts", async () => {
    const page = await open();
    await page.locator("#conn.live").waitFor();
    for (const name of ["web", "api", "worker_00", "worker_01", "backup", "report"]) await row(page, name).waitFor();
    await waitFor(async () => (await text(page, "web", "state")) === "RUNNING", { what: "web RUNNING on the page" });
    expect(await text(page, "web", "pid")).toBe(String((await d!.service("web")).pid));
    expect(await text(page, "backup", "state")).toBe("EXITED");
    expect(await text(page, "backup", "exit")).toBe("0");
    expect(await text(page, "report", "state")).toBe("STOPPED");
    expect(await text(page, "report", "pid")).toBe("–");
    expect(await text(page, "web", "restarts")).toBe("0");
    // Groups: site holds web and api; the others are their own.
    expect(await page.locator('section.group[data-group="site"] .proc').evaluateAll((els) => els.map((e) => e.getAttribute("data-name")))).toEqual(["api", "web"]);
    // Uptime ticks on the page without a request.
    const up1 = await text(page, "web", "uptime");
    await waitFor(async () => (await text(page, "web", "uptime")) !== up1, { what: "uptime to tick" });
    // Nothing external, nothing broken.
    expect(requested.filter((u) => !u.startsWith(base) && !u.startsWith("data:"))).toEqual([]);
    expect(consoleErrors).toEqual([]);
    // A state change made elsewhere (the CLI) shows up by itself.
    await d!.cli("start", "report");
    await waitFor(async () => (await text(page, "report", "state")) === "RUNNING", { what: "report RUNNING on the page" });
  });

  test("restarting a program from the page changes its pid; group buttons act on the group", async () => {
    const page = await open();
    await waitFor(async () => (await text(page, "web", "state")) === "RUNNING", { what: "web RUNNING on the page" });
    const oldPid = await text(page, "web", "pid");
    await row(page, "web").locator('button[data-action="restart"]').click();
    await waitFor(async () => {
      const pid = await text(page, "web", "pid");
      return pid !== oldPid && /^\d+$/.test(pid) && (await text(page, "web", "state")) === "RUNNING" ? pid : null;
    }, { what: "web's pid to change on the page" });
    const now = await d!.service("web");
    expect(await text(page, "web", "pid")).toBe(String(now.pid));
    expect(String(now.pid)).not.toBe(oldPid);
    await waitFor(async () => (await text(page, "web", "restarts")) === "1", { what: "restarts 1" });

    const site = page.locator('section.group[data-group="site"]');
    await site.locator('.group-head button[data-action="stop"]').click();
    await waitFor(async () => (await text(page, "web", "state")) === "STOPPED" && (await text(page, "api", "state")) === "STOPPED", { what: "site stopped on the page" });
    expect((await d!.service("worker_00")).state).toBe("RUNNING");
    await site.locator('.group-head button[data-action="start"]').click();
    await waitFor(async () => (await text(page, "web", "state")) === "RUNNING" && (await text(page, "api", "state")) === "RUNNING", { what: "site running on the page" });
    expect((await d!.service("api")).state).toBe("RUNNING");
    expect(consoleErrors).toEqual([]);
  });

  test("the log viewer follows stdout live, across a reload that replaces the program, and switches to stderr", async () => {
    const page = await open();
    await row(page, "web").locator('button[data-action="logs"]').click();
    const out = page.locator("#log-output");
    const ticks = async () => [...((await out.textContent()) ?? "").matchAll(/tick (\d+)/g)].map((m) => Number(m[1]));
    const first = await waitFor(async () => Math.max(-1, ...(await ticks())) >= 0 ? Math.max(...(await ticks())) : null, { what: "tick lines in the viewer" });
    // New lines arrive without reloading anything.
    await waitFor(async () => Math.max(...(await ticks())) >= first + 2, { what: "new tick lines to arrive" });
    expect(await page.locator("#log-status").textContent()).toBe("following");

    // A reload that replaces the program ends the daemon's follow; the viewer picks it up again.
    const config = readFileSync(d!.configFile, "utf8");
    writeFileSync(d!.configFile, config.replace("autostart = true # serve the site", 'autostart = true # serve the site\nenvironment = { CHANGED = "1" }'));
    expect((await d!.cli("reload")).code).toBe(0);
    await waitFor(async () => ((await out.textContent()) ?? "").split("tick 0\n").length >= 3, { what: "the new process's first line in the viewer" });
    expect(await page.locator("#log-status").textContent()).toBe("following");
    // Nothing lost and nothing shown twice at the seam: two runs of consecutive ticks.
    await waitFor(async () => /tick 2\n/.test(((await out.textContent()) ?? "").split("tick 0\n")[2] ?? ""), { what: "more lines from the new process" });
    const seen = await ticks();
    const resets = seen.filter((n, i) => i > 0 && n !== seen[i - 1]! + 1);
    expect({ seen, resets }).toEqual({ seen, resets: [0] });

    await page.locator("#log-stderr").click();
    await waitFor(async () => ((await out.textContent()) ?? "").includes("forever started pid"), { what: "stderr in the viewer" });
    expect(await out.getAttribute("data-stream")).toBe("stderr");
    await page.locator("#log-close").click();
    expect(await page.locator("#logs").isHidden()).toBe(true);
    expect(consoleErrors).toEqual([]);
  });

  test("the autostart switch saves to the config file", async () => {
    const page = await open();
    const box = row(page, "web").locator("input.autostart");
    await waitFor(async () => box.isChecked(), { what: "web's autostart shown on" });
    await box.uncheck();
    await waitFor(() => readFileSync(d!.configFile, "utf8").includes("autostart = false # serve the site"), { what: "the file to change" });
    await waitFor(async () => (await d!.service("web")).autostart === false, { what: "the reload" });
    expect((await d!.service("web")).state).toBe("RUNNING");
    expect(await box.isChecked()).toBe(false);
    expect(consoleErrors).toEqual([]);
  });

  test("fits a phone screen: no sideways scrolling, every action reachable", async () => {
    const page = await open();
    await page.setViewportSize({ width: 390, height: 844 });
    await waitFor(async () => (await text(page, "web", "state")) === "RUNNING", { what: "web RUNNING on the page" });
    const overflow = (await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")) as number;
    expect(overflow).toBeLessThanOrEqual(0);
    for (const action of ["start", "stop", "restart", "logs"]) {
      const b = row(page, "web").locator(`button[data-action="${action}"]`);
      await b.scrollIntoViewIfNeeded();
      const box = (await b.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(390);
    }
    await row(page, "web").locator('button[data-action="logs"]').click();
    const viewer = (await page.locator("#logs").boundingBox())!;
    expect(viewer.width).toBeLessThanOrEqual(390);
    await waitFor(async () => ((await page.locator("#log-output").textContent()) ?? "").includes("tick"), { what: "ticks on the phone" });
  });

  test.if(!!process.env.TEND_SCREENSHOT)("screenshot for the README", async () => {
    const page = await open();
    await page.setViewportSize({ width: 1180, height: 1160 });
    await d!.cli("start", "report");
    await d!.cli("restart", "worker_01");
    await waitFor(async () => (await text(page, "report", "state")) === "RUNNING" && (await text(page, "worker_01", "restarts")) === "1", { what: "the scene" });
    await row(page, "web").locator('button[data-action="logs"]').click();
    await waitFor(async () => ((await page.locator("#log-output").textContent()) ?? "").split("tick").length > 6, { what: "a few log lines" });
    await page.screenshot({ path: join(ROOT, process.env.TEND_SCREENSHOT!) });
  });
});
