// Reading a byte range of an open file, through short reads. Shared by `tend tail` (logs/tail.ts)
// and supervisord's offset reads (xmlrpc/read-file.ts).

import { readSync } from "node:fs";

/** Up to `len` bytes from `pos`; fewer only at end of file. */
export function readRange(fd: number, pos: number, len: number): Uint8Array {
  const want = Math.max(0, len);
  const buf = new Uint8Array(want);
  let got = 0;
  while (got < want) {
    const n = readSync(fd, buf, got, want - got, pos + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}
