// Hostile and mistaken input: garbage on the socket never takes the daemon down, unknown names
// get an error that lists the real ones, and the socket itself is guarded (one daemon per
// socket, created 0600, its directory made on demand).

import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { DaemonDTO, ErrorDTO, ServiceDTO } from "../../src/api/dto.ts";
import { Daemon, fixture, makeTempDir, startDaemon, tendArgv, waitFor } from "../helpers/daemon-harness.ts";
import { rawConnect } from "../helpers/raw-conn.ts";

let d: Daemon | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await d?.stop();
  d?.cleanup();
  d = null;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const FOREVER = fixture("forever.sh");
const prog = (name: string, extra = "") => `[program.${name}]\ncommand = "${FOREVER}"\nstartsecs = 0\n${extra}`;

/** The daemon still answers, and it is the same daemon. */
async function expectSameDaemon(): Promise<void> {
  const res = await d!.api("GET", "/api/daemon");
  expect(res.status).toBe(200);
  expect(((await res.json()) as DaemonDTO).pid).toBe(d!.pid);
  expect(d!.proc!.exitCode).toBeNull();
}

const connect = (path: string) => rawConnect({ unix: path });

/** Write bytes; then either close at once or wait until the server closes; return what came back. */
async function send(bytes: string | Uint8Array, opts: { then: "close" | "await-close" }): Promise<string> {
  const c = await connect(d!.socket);
  c.socket.write(bytes);
  if (opts.then === "close") c.socket.end();
  else await waitFor(() => c.closed(), { what: "the server to close the connection" });
  return c.received();
}

/** The HTTP layer said no (an error status, or just closed): anything but a crash or a 2xx. */
const refused = (reply: string) => reply === "" || /^HTTP\/1\.1 [45]\d\d /.test(reply);

const random = (n: number) => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
};

describe("garbage on the socket", () => {
  test("raw random bytes", async () => {
    d = await startDaemon(prog("web"));
    await d.waitState("web", "RUNNING");
    for (const size of [1, 16, 4096, 200_000]) {
      await send(random(size), { then: "close" });
      await expectSameDaemon();
    }
    // Random bytes that start like a request, and a request line with control bytes in it.
    await send(new Uint8Array([...new TextEncoder().encode("GET /api/daemon HTTP/1.1\r\n"), ...random(2048)]), { then: "close" });
    await expectSameDaemon();
    const reply = await send("GET /api/\x00\x01\x7f HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", { then: "await-close" });
    expect(refused(reply)).toBe(true);
    await expectSameDaemon();
    expect((await d.service("web")).state).toBe("RUNNING");
  });

  test("empty lines before a request line are ignored (RFC 9112 §2.2), not answered with a 400", async () => {
    d = await startDaemon(prog("web"));
    await d.waitState("web", "RUNNING");
    // supervisorctl's HTTP client sends one CRLF after its request's blank line (tail -f).
    const get = (extra = "") => `GET /api/daemon HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;
    const reply = await send(`\r\n${get()}\r\n${get()}\r\n\r\n${get("Connection: close\r\n")}\r\n`, { then: "await-close" });
    expect(reply.match(/HTTP\/1\.1 \d{3}/g)).toEqual(["HTTP/1.1 200", "HTTP/1.1 200", "HTTP/1.1 200"]);
    await expectSameDaemon();
  });

  test("a half HTTP request, then close", async () => {
    d = await startDaemon(prog("web"));
    await d.waitState("web", "RUNNING");
    for (const half of [
      "G",
      "GET /api/dae",
      "GET /api/daemon HTTP/1.1\r\n",
      "GET /api/daemon HTTP/1.1\r\nHost: local",
      "GET /api/services HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc",
    ]) {
      await send(half, { then: "close" });
      await expectSameDaemon();
    }
  });

  test("a 100 KB request line and a 100 KB header are refused, not fatal", async () => {
    d = await startDaemon(prog("web"));
    await d.waitState("web", "RUNNING");
    const line = await send(`GET /api/services/${"a".repeat(100 * 1024)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, { then: "await-close" });
    expect(line === "" || /^HTTP\/1\.1 4\d\d /.test(line)).toBe(true);
    await expectSameDaemon();
    const header = await send(`GET /api/daemon HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(100 * 1024)}\r\nConnection: close\r\n\r\n`, { then: "await-close" });
    expect(header === "" || /^HTTP\/1\.1 4\d\d /.test(header)).toBe(true);
    await expectSameDaemon();
    // Sent and then dropped half way.
    await send(`GET /${"c".repeat(100 * 1024)}`, { then: "close" });
    await expectSameDaemon();
  });

  test("invalid percent-encoding is a 400", async () => {
    d = await startDaemon(prog("web"));
    await d.waitState("web", "RUNNING");
    for (const path of ["/api/services/%ZZ", "/api/services/%E0%A4%A", "/api/services/web%", "/%", "/api/services/%C0%AE%C0%AE/log", "/api/services/%FF/start"]) {
      const method = path.endsWith("/start") ? "POST" : "GET";
      const reply = await send(`${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, { then: "await-close" });
      expect({ path, status: reply.split("\r\n")[0] }).toEqual({ path, status: "HTTP/1.1 400 Bad Request" });
      const body = JSON.parse(reply.slice(reply.indexOf("\r\n\r\n") + 4)) as ErrorDTO;
      expect(body.error).toEqual({ code: "BAD_REQUEST", message: "malformed percent-encoding in the path" });
      await expectSameDaemon();
    }
    // In the query string: a bad value, reported as such.
    const q = await d.api("GET", "/api/services/web/log?lines=%ZZ&stream=%E0");
    expect(q.status).toBe(400);
    await expectSameDaemon();
    expect((await d.service("web")).state).toBe("RUNNING");
  });

  test("a flood of 200 concurrent connections", async () => {
    d = await startDaemon(prog("web"));
    await d.waitState("web", "RUNNING");
    // 200 connections held open at once, each with a partial request or garbage…
    const conns = await Promise.all(Array.from({ length: 200 }, () => connect(d!.socket)));
    conns.forEach((c, i) => c.socket.write(i % 2 ? "GET /api/serv" : random(64)));
    // …while 200 real requests run concurrently, and every one is answered.
    const answers = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const res = await d!.api("GET", i % 2 ? "/api/services" : "/api/services/web");
        const body = (await res.json()) as ServiceDTO[] | ServiceDTO;
        return res.status === 200 && (Array.isArray(body) ? body[0]!.name : body.name) === "web";
      }),
    );
    expect(answers.filter(Boolean).length).toBe(200);
    await expectSameDaemon();
    for (const c of conns) c.socket.end();
    await waitFor(() => conns.every((c) => c.closed()), { what: "the 200 connections to close" });
    await expectSameDaemon();
    expect((await d.service("web")).state).toBe("RUNNING");
  });
});

describe("unknown names", () => {
  test("every command names the unknown one and lists the known names", async () => {
    d = await startDaemon(prog("web") + prog("db"));
    await d.waitState("web", "RUNNING");
    const commands: string[][] = [
      ["start", "nosuch"],
      ["stop", "nosuch"],
      ["restart", "nosuch"],
      ["signal", "HUP", "nosuch"],
      ["pid", "nosuch"],
      ["tail", "nosuch"],
      ["tail", "-n", "5", "nosuch", "stderr"],
      ["status", "nosuch"],
    ];
    for (const args of commands) {
      const r = await d.cli(...args);
      expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code: 4, stdout: "" });
      const err = r.stderr.trim();
      expect(err.split("\n").length).toBe(1);
      expect(err).toContain("nosuch");
      expect(err).toContain("no such process");
      expect(err).toMatch(/known: db, web\)*$/);
    }
    // Nothing happened to the real ones.
    expect((await d.service("web")).state).toBe("RUNNING");
  });
});

describe("the socket", () => {
  test("a second daemon on the same socket exits non-zero with 'already running'; the first keeps running", async () => {
    d = await startDaemon(prog("web"));
    const web = await d.waitState("web", "RUNNING");
    const second = Bun.spawn(tendArgv("daemon", "-c", d.configFile), { cwd: d.dir, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const [code, out, err] = await Promise.all([second.exited, new Response(second.stdout).text(), new Response(second.stderr).text()]);
    expect(code).not.toBe(0);
    expect(out + err).toContain("already running");
    expect(out + err).toContain(d.socket);
    await expectSameDaemon();
    expect(existsSync(d.socket)).toBe(true);
    const now = await d.service("web");
    expect(now.state).toBe("RUNNING");
    expect(now.pid).toBe(web.pid);
    // Same through -s.
    const third = Bun.spawnSync(tendArgv("daemon", "-c", d.configFile, "-s", d.socket), { cwd: d.dir, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    expect(third.exitCode).not.toBe(0);
    expect(third.stderr.toString()).toContain("already running");
    await expectSameDaemon();
  });

  test("a socket directory that does not exist yet is created; the socket is 0600", async () => {
    const dir = makeTempDir();
    const sock = join(dir, "run", "nested", "tend.sock");
    d = new Daemon(dir, "");
    Object.assign(d, { socket: sock });
    d.writeConfig(prog("web"));
    expect(existsSync(join(dir, "run"))).toBe(false);
    await d.start();
    expect(d.socket).toBe(sock);
    expect(statSync(sock).isSocket()).toBe(true);
    expect(statSync(sock).mode & 0o777).toBe(0o600);
    await d.waitState("web", "RUNNING");
    const r = await d.cli("status", "web");
    expect(r.code).toBe(0);
    await expectSameDaemon();
  });

  test("socket mode: 0600 by default, socket_mode when set", async () => {
    d = await startDaemon(prog("web"));
    expect(statSync(d.socket).mode & 0o777).toBe(0o600);
    await d.stop();
    d.cleanup();
    d = await startDaemon(prog("web"), `socket_mode = "0660"`);
    expect(statSync(d.socket).mode & 0o777).toBe(0o660);
    await expectSameDaemon();
  });
});
