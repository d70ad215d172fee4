// Value parsers: sizes, modes, booleans, signals, listen addresses, log targets.

import { describe, expect, test } from "bun:test";
import {
  parseAutorestart,
  parseBool,
  parseByteSize,
  parseListen,
  parseLogLevel,
  parseLogTarget,
  parseOctal,
  parseSeconds,
  parseStopSignal,
} from "../../../src/config/units.ts";

function value<T>(r: { ok: true; value: T } | { ok: false; problems: readonly { message: string }[] }): T | string {
  return r.ok ? r.value : `error: ${r.problems.map((p) => p.message).join("; ")}`;
}

describe("parseByteSize (powers of 1024)", () => {
  const cases: [unknown, number | string][] = [
    [0, 0],
    [1234, 1234],
    ["1234", 1234],
    ["1234B", 1234],
    ["1KB", 1024],
    ["1kb", 1024],
    ["50MB", 50 * 1024 ** 2],
    ["50 MB", 50 * 1024 ** 2],
    ["1GB", 1024 ** 3],
    ["1024GB", 1024 ** 4],
    ["1025GB", 'error: expected a size of at most 1024GB, got "1025GB" (string)'],
    ["1.5MB", 'error: expected a size like "50MB" (KB, MB or GB) or a number of bytes, got "1.5MB" (string)'],
    ["1TB", 'error: expected a size like "50MB" (KB, MB or GB) or a number of bytes, got "1TB" (string)'],
    [1.5, 'error: expected a size like "50MB" (KB, MB or GB) or a number of bytes, got 1.5 (number)'],
    [-1, 'error: expected a size like "50MB" (KB, MB or GB) or a number of bytes, got -1 (number)'],
  ];
  for (const [input, expected] of cases) {
    test(JSON.stringify(input), () => expect(value(parseByteSize(input))).toBe(expected));
  }
});

describe("parseOctal", () => {
  const umask = parseOctal(0o777);
  const cases: [unknown, number | string][] = [
    ["022", 0o22],
    ["0022", 0o22],
    ["22", 0o22],
    ["0o027", 0o27],
    ["777", 0o777],
    [0o22, 0o22],
    [0, 0],
    ["1000", "error: expected a mode from 0 to 0o777, got \"1000\" (string)"],
    ["8", 'error: expected an octal string like "022" or a TOML octal number, got "8" (string)'],
    [1.5, 'error: expected an octal string like "022" or a TOML octal number, got 1.5 (number)'],
  ];
  for (const [input, expected] of cases) {
    test(JSON.stringify(input), () => expect(value(umask(input))).toBe(expected));
  }
  test("socket modes go up to 0o7777", () => {
    expect(value(parseOctal(0o7777)("0600"))).toBe(0o600);
    expect(value(parseOctal(0o7777)("4755"))).toBe(0o4755);
  });
});

describe("parseSeconds", () => {
  const secs = parseSeconds(100);
  test.each([
    [0, 0],
    [0.25, 0.25],
    ["3", 3],
    [" 2.5 ", 2.5],
    [100, 100],
    [101, "error: expected a number from 0 to 100 (seconds), got 101 (number)"],
    [-0.5, "error: expected a non-negative number, got -0.5 (number)"],
    ["1s", 'error: expected a non-negative number, got "1s" (string)'],
  ] as [unknown, unknown][])("%p", (input, expected) => expect(value(secs(input))).toBe(expected as number | string));
});

describe("booleans and autorestart", () => {
  test.each([
    [true, true],
    [false, false],
    ["yes", true],
    ["ON", true],
    ["1", true],
    ["no", false],
    ["Off", false],
    ["0", false],
  ] as [unknown, boolean][])("parseBool(%p)", (input, expected) => expect(value(parseBool(input))).toBe(expected));

  test.each([
    [true, true],
    [false, false],
    ["unexpected", "unexpected"],
    ["UNEXPECTED", "unexpected"],
    ["always", true],
    ["never", false],
    ["true", true],
    ["false", false],
  ] as [unknown, unknown][])("parseAutorestart(%p)", (input, expected) => expect(value(parseAutorestart(input))).toBe(expected as boolean));

  test("a boolean-ish number is not an autorestart", () => {
    expect(value(parseAutorestart(1))).toBe(
      'error: expected true, false or "unexpected" ("always"/"never" also work), got 1 (number)',
    );
  });
});

describe("parseLogLevel", () => {
  test.each([
    ["debug", "debug"],
    ["INFO", "info"],
    ["warn", "warn"],
    ["warning", "warn"],
    ["error", "error"],
    ["eror", 'error: expected one of debug, info, warn, error, got "eror" (string); did you mean "error"?'],
    ["critical", 'error: expected one of debug, info, warn, error, got "critical" (string)'],
  ])("%p", (input, expected) => expect(value(parseLogLevel(input))).toBe(expected));
});

describe("parseStopSignal", () => {
  test.each([
    ["TERM", "TERM"],
    ["SIGTERM", "TERM"],
    ["sigterm", "TERM"],
    ["term", "TERM"],
    [15, "TERM"],
    ["15", "TERM"],
    ["SIGKILL", "KILL"],
    ["usr1", "USR1"],
    [1, "HUP"],
  ] as [unknown, string][])("%p", (input, expected) => expect(value(parseStopSignal(input))).toBe(expected));

  test("a near miss suggests the real name", () => {
    expect(value(parseStopSignal("SIGUSR3"))).toBe(
      'error: expected a signal name like "TERM" or "SIGTERM", or a number, got "SIGUSR3" (string); did you mean "USR1"?',
    );
  });
});

describe("parseListen", () => {
  test.each([
    ["127.0.0.1:9001", "127.0.0.1:9001"],
    [":9001", "127.0.0.1:9001"],
    ["9001", "127.0.0.1:9001"],
    [9001, "127.0.0.1:9001"],
    ["*:9001", "0.0.0.0:9001"],
    ["localhost:1", "localhost:1"],
    ["[::]:65535", "[::]:65535"],
    ["host:65536", 'error: port must be from 1 to 65535, got "host:65536" (string)'],
    [0, "error: port must be from 1 to 65535, got 0 (number)"],
    ["host:", 'error: expected "host:port" (port 1-65535), got "host:" (string)'],
    ["::1:80", 'error: bad host "::1": expected "host:port" (port 1-65535), got "::1:80" (string)'],
    [true, 'error: expected "host:port" (port 1-65535), got true (boolean)'],
  ] as [unknown, string][])("%p", (input, expected) => expect(value(parseListen(input))).toBe(expected));
});

describe("parseLogTarget", () => {
  test.each([
    ["auto", { kind: "auto" }],
    ["Auto", { kind: "auto" }],
    ["none", { kind: "none" }],
    ["NONE", { kind: "none" }],
    ["off", { kind: "none" }],
    ["/dev/null", { kind: "none" }],
    ["/var/log/x.log", { kind: "path", path: "/var/log/x.log" }],
    ["rel/x.log", { kind: "path", path: "rel/x.log" }],
    ["", 'error: expected "auto", "none" or a file path, got "" (string)'],
  ] as [unknown, unknown][])("%p", (input, expected) => expect(value(parseLogTarget(input))).toEqual(expected as string));
});
