// The client's palette: picocolors' colours when the stream will show them, else PLAIN
// without loading picocolors (src/sys/colour.ts says why that matters).

import { colourOn, colours } from "../sys/colour.ts";
import { PLAIN, type Palette } from "./render.ts";

export function paletteFor(fd: 1 | 2): Palette {
  if (!colourOn(fd)) return PLAIN;
  const pc = colours();
  return { green: pc.green, red: pc.red, yellow: pc.yellow, dim: pc.dim };
}
