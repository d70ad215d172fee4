// Followers whose past (the log's tail) is still being read by a writer thread: what is
// published meanwhile is held and follows the past, within the same bound as a slow reader.

import { describe, expect, test } from "bun:test";
import { Fanout } from "../../../src/logs/fanout.ts";

const enc = (s: string) => new TextEncoder().encode(s);

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return await new Response(stream).text();
}

describe("Fanout.follow with a pending past", () => {
  test("chunks published before the past arrives come after it, in order, once", async () => {
    const f = new Fanout();
    let resolve!: (b: Uint8Array) => void;
    const stream = f.follow(new Promise<Uint8Array>((r) => (resolve = r)));
    f.publish(enc("3\n"));
    f.publish(enc("4\n"));
    resolve(enc("1\n2\n"));
    await Bun.sleep(0);
    f.publish(enc("5\n"));
    f.closeAll();
    expect(await readAll(stream)).toBe("1\n2\n3\n4\n5\n");
  });

  test("the end of the stream while the past is pending still comes after the past", async () => {
    const f = new Fanout();
    let resolve!: (b: Uint8Array) => void;
    const stream = f.follow(new Promise<Uint8Array>((r) => (resolve = r)));
    f.publish(enc("live\n"));
    f.closeAll();
    resolve(enc("past\n"));
    expect(await readAll(stream)).toBe("past\nlive\n");
  });

  test("more than maxQueued held: the rest is counted and the reader told, after what was held", async () => {
    const f = new Fanout();
    let resolve!: (b: Uint8Array) => void;
    const stream = f.follow(new Promise<Uint8Array>((r) => (resolve = r)), 10);
    f.publish(enc("12345678\n")); // 9 bytes: held
    f.publish(enc("abcdef\n")); // 7 more: over 10, skipped
    f.publish(enc("x\n")); // would fit, but comes after the gap: skipped too
    resolve(new Uint8Array(0));
    const reader = stream.getReader();
    const dec = new TextDecoder();
    expect(dec.decode((await reader.read()).value)).toBe("12345678\n");
    expect(dec.decode((await reader.read()).value)).toBe("\n[tend: 9 bytes skipped: this reader fell behind]\n");
    f.publish(enc("z\n"));
    f.closeAll();
    expect(dec.decode((await reader.read()).value)).toBe("z\n");
    expect((await reader.read()).done).toBe(true);
  });

  test("a reader that fell behind is told at the end too", async () => {
    const f = new Fanout();
    const stream = f.follow(new Uint8Array(0), 4);
    f.publish(enc("abc\n")); // fills it
    f.publish(enc("def\n")); // skipped
    f.closeAll();
    expect(await readAll(stream)).toBe("abc\n\n[tend: 4 bytes skipped: this reader fell behind]\n");
  });

  test("a past that cannot be read is said in the stream, and live output follows", async () => {
    const f = new Fanout();
    let reject!: (e: Error) => void;
    const stream = f.follow(new Promise<Uint8Array>((_, r) => (reject = r)));
    f.publish(enc("live\n"));
    reject(new Error("/mnt/nfs/app.out.log: its disk has not answered"));
    await Bun.sleep(0);
    f.closeAll();
    expect(await readAll(stream)).toBe("[tend: /mnt/nfs/app.out.log: its disk has not answered]\nlive\n");
  });

  test("a past already there: as before", async () => {
    const f = new Fanout();
    const stream = f.follow(enc("past\n"));
    f.publish(enc("live\n"));
    f.closeAll();
    expect(await readAll(stream)).toBe("past\nlive\n");
  });
});
