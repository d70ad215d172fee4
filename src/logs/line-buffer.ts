// Assembles whole lines for a shared console, so two programs' partial writes never splice
// into one line. A line longer than `maxLine` is cut (and marked) rather than held: memory
// stays bounded whatever a program writes.

const NL = 10;

export class LineBuffer {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly emit: (line: Uint8Array) => void,
    private readonly maxLine = 16 * 1024,
  ) {}

  push(chunk: Uint8Array): void {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(NL, start);
      if (nl === -1) {
        this.hold(chunk.subarray(start));
        return;
      }
      this.hold(chunk.subarray(start, nl));
      this.flushLine();
      start = nl + 1;
    }
  }

  /** At EOF: a last line without a newline still goes out. */
  end(): void {
    if (this.pendingBytes > 0) this.flushLine();
  }

  private hold(part: Uint8Array): void {
    let p = part;
    while (this.pendingBytes + p.length > this.maxLine) {
      const room = this.maxLine - this.pendingBytes;
      this.pending.push(p.slice(0, room));
      this.pendingBytes += room;
      this.flushLine();
      p = p.subarray(room);
    }
    if (p.length) {
      // Copy: the chunk's buffer may be reused by the reader.
      this.pending.push(p.slice());
      this.pendingBytes += p.length;
    }
  }

  private flushLine(): void {
    const line = new Uint8Array(this.pendingBytes);
    let off = 0;
    for (const p of this.pending) {
      line.set(p, off);
      off += p.length;
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.emit(line);
  }
}
