// Every error code's HTTP status and CLI exit code, in one table. Exit codes follow
// supervisorctl's LSB conventions: 1 generic, 2 bad usage, 4 unknown name / no daemon,
// 7 program not running.

import type { ErrorCode } from "../core/errors.ts";

export const ERROR_MAP: { readonly [C in ErrorCode]: { readonly http: number; readonly exit: number } } = {
  BAD_NAME: { http: 404, exit: 4 },
  BAD_SIGNAL: { http: 400, exit: 2 },
  BAD_REQUEST: { http: 400, exit: 2 },
  ALREADY_STARTED: { http: 409, exit: 0 },
  NOT_RUNNING: { http: 409, exit: 7 },
  SPAWN_ERROR: { http: 500, exit: 7 },
  ABNORMAL_TERMINATION: { http: 500, exit: 7 },
  NO_FILE: { http: 404, exit: 1 },
  NOT_EXECUTABLE: { http: 500, exit: 1 },
  SHUTTING_DOWN: { http: 503, exit: 1 },
  STILL_RUNNING: { http: 500, exit: 1 },
  INVALID_CONFIG: { http: 422, exit: 2 },
  NO_DAEMON: { http: 503, exit: 4 },
  ALREADY_RUNNING: { http: 409, exit: 1 },
  FAILED: { http: 500, exit: 1 },
  INTERNAL: { http: 500, exit: 1 },
};

export const httpStatusOf = (code: ErrorCode): number => ERROR_MAP[code].http;
export const exitCodeOf = (code: ErrorCode): number => ERROR_MAP[code].exit;
