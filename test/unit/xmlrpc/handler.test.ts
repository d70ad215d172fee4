// /RPC2 in process, on a stub backend: method names, arity and types, and the HTTP edges
// (huge, slow, cut-short and broken bodies; GET; auth). The real daemon is in
// test/integration/xmlrpc.test.ts.

import { describe, expect, test } from "bun:test";
import type { ServiceDTO } from "../../../src/api/dto.ts";
import { checkBasicAuth, passwordMatches } from "../../../src/xmlrpc/auth.ts";
import type { RpcBackend } from "../../../src/xmlrpc/backend.ts";
import { encodeMethodCall, parseMethodResponse, type RpcValue } from "../../../src/xmlrpc/codec.ts";
import { METHOD_NAMES, signatureOf } from "../../../src/xmlrpc/dispatch.ts";
import { handleRpc } from "../../../src/xmlrpc/handler.ts";
import { METHOD_DOCS } from "../../../src/xmlrpc/method-docs.ts";

const svc = (name: string, group = name, state: ServiceDTO["state"] = "RUNNING"): ServiceDTO => ({
  name, group, program: name, state, statecode: 20, description: "", pid: state === "RUNNING" ? 4242 : null,
  started_at: "2026-11-22T01:00:00.000Z", stopped_at: null, uptime_seconds: 5, exit_code: null, exit_signal: null,
  spawnerr: "", restarts: 0, autostart: true, priority: 999, command: ["/bin/true"], stdout_logfile: null, stderr_logfile: null,
  log_errors: [], bytes_logged: 0,
});

function stub(over: Partial<RpcBackend> = {}): RpcBackend {
  const services = [svc("app"), svc("web", "site")];
  return {
    services: () => services,
    service: (n: string) => services.find((s) => s.name === n.split(":").pop())!,
    start: async () => [],
    stop: async () => [],
    restart: async () => [],
    signal: () => [],
    readLog: () => "",
    followLog: () => new ReadableStream(),
    reload: async () => ({ added: [], changed: [], removed: [], unchanged: [], daemon_changed: [], applied: false }),
    shutdown: () => {},
    daemon: () => ({ pid: 99, version: "0", config_file: "/x", socket: "/s", log_dir: "/l", started_at: "", state: "RUNNING", programs: 2 }),
    config: { file: "/x", daemon: {} as never, http: null, programs: [], groups: {}, notes: [], sources: {} },
    logger: { info() {}, warn() {}, error() {} },
    readConfigFile: () => { throw new Error("no"); },
    clearLogs: () => {},
    mainLogPath: () => null,
    readLogBytes: async () => null,
    clearMainLog: () => {},
    addPrograms: () => {},
    removePrograms: () => {},
    ...over,
  } as RpcBackend;
}

const post = (body: string | Uint8Array | ReadableStream<Uint8Array> | null, headers: Record<string, string> = {}) =>
  new Request("http://localhost/RPC2", { method: "POST", body, headers: { "content-type": "text/xml", ...headers } });

async function call(name: string, params: RpcValue[] = [], b = stub()) {
  const res = await handleRpc(b, post(encodeMethodCall(name, params)));
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/xml");
  return parseMethodResponse(await res.text());
}

describe("the method table", () => {
  test("the 41 names supervisord 4.2.5 lists, each with its signature", async () => {
    expect(METHOD_NAMES).toEqual(Object.keys(METHOD_DOCS).sort());
    expect(METHOD_NAMES.length).toBe(41);
    expect(await call("system.listMethods")).toEqual({ value: METHOD_NAMES as string[] });
    expect(signatureOf("supervisor.startProcess")).toEqual(["boolean", "string", "boolean"]);
    expect(signatureOf("supervisor.readProcessStdoutLog")).toEqual(["string", "string", "int", "int"]);
    expect(await call("system.methodSignature", ["supervisor.getProcessInfo"])).toEqual({ value: ["struct", "string"] });
  });

  test("unknown, a.b.c, _private, no namespace: UNKNOWN_METHOD", async () => {
    for (const name of ["supervisor.nosuch", "a.b.c", "supervisor._update", "supervisor.__init__", "getPID", "nosuch.getPID", "supervisor.constructor", "system.__proto__"]) {
      expect(await call(name)).toEqual({ fault: { code: 1, text: "UNKNOWN_METHOD" } });
    }
  });

  test("wrong arity and wrong types: INCORRECT_PARAMETERS", async () => {
    expect(await call("supervisor.getPID", [1])).toEqual({ fault: { code: 2, text: "INCORRECT_PARAMETERS" } });
    expect(await call("supervisor.getProcessInfo")).toEqual({ fault: { code: 2, text: "INCORRECT_PARAMETERS" } });
    expect(await call("supervisor.startProcess", ["a", true, 1])).toEqual({ fault: { code: 2, text: "INCORRECT_PARAMETERS" } });
    expect((await call("supervisor.getProcessInfo", [1])) as object).toMatchObject({ fault: { code: 2 } });
    expect((await call("supervisor.readProcessStdoutLog", ["app", "x", 0])) as object).toMatchObject({ fault: { code: 2 } });
    expect((await call("supervisor.startProcess", ["app", "yes"])) as object).toMatchObject({ fault: { code: 2 } });
    expect((await call("system.multicall", ["not an array"])) as object).toMatchObject({ fault: { code: 2 } });
  });

  test("bad names: BAD_NAME with the name", async () => {
    expect(await call("supervisor.getProcessInfo", ["nosuch"])).toEqual({ fault: { code: 10, text: "BAD_NAME: nosuch" } });
    expect(await call("supervisor.getProcessInfo", ["site"])).toEqual({ fault: { code: 10, text: "BAD_NAME: site" } });
    expect(await call("supervisor.getProcessInfo", ["site:*"])).toEqual({ fault: { code: 10, text: "BAD_NAME: site:*" } });
    expect(await call("supervisor.getProcessInfo", ["../../etc/passwd"])).toEqual({ fault: { code: 10, text: "BAD_NAME: ../../etc/passwd" } });
    expect(await call("supervisor.startProcessGroup", ["nogroup"])).toEqual({ fault: { code: 10, text: "BAD_NAME: nogroup" } });
  });

  test("a shutting-down daemon answers SHUTDOWN_STATE, except sendRemoteCommEvent and system.*", async () => {
    const b = stub({ daemon: () => ({ ...stub().daemon(), state: "SHUTDOWN" }) });
    expect(await call("supervisor.getState", [], b)).toEqual({ fault: { code: 6, text: "SHUTDOWN_STATE" } });
    expect(await call("supervisor.sendRemoteCommEvent", ["t", "d"], b)).toEqual({ value: true });
    expect(((await call("system.listMethods", [], b)) as { value: string[] }).value.length).toBe(41);
  });

  test("multicall: raw values, faults as structs, no recursion, no methodName", async () => {
    const r = await call("system.multicall", [[
      { methodName: "supervisor.getPID", params: [] },
      { methodName: "system.multicall", params: [[]] },
      { params: [] },
      { methodName: "supervisor.getProcessInfo", params: ["nosuch"] },
      "not a struct",
    ]]);
    expect(r).toEqual({
      value: [
        99,
        { faultCode: 2, faultString: "INCORRECT_PARAMETERS: Recursive system.multicall forbidden" },
        { faultCode: 2, faultString: "INCORRECT_PARAMETERS: No methodName" },
        { faultCode: 10, faultString: "BAD_NAME: nosuch" },
        { faultCode: 2, faultString: "INCORRECT_PARAMETERS: each call must be a struct {methodName, params}" },
      ],
    });
  });

  test("an unexpected error inside a method is a FAILED fault, logged, not a crash", async () => {
    const logged: string[] = [];
    const b = stub({ services: () => { throw new Error("boom"); }, logger: { info() {}, warn() {}, error: (m: string) => logged.push(m) } });
    expect(await call("supervisor.getAllProcessInfo", [], b)).toEqual({ fault: { code: 30, text: "FAILED: boom" } });
    expect(logged[0]).toContain("boom");
  });
});

describe("HTTP edges", () => {
  test("GET /RPC2 is 400, as supervisord", async () => {
    expect((await handleRpc(stub(), new Request("http://localhost/RPC2"))).status).toBe(400);
  });

  test("unparseable bodies are 400 with a reason", async () => {
    for (const body of ["", "garbage", "<methodCall>", `<!DOCTYPE a [<!ENTITY b "c">]><methodCall><methodName>&b;</methodName></methodCall>`]) {
      const res = await handleRpc(stub(), post(body));
      expect(res.status).toBe(400);
      expect(await res.text()).toStartWith("bad XML-RPC request");
    }
    expect((await handleRpc(stub(), post(new Uint8Array([0x3c, 0xff, 0xfe, 0x3e])))).status).toBe(400);
  });

  test("a body over the cap is 413, by Content-Length or by counting", async () => {
    const big = `<methodCall><methodName>m</methodName><params><param><value>${"x".repeat(2 * 1024 * 1024)}</value></param></params></methodCall>`;
    expect((await handleRpc(stub(), post(big))).status).toBe(413);
    const chunked = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(new Uint8Array(64 * 1024).fill(0x41));
      },
    });
    expect((await handleRpc(stub(), post(chunked))).status).toBe(413);
    expect((await handleRpc(stub(), post("<x/>", { "content-length": String(10 * 1024 * 1024) }))).status).toBe(413);
  });

  test("a body that stops arriving is 408 after the deadline; one cut short is 400", async () => {
    const stalled = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode("<methodCall><methodName>supervisor.get"));
      },
    });
    const res = await handleRpc(stub(), post(stalled), { bodyTimeoutMs: 200 });
    expect(res.status).toBe(408);
    const broken = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode("<methodCall><methodName>supervisor.get"));
        c.error(new Error("connection reset"));
      },
    });
    expect((await handleRpc(stub(), post(broken))).status).toBe(400);
  });

  test("Basic auth when credentials are set: plaintext or {SHA}", async () => {
    const creds = { username: "admin", password: "{SHA}" + new Bun.CryptoHasher("sha1").update("s3cret").digest("hex") };
    const auth = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}` });
    const denied = await handleRpc(stub(), post(encodeMethodCall("supervisor.getPID")), { credentials: creds });
    expect(denied.status).toBe(401);
    expect(denied.headers.get("www-authenticate")).toBe('Basic realm="default"');
    expect((await handleRpc(stub(), post(encodeMethodCall("supervisor.getPID"), auth("admin", "wrong")), { credentials: creds })).status).toBe(401);
    expect((await handleRpc(stub(), post(encodeMethodCall("supervisor.getPID"), auth("admin", "s3cret")), { credentials: creds })).status).toBe(200);
    expect(passwordMatches("pw", "pw")).toBe(true);
    expect(checkBasicAuth(new Request("http://x/"), null)).toBeNull();
  });
});
