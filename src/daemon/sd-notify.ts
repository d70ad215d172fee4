// systemd's readiness protocol (sd_notify(3)) for a `Type=notify` unit: when systemd starts
// tend it sets $NOTIFY_SOCKET, and tend sends "READY=1" once its autostart programs are up and
// "STOPPING=1" when it begins to shut down. A reload is announced as systemd's Type=notify-reload
// wants it: "RELOADING=1" with MONOTONIC_USEC= as it begins, "READY=1" when it is done. One unix datagram each; the address is a path or
// an abstract name written "@name". Without $NOTIFY_SOCKET every call is a no-op, so the
// daemon calls these unconditionally.
//
// The variable is taken out of the environment (claimNotifySocket) before any program is
// spawned: supervised programs must not inherit it, or systemd would receive their own
// notifications as if they came from tend (and, with NotifyAccess=main, log them as rejected).

import { monotonicMicros } from "../sys/monotonic.ts";
import { sendDatagram } from "../sys/notify-socket.ts";

let claimed = false;
let address: string | null = null;
let stopping = false;
/** READY=1 was sent once: reloads are announced only after that (a READY=1 before would end start-up early). */
let ready = false;

/**
 * Read $NOTIFY_SOCKET once and remove it from `env` (process.env by default). Call it at
 * daemon start, before anything is spawned; the notify functions call it too. Returns the
 * socket address, or null when tend was not started by systemd with Type=notify.
 */
export function claimNotifySocket(env: Record<string, string | undefined> = process.env): string | null {
  if (claimed) return address;
  claimed = true;
  const value = env["NOTIFY_SOCKET"];
  delete env["NOTIFY_SOCKET"];
  address = value !== undefined && value !== "" ? value : null;
  return address;
}

/**
 * Send `state` (newline-separated KEY=VALUE assignments) to systemd. Returns null when sent or
 * when there is no socket to send to, else what went wrong.
 */
export function sdNotify(state: string): string | null {
  const to = claimNotifySocket();
  if (to === null) return null;
  try {
    // libc is opened on the first send: a daemon not under systemd never loads it.
    sendDatagram(to, state);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** One line for STATUS=: the protocol is line-based. */
const oneLine = (s: string) => s.replace(/[\r\n]+/g, " ").trim();

function send(state: string): void {
  const err = sdNotify(state);
  if (err) console.error(`tend: cannot notify systemd (${state.split("\n")[0]}): ${err}`);
}

/** READY=1, with an optional STATUS= line shown by `systemctl status`. Not sent once stopping. */
export function notifyReady(status?: string): void {
  if (stopping) return;
  ready = true;
  send(status ? `READY=1\nSTATUS=${oneLine(status)}` : "READY=1");
}

/**
 * RELOADING=1 with MONOTONIC_USEC= (Type=notify-reload matches it against the time it asked
 * for the reload). Returns whether it was sent: only then must the caller send READY=1 after.
 */
export function notifyReloading(): boolean {
  if (stopping || !ready || claimNotifySocket() === null) return false;
  send(`RELOADING=1\nMONOTONIC_USEC=${monotonicMicros()}\nSTATUS=reloading the config`);
  return true;
}

/** STOPPING=1: tend is shutting down (systemd shows "deactivating"). Sent once. */
export function notifyStopping(): void {
  if (stopping) return;
  stopping = true;
  send("STOPPING=1\nSTATUS=stopping all programs");
}

/** STATUS=…: free-form text for `systemctl status`. */
export function notifyStatus(status: string): void {
  send(`STATUS=${oneLine(status)}`);
}

/** For tests: forget the claimed socket and the stopping flag. */
export function resetNotifyForTests(): void {
  claimed = false;
  address = null;
  stopping = false;
  ready = false;
}
