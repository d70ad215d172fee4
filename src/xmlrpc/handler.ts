// POST /RPC2: supervisord's XML-RPC endpoint on tend's shared HTTP handler. The body is capped
// (MAX_BODY, 413 beyond) and must arrive within BODY_TIMEOUT_MS (408 otherwise, so a client
// that stalls mid-body cannot hold a request open forever); a body that is not a well-formed
// methodCall is a 400, as supervisord answers; everything else, faults included, is a 200
// text/xml response, which is what Python's xmlrpc.client expects. Calls that wait (start,
// stop, the group and all variants, multicall) answer when the operation is over.

import type { ApiBackend } from "../api/routes.ts";
import { checkBasicAuth, type Credentials } from "./auth.ts";
import { asRpcBackend } from "./backend.ts";
import { encodeFault, encodeResponse, parseMethodCall, XmlRpcParseError, type MethodCall } from "./codec.ts";
import { callMethod } from "./dispatch.ts";
import { toFault } from "./supervisor-namespace.ts";

export const MAX_BODY = 1024 * 1024;
export const BODY_TIMEOUT_MS = 30_000;

export interface RpcHttpOptions {
  /** Basic auth to require (the TCP listener's [http] username/password); none on the unix socket. */
  readonly credentials?: Credentials | null;
  readonly maxBody?: number;
  readonly bodyTimeoutMs?: number;
}

const plain = (status: number, message: string) =>
  new Response(`${message}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8" } });

type Body = { ok: true; text: string } | { ok: false; response: Response };

async function readBody(req: Request, max: number, timeoutMs: number): Promise<Body> {
  const declared = req.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > max) {
    return { ok: false, response: plain(413, `request body too large: at most ${max} bytes`) };
  }
  if (req.body === null) return { ok: true, text: "" };
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  // The deadline cancels the reader, which ends a pending read (no race per chunk against a
  // promise that lives as long as the body: each would hold its chunk until then).
  let late = false;
  const timer = setTimeout(() => {
    late = true;
    void reader.cancel().catch(() => {});
  }, timeoutMs);
  try {
    for (;;) {
      const next = await reader.read();
      if (late) return { ok: false, response: plain(408, `request body not received within ${timeoutMs / 1000} s`) };
      if (next.done) break;
      total += next.value.byteLength;
      if (total > max) {
        void reader.cancel().catch(() => {});
        return { ok: false, response: plain(413, `request body too large: at most ${max} bytes`) };
      }
      chunks.push(next.value);
    }
  } catch {
    // The client went away mid-body.
    return { ok: false, response: plain(400, "request body cut short") };
  } finally {
    clearTimeout(timer);
  }
  try {
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks)) };
  } catch {
    return { ok: false, response: plain(400, "request body is not UTF-8") };
  }
}

export async function handleRpc(api: ApiBackend, req: Request, opts: RpcHttpOptions = {}): Promise<Response> {
  const denied = checkBasicAuth(req, opts.credentials);
  if (denied) return denied;
  // supervisord answers 400 to anything but a POST here.
  if (req.method !== "POST") return plain(400, "XML-RPC requests are POSTs");
  const b = asRpcBackend(api);
  if (!b) return plain(501, "this daemon does not serve XML-RPC");
  const body = await readBody(req, opts.maxBody ?? MAX_BODY, opts.bodyTimeoutMs ?? BODY_TIMEOUT_MS);
  if (!body.ok) return body.response;
  let call: MethodCall;
  try {
    call = parseMethodCall(body.text);
  } catch (e) {
    if (e instanceof XmlRpcParseError) return plain(400, `bad XML-RPC request: ${e.message}`);
    throw e;
  }
  let xml: string;
  try {
    xml = encodeResponse(await callMethod(b, call.methodName, call.params));
  } catch (e) {
    const f = toFault(e);
    xml = encodeFault(f.code, f.text);
  }
  return new Response(xml, { status: 200, headers: { "content-type": "text/xml" } });
}
