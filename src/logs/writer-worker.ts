// A log-writer thread: owns the log files that moved off the event loop (log-file.ts) and
// writes them with the same RotatingFile the event loop uses, so rotation, recreation of a
// deleted directory and error reporting are identical. A write that blocks here (a slow disk,
// a FIFO nobody reads) holds up only the files of this thread.

import { readLogBytes } from "./byte-reads.ts";
import { RotatingFile } from "./rotating-file.ts";
import { readTail } from "./tail.ts";
import { writeAll } from "./write-all.ts";
import type { FromWriter, ToWriter } from "./writer-protocol.ts";

declare const self: Worker;

interface Target {
  write(chunk: Uint8Array): void;
  reopen(): void;
  close(): void;
}

/** The daemon's stdout/stderr: a reader that went away loses the console copy, nothing else. */
function consoleTarget(fd: number): Target {
  return {
    write: (chunk) => {
      try {
        writeAll(fd, chunk);
      } catch {
        /* closed pipe: the log files have everything */
      }
    },
    reopen: () => {},
    close: () => {},
  };
}

const files = new Map<number, Target>();
/** Each log file's path, for reading it back ("tail"). */
const paths = new Map<number, string>();
const post = (m: FromWriter) => self.postMessage(m);

self.onmessage = (e: MessageEvent<ToWriter>) => {
  const m = e.data;
  let bytes = 0;
  switch (m.t) {
    case "open": {
      const file = new RotatingFile(m.path, m.policy, (message) => post({ t: "error", id: m.id, message }));
      if (m.state) file.adopt(m.state);
      files.set(m.id, file);
      paths.set(m.id, m.path);
      break;
    }
    case "console":
      files.set(m.id, consoleTarget(m.fd));
      break;
    case "write":
      files.get(m.id)?.write(m.chunk);
      bytes = m.chunk.length;
      break;
    case "reopen":
      files.get(m.id)?.reopen();
      break;
    case "tail": {
      const path = paths.get(m.id);
      const text = path === undefined ? null : readTail(path, m.lines, m.backups);
      post({ t: "tail", id: m.id, req: m.req, text });
      break;
    }
    case "read": {
      const path = paths.get(m.id);
      post({ t: "read", id: m.id, req: m.req, result: path === undefined ? { kind: "not-file" } : readLogBytes(path, m.op) });
      break;
    }
    case "close":
      files.get(m.id)?.close();
      files.delete(m.id);
      paths.delete(m.id);
      break;
  }
  post({ t: "ack", id: m.id, bytes });
};
