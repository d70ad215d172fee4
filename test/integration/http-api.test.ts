// [http]: the whole API on TCP against a real daemon on 127.0.0.1 (a free port picked per
// test): Basic auth on every route, a generated password kept out of the logs, the unix
// socket left as it was, the event stream, /metrics, the autostart switch, and hostile names.

import { afterEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ServiceDTO } from "../../src/api/dto.ts";
import type { SnapshotEventDTO, StateEventDTO } from "../../src/http/events.ts";
import { Daemon, fixture, makeTempDir, runCli, waitFor } from "../helpers/daemon-harness.ts";
import { rawConnect, statusOf } from "../helpers/raw-conn.ts";

// The preload's 60 s ceiling, again: Bun 1.4.5 applies a preload's setDefaultTimeout to the
// first test file only (npm test also passes --timeout; a bare `bun test FILE...` does not).
setDefaultTimeout(60_000);

const FOREVER = fixture("forever.sh");
const prog = (name: string, extra = "") => `[program.${name}]\ncommand = "${FOREVER}"\nstartsecs = 0\n${extra}\n`;

let d: Daemon | null = null;
afterEach(async () => {
  await d?.stop();
  d?.cleanup();
  d = null;
});

/** A port nothing listens on right now (the kernel's pick, released at once). */
function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;

interface Http {
  base: string;
  port: number;
  auth: string;
  call(method: string, path: string, init?: { body?: string; headers?: Record<string, string> }): Promise<Response>;
}

async function startWithHttp(programs: string, http = ""): Promise<Http> {
  const port = freePort();
  const dir = makeTempDir("tend-http-");
  d = new Daemon(dir, `[http]\nlisten = "127.0.0.1:${port}"\n${http}\n${programs}`);
  await d.start();
  const password = http.includes("password") ? /password = "(.*)"/.exec(http)![1]! : readFileSync(join(dir, "tend.http-password"), "utf8").trim();
  const user = /username = "(.*)"/.exec(http)?.[1] ?? "admin";
  const base = `http://127.0.0.1:${port}`;
  const auth = basic(user, password);
  return {
    base,
    port,
    auth,
    call: (method, path, init = {}) => fetch(base + path, { method, body: init.body, headers: { authorization: auth, ...init.headers } }),
  };
}

/** Send bytes as they are (no client-side URL normalisation) and return the raw answer. */
async function raw(port: number, request: string): Promise<string> {
  const c = await rawConnect({ port });
  c.socket.write(request);
  await waitFor(() => c.closed() || /\r\n\r\n/.test(c.received()), { what: "an answer" });
  // Let the body arrive too (answers here are small and close with Connection: close).
  await waitFor(() => c.closed(), { what: "the server to close the connection", timeout: 20_000 });
  return c.received();
}

describe("auth", () => {
  test("with no password set, one is generated into a 0600 file beside the socket, and never logged", async () => {
    const h = await startWithHttp(prog("web"));
    const file = join(d!.dir, "tend.http-password");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const password = readFileSync(file, "utf8").trim();
    expect(password.length).toBeGreaterThanOrEqual(24);
    expect((await h.call("GET", "/api/services")).status).toBe(200);
    await d!.waitState("web", "RUNNING");
    // The daemon says where the password is, never what it is.
    const logs = d!.stderr() + d!.log("tend.log");
    expect(logs).toContain(`http://127.0.0.1:${h.port}/`);
    expect(logs).toContain(file);
    expect(logs).not.toContain(password);
  });

  test("[http] with only a password: user admin, as the README says (#12.9)", async () => {
    const h = await startWithHttp(prog("web"), `password = "only-a-password"`);
    expect(h.auth).toBe(basic("admin", "only-a-password"));
    expect((await h.call("GET", "/api/services")).status).toBe(200);
    const other = await fetch(`${h.base}/api/services`, { headers: { authorization: basic("root", "only-a-password") } });
    expect(other.status).toBe(401);
    const check = await runCli(["check", "-c", d!.configFile]);
    expect(check.code).toBe(0);
  });

  test("every route, /RPC2 and /metrics included, is 401 on TCP without or with wrong credentials; the unix socket needs none", async () => {
    const h = await startWithHttp(prog("web"), `username = "ops"\npassword = "pw-for-tests"`);
    await d!.waitState("web", "RUNNING");
    const pid = (await d!.service("web")).pid;
    const routes: Array<[string, string]> = [
      ["GET", "/"],
      ["GET", "/api/services"],
      ["GET", "/api/services/web"],
      ["POST", "/api/services/web/start"],
      ["POST", "/api/services/web/stop"],
      ["POST", "/api/services/web/restart"],
      ["POST", "/api/services/web/signal/KILL"],
      ["GET", "/api/services/web/log"],
      ["GET", "/api/services/web/log/follow"],
      ["POST", "/api/services/web/settings/autostart"],
      ["POST", "/api/reload"],
      ["POST", "/api/shutdown"],
      ["GET", "/api/daemon"],
      ["GET", "/api/events"],
      ["GET", "/metrics"],
      ["POST", "/RPC2"],
      ["GET", "/logtail/web"],
      ["GET", "/nothing/here"],
    ];
    // Two wrong guesses per route, then a right one, which clears the address's record: the
    // guess throttle (it delays after five) is not what this test is about.
    const wrong = [null, basic("ops", "wrong"), basic("admin", "pw-for-tests")];
    for (const [method, path] of routes) {
      expect((await h.call("GET", "/api/daemon")).status).toBe(200);
      for (const authorization of wrong) {
        const res = await fetch(h.base + path, {
          method,
          headers: authorization ? { authorization } : {},
          body: method === "POST" ? (path === "/RPC2" ? "<?xml version='1.0'?><methodCall><methodName>supervisor.shutdown</methodName></methodCall>" : '{"enabled":false}') : undefined,
        });
        expect([method, path, res.status]).toEqual([method, path, 401]);
        expect(res.headers.get("www-authenticate")).toStartWith('Basic realm="tend"');
        await res.body?.cancel();
      }
    }
    // Nothing happened: same process, still running, daemon still up.
    const web = await d!.service("web");
    expect([web.state, web.pid]).toEqual(["RUNNING", pid]);
    expect(readFileSync(d!.configFile, "utf8")).not.toContain("autostart");
    // The unix socket is unchanged: no credentials (its 0600 mode is its auth).
    expect((await d!.api("GET", "/api/services")).status).toBe(200);
    expect((await d!.api("GET", "/metrics")).status).toBe(200);
    // With them, TCP serves the same API.
    expect((await h.call("GET", "/api/services/web")).status).toBe(200);
  });

  test("tend check refuses a non-loopback listen address without a password", async () => {
    const dir = makeTempDir("tend-http-check-");
    const file = join(dir, "tend.toml");
    try {
      writeFileSync(file, `[http]\nlisten = "0.0.0.0:9001"\n\n${prog("web")}`);
      const bad = await runCli(["check", "-c", file], dir);
      expect(bad.code).toBe(2);
      expect(bad.stdout + bad.stderr).toContain("0.0.0.0:9001 is reachable from other hosts");
      writeFileSync(file, `[http]\nlisten = "0.0.0.0:9001"\nusername = "ops"\npassword = "x"\n\n${prog("web")}`);
      expect((await runCli(["check", "-c", file], dir)).code).toBe(0);
      writeFileSync(file, `[http]\nlisten = "127.0.0.1:9001"\n\n${prog("web")}`);
      expect((await runCli(["check", "-c", file], dir)).code).toBe(0);
    } finally {
      require("node:fs").rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a port already in use stops the daemon from starting, naming the address", async () => {
    const busy = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const dir = makeTempDir("tend-http-busy-");
      d = new Daemon(dir, `[http]\nlisten = "127.0.0.1:${busy.port}"\n\n${prog("web")}`);
      await d.start({ waitReady: false });
      const code = await d.proc!.exited;
      expect(code).not.toBe(0);
      expect(d.stderr()).toContain(`cannot listen on http://127.0.0.1:${busy.port}/`);
      expect(existsSync(d.socket)).toBe(false);
    } finally {
      busy.stop(true);
    }
  });
});

describe("hostile input on TCP", () => {
  test("names with .., slashes or NUL never reach a path", async () => {
    const h = await startWithHttp(prog("web"), `username = "ops"\npassword = "pw"`);
    await d!.waitState("web", "RUNNING");
    writeFileSync(join(d!.dir, "secret.out.log"), "TOP SECRET CONTENT 4711\n");
    const names = ["..", "%2e%2e", "..%2f..%2fsecret", "%2e%2e%2fsecret", "..%2Fsecret", "a%00b", "%00", "web%00", "web%2f..", "%2fetc%2fpasswd", "web%5c..%5csecret"];
    const paths = (n: string): Array<[string, string]> => [
      ["GET", `/api/services/${n}`],
      ["GET", `/api/services/${n}/log`],
      ["GET", `/api/services/${n}/log?stream=stderr`],
      ["GET", `/api/services/${n}/log/follow`],
      ["POST", `/api/services/${n}/start`],
      ["POST", `/api/services/${n}/settings/autostart`],
      ["GET", `/logtail/${n}`],
    ];
    const before = readFileSync(d!.configFile, "utf8");
    for (const n of names) {
      for (const [method, path] of paths(n)) {
        const body = method === "POST" ? '{"enabled":false}' : "";
        const res = await raw(
          h.port,
          `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${h.port}\r\nAuthorization: ${basic("ops", "pw")}\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
        );
        const status = statusOf(res);
        // A bare ".." segment is resolved by URL parsing before routing (/logtail/.. is /,
        // the page): it never names a process. Everything else is refused.
        const page = status === 200 && res.includes("<!doctype html>") && /\/logtail\/(\.\.|%2e%2e)$/.test(path);
        expect([path, (status >= 400 && status < 500) || page ? "refused" : res.slice(0, 300)]).toEqual([path, "refused"]);
        expect(res).not.toContain("TOP SECRET CONTENT");
      }
    }
    expect(readFileSync(d!.configFile, "utf8")).toBe(before);
    expect((await d!.service("web")).state).toBe("RUNNING");
  });

  test("an oversized body is refused with 413; so is one on the unix socket", async () => {
    const h = await startWithHttp(prog("web"), `username = "ops"\npassword = "pw"`);
    const big = "x".repeat(1024 * 1024 + 1);
    const res = await h.call("POST", "/RPC2", { body: big });
    expect(res.status).toBe(413);
    const unix = await fetch("http://localhost/RPC2", { method: "POST", body: big, unix: d!.socket });
    expect(unix.status).toBe(413);
  });

  test("a POST from another origin is refused (403) and changes nothing", async () => {
    const h = await startWithHttp(prog("web"), `username = "ops"\npassword = "pw"`);
    const s = await d!.waitState("web", "RUNNING");
    for (const path of ["/api/services/web/stop", "/api/shutdown", "/api/services/web/settings/autostart", "/RPC2"]) {
      const res = await h.call("POST", path, { body: '{"enabled":false}', headers: { origin: "https://evil.example" } });
      expect([path, res.status]).toEqual([path, 403]);
    }
    expect((await d!.service("web")).pid).toBe(s.pid);
    expect(readFileSync(d!.configFile, "utf8")).not.toContain("autostart");
    const same = await h.call("POST", "/api/services/web/restart", { headers: { origin: h.base } });
    expect(same.status).toBe(200);
  });
});

describe("events", () => {
  test("a snapshot first, then each state change of a restart, in order", async () => {
    const h = await startWithHttp(prog("web") + prog("other"));
    await d!.waitState("web", "RUNNING");
    const res = await h.call("GET", "/api/events");
    expect(res.headers.get("content-type")).toStartWith("text/event-stream");
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let buf = "";
    const events: Array<{ event: string; data: unknown }> = [];
    const pump = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += dec.decode(value, { stream: true });
        let i: number;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.*)$/m.exec(block)?.[1];
          if (ev) events.push({ event: ev, data: JSON.parse(/^data: (.*)$/m.exec(block)![1]!) });
        }
      }
    })().catch(() => {});
    await waitFor(() => events.length >= 1, { what: "the snapshot" });
    const snap = events[0]!;
    expect(snap.event).toBe("snapshot");
    expect((snap.data as SnapshotEventDTO).services.map((s) => [s.name, s.state])).toEqual([
      ["other", "RUNNING"],
      ["web", "RUNNING"],
    ]);
    const oldPid = (await d!.service("web")).pid;
    expect((await h.call("POST", "/api/services/web/restart")).status).toBe(200);
    await waitFor(() => events.some((e) => (e.data as StateEventDTO).to === "RUNNING"), { what: "web back to RUNNING" });
    const changes = events.slice(1).map((e) => e.data as StateEventDTO);
    expect(changes.map((c) => `${c.name}:${c.from}>${c.to}`)).toEqual(["web:RUNNING>STOPPING", "web:STOPPING>STOPPED", "web:STOPPED>STARTING", "web:STARTING>RUNNING"]);
    const last = changes.at(-1)!.service!;
    expect(last.pid).not.toBe(oldPid);
    expect(last.restarts).toBe(1);
    await reader.cancel();
    await pump;
  });

  test("an idle event stream is not cut: heartbeats keep it open past Bun's 10 s default", async () => {
    const h = await startWithHttp(prog("web"));
    await d!.waitState("web", "RUNNING");
    const res = await h.call("GET", "/api/events");
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain("snapshot");
    // Nothing changes for 12 s; then a change must still arrive on this connection.
    await Bun.sleep(12_000);
    await h.call("POST", "/api/services/web/stop");
    let text = "";
    await waitFor(async () => {
      const { value, done } = await reader.read();
      if (done) throw new Error("the stream ended");
      text += new TextDecoder().decode(value);
      return text.includes('"to":"STOPPED"');
    }, { what: "the stop to arrive on the old stream" });
    await reader.cancel();
  }, 60_000);
});

describe("metrics", () => {
  test("Prometheus text with per-process state, restarts, uptime, exit code, bytes logged, and the daemon's own use", async () => {
    const h = await startWithHttp(prog("web") + `[program.once]\ncommand = ["sh", "-c", "echo bye; exit 3"]\nstartsecs = 0\nautorestart = false\n`);
    await d!.waitState("web", "RUNNING");
    await d!.waitState("once", "EXITED");
    await h.call("POST", "/api/services/web/restart");
    await waitFor(async () => (await d!.service("web")).bytes_logged > 0, { what: "web to log something" });
    const res = await h.call("GET", "/metrics");
    expect(res.headers.get("content-type")).toStartWith("text/plain; version=0.0.4");
    const text = await res.text();
    const value = (line: string) => Number(text.split("\n").find((l) => l.startsWith(`${line} `))?.slice(line.length + 1));
    expect(value('tend_process_state{name="web",group="web",state="RUNNING"}')).toBe(1);
    expect(value('tend_process_state{name="once",group="once",state="EXITED"}')).toBe(1);
    expect(value('tend_process_restarts_total{name="web",group="web"}')).toBe(1);
    expect(value('tend_process_last_exit_code{name="once",group="once"}')).toBe(3);
    expect(value('tend_process_log_bytes_total{name="web",group="web"}')).toBeGreaterThan(0);
    expect(value('tend_process_uptime_seconds{name="web",group="web"}')).toBeGreaterThanOrEqual(0);
    expect(value("process_resident_memory_bytes")).toBeGreaterThan(1024 * 1024);
    expect(value("process_open_fds")).toBeGreaterThan(3);
    expect(value("process_cpu_seconds_total")).toBeGreaterThan(0);
  });
});

describe("the autostart switch", () => {
  const toml = () => readFileSync(d!.configFile, "utf8");

  test("edits one line of the file, reloads, and leaves the running program alone", async () => {
    const h = await startWithHttp(
      `# the site\n${prog("web", "autostart = true   # keep me")}\n# the worker\n[program.worker]\ncommand = "${FOREVER}" # forever\nstartsecs = 0\n`,
      `username = "ops"\npassword = "pw"`,
    );
    const web = await d!.waitState("web", "RUNNING");
    const worker = await d!.waitState("worker", "RUNNING");
    const before = toml();

    const off = await h.call("POST", "/api/services/web/settings/autostart", { body: '{"enabled": false}' });
    expect(off.status).toBe(200);
    expect(await off.json()).toMatchObject({ program: "web", autostart: false, changed: true, file: d!.configFile });
    expect(toml()).toBe(before.replace("autostart = true   # keep me", "autostart = false   # keep me"));

    const on = await h.call("POST", "/api/services/worker/settings/autostart", { body: '{"enabled": false}' });
    expect(on.status).toBe(200);
    expect(toml()).toBe(
      before.replace("autostart = true   # keep me", "autostart = false   # keep me").replace(`# forever\nstartsecs = 0\n`, `# forever\nstartsecs = 0\nautostart = false\n`),
    );
    // Applied: the API shows the new value; the processes kept running with the same pids.
    expect((await d!.service("web")).autostart).toBe(false);
    expect((await d!.service("worker")).autostart).toBe(false);
    expect((await d!.service("web")).pid).toBe(web.pid);
    expect((await d!.service("worker")).pid).toBe(worker.pid);

    // Setting what the file already says writes nothing.
    const same = await h.call("POST", "/api/services/web/settings/autostart", { body: '{"enabled": false}' });
    expect(await same.json()).toMatchObject({ changed: false });
  });

  test("bad bodies, groups and unknown names are refused without touching the file", async () => {
    const h = await startWithHttp(prog("web") + `[group.site]\nprograms = ["web"]\n`, `username = "ops"\npassword = "pw"`);
    await d!.waitState("web", "RUNNING");
    const before = toml();
    const cases: Array<[string, string, number]> = [
      ["/api/services/web/settings/autostart", "", 400],
      ["/api/services/web/settings/autostart", "{", 400],
      ["/api/services/web/settings/autostart", '{"enabled": "no"}', 400],
      ["/api/services/web/settings/autostart", '{"enabled": false, "x": 1}', 400],
      ["/api/services/nope/settings/autostart", '{"enabled": false}', 404],
      ["/api/services/site:*/settings/autostart", '{"enabled": false}', 404],
    ];
    for (const [path, body, status] of cases) {
      const res = await h.call("POST", path, { body });
      expect([path, body, res.status]).toEqual([path, body, status]);
    }
    expect(toml()).toBe(before);
  });

  test("an instance name changes its program's table, for every instance", async () => {
    const h = await startWithHttp(prog("w", "numprocs = 2\nprocess_name = \"w_{num}\""), `username = "ops"\npassword = "pw"`);
    await d!.waitState("w_1", "RUNNING");
    const res = await h.call("POST", "/api/services/w_1/settings/autostart", { body: '{"enabled": false}' });
    expect(await res.json()).toMatchObject({ program: "w", autostart: false, changed: true });
    expect(toml()).toContain('process_name = "w_{num}"\nautostart = false\n');
    expect((await d!.service("w_0")).autostart).toBe(false);
    expect((await d!.service("w_0")).state).toBe("RUNNING");
  });

  test("works on the unix socket too (the CLI's door)", async () => {
    await startWithHttp(prog("web"));
    await d!.waitState("web", "RUNNING");
    const res = await fetch("http://localhost/api/services/web/settings/autostart", { method: "POST", body: '{"enabled":false}', unix: d!.socket });
    expect(res.status).toBe(200);
    expect(toml()).toContain("startsecs = 0\nautostart = false\n");
    expect(((await (await d!.api("GET", "/api/services/web")).json()) as ServiceDTO).autostart).toBe(false);
  });
});
