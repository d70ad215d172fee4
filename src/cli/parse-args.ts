// argv → a typed command (pure). Usage text lives here too.

export const USAGE = `tend — a process supervisor

Usage:
  tend daemon [-c FILE] [--detach]      run the supervisor (foreground; --detach: background)
  tend status [NAME...] [--json]        exit 0 all running, 3 some not running, 4 unknown name / no daemon
  tend start|stop|restart NAME...       NAME: a program, an instance, GROUP:*, or all
  tend signal SIG NAME...
  tend pid [NAME]
  tend tail [-f] [-n N] NAME [stdout|stderr]   last N lines (default 10); -f keeps following
  tend logs [-f] [-n N] [NAME...]       programs' output merged, each line prefixed with its name
  tend reload [--dry-run]               re-read the config: start added, stop removed, restart changed
  tend shutdown                         stop every program, then the daemon
  tend check [-c FILE]                  validate a config and print every problem
  tend import FILE [-o OUT]             convert a supervisord.conf to tend.toml (stdout, or OUT)
  tend run [OPTIONS] -- CMD [ARG...]    supervise one command, no config file (container entrypoint):
                                        --name N (app), --retries N (3), --no-restart, --startsecs S (1),
                                        --stop-signal SIG (TERM), --stop-timeout S (10), --log-dir DIR,
                                        -s SOCKET (serve the API), --log-level L (warn)
  tend version

Global options:
  -c, --config FILE    config file (else $TEND_CONFIG, ./tend.toml, /etc/tend/tend.toml)
  -s, --socket PATH    the daemon's socket (else $TEND_SOCKET, else the config's [daemon] socket)
  -h, --help           this text`;

export type Command =
  | { kind: "daemon"; detach: boolean }
  | { kind: "status"; names: string[]; json: boolean }
  | { kind: "action"; action: "start" | "stop" | "restart"; names: string[]; wait: boolean }
  | { kind: "signal"; signal: string; names: string[] }
  | { kind: "pid"; name: string | null }
  | { kind: "tail"; name: string; stream: "stdout" | "stderr"; lines: number; follow: boolean }
  | { kind: "logs"; names: string[]; lines: number; follow: boolean }
  | { kind: "reload"; dryRun: boolean }
  | { kind: "shutdown" }
  | { kind: "check" }
  | { kind: "import"; file: string; out: string | null }
  | { kind: "version" }
  | { kind: "help" };

export interface Parsed {
  readonly command: Command;
  readonly config?: string;
  readonly socket?: string;
}

export class UsageError extends Error {}

export function parseArgs(argv: readonly string[]): Parsed {
  let config: string | undefined;
  let socket: string | undefined;
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === "--") {
      words.push(...argv.slice(i + 1));
      break;
    }
    if (a === "-c" || a === "--config") config = next();
    else if (a.startsWith("--config=")) config = a.slice(9);
    else if (a === "-s" || a === "--socket") socket = next();
    else if (a.startsWith("--socket=")) socket = a.slice(9);
    else if (a === "-n" || a === "--lines") values.set("lines", next());
    else if (a === "-o" || a === "--output") values.set("output", next());
    else if (/^-\d+$/.test(a)) values.set("lines", a.slice(1));
    else if (a === "-h" || a === "--help") flags.add("help");
    else if (a === "-f" || a === "--follow") flags.add("follow");
    else if (a.startsWith("--")) flags.add(a.slice(2));
    else if (a.startsWith("-") && a.length > 1) throw new UsageError(`unknown option ${a}`);
    else words.push(a);
  }
  const [verb, ...rest] = words;
  const known = (...ok: string[]) => {
    for (const f of flags) if (f !== "help" && !ok.includes(f)) throw new UsageError(`unknown option --${f} for ${verb}`);
  };
  const command = ((): Command => {
    if (flags.has("help") || verb === undefined || verb === "help") return { kind: "help" };
    switch (verb) {
      case "daemon":
        known("detach");
        if (rest.length) throw new UsageError(`daemon takes no arguments (got ${rest.join(" ")})`);
        return { kind: "daemon", detach: flags.has("detach") };
      case "status":
        known("json");
        return { kind: "status", names: rest, json: flags.has("json") };
      case "start":
      case "stop":
      case "restart":
        known("no-wait");
        if (rest.length === 0) throw new UsageError(`${verb} needs a NAME (a program, GROUP:*, or all)`);
        return { kind: "action", action: verb, names: rest, wait: !flags.has("no-wait") };
      case "signal": {
        known();
        const [sig, ...names] = rest;
        if (!sig || names.length === 0) throw new UsageError("signal needs SIG and at least one NAME");
        return { kind: "signal", signal: sig, names };
      }
      case "pid":
        known();
        if (rest.length > 1) throw new UsageError("pid takes at most one NAME");
        return { kind: "pid", name: rest[0] ?? null };
      case "tail": {
        known("follow");
        const [name, stream = "stdout"] = rest;
        if (!name) throw new UsageError("tail needs a NAME");
        if (stream !== "stdout" && stream !== "stderr") throw new UsageError(`stream must be stdout or stderr, got ${stream}`);
        const lines = Number(values.get("lines") ?? "10");
        if (!Number.isInteger(lines) || lines < 0) throw new UsageError(`-n needs a non-negative integer, got ${values.get("lines")}`);
        return { kind: "tail", name, stream, lines, follow: flags.has("follow") };
      }
      case "logs": {
        known("follow");
        const lines = Number(values.get("lines") ?? "10");
        if (!Number.isInteger(lines) || lines < 0) throw new UsageError(`-n needs a non-negative integer, got ${values.get("lines")}`);
        return { kind: "logs", names: rest, lines, follow: flags.has("follow") };
      }
      case "reload":
        known("dry-run");
        return { kind: "reload", dryRun: flags.has("dry-run") };
      case "shutdown":
        known();
        return { kind: "shutdown" };
      case "check":
        known();
        return { kind: "check" };
      case "import":
        known();
        if (rest.length !== 1) throw new UsageError("import needs one FILE: tend import supervisord.conf [-o tend.toml]");
        return { kind: "import", file: rest[0]!, out: values.get("output") ?? null };
      case "version":
      case "--version":
        return { kind: "version" };
      default:
        throw new UsageError(`unknown command "${verb}"`);
    }
  })();
  return { command, config, socket };
}
