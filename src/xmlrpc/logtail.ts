// GET /logtail/<namespec>[/stdout|/stderr] and GET /mainlogtail: supervisord's `tail -f`
// streams, which `supervisorctl tail -f` and `maintail -f` read. Each starts with the last 1024
// bytes of the file and then follows it, as a chunked text/plain body.
//
// A program's stream is fed by tend's live follower fan-out (every write as it happens, no
// polling); the tail is asked for and the follower subscribed in one synchronous step, so no
// byte falls between them. The tail is read where the file is written (the backend's
// readLogBytes: on its writer thread when it has one), so a disk that stopped answering
// holds up this reader only. The daemon's own log has no fan-out: it is followed by size, every
// MAIN_POLL_MS, with supervisord's rules (reopen on rotation, "==> File truncated <=="), each
// step read in the same way.

import type { ApiBackend } from "../api/routes.ts";
import type { ByteRead, ByteReadResult } from "../logs/byte-reads.ts";
import { checkBasicAuth, type Credentials } from "./auth.ts";
import { asRpcBackend } from "./backend.ts";
import { resolveName } from "./supervisor-namespace.ts";

export const HEAD_BYTES = 1024;
export const MAIN_POLL_MS = 200;

const plain = (status: number, message: string) =>
  new Response(`${message}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8" } });

function headers(mtimeMs: number | null): Record<string, string> {
  const h: Record<string, string> = {
    "content-type": "text/plain;charset=utf-8",
    "x-accel-buffering": "no",
    "cache-control": "no-cache",
  };
  if (mtimeMs !== null) h["last-modified"] = new Date(mtimeMs).toUTCString();
  return h;
}

/** `head` bytes, then everything `live` carries. */
function prepend(head: Uint8Array, live: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = live.getReader();
  let sentHead = head.length === 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!sentHead) {
        sentHead = true;
        controller.enqueue(head);
        return;
      }
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch {
        controller.close();
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/** GET /logtail/<rest>: rest is "<namespec>" or "<namespec>/<channel>". */
export async function handleLogtail(api: ApiBackend, req: Request, rest: string, creds?: Credentials | null): Promise<Response> {
  const denied = checkBasicAuth(req, creds);
  if (denied) return denied;
  if (req.method !== "GET") return plain(400, "logtail takes GET");
  const b = asRpcBackend(api);
  if (!b) return plain(501, "this daemon does not serve logtail");
  const slash = rest.indexOf("/");
  const name = slash >= 0 ? rest.slice(0, slash) : rest;
  const channel = slash >= 0 ? rest.slice(slash + 1) : "stdout";
  if (channel !== "stdout" && channel !== "stderr") return plain(404, `no channel ${channel}: stdout or stderr`);
  let spec: string;
  let proc: string;
  let path: string | null;
  let started: boolean;
  try {
    const t = resolveName(b, name);
    if (t.kind === "group") return plain(404, `${name} is a group, not a process`);
    spec = `${t.svc.group}:${t.svc.name}`;
    proc = t.svc.name;
    path = channel === "stdout" ? t.svc.stdout_logfile : t.svc.stderr_logfile;
    started = t.svc.started_at !== null;
  } catch {
    return plain(404, `no such process: ${name}`);
  }
  if (path === null) return plain(404, `no ${channel} log file for ${name}`);
  // Asked for in the same tick: the head has every write before, the follower every one after.
  const live = b.followLog(spec, channel, 0);
  let r;
  try {
    r = await b.readLogBytes(proc, channel, { kind: "read", offset: -HEAD_BYTES, length: 0 });
  } catch (e) {
    await live.cancel();
    return plain(503, (e as Error).message);
  }
  // As supervisord: no log file is a 404 (tend creates a file at the first byte, supervisord at
  // the spawn: a started process's missing file is just empty so far). A log that is a stream
  // (/dev/stdout) has no past to send, only what comes next.
  if (r === null || (!started && r.kind === "missing")) {
    await live.cancel();
    return plain(404, `no ${channel} log file for ${name}`);
  }
  const head = r.kind === "ok" ? r.bytes : new Uint8Array(0);
  return new Response(prepend(head, live), { headers: headers(r.kind === "ok" ? r.mtimeMs : null) });
}

/** How much one step of following tend.log reads at most. */
const FOLLOW_STEP = 1 << 20;

type ReadStep = (op: ByteRead) => Promise<ByteReadResult | null>;

/**
 * supervisord's tail_f_producer over a file: by size, every `pollMs`, reading another file
 * under the path (rotation) from its start and saying "==> File truncated <==" when it shrank.
 * Each step is `read` (the backend's readLogBytes: on the file's writer thread when it has
 * one), one at a time: a disk that stopped answering holds up this follower, not the daemon.
 * `first` is the first step's answer (the last `head` bytes).
 */
export function followFile(read: ReadStep, first: Extract<ByteReadResult, { kind: "ok" }>, pollMs = MAIN_POLL_MS): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let ino = first.ino;
  let pos = first.start + first.bytes.length;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;
  const stop = () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    timer = null;
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const end = () => {
        stop();
        try {
          controller.close();
        } catch {
          /* already closed */
        }
      };
      const tick = async () => {
        timer = null;
        // A reader that does not keep up is not buffered for: it gets the bytes later.
        if ((controller.desiredSize ?? 1) > 0) {
          let r: ByteReadResult | null;
          try {
            r = await read({ kind: "since", ino, pos, head: 0, max: FOLLOW_STEP });
          } catch {
            return end(); // the disk has not answered for long
          }
          if (stopped) return;
          if (r === null || r.kind === "not-file" || r.kind === "failed") return end();
          if (r.kind === "ok" && r.truncated) {
            pos = 0;
            controller.enqueue(encoder.encode("==> File truncated <==\n"));
          } else if (r.kind === "ok") {
            ino = r.ino;
            pos = r.start + r.bytes.length;
            if (r.bytes.length) controller.enqueue(r.bytes);
            // More than one step behind: the next step at once.
            if (pos < r.size) return void (timer = setTimeout(tick, 0));
          }
          // "missing": gone for now (deleted; tend.log is recreated at its next line).
        }
        if (!stopped) timer = setTimeout(tick, pollMs);
      };
      if (first.bytes.length) controller.enqueue(first.bytes);
      timer = setTimeout(tick, pollMs);
    },
    cancel: stop,
  }, { highWaterMark: 1 << 20, size: (chunk) => chunk?.byteLength ?? 0 });
}

/** GET /mainlogtail: the daemon's tend.log. */
export async function handleMainLogtail(api: ApiBackend, req: Request, creds?: Credentials | null): Promise<Response> {
  const denied = checkBasicAuth(req, creds);
  if (denied) return denied;
  if (req.method !== "GET") return plain(400, "mainlogtail takes GET");
  const b = asRpcBackend(api);
  if (!b) return plain(501, "this daemon does not serve logtail");
  if (b.mainLogPath() === null) return plain(404, "the daemon keeps no log file");
  const read: ReadStep = (op) => b.readLogBytes(null, "stdout", op);
  let first: ByteReadResult | null;
  try {
    first = await read({ kind: "since", ino: null, pos: 0, head: HEAD_BYTES, max: HEAD_BYTES });
  } catch (e) {
    return plain(503, (e as Error).message);
  }
  if (first?.kind !== "ok") return plain(404, "the daemon keeps no log file");
  return new Response(followFile(read, first), { headers: headers(first.mtimeMs) });
}
