// Whether to colour a stream, and picocolors (the project's colour library) once that is
// decided. Importing picocolors reads process.stdout, which costs a compiled client ≈20 ms
// (DESIGN.md, Bun fact 10) and, on a pipe, makes that pipe O_NONBLOCK for every process that
// shares it (measured: /proc/self/fdinfo/1 flags 01 → 04001). So it is loaded only when it will
// be used, and only when stdout is a terminal too (a terminal's flags are left alone).

import type { Colors } from "picocolors/types";
import { isTerminal } from "./terminal.ts";

/** Colour on `fd`? It and stdout are terminals, NO_COLOR is unset (no-color.org), TERM is not dumb. */
export function colourOn(fd: 1 | 2, env: Record<string, string | undefined> = process.env): boolean {
  return env.NO_COLOR === undefined && env.TERM !== "dumb" && isTerminal(fd) && (fd === 1 || isTerminal(1));
}

/** picocolors with colour enabled: call only after colourOn said yes (its own check looks at stdout only). */
export function colours(): Colors {
  // require, not a static import: nothing loads it until a caller has decided to colour.
  return (require("picocolors") as typeof import("picocolors")).createColors(true);
}
