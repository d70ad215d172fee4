// What drives a process's state machine (events) and what the machine asks the daemon to do
// (effects). Inputs come from operators, the process port and the clock; the core never
// performs an effect itself.

export type ProcessEvent =
  /** An operator, autostart or the restart policy asks for the process to run. */
  | { readonly kind: "start" }
  /** Restart after an exit in RUNNING, decided by autorestart (never while shutting down). */
  | { readonly kind: "auto-restart" }
  | { readonly kind: "stop" }
  | { readonly kind: "spawned"; readonly pid: number; readonly at: number }
  | { readonly kind: "spawn-failed"; readonly reason: string; readonly at: number }
  | { readonly kind: "exited"; readonly code: number | null; readonly signal: string | null; readonly at: number }
  | { readonly kind: "startsecs-elapsed" }
  | { readonly kind: "backoff-elapsed" }
  | { readonly kind: "stop-timeout" };

export type EventKind = ProcessEvent["kind"];
export const EVENT_KINDS: readonly EventKind[] = [
  "start", "auto-restart", "stop", "spawned", "spawn-failed", "exited",
  "startsecs-elapsed", "backoff-elapsed", "stop-timeout",
];

export type TimerName = "startsecs" | "backoff" | "stopwait";

export type Effect =
  | { readonly kind: "spawn" }
  /** Send a signal to the pid, or to its whole process group when `group` is true. */
  | { readonly kind: "signal"; readonly signal: string; readonly group: boolean }
  | { readonly kind: "arm-timer"; readonly timer: TimerName; readonly ms: number }
  | { readonly kind: "cancel-timer"; readonly timer: TimerName }
  /** Feed another event to the same machine once this transition is committed. */
  | { readonly kind: "enqueue"; readonly event: ProcessEvent };
