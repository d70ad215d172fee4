// JSON wire types shared by the daemon's API and the CLI client (imported as types only).

import type { ProcessState } from "../core/states.ts";
import type { ErrorCode } from "../core/errors.ts";

export interface ServiceDTO {
  name: string;
  group: string;
  program: string;
  state: ProcessState;
  statecode: number;
  description: string;
  pid: number | null;
  started_at: string | null;
  stopped_at: string | null;
  uptime_seconds: number | null;
  exit_code: number | null;
  exit_signal: string | null;
  spawnerr: string;
  restarts: number;
  autostart: boolean;
  priority: number;
  command: string[];
  stdout_logfile: string | null;
  stderr_logfile: string | null;
  log_errors: string[];
  bytes_logged: number;
}

export interface ActionResultDTO {
  name: string;
  group: string;
  ok: boolean;
  code: ErrorCode | null;
  message: string;
  state: ProcessState;
  /** restart only: it was running and was stopped before being started again. */
  stopped?: boolean;
}

export interface ReloadPlanDTO {
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: string[];
  daemon_changed: string[];
  applied: boolean;
}

export interface DaemonDTO {
  pid: number;
  version: string;
  config_file: string;
  socket: string;
  log_dir: string;
  started_at: string;
  state: "RUNNING" | "SHUTDOWN";
  programs: number;
}

/** The answer to a shutdown that waits (POST /api/shutdown?wait=1): every process gone, or who is not. */
export interface ShutdownDTO {
  ok: boolean;
  message: string;
  /** "1234 (sleep)", for each process still alive once the stop and the sweep are done. */
  survivors: string[];
}

export interface ErrorDTO {
  error: { code: ErrorCode; message: string; details?: unknown };
}
