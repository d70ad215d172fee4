// The dashboard ships inside the compiled binary: build dist-like tend once, run it with
// [http] on a free 127.0.0.1 port, and fetch the page, the event stream and /metrics from it
// (no sources beside it, no generated password in its output).

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../helpers/daemon-harness.ts";
import { waitFor } from "../helpers/wait-for.ts";

// The preload's 60 s ceiling, again: Bun 1.4.5 applies a preload's setDefaultTimeout to the
// first test file only (npm test also passes --timeout; a bare `bun test FILE...` does not).
setDefaultTimeout(60_000);

let dir = "";
let bin = "";

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tend-http-bin-"));
  bin = join(dir, "tend");
  const build = Bun.spawnSync([process.execPath, join(ROOT, "build", "compile.ts"), bin], { stdout: "pipe", stderr: "pipe" });
  if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr.toString()}`);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

describe("compiled binary", () => {
  test("serves the embedded dashboard, events and metrics on TCP", async () => {
    const port = freePort();
    const sock = join(dir, "tend.sock");
    writeFileSync(
      join(dir, "tend.toml"),
      `[daemon]\nsocket = "${sock}"\nlog_dir = "${join(dir, "log")}"\n[http]\nlisten = "127.0.0.1:${port}"\n` +
        `[program.clock]\ncommand = ["sh", "-c", "while true; do echo tick; sleep 1; done"]\nstartsecs = 0\n`,
    );
    const errFile = join(dir, "daemon.err");
    // Started from another directory: nothing is read from beside the sources.
    const daemon = Bun.spawn([bin, "daemon", "-c", join(dir, "tend.toml")], { cwd: tmpdir(), stdin: "ignore", stdout: Bun.file(errFile), stderr: Bun.file(errFile) });
    try {
      const base = `http://127.0.0.1:${port}`;
      const password = await waitFor(() => {
        if (daemon.exitCode !== null) throw new Error(`daemon exited: ${readFileSync(errFile, "utf8")}`);
        try {
          return readFileSync(join(dir, "tend.http-password"), "utf8").trim();
        } catch {
          return null;
        }
      }, { what: "the password file" });
      const auth = { authorization: `Basic ${Buffer.from(`admin:${password}`).toString("base64")}` };
      await waitFor(async () => (await fetch(`${base}/api/services/clock`, { headers: auth }).catch(() => null))?.ok, { what: "the TCP API" });

      const page = await fetch(`${base}/`, { headers: auth });
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
      const html = await page.text();
      expect(html).toStartWith("<!doctype html>");
      expect(html).toContain('new EventSource("/api/events")');
      // Self-contained: no URL to anywhere else.
      expect(html.match(/\b(?:src|href)="(?!data:|#)[^"]*"/g) ?? []).toEqual([]);
      expect(html).not.toMatch(/https?:\/\//);

      expect((await fetch(`${base}/`)).status).toBe(401);

      const events = await fetch(`${base}/api/events`, { headers: auth });
      const reader = events.body!.getReader();
      let text = "";
      await waitFor(async () => {
        text += new TextDecoder().decode((await reader.read()).value);
        return text.includes("event: snapshot");
      }, { what: "the snapshot" });
      await reader.cancel();

      const metrics = await (await fetch(`${base}/metrics`, { headers: auth })).text();
      expect(metrics).toContain('tend_process_state{name="clock",group="clock",state="RUNNING"} 1');
      expect(metrics).toMatch(/^process_resident_memory_bytes \d+$/m);
      expect(readFileSync(errFile, "utf8")).not.toContain(password);
    } finally {
      daemon.kill("SIGTERM");
      await daemon.exited;
    }
  });
});
