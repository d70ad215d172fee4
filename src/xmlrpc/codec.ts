// XML-RPC on the wire: methodCall bodies in, methodResponse / fault bodies out, in the exact
// shape Python's xmlrpc.client.dumps writes (what supervisord sends, so clients that
// screen-scrape the XML see the same thing).
//
// Parsing is fast-xml-parser's (a maintained parser with a nesting cap), behind checks of our
// own: the body must be UTF-8, must not declare a DOCTYPE or entities (no "billion laughs", no
// external entities), may only use XML's predefined and numeric character references, and must
// be exactly one <methodCall> of well-formed XML-RPC values no deeper than MAX_VALUE_DEPTH.
// Anything else is an XmlRpcParseError, which the HTTP handler turns into a 400.

import { XMLParser, XMLValidator } from "fast-xml-parser";
import { excerpt } from "./excerpt.ts";

export type RpcValue = number | boolean | string | null | Date | Uint8Array | RpcValue[] | RpcStruct;
export interface RpcStruct {
  [key: string]: RpcValue;
}

export interface MethodCall {
  readonly methodName: string;
  readonly params: RpcValue[];
}

export class XmlRpcParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "XmlRpcParseError";
  }
}

/** Arrays and structs nested deeper than this are refused (supervisord's calls nest 2 deep). */
export const MAX_VALUE_DEPTH = 32;
/** Element nesting the XML parser accepts at all (each value level costs 3 elements). */
const MAX_TAG_DEPTH = MAX_VALUE_DEPTH * 3 + 8;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  // Entities are decoded below, strictly: only &amp; &lt; &gt; &quot; &apos; and &#N; / &#xN;.
  processEntities: false,
  htmlEntities: false,
  cdataPropName: "#cdata",
  commentPropName: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  maxNestedTags: MAX_TAG_DEPTH,
});

type XNode = Record<string, unknown>;

/** Every piece of the request a message repeats goes through excerpt(): bounded. */
const fail = (message: string): never => {
  throw new XmlRpcParseError(message);
};

// XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
const INVALID_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const isXmlCodePoint = (c: number) =>
  c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeEntities(raw: string): string {
  if (!raw.includes("&")) return raw;
  return raw.replace(/&(?:(#x[0-9A-Fa-f]{1,6}|#[0-9]{1,7}|[A-Za-z][A-Za-z0-9]*);)?/g, (whole, ref: string | undefined) => {
    if (ref === undefined) return fail("a bare '&' in text (write &amp;)");
    if (ref.startsWith("#")) {
      const cp = ref[1] === "x" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (!isXmlCodePoint(cp)) return fail(`character reference ${whole} is not an XML character`);
      return String.fromCodePoint(cp);
    }
    const named = NAMED[ref];
    if (named === undefined) return fail(`undefined entity ${excerpt(whole)} (only &amp; &lt; &gt; &quot; &apos; and numeric references)`);
    return named;
  });
}

/** The tag of a preserve-order node ("#text", "#cdata" or an element name). */
function tagOf(node: XNode): string {
  for (const k of Object.keys(node)) if (k !== ":@") return k;
  return fail("empty node");
}

function childrenOf(node: XNode): XNode[] {
  const c = node[tagOf(node)];
  return Array.isArray(c) ? (c as XNode[]) : [];
}

/** The element children of `nodes`; text between elements may only be whitespace. */
function elements(nodes: XNode[], where: string): XNode[] {
  const out: XNode[] = [];
  for (const n of nodes) {
    const tag = tagOf(n);
    if (tag === "#text") {
      if (String(n[tag]).trim() !== "") fail(`unexpected text in <${where}>`);
    } else if (tag === "#cdata") {
      fail(`unexpected CDATA in <${where}>`);
    } else out.push(n);
  }
  return out;
}

/** The text content of an element that may hold only text and CDATA. */
function textOf(node: XNode): string {
  let s = "";
  for (const n of childrenOf(node)) {
    const tag = tagOf(n);
    if (tag === "#text") s += decodeEntities(String(n[tag]));
    else if (tag === "#cdata") for (const c of childrenOf(n)) s += String(c["#text"] ?? "");
    else fail(`<${excerpt(tagOf(node))}> may not contain <${excerpt(tag)}>`);
  }
  return s;
}

function only(nodes: XNode[], tag: string, where: string): XNode {
  const els = elements(nodes, where);
  if (els.length !== 1 || tagOf(els[0]!) !== tag) fail(`<${where}> must contain exactly one <${tag}>`);
  return els[0]!;
}

const INT = /^\s*[+-]?[0-9]+\s*$/;
const DOUBLE = /^\s*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*$/;
const ISO8601 = /^\s*(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?Z?\s*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function decodeValue(valueNode: XNode, depth: number): RpcValue {
  if (depth > MAX_VALUE_DEPTH) fail(`values nested deeper than ${MAX_VALUE_DEPTH}`);
  const kids = childrenOf(valueNode);
  const els = kids.filter((n) => {
    const t = tagOf(n);
    return t !== "#text" && t !== "#cdata";
  });
  // An untyped <value>text</value> is a string.
  if (els.length === 0) return textOf(valueNode);
  const typed = elements(kids, "value");
  if (typed.length !== 1) fail("<value> must contain one typed element");
  const el = typed[0]!;
  const type = tagOf(el);
  switch (type) {
    case "int":
    case "i4":
    case "i8": {
      const t = textOf(el);
      if (!INT.test(t)) fail(`<${type}> holds "${t.slice(0, 40)}", not an integer`);
      const n = Number(t.trim());
      if (!Number.isSafeInteger(n)) fail(`<${type}> ${t.trim().slice(0, 40)} is out of range`);
      return n;
    }
    case "boolean": {
      const t = textOf(el).trim();
      if (t !== "0" && t !== "1") fail(`<boolean> must be 0 or 1, got "${t.slice(0, 40)}"`);
      return t === "1";
    }
    case "string":
      return textOf(el);
    case "double": {
      const t = textOf(el);
      if (!DOUBLE.test(t)) fail(`<double> holds "${t.slice(0, 40)}", not a number`);
      return Number(t.trim());
    }
    case "dateTime.iso8601": {
      const m = ISO8601.exec(textOf(el));
      if (!m) fail("<dateTime.iso8601> is not YYYYMMDDTHH:MM:SS");
      const [, y, mo, d, h, mi, s] = m!.map(Number) as number[];
      return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
    }
    case "base64": {
      const t = textOf(el).replace(/\s+/g, "");
      if (!BASE64.test(t) || t.length % 4 === 1) fail("<base64> is not base64");
      // supervisord hands base64 parameters to its methods as (UTF-8) strings.
      return Buffer.from(t, "base64").toString("utf8");
    }
    case "nil":
      if (childrenOf(el).length) fail("<nil/> must be empty");
      return null;
    case "array": {
      const data = only(childrenOf(el), "data", "array");
      return elements(childrenOf(data), "data").map((v) => {
        if (tagOf(v) !== "value") fail(`<data> may only contain <value>, not <${excerpt(tagOf(v))}>`);
        return decodeValue(v, depth + 1);
      });
    }
    case "struct": {
      const out: RpcStruct = Object.create(null) as RpcStruct;
      for (const member of elements(childrenOf(el), "struct")) {
        if (tagOf(member) !== "member") fail(`<struct> may only contain <member>, not <${excerpt(tagOf(member))}>`);
        const parts = elements(childrenOf(member), "member");
        const nameNode = parts.find((p) => tagOf(p) === "name");
        const valueNode = parts.find((p) => tagOf(p) === "value");
        if (parts.length !== 2 || !nameNode || !valueNode) fail("<member> must contain one <name> and one <value>");
        out[textOf(nameNode!)] = decodeValue(valueNode!, depth + 1);
      }
      return out;
    }
    default:
      return fail(`unknown value type <${excerpt(type)}>`);
  }
}

/** Structural checks shared by requests and responses; returns the root element's children. */
function parseDocument(body: string, root: string): XNode[] {
  if (INVALID_XML_CHAR.test(body)) fail("the body contains characters XML does not allow");
  // No DTDs at all: XML-RPC never needs one, and they are how entity bombs and external
  // entity reads get in.
  if (/<!DOCTYPE/i.test(body) || /<!ENTITY/i.test(body)) fail("DOCTYPE and ENTITY declarations are not accepted");
  const valid = XMLValidator.validate(body);
  if (valid !== true) fail(`malformed XML: ${excerpt(valid.err.msg)} (line ${valid.err.line}, column ${valid.err.col})`);
  let doc: XNode[];
  try {
    doc = parser.parse(body) as XNode[];
  } catch (e) {
    return fail(`malformed XML: ${excerpt((e as Error).message)}`);
  }
  const top = elements(doc, "document");
  if (top.length !== 1 || tagOf(top[0]!) !== root) fail(`the document must be one <${root}> element`);
  return childrenOf(top[0]!);
}

/** A request body → method name and parameters. Throws XmlRpcParseError. */
export function parseMethodCall(body: string): MethodCall {
  const parts = elements(parseDocument(body, "methodCall"), "methodCall");
  let methodName: string | null = null;
  let params: RpcValue[] = [];
  let seenParams = false;
  for (const part of parts) {
    const tag = tagOf(part);
    if (tag === "methodName") {
      if (methodName !== null) fail("more than one <methodName>");
      methodName = textOf(part).trim();
    } else if (tag === "params") {
      if (seenParams) fail("more than one <params>");
      seenParams = true;
      params = elements(childrenOf(part), "params").map((p) => {
        if (tagOf(p) !== "param") fail(`<params> may only contain <param>, not <${excerpt(tagOf(p))}>`);
        return decodeValue(only(childrenOf(p), "value", "param"), 1);
      });
    } else fail(`unexpected <${excerpt(tag)}> in <methodCall>`);
  }
  if (!methodName) fail("no <methodName>");
  return { methodName: methodName!, params };
}

export type MethodResponse = { readonly value: RpcValue } | { readonly fault: { readonly code: number; readonly text: string } };

/** A response body → its value or fault (for clients and tests). */
export function parseMethodResponse(body: string): MethodResponse {
  const parts = elements(parseDocument(body, "methodResponse"), "methodResponse");
  if (parts.length !== 1) fail("<methodResponse> must hold <params> or <fault>");
  const part = parts[0]!;
  if (tagOf(part) === "fault") {
    const v = decodeValue(only(childrenOf(part), "value", "fault"), 1) as RpcStruct;
    return { fault: { code: Number(v["faultCode"]), text: String(v["faultString"]) } };
  }
  if (tagOf(part) !== "params") fail(`unexpected <${excerpt(tagOf(part))}>`);
  const param = only(childrenOf(part), "param", "params");
  return { value: decodeValue(only(childrenOf(param), "value", "param"), 1) };
}

// ---- encoding ----------------------------------------------------------------------------

/**
 * Text as XML character data, as Python's xmlrpc escape() does (& < >), plus: \r as &#13; (a
 * raw CR would be read back as LF), and characters XML cannot carry at all (ANSI escapes'
 * ESC, NUL …) as U+FFFD, so a log full of colour codes still makes a response clients can
 * parse (supervisord sends them raw and the client fails).
 */
export function escapeXml(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\r/g, "&#13;")
    .replace(INVALID_XML_CHARS, "\uFFFD");
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

function encodeValue(v: RpcValue, out: string[]): void {
  if (typeof v === "number") {
    out.push(Number.isInteger(v) ? `<value><int>${v}</int></value>\n` : `<value><double>${String(v)}</double></value>\n`);
  } else if (typeof v === "boolean") {
    out.push(`<value><boolean>${v ? 1 : 0}</boolean></value>\n`);
  } else if (typeof v === "string") {
    out.push(`<value><string>${escapeXml(v)}</string></value>\n`);
  } else if (v === null) {
    out.push("<value><nil/></value>\n");
  } else if (v instanceof Date) {
    const s = `${pad(v.getUTCFullYear(), 4)}${pad(v.getUTCMonth() + 1)}${pad(v.getUTCDate())}T${pad(v.getUTCHours())}:${pad(v.getUTCMinutes())}:${pad(v.getUTCSeconds())}`;
    out.push(`<value><dateTime.iso8601>${s}</dateTime.iso8601></value>\n`);
  } else if (v instanceof Uint8Array) {
    out.push(`<value><base64>\n${Buffer.from(v).toString("base64")}\n</base64></value>\n`);
  } else if (Array.isArray(v)) {
    out.push("<value><array><data>\n");
    for (const item of v) encodeValue(item, out);
    out.push("</data></array></value>\n");
  } else {
    out.push("<value><struct>\n");
    for (const [k, item] of Object.entries(v)) {
      out.push(`<member>\n<name>${escapeXml(k)}</name>\n`);
      encodeValue(item, out);
      out.push("</member>\n");
    }
    out.push("</struct></value>\n");
  }
}

/** A successful response carrying one value. */
export function encodeResponse(value: RpcValue): string {
  const out = ["<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n"];
  encodeValue(value, out);
  out.push("</param>\n</params>\n</methodResponse>\n");
  return out.join("");
}

/** A fault response: {faultCode, faultString}. */
export function encodeFault(code: number, text: string): string {
  const out = ["<?xml version='1.0'?>\n<methodResponse>\n<fault>\n"];
  encodeValue({ faultCode: code, faultString: text }, out);
  out.push("</fault>\n</methodResponse>\n");
  return out.join("");
}

/** A request body (for clients and tests). */
export function encodeMethodCall(methodName: string, params: readonly RpcValue[] = []): string {
  const out = [`<?xml version='1.0'?>\n<methodCall>\n<methodName>${escapeXml(methodName)}</methodName>\n<params>\n`];
  for (const p of params) {
    out.push("<param>\n");
    encodeValue(p, out);
    out.push("</param>\n");
  }
  out.push("</params>\n</methodCall>\n");
  return out.join("");
}
