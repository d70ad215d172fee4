// GET /metrics: Prometheus text exposition (format 0.0.4). Per process: state (one series per
// state, 1 for the current one), restarts, uptime, start time, last exit code, bytes logged.
// The daemon's own RSS, CPU, open files (from /proc/self) under the names Prometheus client
// libraries use (process_*), so existing dashboards pick them up.

import { readFileSync, readdirSync } from "node:fs";
import type { DaemonDTO, ServiceDTO } from "../api/dto.ts";
import { PROCESS_STATES } from "../core/states.ts";

export interface ProcStats {
  readonly residentBytes: number | null;
  readonly virtualBytes: number | null;
  readonly cpuSeconds: number;
  readonly openFds: number | null;
  readonly maxFds: number | null;
  readonly threads: number | null;
}

function statusField(status: string, key: string): number | null {
  const m = new RegExp(`^${key}:\\s+(\\d+)(?:\\s+kB)?`, "m").exec(status);
  if (!m) return null;
  return Number(m[1]) * (m[0].endsWith("kB") ? 1024 : 1);
}

/** The daemon's own resource use, from /proc/self (null where /proc is not there). */
export function readProcSelf(): ProcStats {
  let status = "";
  try {
    status = readFileSync("/proc/self/status", "utf8");
  } catch {
    /* not Linux, or no /proc */
  }
  let openFds: number | null = null;
  try {
    // The directory listing itself holds one descriptor while it is read.
    openFds = Math.max(0, readdirSync("/proc/self/fd").length - 1);
  } catch {
    /* no /proc */
  }
  let maxFds: number | null = null;
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    if (m && m[1] !== "unlimited") maxFds = Number(m[1]);
  } catch {
    /* no /proc */
  }
  const cpu = process.cpuUsage();
  return {
    residentBytes: statusField(status, "VmRSS"),
    virtualBytes: statusField(status, "VmSize"),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    openFds,
    maxFds,
    threads: statusField(status, "Threads"),
  };
}

/** A label value: backslash, double quote and newline escaped. */
export const escapeLabel = (v: string): string => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

const STATES = PROCESS_STATES;

class Exposition {
  private readonly out: string[] = [];

  family(name: string, type: "gauge" | "counter", help: string, samples: Array<[labels: Record<string, string>, value: number]>): void {
    if (samples.length === 0) return;
    this.out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      const l = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",");
      this.out.push(`${name}${l ? `{${l}}` : ""} ${Number.isFinite(value) ? String(value) : "NaN"}`);
    }
  }

  text(): string {
    return `${this.out.join("\n")}\n`;
  }
}

export function renderMetrics(services: readonly ServiceDTO[], daemon: DaemonDTO, proc: ProcStats, now = Date.now()): string {
  const e = new Exposition();
  const id = (s: ServiceDTO) => ({ name: s.name, group: s.group });
  e.family("tend_info", "gauge", "tend's version; always 1.", [[{ version: daemon.version }, 1]]);
  e.family("tend_programs", "gauge", "Processes in the running config.", [[{}, services.length]]);
  e.family(
    "tend_process_state",
    "gauge",
    "1 for the process's current state (supervisord's names), 0 for the others.",
    services.flatMap((s) => STATES.map((st): [Record<string, string>, number] => [{ ...id(s), state: st }, s.state === st ? 1 : 0])),
  );
  e.family("tend_process_state_code", "gauge", "The current state as supervisord's number (RUNNING = 20).", services.map((s) => [id(s), s.statecode]));
  e.family("tend_process_up", "gauge", "1 when the process is RUNNING.", services.map((s) => [id(s), s.state === "RUNNING" ? 1 : 0]));
  e.family("tend_process_restarts_total", "counter", "Times the process was started again after its first start.", services.map((s) => [id(s), s.restarts]));
  e.family("tend_process_uptime_seconds", "gauge", "Seconds since the process became RUNNING; 0 when it is not running.", services.map((s) => [id(s), s.uptime_seconds ?? 0]));
  e.family(
    "tend_process_start_time_seconds",
    "gauge",
    "Unix time of the last start.",
    services.filter((s) => s.started_at).map((s) => [id(s), Date.parse(s.started_at!) / 1000]),
  );
  e.family(
    "tend_process_last_exit_code",
    "gauge",
    "Exit status of the last run (absent before the first exit).",
    services.filter((s) => s.exit_code !== null).map((s) => [id(s), s.exit_code!]),
  );
  e.family("tend_process_log_bytes_total", "counter", "Bytes of output written to the process's logs.", services.map((s) => [id(s), s.bytes_logged]));
  e.family("tend_process_pid", "gauge", "The process id; absent when not running.", services.filter((s) => s.pid !== null).map((s) => [id(s), s.pid!]));
  // The daemon itself.
  e.family("process_start_time_seconds", "gauge", "Start time of the tend daemon since unix epoch in seconds.", [[{}, Date.parse(daemon.started_at) / 1000]]);
  e.family("process_cpu_seconds_total", "counter", "User and system CPU time spent by the tend daemon in seconds.", [[{}, proc.cpuSeconds]]);
  if (proc.residentBytes !== null) e.family("process_resident_memory_bytes", "gauge", "Resident memory size of the tend daemon in bytes.", [[{}, proc.residentBytes]]);
  if (proc.virtualBytes !== null) e.family("process_virtual_memory_bytes", "gauge", "Virtual memory size of the tend daemon in bytes.", [[{}, proc.virtualBytes]]);
  if (proc.openFds !== null) e.family("process_open_fds", "gauge", "Open file descriptors of the tend daemon.", [[{}, proc.openFds]]);
  if (proc.maxFds !== null) e.family("process_max_fds", "gauge", "Maximum open file descriptors of the tend daemon.", [[{}, proc.maxFds]]);
  if (proc.threads !== null) e.family("process_threads", "gauge", "Threads of the tend daemon.", [[{}, proc.threads]]);
  e.family("tend_uptime_seconds", "gauge", "Seconds since the daemon started.", [[{}, Math.max(0, Math.floor((now - Date.parse(daemon.started_at)) / 1000))]]);
  return e.text();
}

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export function metricsResponse(src: { services(): ServiceDTO[]; daemon(): DaemonDTO }): Response {
  return new Response(renderMetrics(src.services(), src.daemon(), readProcSelf()), { headers: { "content-type": METRICS_CONTENT_TYPE } });
}
