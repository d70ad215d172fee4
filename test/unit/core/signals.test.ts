// Signal names and numbers: parseSignal accepts what supervisord accepts (name with or
// without SIG, any case, or a number) and nothing else.

import { describe, expect, test } from "bun:test";
import { parseSignal, signalNameOf, signalNumber, SIGNALS, type SignalName } from "../../../src/core/signals.ts";

describe("parseSignal", () => {
  test.each([
    ["TERM", "TERM"],
    ["SIGTERM", "TERM"],
    ["sigterm", "TERM"],
    ["SigTerm", "TERM"],
    ["term", "TERM"],
    ["15", "TERM"],
    [15, "TERM"],
    [" hup ", "HUP"],
    ["\tSIGHUP\n", "HUP"],
    [" 15 ", "TERM"],
    ["KILL", "KILL"],
    ["9", "KILL"],
    [9, "KILL"],
    ["usr1", "USR1"],
    ["SIGUSR2", "USR2"],
    ["1", "HUP"],
    [31, "SYS"],
    ["SIGCHLD", "CHLD"],
    ["09", "KILL"],
  ] as const)("%p → %p", (input, name) => {
    expect(parseSignal(input)).toBe(name);
  });

  test.each([
    ["BOGUS"],
    ["SIGBOGUS"],
    ["0"],
    [0],
    [99],
    ["99"],
    [32],
    [-15],
    ["-15"],
    ["+15"],
    [15.5],
    ["15.0"],
    [""],
    ["   "],
    ["SIG"],
    ["SIGSIGTERM"],
    ["SIG TERM"],
    ["TERM15"],
    ["constructor"],
    ["__proto__"],
    ["toString"],
    [Number.NaN],
  ] as const)("%p → null", (input) => {
    expect(parseSignal(input)).toBeNull();
  });

  test("every known name, in every accepted spelling, round-trips through its number", () => {
    const names = Object.keys(SIGNALS) as SignalName[];
    expect(names).toHaveLength(31);
    for (const name of names) {
      const num = signalNumber(name);
      for (const spelling of [name, `SIG${name}`, name.toLowerCase(), `sig${name.toLowerCase()}`, String(num)]) {
        expect(parseSignal(spelling)).toBe(name);
      }
      expect(parseSignal(num)).toBe(name);
      expect(signalNameOf(num)).toBe(name);
    }
  });
});

describe("signal numbers (Linux x86-64 / arm64)", () => {
  test.each([
    ["HUP", 1], ["INT", 2], ["QUIT", 3], ["KILL", 9], ["USR1", 10], ["SEGV", 11],
    ["USR2", 12], ["PIPE", 13], ["ALRM", 14], ["TERM", 15], ["CHLD", 17], ["CONT", 18],
    ["STOP", 19], ["TSTP", 20], ["WINCH", 28],
  ] as const)("%s is %d", (name, num) => {
    expect(signalNumber(name)).toBe(num);
    expect(signalNameOf(num)).toBe(name);
  });

  test("numbers 1..31 are each taken by exactly one name; 0 and 32 by none", () => {
    const nums: number[] = Object.values(SIGNALS).sort((a, b) => a - b);
    expect(nums).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
    expect(signalNameOf(0)).toBeNull();
    expect(signalNameOf(32)).toBeNull();
  });
});
