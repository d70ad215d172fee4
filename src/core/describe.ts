// The one-line description supervisord shows beside a state (its getProcessInfo
// `description`), so `tend status` and supervisorctl read the same. Pure: time is a parameter.

import type { ProcessSnapshot } from "./transitions.ts";

/** Python's str(timedelta) at second resolution: "0:10:15", "1 day, 2:03:04". */
export function formatUptime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const days = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const hms = `${h}:${String(m).padStart(2, "0")}:${String(sec).padStart(2, "0")}`;
  return days > 0 ? `${days} day${days === 1 ? "" : "s"}, ${hms}` : hms;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** strftime('%b %d %I:%M %p') in local time, as supervisord prints stop times. */
export function formatStopTime(ms: number): string {
  const d = new Date(ms);
  const h12 = d.getHours() % 12 === 0 ? 12 : d.getHours() % 12;
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${MONTHS[d.getMonth()]} ${pad(d.getDate())} ${pad(h12)}:${pad(d.getMinutes())} ${d.getHours() < 12 ? "AM" : "PM"}`;
}

/** `name` fills supervisord's hint for a failure with no recorded reason. */
export function describe(s: ProcessSnapshot, nowMs: number, name = "<name>"): string {
  switch (s.state) {
    case "RUNNING":
      return `pid ${s.pid}, uptime ${formatUptime((nowMs - s.startedAt) / 1000)}`;
    case "BACKOFF":
    case "FATAL":
      return s.spawnerr || `unknown error (try "tail ${name}")`;
    case "STOPPED":
    case "EXITED":
      return s.startedAt === 0 ? "Not started" : formatStopTime(s.stoppedAt || s.startedAt);
    default:
      return "";
  }
}
