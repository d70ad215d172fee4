// The TCP listener's guards, driven in-process with a stand-in backend on 127.0.0.1 and a
// port the kernel picks: auth on every route, the guess throttle, cross-origin refusals, the
// body cap, and which connections are cut (slow senders, idle keep-alives) and which are not
// (a long answer, a quiet stream). Timeouts are set small here; nothing asserts a duration.

import { afterEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import type { ApiBackend } from "../../src/api/routes.ts";
import type { ServiceDTO } from "../../src/api/dto.ts";
import { TendError } from "../../src/core/errors.ts";
import { startHttp, type HttpListener, type HttpOptions } from "../../src/http/server.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { rawConnect } from "../helpers/raw-conn.ts";

// The preload's 60 s ceiling, again: Bun 1.4.5 applies a preload's setDefaultTimeout to the
// first test file only (npm test also passes --timeout; a bare `bun test FILE...` does not).
setDefaultTimeout(60_000);

const CREDS = { username: "admin", password: "correct horse" };
const AUTH = `Basic ${Buffer.from("admin:correct horse").toString("base64")}`;
const WRONG = `Basic ${Buffer.from("admin:battery staple").toString("base64")}`;

/** Controls for the stand-in: a slow action and a log stream the test writes to. */
class Fake {
  stopDelayMs = 0;
  bodies: string[] = [];
  follow: ReadableStreamDefaultController<Uint8Array> | null = null;
  followCancelled = false;
  reloads = 0;
  backend(): ApiBackend {
    const svc = { name: "web", group: "web", state: "RUNNING" } as ServiceDTO;
    return {
      services: () => [svc],
      service: (n) => {
        if (n !== "web") throw new TendError("BAD_NAME", `no such process: ${n}`);
        return svc;
      },
      start: async () => [],
      stop: async () => {
        await Bun.sleep(this.stopDelayMs);
        return [{ name: "web", group: "web", ok: true, code: null, message: "stopped", state: "STOPPED" }];
      },
      restart: async () => [],
      signal: () => [],
      readLog: () => "line\n",
      followLog: () =>
        new ReadableStream<Uint8Array>({
          start: (c) => {
            this.follow = c;
            c.enqueue(new TextEncoder().encode("first\n"));
          },
          cancel: () => void (this.followCancelled = true),
        }),
      reload: async () => {
        this.reloads++;
        return { added: [], changed: [], removed: [], unchanged: ["web"], daemon_changed: [], applied: true };
      },
      shutdown: async () => ({ ok: true, message: "every process stopped", survivors: [] }),
      daemon: () => ({ pid: 1, version: "x", config_file: "f", socket: "s", log_dir: "l", started_at: new Date().toISOString(), state: "RUNNING", programs: 1 }),
      events: () => new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode("event: snapshot\ndata: {}\n\n")) }),
      metrics: () => "tend_programs 1\n",
      setAutostart: async (_n, enabled) => {
        this.bodies.push(String(enabled));
        return { program: "web", autostart: enabled, file: "f", changed: true, reload: await this.backend().reload(false) };
      },
    };
  }
}

let listener: HttpListener | null = null;
let fake = new Fake();
afterEach(async () => {
  await listener?.stop(true);
  listener = null;
  fake = new Fake();
});

async function serve(options: Partial<HttpOptions> = {}): Promise<string> {
  listener = await startHttp(fake.backend(), "127.0.0.1:0", CREDS, options);
  return `http://127.0.0.1:${listener.port}`;
}

/** A raw TCP exchange: write the parts (with pauses), then collect until the server closes. */
async function rawExchange(port: number, parts: Array<string | number>, opts: { until?: (got: string) => boolean; deadline?: number } = {}) {
  const c = await rawConnect({ port });
  for (const p of parts) {
    if (c.closed()) break;
    if (typeof p === "number") await Bun.sleep(p);
    else c.socket.write(p);
  }
  await waitFor(() => c.closed() || (opts.until?.(c.received()) ?? false), { timeout: opts.deadline ?? 40_000, what: "the server to answer or close" });
  const wasClosed = c.closed();
  c.socket.end();
  return { got: c.received(), closed: wasClosed };
}

describe("auth", () => {
  const routes: Array<[string, string]> = [
    ["GET", "/"],
    ["GET", "/api/services"],
    ["GET", "/api/services/web"],
    ["POST", "/api/services/web/start"],
    ["POST", "/api/services/web/stop"],
    ["POST", "/api/services/web/restart"],
    ["POST", "/api/services/web/signal/HUP"],
    ["GET", "/api/services/web/log"],
    ["GET", "/api/services/web/log/follow"],
    ["POST", "/api/services/web/settings/autostart"],
    ["POST", "/api/reload"],
    ["POST", "/api/shutdown"],
    ["GET", "/api/daemon"],
    ["GET", "/api/events"],
    ["GET", "/metrics"],
    ["POST", "/RPC2"],
    ["GET", "/no/such/route"],
  ];

  test("every route answers 401 with the Basic challenge, without credentials and with wrong ones", async () => {
    // A throttle that never delays: this test is about the answers, not the slow-down.
    const base = await serve({ throttle: { free: 1000 } });
    for (const [method, path] of routes) {
      for (const authorization of [null, WRONG, "Bearer x", `Basic ${Buffer.from("root:correct horse").toString("base64")}`]) {
        const res = await fetch(base + path, { method, headers: authorization ? { authorization } : {}, body: method === "POST" ? "{}" : undefined });
        expect([method, path, authorization, res.status]).toEqual([method, path, authorization, 401]);
        expect(res.headers.get("www-authenticate")).toStartWith('Basic realm="tend"');
        await res.body?.cancel();
      }
    }
    expect(fake.reloads).toBe(0);
  });

  test("with the right credentials the API answers", async () => {
    const base = await serve();
    const res = await fetch(`${base}/api/services`, { headers: { authorization: AUTH } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(((await res.json()) as ServiceDTO[])[0]!.name).toBe("web");
    const metrics = await fetch(`${base}/metrics`, { headers: { authorization: AUTH } });
    expect(await metrics.text()).toBe("tend_programs 1\n");
  });

  test("after repeated wrong guesses, more are refused (429) rather than checked, and the right password still gets in", async () => {
    const base = await serve({ throttle: { free: 2, baseMs: 200, maxDelayMs: 200, maxWaitMs: 500 } });
    for (let i = 0; i < 3; i++) expect((await fetch(`${base}/api/daemon`, { headers: { authorization: WRONG } })).status).toBe(401);
    // A burst of guesses in parallel: they queue one delay apart, and the queue is short.
    const burst = await Promise.all(Array.from({ length: 10 }, () => fetch(`${base}/api/daemon`, { headers: { authorization: WRONG } })));
    const statuses = burst.map((r) => r.status);
    expect(statuses).toContain(429);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    expect(burst.find((r) => r.status === 429)!.headers.get("retry-after")).toMatch(/^\d+$/);
    // The owner, from the same address, gets in once the queue has drained.
    await waitFor(async () => (await fetch(`${base}/api/daemon`, { headers: { authorization: AUTH } })).status === 200, { what: "the right password to be accepted" });
  });

  test("wrong guesses never delay or refuse the right password from the same address (#11.5)", async () => {
    // Two free guesses, then ten minutes a guess: any wrong guess past the free ones would wait
    // far longer than its 1 s allowance, so it is refused (429) at once. Before the fix the
    // right password from this address was refused too, for as long as the guessing went on.
    const base = await serve({ throttle: { free: 2, baseMs: 600_000, maxDelayMs: 600_000, maxWaitMs: 1000 } });
    const statuses: number[] = [];
    for (let loop = 0; loop < 10; loop++) {
      for (let i = 0; i < 3; i++) statuses.push((await fetch(`${base}/api/daemon`, { headers: { authorization: WRONG } })).status);
      const right = await fetch(`${base}/api/daemon`, { headers: { authorization: AUTH } });
      expect([loop, right.status]).toEqual([loop, 200]);
      await right.body?.cancel();
    }
    // Each right password clears the record: two free guesses again, then refusals.
    expect(statuses).toEqual(Array.from({ length: 10 }, () => [401, 401, 429]).flat());
  });

  test("after a wrong guess the right password is answered without waiting out the guess's delay", async () => {
    // One free guess, then ten minutes a guess. Before the fix the right password, asked next,
    // waited those ten minutes; the 30 s deadline on its answer is far below that.
    const base = await serve({ throttle: { free: 1, baseMs: 600_000, maxDelayMs: 600_000, maxWaitMs: 3_600_000 } });
    expect((await fetch(`${base}/api/daemon`, { headers: { authorization: WRONG } })).status).toBe(401);
    const right = await fetch(`${base}/api/daemon`, { headers: { authorization: AUTH }, signal: AbortSignal.timeout(30_000) });
    expect(right.status).toBe(200);
    await right.body?.cancel();
  });
});

describe("cross-origin requests", () => {
  test("a POST whose Origin is not this host is refused with 403 and does nothing", async () => {
    const base = await serve();
    const host = new URL(base).host;
    for (const origin of ["https://evil.example", `http://localhost:${listener!.port}`, "null"]) {
      const res = await fetch(`${base}/api/reload`, { method: "POST", headers: { authorization: AUTH, origin } });
      expect([origin, res.status]).toEqual([origin, 403]);
    }
    const xsite = await fetch(`${base}/api/services/web/stop`, { method: "POST", headers: { authorization: AUTH, "sec-fetch-site": "cross-site" } });
    expect(xsite.status).toBe(403);
    expect(fake.reloads).toBe(0);
    // The page's own requests, and clients that send no Origin, go through.
    expect((await fetch(`${base}/api/reload`, { method: "POST", headers: { authorization: AUTH, origin: `http://${host}` } })).status).toBe(200);
    expect((await fetch(`${base}/api/reload`, { method: "POST", headers: { authorization: AUTH } })).status).toBe(200);
    expect(fake.reloads).toBe(2);
    // A cross-origin GET is answered (the browser keeps the answer from the other page).
    expect((await fetch(`${base}/api/services`, { headers: { authorization: AUTH, origin: "https://evil.example" } })).status).toBe(200);
  });
});

describe("bodies and slow clients", () => {
  test("a body over the cap is refused with 413, declared or chunked", async () => {
    const base = await serve({ maxBodyBytes: 64 * 1024 });
    const big = "x".repeat(64 * 1024 + 1);
    const declared = await fetch(`${base}/api/services/web/settings/autostart`, { method: "POST", headers: { authorization: AUTH }, body: big });
    expect(declared.status).toBe(413);
    const chunks = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 20; i++) c.enqueue(new Uint8Array(8192).fill(120));
        c.close();
      },
    });
    const chunked = await fetch(`${base}/api/services/web/settings/autostart`, { method: "POST", headers: { authorization: AUTH }, body: chunks });
    expect(chunked.status).toBe(413);
    expect(fake.bodies).toEqual([]);
    // Under the cap it goes through to the route.
    const ok = await fetch(`${base}/api/services/web/settings/autostart`, { method: "POST", headers: { authorization: AUTH }, body: '{"enabled":false}' });
    expect(ok.status).toBe(200);
    expect(fake.bodies).toEqual(["false"]);
  });

  test("a client that sends its body too slowly is cut off before the request reaches the API", async () => {
    await serve({ bodyTimeoutSecs: 1 });
    const head = `POST /api/services/web/settings/autostart HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\nContent-Length: 17\r\n\r\n`;
    const parts: Array<string | number> = [head];
    for (const ch of '{"enabled":false}') parts.push(ch, 700);
    const r = await rawExchange(listener!.port, parts);
    expect(r.closed).toBe(true);
    expect(r.got).not.toContain("200 OK");
    expect(fake.bodies).toEqual([]);
  });

  test("a client that never finishes its headers is cut off", async () => {
    await serve();
    const r = await rawExchange(listener!.port, ["GET /api/services HTTP/1.1\r\nHost: x\r\n"]);
    expect(r.closed).toBe(true);
    expect(r.got).toBe("");
  });

  test("an idle keep-alive connection is closed after the idle timeout", async () => {
    await serve({ idleTimeoutSecs: 1 });
    const r = await rawExchange(listener!.port, [`GET /api/daemon HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\n\r\n`]);
    expect(r.got).toStartWith("HTTP/1.1 200");
    expect(r.closed).toBe(true);
  });

  test("an answer that takes longer than the idle timeout is not cut (a stop waiting for its process)", async () => {
    const base = await serve({ idleTimeoutSecs: 1, bodyTimeoutSecs: 1 });
    fake.stopDelayMs = 3500;
    const res = await fetch(`${base}/api/services/web/stop`, { method: "POST", headers: { authorization: AUTH }, body: "" });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Array<{ message: string }>)[0]!.message).toBe("stopped");
  });

  test("a quiet stream outlives the idle timeout and still delivers", async () => {
    const base = await serve({ idleTimeoutSecs: 1 });
    const res = await fetch(`${base}/api/services/web/log/follow`, { headers: { authorization: AUTH } });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("first\n");
    await Bun.sleep(3500);
    fake.follow!.enqueue(new TextEncoder().encode("after the quiet\n"));
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("after the quiet\n");
    await reader.cancel();
  });

  test("a client that goes away mid-stream cancels the stream", async () => {
    await serve();
    let got = "";
    const s = await Bun.connect({ hostname: "127.0.0.1", port: listener!.port, socket: { data: (_s, d) => void (got += d.toString()), error() {} } });
    s.write(`GET /api/services/web/log/follow HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\n\r\n`);
    await waitFor(() => got.includes("first\n"), { what: "the stream's first line" });
    expect(fake.followCancelled).toBe(false);
    s.end();
    await waitFor(() => fake.followCancelled, { what: "the stream to be cancelled" });
  });

  test("a client that takes none of a stream's bytes for the idle timeout is cut, and the stream cancelled", async () => {
    await serve({ idleTimeoutSecs: 1 });
    const s = await Bun.connect({ hostname: "127.0.0.1", port: listener!.port, socket: { data() {}, error() {} } });
    try {
      s.pause();
      s.write(`GET /api/services/web/log/follow HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\n\r\n`);
      await waitFor(() => fake.follow, { what: "the stream to start" });
      // More than any socket buffer holds: the server ends up waiting for a reader that never reads.
      const mb = new Uint8Array(1 << 20).fill(120);
      for (let i = 0; i < 64; i++) fake.follow!.enqueue(mb);
      await waitFor(() => fake.followCancelled, { what: "the stream to be cancelled" });
    } finally {
      s.end();
    }
  });
});

describe("the listener", () => {
  test("empty lines before a request line are ignored (RFC 9112 §2.2): a stream is not cut by a 400", async () => {
    await serve();
    // As supervisorctl's tail -f sends it: one CRLF more after the blank line, then a pipelined request.
    const follow = `GET /api/services/web/log/follow HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\n\r\n\r\n`;
    const r = await rawExchange(listener!.port, [`\r\nGET /api/daemon HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\n\r\n\r\n`, follow], {
      until: (got) => got.includes("first\n"),
    });
    expect(r.got.match(/HTTP\/1\.1 \d{3}/g)).toEqual(["HTTP/1.1 200", "HTTP/1.1 200"]);
    expect(r.closed).toBe(false);
  });


  test("a port already taken is a clear error naming the address", async () => {
    await serve();
    await expect(startHttp(fake.backend(), `127.0.0.1:${listener!.port}`, CREDS)).rejects.toThrow(/cannot listen on http:\/\/127\.0\.0\.1:\d+\/ \(\[http\] listen\)/);
  });
});
