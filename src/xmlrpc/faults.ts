// supervisord's XML-RPC fault codes (supervisor.xmlrpc.Faults) and the error that carries one.
// faultString is the fault's name, optionally followed by ": " and an extra detail, exactly as
// supervisord's RPCError builds it ("BAD_NAME: nosuch", "SPAWN_ERROR: quick").

import type { ErrorCode } from "../core/errors.ts";
import { excerpt } from "./excerpt.ts";

export const FAULTS = {
  UNKNOWN_METHOD: 1,
  INCORRECT_PARAMETERS: 2,
  BAD_ARGUMENTS: 3,
  SIGNATURE_UNSUPPORTED: 4,
  SHUTDOWN_STATE: 6,
  BAD_NAME: 10,
  BAD_SIGNAL: 11,
  NO_FILE: 20,
  NOT_EXECUTABLE: 21,
  FAILED: 30,
  ABNORMAL_TERMINATION: 40,
  SPAWN_ERROR: 50,
  ALREADY_STARTED: 60,
  NOT_RUNNING: 70,
  SUCCESS: 80,
  ALREADY_ADDED: 90,
  STILL_RUNNING: 91,
  CANT_REREAD: 92,
} as const;

export type FaultName = keyof typeof FAULTS;

export class RpcFault extends Error {
  readonly code: number;
  /** supervisord's faultString: "NAME" or "NAME: extra". */
  readonly text: string;

  constructor(
    readonly fault: FaultName,
    extra?: string | number | null,
  ) {
    // The extra is often what the request sent (a name, a signal, a path): bounded, so a
    // megabyte name does not come back as a megabyte fault.
    const text = extra === undefined || extra === null ? fault : `${fault}: ${excerpt(String(extra))}`;
    super(text);
    this.name = "RpcFault";
    this.code = FAULTS[fault];
    this.text = text;
  }
}

/** tend's error codes → supervisord's faults (the XML-RPC column of the error table). */
export const FAULT_OF: { readonly [C in ErrorCode]: FaultName } = {
  BAD_NAME: "BAD_NAME",
  BAD_SIGNAL: "BAD_SIGNAL",
  BAD_REQUEST: "INCORRECT_PARAMETERS",
  ALREADY_STARTED: "ALREADY_STARTED",
  NOT_RUNNING: "NOT_RUNNING",
  SPAWN_ERROR: "SPAWN_ERROR",
  ABNORMAL_TERMINATION: "ABNORMAL_TERMINATION",
  NO_FILE: "NO_FILE",
  NOT_EXECUTABLE: "NOT_EXECUTABLE",
  SHUTTING_DOWN: "SHUTDOWN_STATE",
  STILL_RUNNING: "STILL_RUNNING",
  INVALID_CONFIG: "CANT_REREAD",
  NO_DAEMON: "FAILED",
  ALREADY_RUNNING: "FAILED",
  FAILED: "FAILED",
  INTERNAL: "FAILED",
};
