// supervisord's readFile/tailFile byte semantics (supervisor/options.py).

import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readFileRange, tailFileRange } from "../../../src/xmlrpc/read-file.ts";
import { RpcFault } from "../../../src/xmlrpc/faults.ts";

const file = join(mkdtempSync(join(tmpdir(), "tend-rf-")), "log");
writeFileSync(file, "0123456789");

describe("readFile", () => {
  test("offset, length", () => {
    expect(readFileRange(file, 2, 3)).toBe("234");
    expect(readFileRange(file, 2, 0)).toBe("23456789");
    expect(readFileRange(file, 8, 100)).toBe("89");
    expect(readFileRange(file, 50, 0)).toBe("");
  });
  test("negative offset with length 0 is the tail", () => {
    expect(readFileRange(file, -3, 0)).toBe("789");
    expect(readFileRange(file, -100, 0)).toBe("0123456789");
  });
  test("BAD_ARGUMENTS for a negative length or a negative offset with a length", () => {
    for (const [o, l] of [[-3, 1], [0, -1]] as const) {
      try {
        readFileRange(file, o, l);
        throw new Error("no fault");
      } catch (e) {
        expect((e as RpcFault).text).toBe("BAD_ARGUMENTS");
      }
    }
  });
  test("a missing file is FAILED", () => expect(() => readFileRange(`${file}.nope`, 0, 0)).toThrow("FAILED"));
});

describe("tailFile", () => {
  test("overflow moves the offset to the end; the returned offset is the size", () => {
    expect(tailFileRange(file, 0, 4)).toEqual(["6789", 10, true]);
    expect(tailFileRange(file, 0, 100)).toEqual(["0123456789", 10, false]);
    expect(tailFileRange(file, 6, 4)).toEqual(["6789", 10, false]);
    expect(tailFileRange(file, 10, 4)).toEqual(["", 10, false]);
  });
  test("a missing file", () => expect(tailFileRange(`${file}.nope`, 5, 4)).toEqual(["", 5, false]));
});
