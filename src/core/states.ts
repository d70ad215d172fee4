// Process states: supervisord's names and numbers, so its clients (supervisorctl, dashboards)
// read tend's status unchanged. Imports nothing.

export const STATE_CODES = {
  STOPPED: 0,
  STARTING: 10,
  RUNNING: 20,
  BACKOFF: 30,
  STOPPING: 40,
  EXITED: 100,
  FATAL: 200,
  UNKNOWN: 1000,
} as const;

export type ProcessState = keyof typeof STATE_CODES;
export const PROCESS_STATES = Object.keys(STATE_CODES) as ProcessState[];

/** supervisord's RUNNING_STATES: "up or trying to be"; `status` exits 0 for these. */
export const RUNNING_STATES: readonly ProcessState[] = ["STARTING", "RUNNING", "BACKOFF"];
/** supervisord's STOPPED_STATES: no process and not trying to start one. */
export const STOPPED_STATES: readonly ProcessState[] = ["STOPPED", "EXITED", "FATAL", "UNKNOWN"];
/** States in which a pid exists and may be signalled. */
export const SIGNALLABLE_STATES: readonly ProcessState[] = ["STARTING", "RUNNING", "STOPPING"];

export const isRunningState = (s: ProcessState): boolean => RUNNING_STATES.includes(s);
export const isStoppedState = (s: ProcessState): boolean => STOPPED_STATES.includes(s);
export const isSignallable = (s: ProcessState): boolean => SIGNALLABLE_STATES.includes(s);
