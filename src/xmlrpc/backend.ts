// What the XML-RPC adapter needs from the daemon beyond the JSON API's backend: the running
// config, log housekeeping, and supervisord's group add/remove. daemon/app.ts implements it.

import type { ApiBackend } from "../api/routes.ts";
import type { Config, ProgramConfig } from "../config/types.ts";
import type { ByteRead, ByteReadResult } from "../logs/byte-reads.ts";

export interface RpcBackend extends ApiBackend {
  /** The config the daemon runs now. */
  readonly config: Config;
  readonly logger: { info(msg: string): void; warn(msg: string): void; error(msg: string): void };
  /** Read the config file again, as the daemon would (a supervisord .conf is converted). */
  readConfigFile(): Config;
  /** Remove a process's log files and reopen them empty (supervisord's removelogs). */
  clearLogs(name: string): void;
  /** The daemon's own log file (tend.log), or null when it keeps none. */
  mainLogPath(): string | null;
  /**
   * supervisord's offset read of a process's `stream` log, or of the daemon's log (name null),
   * where the file is written (never blocking the daemon on a disk); null: no log file.
   */
  readLogBytes(name: string | null, stream: "stdout" | "stderr", op: ByteRead): Promise<ByteReadResult | null>;
  /** Remove the daemon's log file and reopen it empty. */
  clearMainLog(): void;
  /** Add programs to the running set (autostart ones are started). */
  addPrograms(programs: readonly ProgramConfig[]): void;
  /** Drop stopped programs from the running set. */
  removePrograms(names: readonly string[]): void;
}

const EXTRA: ReadonlyArray<keyof RpcBackend> = [
  "readConfigFile", "clearLogs", "mainLogPath", "readLogBytes", "clearMainLog", "addPrograms", "removePrograms",
];

/** The JSON API's backend, if it can also serve XML-RPC. */
export function asRpcBackend(b: ApiBackend): RpcBackend | null {
  const r = b as Partial<RpcBackend>;
  return EXTRA.every((k) => typeof r[k] === "function") && r.config !== undefined && r.logger !== undefined ? (b as RpcBackend) : null;
}
