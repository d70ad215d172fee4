// Typed errors with stable codes. The codes are the contract: the HTTP status, the CLI exit
// code and the XML-RPC fault for each live in one table (api/error-map.ts), never at the
// throw site.

export const ERROR_CODES = [
  "BAD_NAME",          // no such program, instance or group
  "BAD_SIGNAL",        // unknown signal name or number
  "BAD_REQUEST",       // malformed request (body, parameters)
  "ALREADY_STARTED",   // start on STARTING/RUNNING/BACKOFF
  "NOT_RUNNING",       // stop/signal on a process that is not running
  "SPAWN_ERROR",       // the process could not be spawned or exited too quickly
  "ABNORMAL_TERMINATION", // left STARTING for something other than RUNNING
  "NO_FILE",           // command not found / no such log file
  "NOT_EXECUTABLE",    // command not executable
  "SHUTTING_DOWN",     // the daemon is stopping
  "STILL_RUNNING",     // a stop or shutdown finished with processes still alive (named)
  "INVALID_CONFIG",    // config failed to load (details list every issue)
  "NO_DAEMON",         // client: nothing answers on the socket
  "ALREADY_RUNNING",   // daemon: another daemon holds the socket
  "FAILED",            // anything else that went wrong doing what was asked
  "INTERNAL",          // a bug: should never be seen
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class TendError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra machine-readable detail (e.g. the list of config issues, known names). */
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "TendError";
  }
}

export function isTendError(e: unknown): e is TendError {
  return e instanceof TendError;
}
