// argv → a typed command (pure). The help text is in help.ts, loaded only when printed.

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
  | { kind: "help"; topic: string | null };

export interface Parsed {
  readonly command: Command;
  readonly config?: string;
  readonly socket?: string;
}

/** Bad command-line usage: `command` (when known) picks the one synopsis line printed with it. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

/** A command tend does not have: printed with a did-you-mean. */
export class UnknownCommandError extends UsageError {
  constructor(readonly word: string) {
    super(`unknown command "${word}"`);
  }
}

export function parseArgs(argv: readonly string[]): Parsed {
  let config: string | undefined;
  let socket: string | undefined;
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const words: string[] = [];
  // The first bad option is reported once the command is known, with that command's usage.
  let bad: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = () => {
      const v = argv[++i];
      if (v === undefined) bad ??= `${a} needs a value`;
      return v ?? "";
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
    else if (a.startsWith("-") && a.length > 1) bad ??= `unknown option ${a}`;
    else words.push(a);
  }
  const [verb, ...rest] = words;
  const usage = (message: string) => new UsageError(message, verb);
  const known = (...ok: string[]) => {
    for (const f of flags) if (f !== "help" && !ok.includes(f)) throw usage(`unknown option --${f} for ${verb}`);
  };
  const command = ((): Command => {
    if (verb === "help") return { kind: "help", topic: rest[0] ?? (flags.has("help") ? "help" : null) };
    if (flags.has("help") || (verb === undefined && !flags.has("version"))) return { kind: "help", topic: verb ?? null };
    if (verb === undefined) return { kind: "version" }; // tend --version
    if (bad !== null) throw usage(bad);
    switch (verb) {
      case "daemon":
        known("detach");
        if (rest.length) throw usage(`daemon takes no arguments (got ${rest.join(" ")})`);
        return { kind: "daemon", detach: flags.has("detach") };
      case "status":
        known("json");
        return { kind: "status", names: rest, json: flags.has("json") };
      case "start":
      case "stop":
      case "restart":
        known("no-wait");
        if (rest.length === 0) throw usage(`${verb} needs a NAME (a program, GROUP:*, or all)`);
        return { kind: "action", action: verb, names: rest, wait: !flags.has("no-wait") };
      case "signal": {
        known();
        const [sig, ...names] = rest;
        if (!sig || names.length === 0) throw usage("signal needs SIG and at least one NAME");
        return { kind: "signal", signal: sig, names };
      }
      case "pid":
        known();
        if (rest.length > 1) throw usage("pid takes at most one NAME");
        return { kind: "pid", name: rest[0] ?? null };
      case "tail": {
        known("follow");
        const [name, stream = "stdout"] = rest;
        if (!name) throw usage("tail needs a NAME");
        if (stream !== "stdout" && stream !== "stderr") throw usage(`stream must be stdout or stderr, got ${stream}`);
        const lines = Number(values.get("lines") ?? "10");
        if (!Number.isInteger(lines) || lines < 0) throw usage(`-n needs a non-negative integer, got ${values.get("lines")}`);
        return { kind: "tail", name, stream, lines, follow: flags.has("follow") };
      }
      case "logs": {
        known("follow");
        const lines = Number(values.get("lines") ?? "10");
        if (!Number.isInteger(lines) || lines < 0) throw usage(`-n needs a non-negative integer, got ${values.get("lines")}`);
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
        if (rest.length !== 1) throw usage("import needs one FILE: tend import supervisord.conf [-o tend.toml]");
        return { kind: "import", file: rest[0]!, out: values.get("output") ?? null };
      case "version":
        known();
        return { kind: "version" };
      default:
        throw new UnknownCommandError(verb);
    }
  })();
  return { command, config, socket };
}
