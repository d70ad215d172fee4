// Inserts a prefix at the start of every line of a byte stream (an RFC 3339 timestamp, say)
// without waiting for whole lines: a line's prefix is taken when its first byte arrives, and
// a 100 MB line with no newline costs no buffering at all.

const NL = 10;
const encoder = new TextEncoder();

export class LinePrefixer {
  private atLineStart = true;

  constructor(private readonly prefix: () => string) {}

  transform(chunk: Uint8Array): Uint8Array {
    if (chunk.length === 0) return chunk;
    const parts: Uint8Array[] = [];
    let start = 0;
    let total = 0;
    while (start < chunk.length) {
      if (this.atLineStart) {
        const p = encoder.encode(this.prefix());
        parts.push(p);
        total += p.length;
        this.atLineStart = false;
      }
      const nl = chunk.indexOf(NL, start);
      const end = nl === -1 ? chunk.length : nl + 1;
      parts.push(chunk.subarray(start, end));
      total += end - start;
      if (nl !== -1) this.atLineStart = true;
      start = end;
    }
    const out = new Uint8Array(total);
    let off = 0;
    for (const p of parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }
}

/** "2026-11-22T02:13:56.123Z " — RFC 3339 in UTC with milliseconds. */
export const timestampPrefix = (): string => `${new Date().toISOString()} `;
