// Where a size-rotated log file ends (rotating-file.ts): at the end of a line, so a rotated
// file ends with a newline unless one line alone is longer than maxbytes, whatever way the
// program writes (a line a write, many lines a write, a line in pieces). Files stay
// append-only: a byte once written is never moved, so no reader sees it twice.
//
// For a write that would take the file to maxbytes or past it, in this order:
//   1. the chunk's last newline that still fits ends the file (it stays within maxbytes);
//   2. else a file that ends with a newline rotates first, and the chunk starts the next file;
//   3. else the file ends in a line begun by an earlier write: that line is finished in this
//      file if it is at most maxbytes long in all (so a file can pass maxbytes by the rest of
//      one line, and stays under twice maxbytes); without its newline yet, the file waits
//      for it as long as the line is still no longer than maxbytes;
//   4. else the line is longer than maxbytes on its own: it is cut where the file reaches
//      maxbytes (at once if the file is already past it) and goes on in the next file.

/** What to do with chunk[off…]: rotate first, or write chunk[off, end) and maybe rotate after. */
export type CutStep =
  | { readonly rotateFirst: true }
  | { readonly rotateFirst: false; readonly end: number; readonly rotateAfter: boolean };

const NL = 10;

/**
 * The next step of writing chunk[off…] to a file of `size` bytes whose last `openLine` bytes
 * are a line with no newline yet (0: the file is empty or ends with a newline), rotated at
 * `max` bytes (> 0).
 */
export function nextCut(size: number, openLine: number, chunk: Uint8Array, off: number, max: number): CutStep {
  const rest = chunk.length - off;
  // (>=: a write that exactly fills the file must end on a newline too.)
  if (size + rest < max) return { rotateFirst: false, end: chunk.length, rotateAfter: false };
  const room = max - size;
  if (room > 0) {
    const nl = chunk.lastIndexOf(NL, off + room - 1);
    if (nl >= off) return { rotateFirst: false, end: nl + 1, rotateAfter: true };
  }
  if (openLine === 0 && size > 0) return { rotateFirst: true };
  const first = chunk.indexOf(NL, off);
  const lineEnd = first >= off ? first + 1 : chunk.length;
  if (openLine + (lineEnd - off) <= max) return { rotateFirst: false, end: lineEnd, rotateAfter: first >= off };
  return { rotateFirst: false, end: off + Math.min(rest, Math.max(room, 0)), rotateAfter: true };
}

/** The unfinished line's length after chunk[from, to) is appended to one of `openLine` bytes. */
export function openLineAfter(openLine: number, chunk: Uint8Array, from: number, to: number): number {
  if (to <= from) return openLine;
  const nl = chunk.lastIndexOf(NL, to - 1);
  return nl >= from ? to - nl - 1 : openLine + (to - from);
}
