// The validated, frozen configuration the daemon runs from. Produced by config/load.ts;
// everything downstream (supervisor, API, reload diff) reads only these shapes, never raw TOML.

export type LogLevel = "debug" | "info" | "warn" | "error";
export type AutoRestart = boolean | "unexpected";

export interface DaemonConfig {
  /** Absolute path of the API's unix socket. */
  readonly socket: string;
  /** Mode bits for the socket file (default 0o600). */
  readonly socketMode: number;
  /** "user" or "user:group" to chown the socket to, or null. */
  readonly socketOwner: string | null;
  /** Absolute directory for per-program logs (and tend.log unless `logfile` says otherwise). */
  readonly logDir: string;
  /** Absolute path of the daemon's own log: `logfile`, default <logDir>/tend.log. */
  readonly logfile: string;
  /** tend.log rotates past this many bytes (0: never; a device is never rotated). */
  readonly logfileMaxbytes: number;
  readonly logfileBackups: number;
  /** Absolute pidfile path, or null for none. */
  readonly pidfile: string | null;
  readonly loglevel: LogLevel;
  /**
   * Mirror every program's output to the daemon's own stdout/stderr, each line prefixed
   * with "name | " (for containers, where the daemon's output is the log).
   */
  readonly consoleOutput: boolean;
  /** supervisord's minfds: the open-files limit the daemon must get at start, or null. */
  readonly minfds: number | null;
}

export interface HttpConfig {
  /** "host:port"; host defaults to 127.0.0.1. */
  readonly listen: string;
  readonly username: string | null;
  readonly password: string | null;
}

/**
 * One supervised process. A [program.NAME] with numprocs = N yields N of these, one per
 * instance, each with its own resolved name and log paths.
 */
export interface ProgramConfig {
  /** Instance name (process_name expanded); unique across the whole config. */
  readonly name: string;
  /** The NAME of the [program.NAME] table this instance came from. */
  readonly program: string;
  /** Group name: the [group.G] listing this program, else the program name. */
  readonly group: string;
  /** 0-based instance number (numprocs_start + i). */
  readonly processNum: number;
  /** argv: a string command is split like a shell would (quotes honoured), never run by one. */
  readonly command: readonly string[];
  readonly directory: string | null;
  /** environment_file entries overlaid by `environment` (program's own keys win). */
  readonly environment: Readonly<Record<string, string>>;
  readonly user: string | null;
  /** umask as a number (e.g. 0o022), or null to inherit. */
  readonly umask: number | null;
  readonly priority: number;
  readonly autostart: boolean;
  readonly autorestart: AutoRestart;
  readonly exitcodes: readonly number[];
  readonly startsecs: number;
  readonly startretries: number;
  /** Canonical signal name without the SIG prefix, e.g. "TERM". */
  readonly stopsignal: string;
  readonly stopwaitsecs: number;
  readonly stopasgroup: boolean;
  readonly killasgroup: boolean;
  readonly redirectStderr: boolean;
  /** When it goes FATAL, or exits for good, the daemon stops everything and exits non-zero. */
  readonly critical: boolean;
  /** Prefix every line written to this program's log files with an RFC 3339 timestamp. */
  readonly timestamps: boolean;
  /** The program's soft open-files limit, or null for 1024 (hard: always tend's). */
  readonly rlimitNofile: number | null;
  /** Absolute path, or null when output is discarded ("none" or /dev/null). */
  readonly stdoutLogfile: string | null;
  readonly stdoutLogfileMaxbytes: number;
  readonly stdoutLogfileBackups: number;
  /** Absolute path, or null when discarded or when redirect_stderr is true. */
  readonly stderrLogfile: string | null;
  readonly stderrLogfileMaxbytes: number;
  readonly stderrLogfileBackups: number;
}

export interface Config {
  /** Absolute path of the file this config was read from. */
  readonly file: string;
  readonly daemon: DaemonConfig;
  readonly http: HttpConfig | null;
  /** Every instance, sorted by (priority, name): the start order. */
  readonly programs: readonly ProgramConfig[];
  /** Group name → instance names, for every group (implicit one-program groups included). */
  readonly groups: Readonly<Record<string, readonly string[]>>;
  /** Notes for `tend check`: aliases used (e.g. "program.web.cmd: alias of command"). */
  readonly notes: readonly string[];
  /** Keys set from the environment: "program.app.startsecs" → "TEND_PROGRAM__APP_STARTSECS". */
  readonly sources: Readonly<Record<string, string>>;
}

/** One problem found in a config file. All of them are collected before failing. */
export interface ConfigIssue {
  readonly file: string;
  /** 1-based, for syntax errors. */
  readonly line?: number;
  readonly column?: number;
  /** Dotted key path for schema errors, e.g. "program.web.startsecs". */
  readonly path?: string;
  readonly message: string;
}
