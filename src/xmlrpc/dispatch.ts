// Method lookup and calling, as supervisord's traverse() and SystemNamespaceRPCInterface do
// it: "namespace.method" exactly (two parts, CVE-2017-11610), nothing starting with "_",
// arity checked (Python's TypeError → INCORRECT_PARAMETERS), plus parameter types, which
// supervisord leaves to chance and tend checks. system.multicall runs calls in order, each
// result raw, each failure a {faultCode, faultString} struct, and refuses to recurse.

import { isTendError } from "../core/errors.ts";
import type { RpcBackend } from "./backend.ts";
import type { RpcStruct, RpcValue } from "./codec.ts";
import { RpcFault } from "./faults.ts";
import { METHOD_DOCS } from "./method-docs.ts";
import { RpcState, SUPERVISOR_METHODS, WORKS_WHILE_SHUTTING_DOWN, toFault, type Impl } from "./supervisor-namespace.ts";

type ParamType = "string" | "int" | "boolean" | "array" | "struct";

interface Method {
  readonly params: readonly ParamType[];
  /** How many trailing parameters may be left out (Python defaults: wait=True). */
  readonly optional: number;
  readonly impl: Impl;
  readonly namespace: "supervisor" | "system";
}

/** supervisord's gettags(): the (tag, datatype) pairs of a docstring's @-lines. */
export function docTags(doc: string): Array<{ tag: string; type: string }> {
  const out: Array<{ tag: string; type: string }> = [];
  for (const raw of doc.split("\n")) {
    const line = raw.trim();
    if (!line.startsWith("@")) continue;
    const parts = line.split(/\s+/);
    out.push({ tag: parts[0]!.slice(1), type: parts[1] ?? "" });
  }
  return out;
}

/** [return type, param types...] from the docstring, as system.methodSignature answers. */
export function signatureOf(name: string): string[] | null {
  const doc = METHOD_DOCS[name];
  if (doc === undefined) return null;
  let rtype: string | null = null;
  const ptypes: string[] = [];
  for (const t of docTags(doc)) {
    if (t.tag === "return") rtype = t.type;
    else if (t.tag === "param") ptypes.push(t.type);
  }
  return rtype === null ? null : [rtype, ...ptypes];
}

const OPTIONAL_WAIT = new Set(["startProcess", "startProcessGroup", "startAllProcesses", "stopProcess", "stopProcessGroup", "stopAllProcesses"]);

const SYSTEM_METHODS: Record<string, Impl> = {
  listMethods: () => [...METHODS.keys()].sort(),
  methodHelp: (_b, _s, [name]) => {
    const doc = METHODS.has(String(name)) ? METHOD_DOCS[String(name)] : undefined;
    if (doc === undefined) throw new RpcFault("SIGNATURE_UNSUPPORTED");
    return doc;
  },
  methodSignature: (_b, _s, [name]) => {
    const sig = METHODS.has(String(name)) ? signatureOf(String(name)) : null;
    if (sig === null) throw new RpcFault("SIGNATURE_UNSUPPORTED");
    return sig;
  },
  multicall: (b, s, [calls]) => multicall(b, s, calls as RpcValue[]),
};

function build(): Map<string, Method> {
  const table = new Map<string, Method>();
  const add = (namespace: "supervisor" | "system", impls: Record<string, Impl>) => {
    for (const [m, impl] of Object.entries(impls)) {
      const full = `${namespace}.${m}`;
      const sig = signatureOf(full);
      if (sig === null) throw new Error(`no signature for ${full}`);
      table.set(full, { params: sig.slice(1) as ParamType[], optional: OPTIONAL_WAIT.has(m) ? 1 : 0, impl, namespace });
    }
  };
  add("supervisor", SUPERVISOR_METHODS);
  add("system", SYSTEM_METHODS);
  return table;
}

const METHODS = build();

export const METHOD_NAMES: readonly string[] = [...METHODS.keys()].sort();

function checkType(v: RpcValue, type: ParamType, index: number, isSignal: boolean): RpcValue {
  const bad = () => new RpcFault("INCORRECT_PARAMETERS", `parameter ${index + 1} must be ${type === "int" ? "an int" : `a ${type}`}`);
  switch (type) {
    case "string":
      if (typeof v === "string") return v;
      // supervisord's signal_number() takes a signal as a number too.
      if (isSignal && typeof v === "number" && Number.isInteger(v)) return String(v);
      throw bad();
    case "int":
      if (typeof v === "number" && Number.isInteger(v)) return v;
      // Python's int() of a numeric string works in supervisord.
      if (typeof v === "string" && /^\s*[+-]?\d{1,15}\s*$/.test(v)) return Number(v.trim());
      throw bad();
    case "boolean":
      if (typeof v === "boolean") return v;
      if (typeof v === "number") return v !== 0;
      throw bad();
    case "array":
      if (Array.isArray(v)) return v;
      throw bad();
    case "struct":
      if (v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof Uint8Array)) return v;
      throw bad();
  }
}

const stateOf = new WeakMap<RpcBackend, RpcState>();

export function rpcState(b: RpcBackend): RpcState {
  let s = stateOf.get(b);
  if (!s) stateOf.set(b, (s = new RpcState(b.config)));
  s.sync(b);
  return s;
}

/** Call one method by name; resolves with its value or rejects with an RpcFault. */
export async function callMethod(b: RpcBackend, name: string, params: readonly RpcValue[]): Promise<RpcValue> {
  const parts = name.split(".");
  if (parts.length !== 2 || parts[1]!.startsWith("_")) throw new RpcFault("UNKNOWN_METHOD");
  const m = METHODS.get(name);
  if (!m) throw new RpcFault("UNKNOWN_METHOD");
  const max = m.params.length;
  const min = max - m.optional;
  if (params.length < min || params.length > max) throw new RpcFault("INCORRECT_PARAMETERS");
  const signalAt = parts[1]!.startsWith("signal") ? m.params.length - 1 : -1;
  const args = params.map((p, i) => checkType(p, m.params[i]!, i, i === signalAt));
  const state = rpcState(b);
  if (m.namespace === "supervisor" && !WORKS_WHILE_SHUTTING_DOWN.has(parts[1]!)) {
    if (state.restarting || b.daemon().state !== "RUNNING") throw new RpcFault("SHUTDOWN_STATE");
  }
  try {
    return await m.impl(b, state, args);
  } catch (e) {
    if (!(e instanceof RpcFault) && !isTendError(e)) b.logger.error(`XML-RPC ${name}: unexpected error: ${(e as Error)?.stack ?? String(e)}`);
    throw toFault(e);
  }
}

async function multicall(b: RpcBackend, _state: RpcState, calls: RpcValue[]): Promise<RpcValue> {
  const results: RpcValue[] = [];
  // In order: a call that blocks (start with wait) holds back the ones after it.
  for (const call of calls) {
    try {
      if (call === null || typeof call !== "object" || Array.isArray(call) || call instanceof Date || call instanceof Uint8Array) {
        throw new RpcFault("INCORRECT_PARAMETERS", "each call must be a struct {methodName, params}");
      }
      const c = call as RpcStruct;
      const name = c["methodName"];
      if (name === undefined || name === null || name === "") throw new RpcFault("INCORRECT_PARAMETERS", "No methodName");
      if (typeof name !== "string") throw new RpcFault("INCORRECT_PARAMETERS", "methodName must be a string");
      if (name === "system.multicall") throw new RpcFault("INCORRECT_PARAMETERS", "Recursive system.multicall forbidden");
      const params = c["params"] ?? [];
      if (!Array.isArray(params)) throw new RpcFault("INCORRECT_PARAMETERS", "params must be an array");
      results.push(await callMethod(b, name, params));
    } catch (e) {
      const f = toFault(e);
      results.push({ faultCode: f.code, faultString: f.text });
    }
  }
  return results;
}
