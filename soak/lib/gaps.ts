// Accounting for a log written by numbered-flood.sh (100-byte lines) across write failures:
// which of the program's bytes are in the file, which are counted in tend's gap markers
// ("[tend: N bytes dropped: REASON]"), and whether any cut line was glued to the next.
//
// Where a write failed part way, tend ends the cut line with a newline of its own and writes
// the marker; the next write goes on where the program's output resumes, which may be the
// rest of a line whose head was dropped. So, around a marker:
// - a short line followed by a marker lost its tail: its newline is tend's;
// - a short line after a marker lost its head: its newline is the program's;
// - a whole-looking line followed by a marker may have lost just its newline (then tend's
//   newline stands in for it and the byte is also counted): ambiguous by one byte;
// - a short line with a marker on neither side is a cut glued to the next: a violation.

export const GAP_MARKER = /^\[tend: (\d+) bytes? dropped/;

export interface GapAccount {
  /** The program's bytes found in the file. */
  readonly present: number;
  /** Bytes the markers say were dropped. */
  readonly counted: number;
  /** Lines cut with no marker beside them. */
  readonly glued: number;
  /** Whole-looking lines right before a marker (each may be counted twice by one byte). */
  readonly ambiguous: number;
}

export function accountGaps(text: string, lineLen = 100): GapAccount {
  const lines = text.split("\n");
  lines.pop(); // after the last newline
  const isMarker = (l: string | undefined) => l !== undefined && GAP_MARKER.test(l);
  const whole = (l: string) => l.length === lineLen - 1 && /^R\d+ \d+ x+$/.test(l);
  let present = 0;
  let counted = 0;
  let glued = 0;
  let ambiguous = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const m = GAP_MARKER.exec(line);
    if (m) {
      counted += Number(m[1]);
      continue;
    }
    const before = isMarker(lines[i - 1]);
    const after = isMarker(lines[i + 1]);
    if (whole(line)) {
      present += lineLen;
      if (after) ambiguous++;
    } else if (after) present += line.length; // tail lost; the newline is tend's
    else if (before) present += line.length + 1; // head lost; the newline is the program's
    else {
      present += line.length + 1;
      glued++;
    }
  }
  return { present, counted, glued, ambiguous };
}

/** Every byte the program wrote is in the file or counted in a marker (within the ambiguity). */
export const accountedFor = (a: GapAccount, written: number): boolean =>
  a.present + a.counted >= written && a.present + a.counted <= written + a.ambiguous;
