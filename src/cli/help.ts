// Help text: the overview (`tend help`), one page per command (`tend help CMD`, `tend CMD
// --help`), and the one synopsis line a usage error shows. Imported only when help or a usage
// error is printed, so ordinary commands do not pay for the text.

import { didYouMean as suggestion } from "../config/suggest.ts";

interface Page {
  /** The synopsis, without "tend ": also the line a usage error prints. */
  readonly synopsis: string;
  /** One line for the overview. */
  readonly summary: string;
  /** Paragraphs after the synopsis. */
  readonly about: string;
  readonly options: ReadonlyArray<readonly [string, string]>;
  readonly exits: ReadonlyArray<readonly [string, string]>;
  readonly example: string;
}

const SOCKET_OPTIONS: ReadonlyArray<readonly [string, string]> = [
  ["-s, --socket PATH", "the daemon's socket (else $TEND_SOCKET, else the config's [daemon] socket)"],
  ["-c, --config FILE", "the config whose [daemon] socket to use (else $TEND_CONFIG, ./tend.toml, /etc/tend/tend.toml)"],
];
const CONFIG_OPTION: readonly [string, string] = ["-c, --config FILE", "config file (else $TEND_CONFIG, ./tend.toml, /etc/tend/tend.toml); a supervisord.conf works too"];
const NO_DAEMON: readonly [string, string] = ["4", "an unknown name, or no daemon answers on the socket"];
const USAGE_EXIT: readonly [string, string] = ["2", "bad usage"];

const action = (verb: "start" | "stop" | "restart", about: string, ok: string): Page => ({
  synopsis: `${verb} [--no-wait] NAME...`,
  summary: { start: "start programs", stop: "stop programs", restart: "stop, then start programs" }[verb],
  about: `${about}\nNAME is a program, an instance (web_01), group:name, GROUP:* or all. One line per process, as supervisorctl prints.`,
  options: [["--no-wait", "return once the request is accepted, without waiting for the outcome"], ...SOCKET_OPTIONS],
  exits: [["0", ok], ["7", "a process failed to start (spawn error, exited too quickly) or to stop"], NO_DAEMON, ["1", "any other failure"], USAGE_EXIT],
  example: `tend ${verb} web 'site:*'`,
});

export const PAGES: Readonly<Record<string, Page>> = {
  daemon: {
    synopsis: "daemon [-c FILE] [-s SOCKET] [--detach]",
    summary: "run the supervisor (foreground; --detach: background)",
    about: "Run the supervisor on a config file: start its programs by priority and serve the API on the socket.\nIn the foreground it runs until SIGTERM/SIGINT, then stops every program.",
    options: [
      CONFIG_OPTION,
      ["-s, --socket PATH", "serve the API here instead of the config's [daemon] socket"],
      ["--detach", "start in the background and return once the socket answers; its stderr goes to <log_dir>/tend.detached.err"],
    ],
    exits: [["0", "stopped by a signal or `tend shutdown`"], ["1", "another daemon runs on the socket, a critical program failed, or start-up failed"], ["2", "the config is invalid (every problem is printed)"]],
    example: "tend daemon -c /etc/tend/tend.toml --detach",
  },
  status: {
    synopsis: "status [--json] [NAME...]",
    summary: "the status table (supervisorctl's layout)",
    about: "One line per process: name, state, pid and uptime or why it stopped. With NAMEs, only those, in the order given.",
    options: [["--json", "every field of every selected process, as JSON"], ...SOCKET_OPTIONS],
    exits: [["0", "every selected process is running"], ["3", "some selected process is not running"], NO_DAEMON, USAGE_EXIT],
    example: "tend status 'site:*'",
  },
  start: action("start", "Start processes and wait until each is RUNNING or has failed.", "started, or already started"),
  stop: action("stop", "Stop processes (the stop signal to the process group, SIGKILL after stopwaitsecs) and wait until they are gone.", "stopped, or not running"),
  restart: action("restart", "Stop, then start processes, waiting for each.", "restarted"),
  signal: {
    synopsis: "signal SIG NAME...",
    summary: "send a signal to processes",
    about: "Send SIG (HUP, SIGHUP or 1) to each named process that is running.",
    options: SOCKET_OPTIONS,
    exits: [["0", "signalled"], ["7", "a process is not running"], NO_DAEMON, ["2", "bad usage or an unknown signal"]],
    example: "tend signal HUP web",
  },
  pid: {
    synopsis: "pid [NAME]",
    summary: "the daemon's pid, or a process's",
    about: "Print the daemon's pid, or with NAME the process's (0 if it is not running).",
    options: SOCKET_OPTIONS,
    exits: [["0", "printed a pid"], ["7", "the process is not running (prints 0)"], NO_DAEMON, USAGE_EXIT],
    example: "tend pid web",
  },
  tail: {
    synopsis: "tail [-f] [-n N] NAME [stdout|stderr]",
    summary: "the last lines of a program's log",
    about: "Print the last N lines of a program's stdout (or stderr) log, across rotated files.",
    options: [["-n, --lines N", "how many lines (default 10); -N works too"], ["-f, --follow", "keep following, through rotations and restarts (Ctrl-C ends)"], ...SOCKET_OPTIONS],
    exits: [["0", "printed"], NO_DAEMON, ["1", "the program has no log file for that stream"], USAGE_EXIT],
    example: "tend tail -f -n 50 web stderr",
  },
  logs: {
    synopsis: "logs [-f] [-n N] [NAME...]",
    summary: "programs' output merged, each line prefixed with its name",
    about: 'Every (or each named) program\'s stdout and stderr, each line prefixed "name | " (stdout) or "name ! " (stderr).',
    options: [["-n, --lines N", "lines from each log first (default 10)"], ["-f, --follow", "keep following (Ctrl-C ends)"], ...SOCKET_OPTIONS],
    exits: [["0", "printed"], NO_DAEMON, USAGE_EXIT],
    example: "tend logs -f web worker",
  },
  reload: {
    synopsis: "reload [--dry-run]",
    summary: "re-read the config: start added, stop removed, restart changed",
    about: "Re-read the daemon's config file and apply the difference; programs whose config did not change are left alone.\nA config with a problem changes nothing.",
    options: [["--dry-run", "print what would change, change nothing"], ...SOCKET_OPTIONS],
    exits: [["0", "applied (or planned)"], ["2", "the config is invalid; nothing changed"], NO_DAEMON],
    example: "tend reload --dry-run",
  },
  shutdown: {
    synopsis: "shutdown",
    summary: "stop every program, then the daemon",
    about: "Stop every program in reverse priority order, then the daemon; returns once the daemon is gone.",
    options: SOCKET_OPTIONS,
    exits: [["0", "the daemon is gone"], NO_DAEMON],
    example: "tend shutdown",
  },
  check: {
    synopsis: "check [-c FILE]",
    summary: "validate a config and print every problem",
    about: "Validate a config file (tend.toml or a supervisord.conf) without starting anything: every problem is printed with its file, line and key.\nA good file prints what would run.",
    options: [CONFIG_OPTION],
    exits: [["0", "the config is valid"], ["2", "it has problems (all printed)"]],
    example: "tend check -c /etc/tend/tend.toml",
  },
  import: {
    synopsis: "import FILE [-o OUT]",
    summary: "convert a supervisord.conf to tend.toml",
    about: "Print the tend.toml equivalent of a supervisord.conf (and its [include] files), with a note for each setting that does not carry over.",
    options: [["-o, --output OUT", "write to OUT instead of stdout"]],
    exits: [["0", "converted"], ["2", "the file cannot be read or converted"]],
    example: "tend import /etc/supervisor/supervisord.conf -o /etc/tend/tend.toml",
  },
  run: {
    synopsis: "run [OPTIONS] -- CMD [ARG...]",
    summary: "supervise one command, no config file (container entrypoint)",
    about: "Supervise one command as a program named app: its output passes through, and any exit counts as a failure.\nOptions go before --, the command after it.",
    options: [
      ["--name N", "the program's name (app)"],
      ["--retries N", "restarts before giving up (3; $PROCESS_MAX_START_RETRIES)"],
      ["--no-restart", "do not restart: exit with the command's status"],
      ["--startsecs S", "seconds up before a start counts as good (1)"],
      ["--stop-signal SIG", "the stop signal (TERM)"],
      ["--stop-timeout S", "seconds before SIGKILL (10)"],
      ["--log-dir DIR", "also keep N.out.log / N.err.log there"],
      ["-s, --socket PATH", "serve the API there, so `tend -s PATH status` works"],
      ["--log-level L", "debug, info, warn (default) or error"],
    ],
    exits: [["0", "stopped by SIGTERM/SIGINT"], ["N", "with --no-restart, the command's own status (128+N if killed by signal N)"], ["1", "it kept failing"], ["127/126", "the command does not exist / is not executable"], ["2", "bad options"]],
    example: "tend run --name api --stop-timeout 20 -- node server.js",
  },
  version: {
    synopsis: "version",
    summary: "print the version, commit and target",
    about: "Print tend's version, the commit it was built from, and its target.",
    options: [],
    exits: [["0", "always"]],
    example: "tend version",
  },
  help: {
    synopsis: "help [COMMAND]",
    summary: "this overview, or a command's help",
    about: "Print the list of commands, or COMMAND's synopsis, options, exit codes and an example (as `tend COMMAND --help`).",
    options: [],
    exits: [["0", "printed"], ["2", "no such command"]],
    example: "tend help status",
  },
};

export const COMMANDS = Object.keys(PAGES);

/** `tend help`: every command's synopsis and one line about it. */
export function overview(): string {
  const rows = COMMANDS.map((c) => [`tend ${PAGES[c]!.synopsis}`, PAGES[c]!.summary] as const);
  return [
    "tend — a process supervisor",
    "",
    "Usage:",
    table(rows),
    "",
    "Global options:",
    table([
      ["-c, --config FILE", "config file (else $TEND_CONFIG, ./tend.toml, /etc/tend/tend.toml)"],
      ["-s, --socket PATH", "the daemon's socket (else $TEND_SOCKET, else the config's [daemon] socket)"],
      ["-h, --help", "this text; `tend COMMAND --help` or `tend help COMMAND` for one command"],
    ]),
  ].join("\n");
}

/** `tend help CMD` / `tend CMD --help`. */
export function commandHelp(command: string): string {
  const p = PAGES[command]!;
  const out = [`Usage: tend ${p.synopsis}`, "", p.about];
  if (p.options.length) out.push("", "Options:", table(p.options));
  out.push("", "Exit status:", table(p.exits), "", "Example:", `  ${p.example}`);
  return out.join("\n");
}

/** The line under a usage error: the command's synopsis, or the general form. */
export function usageLine(command: string | undefined): string {
  const p = command === undefined ? undefined : PAGES[command];
  return p ? `usage: tend ${p.synopsis}  (tend help ${command})` : "usage: tend COMMAND [ARGS]  (tend help: the commands)";
}

/** What supervisorctl and other tools call tend's commands. */
const CONFUSIONS: Readonly<Record<string, string>> = {
  update: "reload", reread: "reload", kill: "signal", ps: "status", list: "status", ls: "status",
  log: "logs", validate: "check", convert: "import", exec: "run", halt: "shutdown", quit: "shutdown",
};

/** `; did you mean "status"?` for a mistyped command, or "". */
export function didYouMean(word: string): string {
  return suggestion(word, COMMANDS, CONFUSIONS);
}

function table(rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  return rows.map(([l, r]) => `  ${l.padEnd(width)}${r}`).join("\n");
}
