// Basic auth parsing and comparison, the generated password file, the guess throttle, and
// the cross-origin rule.

import { afterEach, describe, expect, test } from "bun:test";
import { lstatSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, chmodSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BasicAuth, DEFAULT_USERNAME, passwordFileFor, resolveCredentials, unauthorized } from "../../../src/http/auth.ts";
import { crossOriginReason } from "../../../src/http/origin.ts";
import { clientKey, splitListen } from "../../../src/http/server.ts";
import { AuthThrottle } from "../../../src/http/throttle.ts";

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;

describe("BasicAuth.check", () => {
  const auth = new BasicAuth({ username: "admin", password: "s3cret:with:colons é" });

  test("the right pair passes; the scheme is case-insensitive", () => {
    expect(auth.check(basic("admin", "s3cret:with:colons é"))).toBe("ok");
    expect(auth.check(basic("admin", "s3cret:with:colons é").replace("Basic", "bAsIc"))).toBe("ok");
  });

  test("no header, or an empty one, is 'missing' (the browser's first try), not a wrong guess", () => {
    expect(auth.check(null)).toBe("missing");
    expect(auth.check("  ")).toBe("missing");
  });

  test("wrong user, wrong password, prefixes, other schemes and garbage are 'bad'", () => {
    for (const h of [
      basic("admin", "s3cret"),
      basic("admin", "s3cret:with:colons é "),
      basic("Admin", "s3cret:with:colons é"),
      basic("", ""),
      "Basic " + Buffer.from("no colon").toString("base64"),
      "Basic !!!",
      "Bearer abc",
      "Basic",
    ]) {
      expect(auth.check(h)).toBe("bad");
    }
  });

  test("supervisord's {SHA} passwords: the config holds the SHA-1, the client sends the password", () => {
    const sha = new BasicAuth({ username: "admin", password: "{SHA}a94a8fe5ccb19ba61c4c0873d391e987982fbbd3" }); // "test"
    expect(sha.check(basic("admin", "test"))).toBe("ok");
    expect(sha.check(basic("admin", "{SHA}a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"))).toBe("bad");
    expect(sha.check(basic("admin", "tess"))).toBe("bad");
  });

  test("401 names the realm", () => {
    const res = unauthorized();
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toStartWith('Basic realm="tend"');
  });
});

describe("the generated password", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), "tend-auth-"));
    dirs.push(d);
    return d;
  };

  test("beside the socket, named after it", () => {
    expect(passwordFileFor("/run/tend/tend.sock")).toBe("/run/tend/tend.http-password");
    expect(passwordFileFor("/tmp/tend-1000.sock")).toBe("/tmp/tend-1000.http-password");
  });

  test("configured credentials are used as they are, and no file is written", () => {
    const d = dir();
    const c = resolveCredentials({ username: "ops", password: "pw" }, join(d, "tend.sock"));
    expect(c).toEqual({ username: "ops", password: "pw", passwordFile: null });
    expect(existsSync(join(d, "tend.http-password"))).toBe(false);
  });

  test("without a password: generated, written 0600 with only the password, then reused", () => {
    const d = dir();
    const c = resolveCredentials({ username: null, password: null }, join(d, "tend.sock"));
    expect(c.username).toBe(DEFAULT_USERNAME);
    expect(c.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(c.passwordFile).toBe(join(d, "tend.http-password"));
    const st = lstatSync(c.passwordFile!);
    expect(st.mode & 0o777).toBe(0o600);
    expect(readFileSync(c.passwordFile!, "utf8")).toBe(`${c.password}\n`);
    expect(resolveCredentials({ username: null, password: null }, join(d, "tend.sock")).password).toBe(c.password);
  });

  test("a file that is not ours alone (too open, or a link) is replaced, never read or written through", () => {
    const d = dir();
    const file = join(d, "tend.http-password");
    writeFileSync(file, "knownpasswordknownpassword\n");
    chmodSync(file, 0o644);
    const a = resolveCredentials({ username: null, password: null }, join(d, "tend.sock"));
    expect(a.password).not.toBe("knownpasswordknownpassword");
    expect(lstatSync(file).mode & 0o777).toBe(0o600);

    const target = join(d, "elsewhere");
    writeFileSync(target, "victim\n");
    rmSync(file);
    symlinkSync(target, file);
    const b = resolveCredentials({ username: null, password: null }, join(d, "tend.sock"));
    expect(readFileSync(target, "utf8")).toBe("victim\n");
    expect(lstatSync(file).isSymbolicLink()).toBe(false);
    expect(readFileSync(file, "utf8")).toBe(`${b.password}\n`);
  });
});

describe("AuthThrottle", () => {
  const clock = () => {
    let t = 1_000_000;
    return { now: () => t, advance: (ms: number) => void (t += ms) };
  };

  test("a few wrong guesses are free; then each wrong answer waits longer, doubling up to the cap", () => {
    const c = clock();
    const th = new AuthThrottle({ free: 3, baseMs: 100, maxDelayMs: 1000, maxWaitMs: 60_000, now: c.now });
    for (let i = 0; i < 3; i++) expect(th.failed("1.2.3.4")).toEqual({ waitMs: 0 });
    expect(th.failed("1.2.3.4")).toEqual({ waitMs: 100 });
    c.advance(100);
    expect(th.failed("1.2.3.4")).toEqual({ waitMs: 200 });
    expect([3, 4, 5, 6, 7, 8].map((n) => th.delayAfter(n))).toEqual([100, 200, 400, 800, 1000, 1000]);
    // Other addresses are not affected.
    expect(th.failed("5.6.7.8")).toEqual({ waitMs: 0 });
  });

  test("parallel wrong answers leave one delay apart; too long a queue is refused", () => {
    const c = clock();
    const th = new AuthThrottle({ free: 1, baseMs: 1000, maxDelayMs: 1000, maxWaitMs: 2500, now: c.now });
    th.failed("a");
    const waits = [th.failed("a"), th.failed("a"), th.failed("a"), th.failed("a")];
    expect(waits).toEqual([{ waitMs: 1000 }, { waitMs: 2000 }, { refusedForMs: 3000 }, { refusedForMs: 3000 }]);
  });

  test("a right password clears the record", () => {
    const th = new AuthThrottle({ free: 1, baseMs: 500 });
    th.failed("a");
    expect(th.failed("a")).toEqual({ waitMs: 500 });
    th.succeeded("a");
    expect(th.failed("a")).toEqual({ waitMs: 0 });
  });

  test("an address is forgotten forgetMs after its last wrong attempt", () => {
    const c = clock();
    const th = new AuthThrottle({ free: 1, baseMs: 500, forgetMs: 10_000, now: c.now });
    th.failed("b");
    c.advance(10_001);
    expect(th.failed("b")).toEqual({ waitMs: 0 });
    expect(th.size).toBe(1);
  });

  test("the default clock is monotonic", () => {
    // A wall-clock jump must neither free a guesser nor stretch a window.
    const th = new AuthThrottle({ free: 0, baseMs: 1000, maxDelayMs: 1000 });
    const realNow = Date.now;
    try {
      th.failed("a");
      Date.now = () => realNow() + 3_600_000;
      const v = th.failed("a");
      expect("waitMs" in v && v.waitMs > 1000).toBe(true);
    } finally {
      Date.now = realNow;
    }
  });

  test("memory is bounded: past maxEntries the least recently failed address is dropped", () => {
    const th = new AuthThrottle({ maxEntries: 100 });
    for (let i = 0; i < 10_000; i++) th.failed(`10.0.${i >> 8}.${i & 255}`);
    expect(th.size).toBe(100);
  });
});

describe("client keys and listen addresses", () => {
  test("IPv4 as is, v4-mapped v6 as v4, v6 by /64", () => {
    expect(clientKey("127.0.0.1")).toBe("127.0.0.1");
    expect(clientKey("::ffff:10.1.2.3")).toBe("10.1.2.3");
    expect(clientKey("2001:db8:0:1:aaaa::1")).toBe("2001:db8:0:1::/64");
    expect(clientKey("2001:db8:0:1:bbbb:cccc:dddd:eeee")).toBe("2001:db8:0:1::/64");
    expect(clientKey("::1")).toBe("0:0:0:0::/64");
    expect(clientKey(undefined)).toBe("?");
  });

  test("listen strings", () => {
    expect(splitListen("127.0.0.1:9001")).toEqual({ hostname: "127.0.0.1", port: 9001 });
    expect(splitListen("[::1]:9001")).toEqual({ hostname: "::1", port: 9001 });
    expect(splitListen("localhost:80")).toEqual({ hostname: "localhost", port: 80 });
  });
});

describe("crossOriginReason", () => {
  const req = (method: string, headers: Record<string, string>) => new Request("http://127.0.0.1:9001/api/reload", { method, headers });

  test("GET is never refused; a POST with no Origin (curl, supervisorctl) goes through", () => {
    expect(crossOriginReason(req("GET", { host: "127.0.0.1:9001", origin: "https://evil.example" }))).toBeNull();
    expect(crossOriginReason(req("POST", { host: "127.0.0.1:9001" }))).toBeNull();
  });

  test("same origin passes, default ports and letter case included", () => {
    expect(crossOriginReason(req("POST", { host: "127.0.0.1:9001", origin: "http://127.0.0.1:9001" }))).toBeNull();
    expect(crossOriginReason(req("POST", { host: "Tend.Example", origin: "http://tend.example" }))).toBeNull();
    expect(crossOriginReason(req("POST", { host: "tend.example:80", origin: "http://tend.example" }))).toBeNull();
    expect(crossOriginReason(req("POST", { host: "127.0.0.1:9001", origin: "http://127.0.0.1:9001", "sec-fetch-site": "same-origin" }))).toBeNull();
  });

  test("behind a proxy, X-Forwarded-Host names the browser's host", () => {
    expect(crossOriginReason(req("POST", { host: "127.0.0.1:9001", "x-forwarded-host": "tend.example", origin: "https://tend.example" }))).toBeNull();
  });

  test("another origin, another port, null, and cross-site fetch metadata are refused", () => {
    const cases: Array<Record<string, string>> = [
      { host: "127.0.0.1:9001", origin: "https://evil.example" },
      { host: "127.0.0.1:9001", origin: "http://127.0.0.1:9002" },
      { host: "127.0.0.1:9001", origin: "http://localhost:9001" },
      { host: "127.0.0.1:9001", origin: "null" },
      { host: "127.0.0.1:9001", origin: "file://" },
      { host: "127.0.0.1:9001", "sec-fetch-site": "cross-site" },
      { host: "127.0.0.1:9001", "sec-fetch-site": "same-site", origin: "http://127.0.0.1:9001" },
    ];
    for (const h of cases) {
      expect(crossOriginReason(req("POST", h))).toBeString();
    }
  });
});
