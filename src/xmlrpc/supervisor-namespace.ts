// supervisord's `supervisor.*` XML-RPC methods over tend's backend: the same names, arguments,
// structs, fault codes and fault strings as supervisor/rpcinterface.py (4.2.5), so supervisorctl
// and scripts written against supervisord work unchanged. Blocking calls (start/stop with wait,
// the group and all variants) simply await the operation: the HTTP answer goes out when it is
// done, which is supervisord's deferred response without the polling.

import { existsSync, statSync } from "node:fs";
import type { ActionResultDTO, ServiceDTO } from "../api/dto.ts";
import { groupPriorities, inOperationOrder, operationRanks } from "../config/order.ts";
import type { Config, ProgramConfig } from "../config/types.ts";
import { formatStopTime, formatUptime } from "../core/describe.ts";
import { isTendError } from "../core/errors.ts";
import { namespec } from "../core/names.ts";
import { parseSignal, signalNumber, type SignalName } from "../core/signals.ts";
import { RUNNING_STATES, SIGNALLABLE_STATES, STATE_CODES, STOPPED_STATES, type ProcessState } from "../core/states.ts";
import { lookupUser } from "../sys/users.ts";
import type { RpcBackend } from "./backend.ts";
import type { RpcStruct, RpcValue } from "./codec.ts";
import { FAULT_OF, FAULTS, RpcFault, type FaultName } from "./faults.ts";
import { checkReadArgs, readAnswer, tailAnswer } from "./read-file.ts";

export const API_VERSION = "3.0";
/** The supervisord release whose interface this reproduces. */
export const SUPERVISOR_VERSION = "4.2.5";

/** What the adapter remembers between calls, per daemon. */
export class RpcState {
  /**
   * supervisord's process_group_configs: the config as last read (at start, by reloadConfig,
   * or by a tend reload), which addProcessGroup and getAllConfigInfo use, whatever was removed
   * from or added to the running set since.
   */
  lastRead: Config;
  /** The running config as this adapter last left it; another change means a tend reload. */
  seenConfig: Config;
  /** supervisor.restart in progress (supervisord's RESTARTING mood). */
  restarting = false;

  constructor(config: Config) {
    this.lastRead = config;
    this.seenConfig = config;
  }

  /** Before each call: a config tend reloaded behind our back is the last read one. */
  sync(b: RpcBackend): void {
    if (b.config !== this.seenConfig) this.lastRead = this.seenConfig = b.config;
  }

  /** After this adapter changed the running set itself. */
  settle(b: RpcBackend): void {
    this.seenConfig = b.config;
  }
}

const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);
const capped = (n: number) => Math.max(INT32_MIN, Math.min(INT32_MAX, n));
const seconds = (iso: string | null) => (iso ? Math.floor(Date.parse(iso) / 1000) : 0);

/** Turn anything a backend call threw into supervisord's fault. */
export function toFault(e: unknown): RpcFault {
  if (e instanceof RpcFault) return e;
  if (isTendError(e)) return new RpcFault(FAULT_OF[e.code], e.message);
  return new RpcFault("FAILED", e instanceof Error ? e.message : String(e));
}

type Target = { kind: "process"; svc: ServiceDTO } | { kind: "group"; group: string; members: ServiceDTO[] };

/**
 * supervisord's split_namespec: "g:p" is process p of group g, "g:" and "g:*" the whole group,
 * and a bare "x" is group x's process x only: "web" does not name "site:web" (BAD_NAME, as
 * supervisord answers; tend's own CLI and API take the bare name).
 */
export function resolveName(b: RpcBackend, name: string): Target {
  const services = b.services();
  const colon = name.indexOf(":");
  if (colon >= 0) {
    const group = name.slice(0, colon);
    const proc = name.slice(colon + 1);
    if (proc === "" || proc === "*") {
      const members = services.filter((s) => s.group === group);
      if (members.length === 0) throw new RpcFault("BAD_NAME", name);
      return { kind: "group", group, members };
    }
    const svc = services.find((s) => s.group === group && s.name === proc);
    if (!svc) throw new RpcFault("BAD_NAME", name);
    return { kind: "process", svc };
  }
  const svc = services.find((s) => s.name === name && s.group === name);
  if (!svc) throw new RpcFault("BAD_NAME", name);
  return { kind: "process", svc };
}

function processOnly(b: RpcBackend, name: string): ServiceDTO {
  const t = resolveName(b, name);
  if (t.kind === "group") throw new RpcFault("BAD_NAME", name);
  return t.svc;
}

function groupMembers(b: RpcBackend, group: string): ServiceDTO[] {
  const members = b.services().filter((s) => s.group === group);
  if (members.length === 0) throw new RpcFault("BAD_NAME", group);
  return members;
}

/** The spec tend's control layer resolves to exactly this process. */
const specOf = (s: { name: string; group: string }) => `${s.group}:${s.name}`;

// ---- process info -------------------------------------------------------------------------

/** supervisord's _interpretProcessInfo, from the struct's own numbers. */
export function interpretInfo(info: { state: number; start: number; stop: number; now: number; pid: number; spawnerr: string; name: string }): string {
  switch (info.state) {
    case STATE_CODES.RUNNING:
      return `pid ${info.pid}, uptime ${formatUptime(info.now - info.start)}`;
    case STATE_CODES.FATAL:
    case STATE_CODES.BACKOFF:
      return info.spawnerr || `unknown error (try "tail ${info.name}")`;
    case STATE_CODES.STOPPED:
    case STATE_CODES.EXITED:
      return info.start ? formatStopTime((info.stop || info.start) * 1000) : "Not started";
    default:
      return "";
  }
}

/**
 * supervisord's exitstatus: the status of the last exit of a process that got to RUNNING, or
 * that was stopped; 0 from the next spawn on, and after an exit before startsecs (BACKOFF,
 * FATAL), whose status tend's API keeps as exit_code.
 */
function exitstatusOf(svc: ServiceDTO): number {
  return svc.state === "STOPPED" || svc.state === "EXITED" ? (svc.exit_code ?? 0) : 0;
}

/** getProcessInfo's struct: exactly supervisord's 14 keys, in its order. */
export function processInfo(svc: ServiceDTO, nowMs = Date.now()): RpcStruct {
  const start = capped(seconds(svc.started_at));
  const stop = capped(seconds(svc.stopped_at));
  const now = capped(Math.floor(nowMs / 1000));
  const state = STATE_CODES[svc.state];
  const pid = svc.pid ?? 0;
  const stdout = svc.stdout_logfile ?? "";
  const info = {
    name: svc.name,
    group: svc.group,
    start,
    stop,
    now,
    state,
    statename: svc.state,
    spawnerr: svc.spawnerr ?? "",
    exitstatus: exitstatusOf(svc),
    logfile: stdout,
    stdout_logfile: stdout,
    stderr_logfile: svc.stderr_logfile ?? "",
    pid,
  };
  return { ...info, description: interpretInfo(info) };
}

// ---- results of group and all operations ---------------------------------------------------

const isRunning = (s: ProcessState) => RUNNING_STATES.includes(s);
const isStopped = (s: ProcessState) => STOPPED_STATES.includes(s);
const isSignallable = (s: ProcessState) => SIGNALLABLE_STATES.includes(s);

function resultStruct(p: { name: string; group: string }, fault: RpcFault | null): RpcStruct {
  return fault === null
    ? { name: p.name, group: p.group, status: FAULTS.SUCCESS, description: "OK" }
    : { name: p.name, group: p.group, status: fault.code, description: fault.text };
}

/** A failed start, as the fault supervisord's startProcess raises for it. */
function startFault(r: ActionResultDTO | { name: string; group: string; code: string | null; message: string }, spec: string): RpcFault | null {
  if (r.code === null) return null;
  const detail = /^[a-z ]+ \((.*)\)$/.exec(r.message)?.[1];
  switch (r.code) {
    case "NO_FILE":
      return new RpcFault("NO_FILE", detail ?? spec);
    case "NOT_EXECUTABLE":
      return new RpcFault("NOT_EXECUTABLE", detail ?? spec);
    case "ALREADY_STARTED":
    case "SPAWN_ERROR":
    case "ABNORMAL_TERMINATION":
    case "NOT_RUNNING":
      return new RpcFault(r.code as FaultName, spec);
    default:
      return new RpcFault(FAULT_OF[r.code as keyof typeof FAULT_OF] ?? "FAILED", r.message);
  }
}

/** After a start without wait: did the spawn itself fail (supervisord checks at once)? */
function spawnFailure(svc: ServiceDTO, spec: string): RpcFault | null {
  if ((svc.state !== "BACKOFF" && svc.state !== "FATAL") || !svc.spawnerr) return null;
  if (/^can't find command/.test(svc.spawnerr)) return new RpcFault("NO_FILE", svc.spawnerr);
  if (/is a directory$|is not executable$|^no permission to run/.test(svc.spawnerr)) return new RpcFault("NOT_EXECUTABLE", svc.spawnerr);
  return new RpcFault("SPAWN_ERROR", spec);
}

// ---- config info --------------------------------------------------------------------------

/** argv back to one command line (shlex.quote style where needed). */
export function joinCommand(argv: readonly string[]): string {
  return argv.map((a) => (a !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'"'"'`)}'`)).join(" ");
}

function configInfo(groupPrio: ReadonlyMap<string, number>, p: ProgramConfig, inuse: boolean): RpcStruct {
  const uid = p.user === null ? "none" : (lookupUser(p.user)?.uid ?? p.user);
  const sig = parseSignal(p.stopsignal);
  return {
    autostart: p.autostart,
    directory: p.directory ?? "none",
    uid,
    command: joinCommand(p.command),
    exitcodes: [...p.exitcodes],
    group: p.group,
    group_prio: groupPrio.get(p.group) ?? 999,
    inuse,
    killasgroup: p.killasgroup,
    name: p.name,
    process_prio: p.priority,
    redirect_stderr: p.redirectStderr,
    startretries: p.startretries,
    startsecs: p.startsecs,
    stdout_capture_maxbytes: 0,
    stdout_events_enabled: false,
    stdout_logfile: p.stdoutLogfile ?? "none",
    stdout_logfile_backups: p.stdoutLogfileBackups,
    stdout_logfile_maxbytes: p.stdoutLogfileMaxbytes,
    stdout_syslog: false,
    stopsignal: sig ? signalNumber(sig as SignalName) : 15,
    stopwaitsecs: p.stopwaitsecs,
    stderr_capture_maxbytes: 0,
    stderr_events_enabled: false,
    stderr_logfile: p.stderrLogfile ?? "none",
    stderr_logfile_backups: p.stderrLogfileBackups,
    stderr_logfile_maxbytes: p.stderrLogfileMaxbytes,
    stderr_syslog: false,
    serverurl: "auto",
  };
}

/** Group name → its members' configs, serialized, to tell changed groups (supervisord's diff_to_active). */
function groupShapes(cfg: Config): Map<string, string> {
  const byGroup = new Map<string, ProgramConfig[]>();
  for (const p of cfg.programs) byGroup.set(p.group, [...(byGroup.get(p.group) ?? []), p]);
  const out = new Map<string, string>();
  for (const [g, ps] of byGroup) out.set(g, JSON.stringify([...ps].sort((a, b) => (a.name < b.name ? -1 : 1))));
  return out;
}

export function diffGroups(active: Config, next: Config): [string[], string[], string[]] {
  const cur = groupShapes(active);
  const nxt = groupShapes(next);
  const added = [...nxt.keys()].filter((g) => !cur.has(g)).sort();
  const changed = [...nxt.keys()].filter((g) => cur.has(g) && cur.get(g) !== nxt.get(g)).sort();
  const removed = [...cur.keys()].filter((g) => !nxt.has(g)).sort();
  return [added, changed, removed];
}

// ---- logs ---------------------------------------------------------------------------------

const pyStr = (path: string | null) => (path === null ? "None" : path);

// ---- the namespace ------------------------------------------------------------------------

export type Impl = (b: RpcBackend, state: RpcState, args: RpcValue[]) => RpcValue | Promise<RpcValue>;

const int = (v: RpcValue) => v as number;
const str = (v: RpcValue) => v as string;
const bool = (v: RpcValue | undefined, dflt: boolean) => (v === undefined ? dflt : Boolean(v));

async function startProcess(b: RpcBackend, name: string, wait: boolean): Promise<RpcValue> {
  const t = resolveName(b, name);
  if (t.kind === "group") return startGroup(b, t.members, `${t.group}:*`, wait);
  if (isRunning(t.svc.state)) throw new RpcFault("ALREADY_STARTED", name);
  if (t.svc.state === "UNKNOWN") throw new RpcFault("FAILED", `${name} is in an unknown process state`);
  const [r] = await b.start(specOf(t.svc), wait).catch((e: unknown) => Promise.reject(toFault(e)));
  if (!r) throw new RpcFault("BAD_NAME", name);
  const fault = startFault(r, name) ?? (wait ? null : spawnFailure(b.service(specOf(t.svc)), name));
  if (fault) throw fault;
  return true;
}

async function startGroup(b: RpcBackend, members: ServiceDTO[], spec: string, wait: boolean): Promise<RpcValue> {
  if (members.every((m) => isRunning(m.state))) return [];
  const results = await b.start(spec, wait).catch((e: unknown) => Promise.reject(toFault(e)));
  return results.map((r) => resultStruct(r, startFault(r, namespec(r))));
}

async function stopProcess(b: RpcBackend, name: string, wait: boolean): Promise<RpcValue> {
  const t = resolveName(b, name);
  if (t.kind === "group") return stopGroup(b, `${t.group}:*`, wait);
  if (!isRunning(t.svc.state)) throw new RpcFault("NOT_RUNNING", name);
  const [r] = await b.stop(specOf(t.svc), wait).catch((e: unknown) => Promise.reject(toFault(e)));
  if (r && r.code !== null && r.code !== "NOT_RUNNING") throw new RpcFault("FAILED", r.message);
  return true;
}

async function stopGroup(b: RpcBackend, spec: string, wait: boolean): Promise<RpcValue> {
  const results = await b.stop(spec, wait).catch((e: unknown) => Promise.reject(toFault(e)));
  return results.map((r) => resultStruct(r, r.code === null ? null : new RpcFault(r.code === "NOT_RUNNING" ? "NOT_RUNNING" : "FAILED", r.code === "NOT_RUNNING" ? namespec(r) : r.message)));
}

function signalOne(b: RpcBackend, svc: ServiceDTO, name: string, signal: string): true {
  if (!parseSignal(signal)) throw new RpcFault("BAD_SIGNAL", signal);
  if (!isSignallable(svc.state)) throw new RpcFault("NOT_RUNNING", name);
  const [r] = b.signal(specOf(svc), signal);
  if (r && r.code !== null) throw r.code === "NOT_RUNNING" ? new RpcFault("NOT_RUNNING", name) : new RpcFault("FAILED", r.message);
  return true;
}

/** supervisord signals each signallable member and reports each, a bad signal name included. */
function signalMany(b: RpcBackend, members: ServiceDTO[], signal: string): RpcValue {
  const out: RpcStruct[] = [];
  for (const svc of inOperationOrder(operationRanks(b.config), members)) {
    if (!isSignallable(svc.state)) continue;
    try {
      signalOne(b, svc, namespec(svc), signal);
      out.push(resultStruct(svc, null));
    } catch (e) {
      out.push(resultStruct(svc, toFault(e)));
    }
  }
  return out;
}

// Every log read is the backend's readLogBytes: done where the file is written (on its writer
// thread when it has one), so a log on a disk that stopped answering never holds the daemon.

async function readProcessLog(b: RpcBackend, name: string, offset: number, length: number, channel: "stdout" | "stderr"): Promise<string> {
  const svc = processOnly(b, name);
  const path = channel === "stdout" ? svc.stdout_logfile : svc.stderr_logfile;
  if (path === null) throw new RpcFault("NO_FILE", pyStr(path));
  const r = await b.readLogBytes(svc.name, channel, { kind: "read", offset, length });
  // supervisord creates a process's log files when it spawns it; tend creates them at the
  // first byte written. A started process's log that has no file yet is empty, not missing.
  if (r?.kind === "missing" && svc.started_at !== null) return "";
  // Only an existing regular file is readable by offset (not /dev/stdout, not a FIFO).
  if (r === null || r.kind === "missing" || r.kind === "not-file") throw new RpcFault("NO_FILE", pyStr(path));
  checkReadArgs(offset, length);
  return readAnswer(r);
}

async function tailProcessLog(b: RpcBackend, name: string, offset: number, length: number, channel: "stdout" | "stderr"): Promise<RpcValue> {
  const svc = processOnly(b, name);
  const path = channel === "stdout" ? svc.stdout_logfile : svc.stderr_logfile;
  if (path === null) return ["", 0, false];
  const r = await b.readLogBytes(svc.name, channel, { kind: "tail", offset, length });
  if (r === null || r.kind === "missing" || r.kind === "not-file") return ["", 0, false];
  return tailAnswer(r, offset);
}

async function readMainLog(b: RpcBackend, offset: number, length: number): Promise<string> {
  const r = await b.readLogBytes(null, "stdout", { kind: "read", offset, length });
  // A device (/dev/stdout) is no file to read back, as supervisord's None.
  if (r === null || r.kind === "not-file") throw new RpcFault("NO_FILE", pyStr(null));
  if (r.kind === "missing") throw new RpcFault("NO_FILE", b.config.daemon.logfile);
  checkReadArgs(offset, length);
  return readAnswer(r);
}

function clearProcessLogs(b: RpcBackend, name: string): true {
  const svc = processOnly(b, name);
  try {
    b.clearLogs(svc.name);
  } catch {
    throw new RpcFault("FAILED", name);
  }
  return true;
}

/** The running config with stopped programs swapped for a fresh read: supervisor.restart. */
async function restartAll(b: RpcBackend, state: RpcState): Promise<void> {
  try {
    b.logger.info("restart requested over XML-RPC: stopping every program, then re-reading the config");
    await b.stop("all", true);
    let next: Config;
    try {
      next = b.readConfigFile();
    } catch (e) {
      b.logger.error(`restart: the config no longer loads (${(e as Error).message}); starting the previous programs again`);
      next = b.config;
    }
    const old = b.services().map((s) => s.name);
    b.removePrograms(old);
    // A program started again while the others stopped keeps its record (and its config):
    // a second record under its name would hide its process.
    const kept = new Set(b.services().map((s) => s.name));
    if (kept.size) b.logger.warn(`restart: ${[...kept].join(", ")} started again meanwhile: kept running as they are`);
    b.addPrograms(next.programs.filter((p) => !kept.has(p.name)));
    state.lastRead = next;
    state.settle(b);
  } catch (e) {
    b.logger.error(`restart failed: ${(e as Error).message}`);
  } finally {
    state.restarting = false;
  }
}

export const SUPERVISOR_METHODS: Record<string, Impl> = {
  getAPIVersion: () => API_VERSION,
  getVersion: () => API_VERSION,
  getSupervisorVersion: () => SUPERVISOR_VERSION,
  getIdentification: () => "supervisor",
  getState: () => ({ statecode: 1, statename: "RUNNING" }),
  getPID: (b) => b.daemon().pid,

  readLog: (b, _s, [offset, length]) => readMainLog(b, int(offset!), int(length!)),
  readMainLog: (b, _s, [offset, length]) => readMainLog(b, int(offset!), int(length!)),
  clearLog: (b) => {
    const path = b.mainLogPath();
    if (path === null || !existsSync(path)) throw new RpcFault("NO_FILE");
    try {
      b.clearMainLog();
    } catch {
      throw new RpcFault("FAILED");
    }
    return true;
  },
  shutdown: (b) => {
    // Answer first; the stop (every program, in order) then the exit happen after.
    setTimeout(() => void b.shutdown(), 0);
    return true;
  },
  restart: (b, state) => {
    state.restarting = true;
    setTimeout(() => void restartAll(b, state), 0);
    return true;
  },
  reloadConfig: (b, state) => {
    let next: Config;
    try {
      next = b.readConfigFile();
    } catch (e) {
      const details = isTendError(e) && Array.isArray(e.details) ? (e.details as Array<{ message: string; path?: string; line?: number }>) : [];
      const first = details[0];
      const why = first ? `${first.path ?? (first.line ? `line ${first.line}` : "")}${first.path || first.line ? ": " : ""}${first.message}` : (e as Error).message;
      throw new RpcFault("CANT_REREAD", why);
    }
    state.lastRead = next;
    return [diffGroups(b.config, next)];
  },
  addProcessGroup: (b, state, [name]) => {
    const cfg = state.lastRead;
    const members = cfg.programs.filter((p) => p.group === name);
    if (members.length === 0) throw new RpcFault("BAD_NAME", str(name!));
    const running = new Set(b.services().map((s) => s.name));
    if (members.some((p) => running.has(p.name))) throw new RpcFault("ALREADY_ADDED", str(name!));
    b.addPrograms(members);
    state.settle(b);
    return true;
  },
  removeProcessGroup: (b, state, [name]) => {
    const members = b.services().filter((s) => s.group === name);
    if (members.length === 0) throw new RpcFault("BAD_NAME", str(name!));
    if (members.some((m) => !isStopped(m.state))) throw new RpcFault("STILL_RUNNING", str(name!));
    b.removePrograms(members.map((m) => m.name));
    state.settle(b);
    return true;
  },

  getProcessInfo: (b, _s, [name]) => processInfo(processOnly(b, str(name!))),
  getAllProcessInfo: (b) => {
    const now = Date.now();
    return b.services().map((s) => processInfo(s, now));
  },
  getAllConfigInfo: (b, state) => {
    const cfg = state.lastRead;
    const active = new Set(b.services().map((s) => s.group));
    const prio = groupPriorities(cfg);
    return cfg.programs
      .map((p) => configInfo(prio, p, active.has(p.group)))
      .sort((x, y) => (String(x["name"]) < String(y["name"]) ? -1 : String(x["name"]) > String(y["name"]) ? 1 : 0));
  },

  startProcess: (b, _s, [name, wait]) => startProcess(b, str(name!), bool(wait, true)),
  startProcessGroup: (b, _s, [name, wait]) => startGroup(b, groupMembers(b, str(name!)), `${str(name!)}:*`, bool(wait, true)),
  startAllProcesses: (b, _s, [wait]) => startGroup(b, b.services(), "all", bool(wait, true)),
  stopProcess: (b, _s, [name, wait]) => stopProcess(b, str(name!), bool(wait, true)),
  stopProcessGroup: (b, _s, [name, wait]) => {
    groupMembers(b, str(name!));
    return stopGroup(b, `${str(name!)}:*`, bool(wait, true));
  },
  stopAllProcesses: (b, _s, [wait]) => stopGroup(b, "all", bool(wait, true)),
  signalProcess: (b, _s, [name, signal]) => {
    const t = resolveName(b, str(name!));
    if (t.kind === "group") return signalMany(b, t.members, String(signal));
    return signalOne(b, t.svc, str(name!), String(signal));
  },
  signalProcessGroup: (b, _s, [name, signal]) => signalMany(b, groupMembers(b, str(name!)), String(signal)),
  signalAllProcesses: (b, _s, [signal]) => signalMany(b, b.services(), String(signal)),

  sendProcessStdin: (b, _s, [name, chars]) => {
    if (typeof chars !== "string") throw new RpcFault("INCORRECT_PARAMETERS", String(chars));
    const svc = processOnly(b, str(name!));
    if (!svc.pid || svc.state === "STOPPING") throw new RpcFault("NOT_RUNNING", str(name!));
    // tend gives programs no stdin pipe (stdin is /dev/null): nothing can accept the chars,
    // which supervisord reports as NO_FILE.
    throw new RpcFault("NO_FILE", str(name!));
  },
  // No event listeners in tend: accepted and delivered to nobody, as supervisord does when
  // no listener subscribes to REMOTE_COMMUNICATION.
  sendRemoteCommEvent: () => true,

  readProcessStdoutLog: (b, _s, [name, offset, length]) => readProcessLog(b, str(name!), int(offset!), int(length!), "stdout"),
  readProcessLog: (b, _s, [name, offset, length]) => readProcessLog(b, str(name!), int(offset!), int(length!), "stdout"),
  readProcessStderrLog: (b, _s, [name, offset, length]) => readProcessLog(b, str(name!), int(offset!), int(length!), "stderr"),
  tailProcessStdoutLog: (b, _s, [name, offset, length]) => tailProcessLog(b, str(name!), int(offset!), int(length!), "stdout"),
  tailProcessLog: (b, _s, [name, offset, length]) => tailProcessLog(b, str(name!), int(offset!), int(length!), "stdout"),
  tailProcessStderrLog: (b, _s, [name, offset, length]) => tailProcessLog(b, str(name!), int(offset!), int(length!), "stderr"),
  clearProcessLogs: (b, _s, [name]) => clearProcessLogs(b, str(name!)),
  clearProcessLog: (b, _s, [name]) => clearProcessLogs(b, str(name!)),
  clearAllProcessLogs: (b) =>
    inOperationOrder(operationRanks(b.config), b.services()).map((svc) => {
      try {
        b.clearLogs(svc.name);
        return resultStruct(svc, null);
      } catch {
        return resultStruct(svc, new RpcFault("FAILED", namespec(svc)));
      }
    }),
};

/** Methods that answer even while the daemon shuts down (supervisord: no _update call). */
export const WORKS_WHILE_SHUTTING_DOWN = new Set(["sendRemoteCommEvent"]);
