// The event stream's framing and order, and the Prometheus text.

import { describe, expect, test } from "bun:test";
import type { DaemonDTO, ServiceDTO } from "../../../src/api/dto.ts";
import { Bus, type StateChange } from "../../../src/daemon/bus.ts";
import { eventStream, type EventsSource } from "../../../src/http/events.ts";
import { escapeLabel, readProcSelf, renderMetrics } from "../../../src/http/metrics.ts";
import { INITIAL_SNAPSHOT } from "../../../src/core/transitions.ts";

const svc = (name: string, extra: Partial<ServiceDTO> = {}): ServiceDTO => ({
  name,
  group: name,
  program: name,
  state: "RUNNING",
  statecode: 20,
  description: "pid 1, uptime 0:00:01",
  pid: 100,
  started_at: "2026-01-01T00:00:00.000Z",
  stopped_at: null,
  uptime_seconds: 5,
  exit_code: null,
  exit_signal: null,
  spawnerr: "",
  restarts: 0,
  autostart: true,
  priority: 999,
  command: ["x"],
  stdout_logfile: null,
  stderr_logfile: null,
  log_errors: [],
  bytes_logged: 0,
  ...extra,
});

const daemon: DaemonDTO = {
  pid: 1,
  version: "0.1.0",
  config_file: "/etc/tend/tend.toml",
  socket: "/run/tend/tend.sock",
  log_dir: "/var/log/tend",
  started_at: "2026-01-01T00:00:00.000Z",
  state: "RUNNING",
  programs: 1,
};

function source(list: ServiceDTO[]) {
  const bus = new Bus();
  const reloads = new Set<() => void>();
  const src: EventsSource = {
    bus,
    services: () => list,
    service: (n) => {
      const s = list.find((x) => x.name === n || `${x.group}:${x.name}` === n);
      if (!s) throw new Error("gone");
      return s;
    },
    daemon: () => daemon,
    onReload: (fn) => {
      reloads.add(fn);
      return () => reloads.delete(fn);
    },
  };
  return { src, bus, reloads };
}

const change = (name: string, from: string, to: string): StateChange =>
  ({ name, group: name, from, to, snapshot: INITIAL_SNAPSHOT, at: Date.parse("2026-01-01T00:00:10.000Z") }) as StateChange;

async function readEvents(reader: { read(): Promise<{ value?: Uint8Array; done: boolean }> }, count: number): Promise<Array<{ event: string; data: unknown }>> {
  const out: Array<{ event: string; data: unknown }> = [];
  let buf = "";
  const dec = new TextDecoder();
  while (out.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value!);
    let i: number;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const ev = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (ev) out.push({ event: ev, data: JSON.parse(data!) });
      else if (block.startsWith(":")) out.push({ event: "comment", data: block });
    }
  }
  return out;
}

describe("eventStream", () => {
  test("a snapshot first, then one event per change, then a snapshot after a reload", async () => {
    const list = [svc("web"), svc("db", { state: "STOPPED", statecode: 0, pid: null })];
    const { src, bus, reloads } = source(list);
    const stream = eventStream(src);
    const reader = stream.getReader();
    const [snap] = await readEvents(reader, 1);
    expect(snap).toEqual({ event: "snapshot", data: { daemon, services: list } });

    bus.publish(change("db", "STOPPED", "STARTING"));
    bus.publish(change("gone", "RUNNING", "STOPPED"));
    const [a, b] = await readEvents(reader, 2);
    expect(a).toEqual({ event: "state", data: { name: "db", group: "db", from: "STOPPED", to: "STARTING", at: "2026-01-01T00:00:10.000Z", service: list[1] } });
    expect(b!.data).toMatchObject({ name: "gone", service: null });

    for (const fn of reloads) fn();
    const [again] = await readEvents(reader, 1);
    expect(again!.event).toBe("snapshot");
    await reader.cancel();
  });

  test("heartbeats are comment lines; cancelling unsubscribes everything", async () => {
    const { src, reloads } = source([svc("web")]);
    let subscribed = 0;
    const bus = src.bus;
    const realSubscribe = bus.subscribe.bind(bus);
    bus.subscribe = (fn) => {
      subscribed++;
      const off = realSubscribe(fn);
      return () => {
        subscribed--;
        return off();
      };
    };
    const reader = eventStream(src, { heartbeatMs: 10 }).getReader();
    const evs = await readEvents(reader, 2);
    expect(evs.map((e) => e.event)).toEqual(["snapshot", "comment"]);
    expect(subscribed).toBe(1);
    expect(reloads.size).toBe(1);
    await reader.cancel();
    expect(subscribed).toBe(0);
    expect(reloads.size).toBe(0);
  });

  test("a reader that stops reading is cut off instead of queueing without bound", async () => {
    const { src, bus } = source([svc("web")]);
    const stream = eventStream(src, { maxQueuedBytes: 4096 });
    for (let i = 0; i < 200; i++) bus.publish(change("web", "RUNNING", "EXITED"));
    const reader = stream.getReader();
    let bytes = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
    }
    expect(bytes).toBeLessThan(4096 + 2048);
  });
});

describe("renderMetrics", () => {
  const proc = { residentBytes: 1000, virtualBytes: 2000, cpuSeconds: 1.5, openFds: 12, maxFds: 1024, threads: 4 };
  const text = renderMetrics(
    [
      svc("web", { restarts: 3, bytes_logged: 4096, uptime_seconds: 42 }),
      svc("job", { group: "batch", state: "EXITED", statecode: 100, pid: null, uptime_seconds: null, exit_code: 2 }),
    ],
    daemon,
    proc,
  );
  const lines = text.split("\n");

  test("per process: state one-hot, restarts, uptime, last exit code, bytes logged", () => {
    expect(lines).toContain('tend_process_state{name="web",group="web",state="RUNNING"} 1');
    expect(lines).toContain('tend_process_state{name="web",group="web",state="STOPPED"} 0');
    expect(lines).toContain('tend_process_state{name="job",group="batch",state="EXITED"} 1');
    expect(lines.filter((l) => l.startsWith('tend_process_state{name="job"')).length).toBe(8);
    expect(lines).toContain('tend_process_restarts_total{name="web",group="web"} 3');
    expect(lines).toContain('tend_process_uptime_seconds{name="web",group="web"} 42');
    expect(lines).toContain('tend_process_uptime_seconds{name="job",group="batch"} 0');
    expect(lines).toContain('tend_process_last_exit_code{name="job",group="batch"} 2');
    expect(lines.some((l) => l.startsWith('tend_process_last_exit_code{name="web"'))).toBe(false);
    expect(lines).toContain('tend_process_log_bytes_total{name="web",group="web"} 4096');
    expect(lines).toContain('tend_process_pid{name="web",group="web"} 100');
  });

  test("the daemon's own process_* series", () => {
    expect(lines).toContain("process_resident_memory_bytes 1000");
    expect(lines).toContain("process_cpu_seconds_total 1.5");
    expect(lines).toContain("process_open_fds 12");
    expect(lines).toContain("process_max_fds 1024");
    expect(lines).toContain(`process_start_time_seconds ${Date.parse(daemon.started_at) / 1000}`);
  });

  test("well-formed exposition: every sample's family has HELP and TYPE first, once", () => {
    const seen = new Set<string>();
    for (const line of lines.filter(Boolean)) {
      const m = /^# (HELP|TYPE) (\S+)/.exec(line);
      if (m) {
        if (m[1] === "TYPE") {
          expect(seen.has(m[2]!)).toBe(false);
          seen.add(m[2]!);
        }
        continue;
      }
      expect(line).toMatch(/^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.e+]+$/);
      expect(seen.has(line.split(/[{ ]/)[0]!)).toBe(true);
    }
    expect(text.endsWith("\n")).toBe(true);
  });

  test("label values are escaped", () => {
    expect(escapeLabel('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
  });

  test("/proc/self is read", () => {
    const p = readProcSelf();
    expect(p.residentBytes).toBeGreaterThan(0);
    expect(p.openFds).toBeGreaterThan(2);
    expect(p.cpuSeconds).toBeGreaterThan(0);
  });
});
