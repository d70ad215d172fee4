// XML-RPC bodies: what Python's xmlrpc.client sends parses, what tend answers is what
// xmlrpc.client.dumps writes, and hostile or broken XML is a parse error, never a crash or a hang.

import { describe, expect, test } from "bun:test";
import { encodeFault, encodeMethodCall, encodeResponse, escapeXml, parseMethodCall, parseMethodResponse, XmlRpcParseError, type RpcValue } from "../../../src/xmlrpc/codec.ts";
import { excerpt } from "../../../src/xmlrpc/excerpt.ts";

// As Python 3.11's xmlrpc.client.dumps(("web", True, 3, [1, "a"], {"k": "v"}), "supervisor.startProcess") writes it.
const PY_CALL = `<?xml version='1.0'?>
<methodCall>
<methodName>supervisor.startProcess</methodName>
<params>
<param>
<value><string>web</string></value>
</param>
<param>
<value><boolean>1</boolean></value>
</param>
<param>
<value><int>3</int></value>
</param>
<param>
<value><array><data>
<value><int>1</int></value>
<value><string>a</string></value>
</data></array></value>
</param>
<param>
<value><struct>
<member>
<name>k</name>
<value><string>v</string></value>
</member>
</struct></value>
</param>
</params>
</methodCall>
`;

describe("parseMethodCall", () => {
  test("a call as Python writes it", () => {
    expect(parseMethodCall(PY_CALL)).toEqual({ methodName: "supervisor.startProcess", params: ["web", true, 3, [1, "a"], { k: "v" }] });
  });

  test("untyped values are strings; i4, double, base64, dateTime, nil; no <params> at all", () => {
    const body = `<methodCall><methodName>m</methodName><params>
      <param><value>  untyped  </value></param><param><value></value></param><param><value><string/></value></param>
      <param><value><i4>-7</i4></value></param><param><value><double>1.5</double></value></param>
      <param><value><base64>aGk=</base64></value></param><param><value><dateTime.iso8601>20261122T01:02:03</dateTime.iso8601></value></param>
      <param><value><nil/></value></param></params></methodCall>`;
    expect(parseMethodCall(body).params).toEqual(["  untyped  ", "", "", -7, 1.5, "hi", new Date(Date.UTC(2026, 10, 22, 1, 2, 3)), null]);
    expect(parseMethodCall("<methodCall><methodName>system.listMethods</methodName></methodCall>")).toEqual({ methodName: "system.listMethods", params: [] });
  });

  test("predefined and numeric entities and CDATA decode; CR survives as &#13;", () => {
    const body = `<methodCall><methodName>m</methodName><params><param><value><string>a &amp; b &lt;c&gt; &quot;&apos; &#65;&#x42; <![CDATA[<raw & kept>]]> x&#13;y</string></value></param></params></methodCall>`;
    expect(parseMethodCall(body).params[0]).toBe(`a & b <c> "' AB <raw & kept> x\ry`);
  });

  test("struct keys like __proto__ are plain keys", () => {
    const body = `<methodCall><methodName>m</methodName><params><param><value><struct><member><name>__proto__</name><value><string>x</string></value></member></struct></value></param></params></methodCall>`;
    const s = parseMethodCall(body).params[0] as Record<string, unknown>;
    expect(Object.keys(s)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>)["x"]).toBeUndefined();
  });

  const bad: Record<string, string> = {
    "not XML": "this is not xml",
    "empty": "",
    "unclosed tag": "<methodCall><methodName>m</methodName>",
    "mismatched tags": "<methodCall><methodName>m</methodCall></methodName>",
    "no method name": "<methodCall><params/></methodCall>",
    "empty method name": "<methodCall><methodName></methodName></methodCall>",
    "two roots": "<methodCall><methodName>m</methodName></methodCall><methodCall/>",
    "wrong root": "<methodResponse><params/></methodResponse>",
    "text between elements": "<methodCall>junk<methodName>m</methodName></methodCall>",
    "unknown type": "<methodCall><methodName>m</methodName><params><param><value><bogus>1</bogus></value></param></params></methodCall>",
    "int that is not": "<methodCall><methodName>m</methodName><params><param><value><int>12x</int></value></param></params></methodCall>",
    "int too big": "<methodCall><methodName>m</methodName><params><param><value><int>99999999999999999999</int></value></param></params></methodCall>",
    "boolean 2": "<methodCall><methodName>m</methodName><params><param><value><boolean>2</boolean></value></param></params></methodCall>",
    "undefined entity": "<methodCall><methodName>&foo;</methodName></methodCall>",
    "bare ampersand": "<methodCall><methodName>a & b</methodName></methodCall>",
    "NUL character reference": "<methodCall><methodName>&#0;</methodName></methodCall>",
    "raw control character": "<methodCall><methodName>a\u0001</methodName></methodCall>",
    "member without name": "<methodCall><methodName>m</methodName><params><param><value><struct><member><value><int>1</int></value></member></struct></value></param></params></methodCall>",
    "billion laughs": `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><methodCall><methodName>&lol3;</methodName></methodCall>`,
    "external entity": `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><methodCall><methodName>&xxe;</methodName></methodCall>`,
    "doctype alone": `<!DOCTYPE methodCall><methodCall><methodName>m</methodName></methodCall>`,
  };
  for (const [what, body] of Object.entries(bad)) {
    test(`refuses ${what}`, () => expect(() => parseMethodCall(body)).toThrow(XmlRpcParseError));
  }

  test("deep nesting is refused, whatever the depth", () => {
    for (const depth of [40, 100, 10_000]) {
      const body = `<methodCall><methodName>m</methodName><params><param>${"<value><array><data>".repeat(depth)}${"</data></array></value>".repeat(depth)}</param></params></methodCall>`;
      expect(() => parseMethodCall(body)).toThrow(XmlRpcParseError);
    }
    const ok = `<methodCall><methodName>m</methodName><params><param>${"<value><array><data>".repeat(20)}${"</data></array></value>".repeat(20)}</param></params></methodCall>`;
    expect(parseMethodCall(ok).params.length).toBe(1);
  });
});

describe("encoding (Python's dumps layout)", () => {
  test("a response", () => {
    expect(encodeResponse({ statecode: 1, statename: "RUNNING" })).toBe(
      "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><struct>\n<member>\n<name>statecode</name>\n<value><int>1</int></value>\n</member>\n<member>\n<name>statename</name>\n<value><string>RUNNING</string></value>\n</member>\n</struct></value>\n</param>\n</params>\n</methodResponse>\n",
    );
  });
  test("a fault", () => {
    expect(encodeFault(10, "BAD_NAME: x")).toBe(
      "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>10</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>BAD_NAME: x</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n",
    );
  });
  test("text XML cannot carry (ANSI escapes) is replaced, & < > and CR escaped", () => {
    expect(escapeXml("\u001b[31mred\u001b[0m & <b> a\r\n")).toBe("\uFFFD[31mred\uFFFD[0m &amp; &lt;b&gt; a&#13;\n");
  });
  test("round trip of every value kind", () => {
    const value: RpcValue = ["s", 1, -2, true, false, 1.5, [], {}, { a: [1, { b: "c" }] }, "\u00e9\u4e2d\ud83d\ude00"];
    expect(parseMethodResponse(encodeResponse(value))).toEqual({ value });
    expect(parseMethodResponse(encodeFault(2, "INCORRECT_PARAMETERS"))).toEqual({ fault: { code: 2, text: "INCORRECT_PARAMETERS" } });
    expect(parseMethodCall(encodeMethodCall("a.b", ["x", 1]))).toEqual({ methodName: "a.b", params: ["x", 1] });
  });
});

describe("excerpt", () => {
  test("short text is kept; long text keeps its first 200 bytes, whole characters, and says how much was left out", () => {
    expect(excerpt("abc")).toBe("abc");
    expect(excerpt("x".repeat(200))).toBe("x".repeat(200));
    expect(excerpt("x".repeat(201))).toBe(`${"x".repeat(200)}… [1 more bytes]`);
    // "é" is 2 bytes: 100 fit, the 101st would cut one in half.
    expect(excerpt("é".repeat(101))).toBe(`${"é".repeat(100)}… [2 more bytes]`);
    expect(excerpt("😀".repeat(60))).toBe(`${"😀".repeat(50)}… [40 more bytes]`);
  });

  test("a parse error of a 0.9 MB body of unclosed tags is bounded", () => {
    let message = "";
    try {
      parseMethodCall("<a>".repeat(300_000));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toStartWith("malformed XML: ");
    expect(message.length).toBeLessThan(300);
  });
});
