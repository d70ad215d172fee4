// Mirrors program output to the daemon's own stdout/stderr (console_output = true), each
// whole line prefixed "name | ", as container log collectors expect. Coloured per program
// on a terminal, never with NO_COLOR.

import { writeSync } from "node:fs";
import { LineBuffer } from "../logs/line-buffer.ts";
import type { Sink } from "../logs/output-pump.ts";
import { isTerminal } from "../sys/terminal.ts";
import type { StreamName } from "./program-output.ts";

const COLOURS = [36, 33, 35, 32, 34, 96, 93, 95, 92, 94];
const encoder = new TextEncoder();

function colourFor(name: string): number {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return COLOURS[h % COLOURS.length]!;
}

export class ConsoleOutput {
  private readonly colour: Record<1 | 2, boolean>;

  constructor(private readonly width: () => number) {
    const wants = process.env.NO_COLOR === undefined;
    this.colour = { 1: wants && isTerminal(1), 2: wants && isTerminal(2) };
  }

  /** Output passed through unchanged (tend run): no prefix, no line assembly. */
  static raw(stream: StreamName): Sink & { end(): void } {
    const fd = stream === "stdout" ? 1 : 2;
    return {
      write: (chunk) => {
        try {
          let off = 0;
          while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
        } catch {
          // The console went away: keep draining the pipe so the program never blocks.
        }
      },
      end: () => {},
    };
  }

  sink(name: string, stream: StreamName): Sink & { end(): void } {
    const fd = stream === "stdout" ? 1 : 2;
    const buffer = new LineBuffer((line) => {
      const label = name.padEnd(this.width());
      const prefix = this.colour[fd] ? `\x1b[${colourFor(name)}m${label} |\x1b[0m ` : `${label} | `;
      const p = encoder.encode(prefix);
      const out = new Uint8Array(p.length + line.length + 1);
      out.set(p, 0);
      out.set(line, p.length);
      out[out.length - 1] = 10;
      try {
        writeSync(fd, out);
      } catch {
        // The console went away (closed pipe): the log files still have everything.
      }
    });
    return { write: (c) => buffer.push(c), end: () => buffer.end() };
  }
}
