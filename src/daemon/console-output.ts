// Mirrors program output to the daemon's own stdout/stderr (console_output = true), each
// whole line prefixed "name | ", as container log collectors expect. Coloured per program
// on a terminal, never with NO_COLOR. Written by a writer thread: a console that stops
// reading (a container runtime that fell behind, a terminal on XOFF) holds back the programs
// that print to it, never the daemon itself (signals, the API, the other programs' logs).

import { LineBuffer } from "../logs/line-buffer.ts";
import { ThreadTarget } from "../logs/writer-threads.ts";
import type { ConsoleSink } from "../logs/stream-log.ts";
import { colourOn, colours } from "../sys/colour.ts";
import type { StreamName } from "./program-output.ts";

type Colour = (s: string) => string;
let palette: Colour[] | null = null;
/** Ten distinguishable colours, picocolors loaded on first use (only when a console is coloured). */
function coloursForNames(): Colour[] {
  if (palette) return palette;
  const pc = colours();
  palette = [pc.cyan, pc.yellow, pc.magenta, pc.green, pc.blue, pc.cyanBright, pc.yellowBright, pc.magentaBright, pc.greenBright, pc.blueBright];
  return palette;
}
const encoder = new TextEncoder();

const consoles = new Map<number, ThreadTarget>();

/** The daemon's stdout (1) or stderr (2), shared by every program so lines never interleave. */
function consoleFd(fd: 1 | 2): ThreadTarget {
  let t = consoles.get(fd);
  if (!t) {
    const name = fd === 1 ? "the daemon's stdout" : "the daemon's stderr";
    t = new ThreadTarget("console", (id) => ({ t: "console", id, fd }), name, { onError: () => {} });
    consoles.set(fd, t);
  }
  return t;
}

function colourFor(name: string): Colour {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  const all = coloursForNames();
  return all[h % all.length]!;
}

export class ConsoleOutput {
  private readonly colour: Record<1 | 2, boolean>;

  constructor(private readonly width: () => number) {
    this.colour = { 1: colourOn(1), 2: colourOn(2) };
  }

  /** Output passed through unchanged (tend run): no prefix, no line assembly. */
  static raw(stream: StreamName): ConsoleSink & { end(): void } {
    const target = consoleFd(stream === "stdout" ? 1 : 2);
    return { write: (chunk) => target.write(chunk), end: () => {}, flushed: () => target.flushed() };
  }

  sink(name: string, stream: StreamName): ConsoleSink & { end(): void } {
    const fd = stream === "stdout" ? 1 : 2;
    const target = consoleFd(fd);
    // The whole lines of one chunk go out as one write.
    let lines: Uint8Array[] = [];
    let bytes = 0;
    const buffer = new LineBuffer((line) => {
      const label = name.padEnd(this.width());
      const prefix = encoder.encode(this.colour[fd] ? `${colourFor(name)(`${label} |`)} ` : `${label} | `);
      lines.push(prefix, line, NEWLINE);
      bytes += prefix.length + line.length + 1;
    });
    const flush = () => {
      if (bytes === 0) return;
      const out = Buffer.concat(lines, bytes);
      lines = [];
      bytes = 0;
      return target.write(out);
    };
    return {
      write: (c) => {
        buffer.push(c);
        return flush();
      },
      end: () => {
        buffer.end();
        void flush();
      },
      flushed: () => target.flushed(),
    };
  }
}

const NEWLINE = new Uint8Array([10]);
