// supervisord.conf → tend.toml. Reads the INI as supervisord does (ini.ts, [include] globs
// relative to the including file, sorted), expands values as supervisord does (expand.ts,
// per process for numprocs), and writes the equivalent tend config, key by key. Every key
// that tend cannot carry is reported with the reason, as comments in the output and in the
// `dropped` list. Where tend's defaults differ from supervisord's (stopasgroup/killasgroup),
// supervisord's value is written out explicitly.
//
// %(ENV_X)s becomes tend's ${X} (read from the environment when tend starts, as supervisord
// read it when it started; no secret is copied into the file), unless the config's own
// `environment` defines X, in which case the value is pasted.

import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import type { ConfigIssue } from "../config/types.ts";
import { splitShellWords } from "../config/shell-words.ts";
import { parseSignal } from "../core/signals.ts";
import { ExpandError, expandParts, hasEnv, literal, toTendString, type Expansion, type Part } from "./expand.ts";
import { iniGet, iniKeys, type IniSection, type IniValue } from "./ini.ts";
import { readAll } from "./read.ts";
import { keyValuePairs, posixSplit, SplitError } from "./shlex.ts";

export type { Env } from "./read.ts";
import type { Env } from "./read.ts";

/** A key (or section) tend cannot carry, and why. */
export interface Dropped {
  readonly section: string;
  /** null for a whole section. */
  readonly key: string | null;
  readonly value: string | null;
  readonly reason: string;
  readonly file: string;
  readonly line: number;
}

export interface Conversion {
  /** The tend config, TOML. Empty when there are problems. */
  readonly toml: string;
  readonly dropped: readonly Dropped[];
  /** Things worth knowing that are not losses (an include that matched nothing …). */
  readonly warnings: readonly string[];
  /** Errors supervisord would refuse the file for; when any, there is no output. */
  readonly problems: readonly ConfigIssue[];
  /** The [daemon] table alone, even with problems: clients still find the socket (#12.6). */
  readonly daemonToml: string;
  /** tend key path ("program.web.startsecs") → where in the supervisord files it came from. */
  readonly sources: ReadonlyMap<string, { file: string; line: number }>;
}

// ---- TOML output --------------------------------------------------------------------------

type TomlValue = string | number | boolean | readonly (string | number)[] | { readonly [k: string]: string };

const tomlKey = (k: string) => (/^[A-Za-z0-9_-]+$/.test(k) ? k : tomlString(k));

function tomlString(s: string): string {
  // JSON's escapes are TOML's; DEL must be escaped in TOML too.
  return JSON.stringify(s).replace(/\u007f/g, "\\u007f");
}

function tomlValue(v: TomlValue): string {
  if (typeof v === "string") return tomlString(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map((x) => tomlValue(x as TomlValue)).join(", ")}]`;
  const entries = Object.entries(v as Record<string, string>);
  return entries.length === 0 ? "{}" : `{ ${entries.map(([k, x]) => `${tomlKey(k)} = ${tomlString(x)}`).join(", ")} }`;
}

class Table {
  readonly entries: Array<[string, TomlValue]> = [];
  readonly comments: string[] = [];
  constructor(readonly header: string) {}
  set(key: string, value: TomlValue): void {
    const i = this.entries.findIndex(([k]) => k === key);
    if (i >= 0) this.entries[i] = [key, value];
    else this.entries.push([key, value]);
  }
  render(): string {
    const lines = [`[${this.header}]`, ...this.entries.map(([k, v]) => `${tomlKey(k)} = ${tomlValue(v)}`)];
    for (const c of this.comments) lines.push(`# ${c}`);
    return lines.join("\n");
  }
}

// ---- value parsing (supervisord's datatypes) ----------------------------------------------

const TRUE_WORDS = ["yes", "true", "on", "1"];
const FALSE_WORDS = ["no", "false", "off", "0"];

class ValueError extends Error {}

function pyBool(s: string): boolean {
  const w = s.toLowerCase();
  if (TRUE_WORDS.includes(w)) return true;
  if (FALSE_WORDS.includes(w)) return false;
  throw new ValueError(`not a valid boolean value: '${s}' (true/yes/on/1 or false/no/off/0)`);
}

function pyInt(s: string): number {
  if (!/^\s*[+-]?\d+\s*$/.test(s)) throw new ValueError(`not an integer: '${s}'`);
  return Number(s.trim());
}

function byteSize(s: string): number {
  const m = /^\s*(\d+)\s*(kb|mb|gb)?\s*$/i.exec(s);
  if (!m) throw new ValueError(`not a byte size: '${s}' (a number with an optional KB, MB or GB)`);
  return Number(m[1]) * ({ kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? "").toLowerCase() as "kb"] ?? 1);
}

function sizeValue(n: number): string | number {
  for (const [unit, f] of [["GB", 1024 ** 3], ["MB", 1024 ** 2], ["KB", 1024]] as const) if (n > 0 && n % f === 0) return `${n / f}${unit}`;
  return n;
}

function octal(s: string): string {
  if (!/^\s*[0-7]+\s*$/.test(s)) throw new ValueError(`${s} can not be converted to an octal type`);
  return s.trim().padStart(3, "0");
}

function exitCodes(s: string): number[] {
  if (s.trim() === "") return [];
  return s.split(",").map((x) => {
    const n = pyInt(x);
    if (n < 0 || n > 255) throw new ValueError(`not a valid list of exit codes: '${s}'`);
    return n;
  });
}

function autorestart(s: string): boolean | "unexpected" {
  const w = s.toLowerCase();
  if (TRUE_WORDS.includes(w)) return true;
  if (FALSE_WORDS.includes(w)) return false;
  if (w === "unexpected") return "unexpected";
  throw new ValueError(`invalid 'autorestart' value '${s}' (true, false or unexpected)`);
}

function signalName(s: string): string {
  const sig = parseSignal(s);
  if (!sig) throw new ValueError(`value '${s}' is not a valid signal name`);
  return sig;
}

const LOGLEVELS: Record<string, { level: string; exact: boolean }> = {
  critical: { level: "error", exact: false },
  error: { level: "error", exact: true },
  warn: { level: "warn", exact: true },
  info: { level: "info", exact: true },
  debug: { level: "debug", exact: true },
  trace: { level: "debug", exact: false },
  blather: { level: "debug", exact: false },
};

function badName(name: string): string | null {
  for (const c of [" ", ":", "/"]) if (name.includes(c)) return `Invalid name: '${name}' because of character: '${c}'`;
  return null;
}

// ---- conversion ---------------------------------------------------------------------------

const PROGRAM_KEYS = new Set([
  "command", "process_name", "numprocs", "numprocs_start", "priority", "autostart", "startsecs", "startretries",
  "autorestart", "exitcodes", "stopsignal", "stopwaitsecs", "stopasgroup", "killasgroup", "user", "redirect_stderr",
  "stdout_logfile", "stdout_logfile_maxbytes", "stdout_logfile_backups", "stdout_capture_maxbytes", "stdout_events_enabled", "stdout_syslog",
  "stderr_logfile", "stderr_logfile_maxbytes", "stderr_logfile_backups", "stderr_capture_maxbytes", "stderr_events_enabled", "stderr_syslog",
  "environment", "directory", "umask", "serverurl",
]);

/** A placeholder for an environment reference that survives shlex splitting as part of a word. */
const PLACEHOLDER = (i: number) => `__tendenvref${i}x__`;
const PLACEHOLDER_RE = /__tendenvref(\d+)x__/g;

/** Parts → one string for a splitter, and a way back from the split words to parts. */
function forSplitting(parts: readonly Part[]): { text: string; back: (word: string) => Part[] } {
  const envs: string[] = [];
  const text = parts.map((p) => ("lit" in p ? p.lit : PLACEHOLDER(envs.push(p.env) - 1))).join("");
  const back = (word: string): Part[] => {
    const out: Part[] = [];
    let last = 0;
    for (const m of word.matchAll(PLACEHOLDER_RE)) {
      if (m.index! > last) out.push({ lit: word.slice(last, m.index) });
      out.push({ env: envs[Number(m[1])]! });
      last = m.index! + m[0].length;
    }
    if (last < word.length || out.length === 0) out.push({ lit: word.slice(last) });
    return out;
  };
  return { text, back };
}

interface Instance {
  name: string;
  command: Part[];
  directory: Part[] | null;
  environment: Map<string, Part[]>;
  stdout: Part[] | null;
  stderr: Part[] | null;
}

export function convertSupervisordConfig(file: string, env: Env = process.env): Conversion {
  const path = resolve(file);
  const { doc, warnings, problems } = readAll(path, env);
  const dropped: Dropped[] = [];
  const sources = new Map<string, { file: string; line: number }>();
  const host = hostname();
  const tables: Table[] = [];
  const daemon = new Table("daemon");
  let http: Table | null = null;

  const problem = (v: { file: string; line: number } | IniSection, message: string) => problems.push({ file: v.file, line: v.line, message });
  const drop = (section: string, key: string | null, v: IniValue | IniSection, reason: string, table?: Table) => {
    const value = "value" in v && typeof v.value === "string" ? v.value : null;
    dropped.push({ section, key, value, reason, file: v.file, line: v.line });
    table?.comments.push(`not carried: ${key === null ? `[${section}]` : `${key} = ${value}`}: ${reason}`);
  };

  // ENV_X: the config's [supervisord] environment, else tend's ${X} at run time.
  const globalEnv = new Map<string, Part[]>();
  const envLookup = (name: string, extra?: ReadonlyMap<string, Part[]>): Expansion | undefined => {
    if (!name.startsWith("ENV_")) return undefined;
    const key = name.slice(4);
    const own = extra?.get(key) ?? globalEnv.get(key);
    return own ? { parts: own } : { env: key };
  };
  const commonLookup = (v: IniValue) => (name: string): Expansion | undefined =>
    name === "here" ? dirname(v.file) : name === "host_node_name" ? host : envLookup(name);

  const expand = (v: IniValue, lookup: (name: string) => Expansion | undefined, key: string): Part[] | null => {
    try {
      return expandParts(v.value, lookup);
    } catch (e) {
      if (e instanceof ExpandError) {
        problem(v, `${key}: ${e.message}`);
        return null;
      }
      throw e;
    }
  };

  /** A scalar: parsed now when literal, else the ${VAR} text for tend to read at start. */
  const scalar = <T extends TomlValue>(v: IniValue, parts: Part[] | null, parse: (s: string) => T, key: string): T | string | null => {
    if (parts === null) return null;
    if (hasEnv(parts)) return toTendString(parts);
    try {
      return parse(literal(parts).trim());
    } catch (e) {
      if (e instanceof ValueError) {
        problem(v, `${key}: ${e.message}`);
        return null;
      }
      throw e;
    }
  };

  const sv = doc.sections.get("supervisord");
  if (!sv) warnings.push("no [supervisord] section: converting the programs only (supervisord itself would refuse this file)");

  // ---- [supervisord] ----
  let globalUmask: string | null = null;
  if (sv) {
    for (const key of iniKeys(doc, sv)) {
      const v = iniGet(doc, sv, key)!;
      const parts = expand(v, commonLookup(v), `[supervisord] ${key}`);
      if (parts === null) continue;
      const text = hasEnv(parts) ? toTendString(parts) : literal(parts);
      const at = (k: string) => sources.set(`daemon.${k}`, { file: v.file, line: v.line });
      switch (key) {
        case "environment": {
          const { text: t, back } = forSplitting(parts);
          try {
            for (const [k, val] of Object.entries(keyValuePairs(t))) globalEnv.set(k, back(val));
          } catch (e) {
            problem(v, `[supervisord] environment: ${(e as Error).message}`);
          }
          break;
        }
        case "loglevel": {
          const l = LOGLEVELS[literal(parts).trim().toLowerCase()];
          if (!l) problem(v, `[supervisord] loglevel: bad logging level name '${literal(parts)}'`);
          else {
            daemon.set("loglevel", l.level);
            at("loglevel");
            if (!l.exact) drop("supervisord", key, v, `tend has debug, info, warn and error: "${literal(parts)}" became "${l.level}"`, daemon);
          }
          break;
        }
        case "pidfile":
          daemon.set("pidfile", text);
          at("pidfile");
          break;
        case "childlogdir":
          daemon.set("log_dir", text);
          at("log_dir");
          break;
        case "logfile":
          // Where containers persist it and tools read it: tend.log goes there (#12.12).
          daemon.set("logfile", text);
          at("logfile");
          break;
        case "umask":
          try {
            globalUmask = octal(literal(parts));
          } catch (e) {
            problem(v, `[supervisord] umask: ${(e as Error).message}`);
          }
          break;
        case "nodaemon":
          if (!hasEnv(parts) && FALSE_WORDS.includes(literal(parts).trim().toLowerCase())) {
            drop("supervisord", key, v, "`tend daemon` stays in the foreground; `tend daemon --detach` runs it in the background", daemon);
          }
          break;
        case "logfile_maxbytes": {
          const mb = scalar(v, parts, byteSize, "[supervisord] logfile_maxbytes");
          if (mb !== null) {
            daemon.set("logfile_maxbytes", typeof mb === "number" ? sizeValue(mb) : mb);
            at("logfile_maxbytes");
          }
          break;
        }
        case "logfile_backups": {
          const n = scalar(v, parts, pyInt, "[supervisord] logfile_backups");
          if (n !== null) {
            daemon.set("logfile_backups", n);
            at("logfile_backups");
          }
          break;
        }
        case "silent":
          drop("supervisord", key, v, "tend always writes its log to stderr in the foreground", daemon);
          break;
        case "minfds": {
          // The same meaning in tend: the open-files limit the daemon must get at start.
          const n = scalar(v, parts, pyInt, "[supervisord] minfds");
          if (n !== null) {
            daemon.set("minfds", n);
            at("minfds");
          }
          break;
        }
        case "minprocs":
          drop("supervisord", key, v, "tend does not raise the process limit: set it where tend is started (LimitNPROC=, ulimit -u)", daemon);
          break;
        case "user":
          drop("supervisord", key, v, "tend does not switch user itself: start it as that user (programs can still set `user`)", daemon);
          break;
        case "directory":
          drop("supervisord", key, v, "tend does not chdir: programs without `directory` run in tend's working directory", daemon);
          break;
        case "identifier":
          drop("supervisord", key, v, "getIdentification always answers 'supervisor'", daemon);
          break;
        case "nocleanup":
          drop("supervisord", key, v, "tend never deletes old log files at start", daemon);
          break;
        case "strip_ansi":
          drop("supervisord", key, v, "tend logs program output unchanged", daemon);
          break;
        default:
          drop("supervisord", key, v, "not a supervisord key (supervisord ignores it too)", daemon);
      }
    }
    // A child's log dir defaults to where supervisord's own log went, if no childlogdir.
    const logfile = iniGet(doc, sv, "logfile");
    if (!iniGet(doc, sv, "childlogdir") && logfile) {
      const dir = dirname(literal(expand(logfile, commonLookup(logfile), "logfile") ?? [{ lit: "" }]));
      if (dir && dir !== "." && !dir.startsWith("/dev")) {
        daemon.set("log_dir", dir);
        sources.set("daemon.log_dir", { file: logfile.file, line: logfile.line });
      }
    }
  }

  // ---- [unix_http_server] / [inet_http_server] ----
  const unix = doc.sections.get("unix_http_server");
  if (unix) {
    for (const key of iniKeys(doc, unix)) {
      const v = iniGet(doc, unix, key)!;
      const parts = expand(v, commonLookup(v), `[unix_http_server] ${key}`);
      if (parts === null) continue;
      const text = toTendString(parts);
      if (key === "file") {
        daemon.set("socket", text);
        sources.set("daemon.socket", { file: v.file, line: v.line });
      } else if (key === "chmod") {
        const mode = scalar(v, parts, octal, "[unix_http_server] chmod");
        if (mode !== null) {
          daemon.set("socket_mode", String(mode).padStart(4, "0"));
          sources.set("daemon.socket_mode", { file: v.file, line: v.line });
        }
      } else if (key === "chown") {
        daemon.set("socket_owner", text);
        sources.set("daemon.socket_owner", { file: v.file, line: v.line });
      } else if (key === "username" || key === "password") {
        drop("unix_http_server", key, v, "tend's unix socket is guarded by its file mode (socket_mode, socket_owner), not a password", daemon);
      } else drop("unix_http_server", key, v, "not a supervisord key (supervisord ignores it too)", daemon);
    }
    // supervisord's default chmod is 0700, tend's 0600: the same people can connect.
  }
  const inet = doc.sections.get("inet_http_server");
  if (inet) {
    http = new Table("http");
    for (const key of iniKeys(doc, inet)) {
      const v = iniGet(doc, inet, key)!;
      const parts = expand(v, commonLookup(v), `[inet_http_server] ${key}`);
      if (parts === null) continue;
      if (key === "port") {
        let listen = toTendString(parts).trim();
        if (!hasEnv(parts)) {
          const colon = listen.lastIndexOf(":");
          const hostPart = colon >= 0 ? listen.slice(0, colon) : "";
          const port = colon >= 0 ? listen.slice(colon + 1) : listen;
          if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
            problem(v, `[inet_http_server] port: not a valid port number: '${listen}'`);
            continue;
          }
          // supervisord listens on every interface for "", "*" or a bare port.
          listen = `${hostPart === "" || hostPart === "*" ? "0.0.0.0" : hostPart.toLowerCase()}:${port}`;
        }
        http.set("listen", listen);
        sources.set("http.listen", { file: v.file, line: v.line });
      } else if (key === "username" || key === "password") {
        http.set(key, toTendString(parts));
        sources.set(`http.${key}`, { file: v.file, line: v.line });
      } else drop("inet_http_server", key, v, "not a supervisord key (supervisord ignores it too)", http);
    }
    if (!iniGet(doc, inet, "port")) problem(inet, "[inet_http_server] has no port");
  }

  // ---- other sections ----
  const groupOf = new Map<string, string>();
  const groupSections: IniSection[] = [];
  for (const [name, section] of doc.sections) {
    if (name.startsWith("group:")) groupSections.push(section);
    else if (name === "supervisord" || name === "unix_http_server" || name === "inet_http_server" || name === "include" || name.startsWith("program:")) continue;
    else if (name === "rpcinterface:supervisor") continue; // tend always serves it
    else if (name === "supervisorctl") drop(name, null, section, "client settings: supervisorctl still reads them; tend's CLI takes -s/--socket", daemon);
    else if (name.startsWith("rpcinterface:")) drop(name, null, section, "tend serves only the supervisor XML-RPC interface", daemon);
    else if (name.startsWith("eventlistener:")) drop(name, null, section, "tend has no event listeners", daemon);
    else if (name.startsWith("fcgi-program:")) drop(name, null, section, "tend does not run FastCGI programs (no shared socket)", daemon);
    else if (name.startsWith("ctlplugin:")) drop(name, null, section, "supervisorctl plugins are client side", daemon);
    else drop(name, null, section, "not a supervisord section (supervisord ignores it too)", daemon);
  }

  const groupPrograms = new Map<string, string[]>();
  for (const section of groupSections) {
    const gname = section.name.slice("group:".length).trim();
    const err = badName(gname);
    if (err) problem(section, `[${section.name}]: ${err}`);
    const programs = iniGet(doc, section, "programs");
    if (!programs) {
      problem(section, `[${section.name}] has no programs`);
      continue;
    }
    const members = (literal(expand(programs, commonLookup(programs), "programs") ?? [{ lit: "" }]))
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    for (const m of members) {
      if (!doc.sections.has(`program:${m}`)) {
        if (doc.sections.has(`fcgi-program:${m}`)) drop(section.name, "programs", programs, `${m} is an fcgi-program, which tend does not run`, daemon);
        else problem(programs, `[${section.name}] names unknown program ${m}`);
        continue;
      }
      if (groupOf.has(m)) problem(programs, `program ${m} is in two groups (${groupOf.get(m)} and ${gname}); tend puts a program in one`);
      else groupOf.set(m, gname);
    }
    groupPrograms.set(gname, []);
    for (const key of iniKeys(doc, section)) {
      if (key === "programs") continue;
      const v = iniGet(doc, section, key)!;
      drop(section.name, key, v, key === "priority" ? "tend orders by each program's priority only" : "not a supervisord key (supervisord ignores it too)", daemon);
    }
  }

  // ---- [program:x] ----
  for (const [sname, section] of doc.sections) {
    if (!sname.startsWith("program:")) continue;
    const program = sname.slice("program:".length).trim();
    const err = badName(program);
    if (err) {
      problem(section, `[${sname}]: ${err}`);
      continue;
    }
    const group = groupOf.get(program) ?? program;
    const table = new Table(`program.${tomlKey(program)}`);
    const raw = (key: string) => iniGet(doc, section, key);
    const base = (v: IniValue, extra: Record<string, Expansion> = {}, progEnv?: ReadonlyMap<string, Part[]>) => (name: string): Expansion | undefined => {
      if (name in extra) return extra[name];
      if (name === "here") return dirname(v.file);
      if (name === "program_name") return program;
      if (name === "group_name") return group;
      if (name === "host_node_name") return host;
      return envLookup(name, progEnv);
    };
    const src = (tendKey: string, v: IniValue) => sources.set(`program.${program}.${tendKey}`, { file: v.file, line: v.line });
    // Any problem tend finds in this program at least points at its section.
    sources.set(`program.${program}`, { file: section.file, line: section.line });
    const label = (key: string) => `[${sname}] ${key}`;

    // Keys supervisord reads once per program (no %(process_num)).
    const once = <T extends TomlValue>(key: string, parse: (s: string) => T): T | string | null => {
      const v = raw(key);
      if (!v) return null;
      return scalar(v, expand(v, base(v), label(key)), parse, label(key));
    };

    const numprocsV = raw("numprocs");
    const numprocs = once("numprocs", pyInt) ?? 1;
    const numprocsStart = once("numprocs_start", pyInt) ?? 0;
    if (typeof numprocs !== "number" || typeof numprocsStart !== "number") {
      problem(numprocsV ?? section, `${label("numprocs")}: a count from the environment cannot be converted; write the number`);
      continue;
    }
    if (numprocs < 1) {
      drop(sname, "numprocs", numprocsV ?? section, "numprocs = 0 runs no process: the program is left out");
      continue;
    }
    const processNameV = raw("process_name");
    const processNameRaw = processNameV?.value ?? "%(program_name)s";
    if (numprocs > 1 && !processNameRaw.includes("%(process_num)")) {
      problem(processNameV ?? section, `${label("process_name")}: %(process_num) must be present within process_name when numprocs > 1`);
      continue;
    }

    const commandV = raw("command");
    if (!commandV) {
      problem(section, `program section ${sname} does not specify a command`);
      continue;
    }

    // Scalars, in supervisord's order of reading.
    const settings: Array<[string, TomlValue | null]> = [];
    const put = (tendKey: string, key: string, value: TomlValue | null) => {
      if (value === null) return;
      settings.push([tendKey, value]);
      const v = raw(key);
      if (v) src(tendKey, v);
    };
    put("priority", "priority", once("priority", pyInt));
    put("autostart", "autostart", once("autostart", pyBool));
    put("autorestart", "autorestart", once("autorestart", autorestart));
    put("startsecs", "startsecs", once("startsecs", pyInt));
    put("startretries", "startretries", once("startretries", pyInt));
    put("stopsignal", "stopsignal", once("stopsignal", signalName));
    put("stopwaitsecs", "stopwaitsecs", once("stopwaitsecs", pyInt));
    const stopasgroup = once("stopasgroup", pyBool) ?? false;
    const killasgroup = raw("killasgroup") ? once("killasgroup", pyBool) : stopasgroup;
    if (stopasgroup === true && killasgroup === false) {
      problem(raw("killasgroup") ?? section, `[${sname}]: Cannot set stopasgroup=true and killasgroup=false`);
      continue;
    }
    // tend's defaults are true (the whole process group): write supervisord's explicitly.
    put("stopasgroup", "stopasgroup", stopasgroup);
    put("killasgroup", raw("killasgroup") ? "killasgroup" : "stopasgroup", killasgroup);
    const exitcodes = once("exitcodes", exitCodes);
    if (exitcodes !== null && Array.isArray(exitcodes) && exitcodes.length === 0) problem(raw("exitcodes")!, `${label("exitcodes")}: empty`);
    else put("exitcodes", "exitcodes", exitcodes);
    const redirect = once("redirect_stderr", pyBool);
    put("redirect_stderr", "redirect_stderr", redirect);
    const user = raw("user");
    if (user) put("user", "user", toTendString(expand(user, base(user), label("user")) ?? []));
    const umask = once("umask", octal) ?? globalUmask;
    if (umask !== null) put("umask", "umask", umask);
    for (const stream of ["stdout", "stderr"] as const) {
      const mb = once(`${stream}_logfile_maxbytes`, byteSize);
      put(`${stream}_logfile_maxbytes`, `${stream}_logfile_maxbytes`, typeof mb === "number" ? sizeValue(mb) : mb);
      put(`${stream}_logfile_backups`, `${stream}_logfile_backups`, once(`${stream}_logfile_backups`, pyInt));
    }

    // Keys tend has no place for.
    for (const key of iniKeys(doc, section)) {
      const v = raw(key)!;
      if (!PROGRAM_KEYS.has(key)) drop(sname, key, v, "not a supervisord program key (supervisord ignores it too)", table);
      else if (/_capture_maxbytes$/.test(key)) drop(sname, key, v, "tend has no capture mode (PROCESS_COMMUNICATION events)", table);
      else if (/_events_enabled$/.test(key)) drop(sname, key, v, "tend has no event listeners", table);
      else if (/_syslog$/.test(key)) drop(sname, key, v, "tend does not write to syslog", table);
      else if (key === "serverurl") drop(sname, key, v, "tend sets SUPERVISOR_SERVER_URL to its own socket", table);
      else if (key === "stderr_logfile" && redirect === true) drop(sname, key, v, "ignored because redirect_stderr = true (supervisord ignores it too)", table);
    }

    // Per process: environment, directory, log files, command, name.
    const envV = raw("environment");
    const dirV = raw("directory");
    const outV = raw("stdout_logfile");
    const errV = raw("stderr_logfile");
    const instances: Instance[] = [];
    let failed = false;
    const logTarget = (v: IniValue | undefined, parts: Part[] | null, stream: string): Part[] | null => {
      if (!v || parts === null) return null; // AUTO
      if (hasEnv(parts)) return parts;
      const t = literal(parts).trim();
      const lower = t.toLowerCase();
      if (lower === "auto") return null;
      if (lower === "none" || lower === "off") return [{ lit: "none" }];
      if (lower === "syslog") {
        drop(sname, `${stream}_logfile`, v, "tend does not write to syslog: the output is discarded", table);
        return [{ lit: "none" }];
      }
      return [{ lit: t }];
    };
    for (let num = numprocsStart; num < numprocsStart + numprocs; num++) {
      const perProc: Record<string, Expansion> = { process_num: num, numprocs };
      const environment = new Map<string, Part[]>(globalEnv);
      if (envV) {
        const parts = expand(envV, base(envV, perProc), label("environment"));
        if (parts === null) {
          failed = true;
          break;
        }
        const { text, back } = forSplitting(parts);
        try {
          for (const [k, val] of Object.entries(keyValuePairs(text))) environment.set(k, back(val));
        } catch (e) {
          problem(envV, `${label("environment")}: ${(e as Error).message}`);
          failed = true;
          break;
        }
      }
      const look = (v: IniValue) => base(v, perProc, environment);
      const command = expand(commandV, look(commandV), label("command"));
      const name = processNameV ? expand(processNameV, look(processNameV), label("process_name")) : [{ lit: program }];
      const directory = dirV ? expand(dirV, look(dirV), label("directory")) : null;
      const stdout = outV ? logTarget(outV, expand(outV, look(outV), label("stdout_logfile")), "stdout") : null;
      const stderr = errV && redirect !== true ? logTarget(errV, expand(errV, look(errV), label("stderr_logfile")), "stderr") : null;
      if (command === null || name === null || (dirV && directory === null)) {
        failed = true;
        break;
      }
      if (hasEnv(name)) {
        problem(processNameV!, `${label("process_name")}: a process name from the environment cannot be converted`);
        failed = true;
        break;
      }
      const instName = literal(name).trim();
      const nameErr = badName(instName);
      if (nameErr) {
        problem(processNameV ?? section, `${label("process_name")}: ${nameErr}`);
        failed = true;
        break;
      }
      instances.push({ name: instName, command, directory, environment, stdout, stderr });
    }
    if (failed || instances.length === 0) continue;

    // numprocs > 1 fits tend's templates when only the name and log paths vary, and vary
    // by {num}; otherwise each process becomes its own program in the group.
    const numTemplate = (v: IniValue | undefined): string | null => {
      if (!v) return null;
      try {
        const parts = expandParts(v.value, (n) =>
          n === "process_num"
            ? {
                render: ({ flags, width, precision, type }) => {
                  if (precision !== null || !["d", "i", "s"].includes(type)) return null;
                  if (width <= 1 && (flags === "" || flags === "0")) return "{num}";
                  if (flags === "0" && type !== "s") return `{num:0${width}}`;
                  return null;
                },
              }
            : base(v, { numprocs }, undefined)(n),
        );
        const text = toTendString(parts);
        return /[{}]/.test(text.replace(/\{num(:0\d+)?\}/g, "")) ? null : text;
      } catch {
        return null;
      }
    };
    const same = (f: (i: Instance) => unknown) => instances.every((i) => JSON.stringify(f(i)) === JSON.stringify(f(instances[0]!)));
    const envEqual = same((i) => [...i.environment]);
    const nameTemplate = numprocs > 1 ? numTemplate(processNameV) : null;
    const outTemplate = outV && instances[0]!.stdout && !same((i) => i.stdout) ? numTemplate(outV) : null;
    const errTemplate = errV && instances[0]!.stderr && !same((i) => i.stderr) ? numTemplate(errV) : null;
    const compact =
      numprocs === 1 ||
      (nameTemplate !== null &&
        same((i) => i.command) &&
        same((i) => i.directory) &&
        envEqual &&
        (same((i) => i.stdout) || outTemplate !== null) &&
        (same((i) => i.stderr) || errTemplate !== null));

    const emit = (t: Table, inst: Instance, names: { process_name?: string; stdout?: string | null; stderr?: string | null }) => {
      t.set("command", commandValue(inst.command));
      src("command", commandV);
      if (names.process_name !== undefined) t.set("process_name", names.process_name);
      if (inst.directory) t.set("directory", toTendString(inst.directory));
      if (dirV) src("directory", dirV);
      if (inst.environment.size) t.set("environment", Object.fromEntries([...inst.environment].map(([k, v]) => [k, toTendString(v)])));
      const envAt = envV ?? (sv ? iniGet(doc, sv, "environment") : undefined);
      if (envAt) src("environment", envAt);
      if (outV) src("stdout_logfile", outV);
      if (errV) src("stderr_logfile", errV);
      for (const [k, v] of settings) t.set(k, v!);
      const out = names.stdout ?? (inst.stdout ? toTendString(inst.stdout) : null);
      const err = names.stderr ?? (inst.stderr ? toTendString(inst.stderr) : null);
      if (out !== null) t.set("stdout_logfile", out);
      if (err !== null) t.set("stderr_logfile", err);
    };

    if (compact) {
      if (numprocs > 1) {
        table.set("numprocs", numprocs);
        if (numprocsStart !== 0) table.set("numprocs_start", numprocsStart);
      }
      const processName = numprocs > 1 ? nameTemplate! : instances[0]!.name !== program ? instances[0]!.name : undefined;
      if (processName !== undefined && processNameV) src("process_name", processNameV);
      emit(table, instances[0]!, { process_name: processName, stdout: outTemplate, stderr: errTemplate });
      tables.push(table);
      if (group !== program) groupPrograms.get(group)!.push(program);
    } else {
      // One program per process, gathered in a group named as supervisord names it.
      for (const inst of instances) {
        const t = new Table(`program.${tomlKey(inst.name)}`);
        emit(t, inst, {});
        t.comments.push(`process ${inst.name} of [${sname}] (numprocs = ${numprocs}); its settings differ per process beyond what tend's {num} templates express`);
        tables.push(t);
        sources.set(`program.${inst.name}.command`, { file: commandV.file, line: commandV.line });
        sources.set(`program.${inst.name}`, { file: section.file, line: section.line });
        for (const [k, at] of [...sources]) if (k.startsWith(`program.${program}.`)) sources.set(`program.${inst.name}.${k.slice(`program.${program}.`.length)}`, at);
      }
      if (!groupPrograms.has(group)) groupPrograms.set(group, []);
      groupPrograms.get(group)!.push(...instances.map((i) => i.name));
      // Dropped-key comments of the original section go on the first one.
      tables[tables.length - instances.length]!.comments.push(...table.comments);
    }
  }

  const groupTables: Table[] = [];
  for (const [g, members] of groupPrograms) {
    if (members.length === 0) continue;
    const t = new Table(`group.${tomlKey(g)}`);
    t.set("programs", members);
    groupTables.push(t);
  }

  const header = [
    `# tend config converted from ${path} by \`tend import\`.`,
    "# Keys tend cannot carry are listed as \"not carried\" comments, with the reason.",
    ...(dropped.length ? [`# ${dropped.length} key${dropped.length === 1 ? "" : "s"} or section${dropped.length === 1 ? "" : "s"} not carried.`] : []),
  ].join("\n");
  const body = [daemon, ...(http ? [http] : []), ...tables, ...groupTables].filter((t) => t.entries.length > 0 || t.comments.length > 0).map((t) => t.render());
  const toml = problems.length ? "" : `${header}\n\n${body.join("\n\n")}\n`;
  problems.sort((a, b) => (a.file === b.file ? (a.line ?? 0) - (b.line ?? 0) : a.file < b.file ? -1 : 1));
  return { toml, dropped, warnings, problems, sources, daemonToml: daemon.render() };
}

/** The command as tend reads it: a string when tend splits it as shlex would, else an array. */
function commandValue(parts: Part[]): string | string[] {
  const { text, back } = forSplitting(parts);
  let words: string[];
  try {
    words = posixSplit(text);
  } catch {
    // supervisord would fail at spawn ("can't parse command"); keep the text for tend to report.
    return toTendString(parts);
  }
  const tend = splitShellWords(text);
  if (tend.ok && JSON.stringify(tend.words) === JSON.stringify(words)) return toTendString(parts);
  return words.map((w) => toTendString(back(w)));
}

export { SplitError };
