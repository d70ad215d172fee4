// Builds the API's view of one process from its record: a snapshot, never a live reference.

import type { ServiceDTO } from "../api/dto.ts";
import { describe } from "../core/describe.ts";
import { STATE_CODES } from "../core/states.ts";
import type { ProcessRecord } from "./supervisor.ts";

const iso = (ms: number) => (ms ? new Date(ms).toISOString() : null);

export function serviceView(rec: ProcessRecord, now: number): ServiceDTO {
  const s = rec.snapshot;
  const c = rec.config;
  const alive = s.pid !== 0;
  return {
    name: c.name,
    group: c.group,
    program: c.program,
    state: s.state,
    statecode: STATE_CODES[s.state],
    description: describe(s, now, c.name),
    pid: alive ? s.pid : null,
    started_at: iso(s.startedAt),
    stopped_at: iso(s.stoppedAt),
    uptime_seconds: s.state === "RUNNING" ? Math.max(0, Math.floor((now - s.startedAt) / 1000)) : null,
    exit_code: s.stoppedAt ? s.exitstatus : null,
    exit_signal: s.exitSignal,
    spawnerr: s.spawnerr,
    restarts: rec.spawns,
    autostart: c.autostart,
    priority: c.priority,
    command: [...c.command],
    stdout_logfile: c.stdoutLogfile,
    stderr_logfile: c.stderrLogfile,
    log_errors: [rec.output.errors.stdout, rec.output.errors.stderr].filter((e): e is string => e !== null),
    bytes_logged: rec.output.bytesLogged,
  };
}
