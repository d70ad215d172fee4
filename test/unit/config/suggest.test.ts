// Suggestions for unknown words: the hand map first, then edit distance.

import { describe, expect, test } from "bun:test";
import { didYouMean, editDistance, suggest } from "../../../src/config/suggest.ts";

describe("editDistance", () => {
  test.each([
    ["", "", 0],
    ["abc", "abc", 0],
    ["abc", "", 3],
    ["kitten", "sitting", 3],
    ["autorestrat", "autorestart", 1],
    ["comand", "command", 1],
  ] as [string, string, number][])("%p ~ %p = %p", (a, b, d) => expect(editDistance(a, b)).toBe(d));
});

describe("suggest", () => {
  const known = ["command", "directory", "autorestart", "stopsignal", "stopwaitsecs"];
  const confusions = { cwd: "directory", restart: "autorestart" };
  test.each([
    ["comand", "command"],
    ["COMMAND", "command"],
    ["stop-signal", "stopsignal"],
    ["stop_wait_secs", "stopwaitsecs"],
    ["cwd", "directory"],
    ["CWD", "directory"],
    ["restart", "autorestart"],
    ["xyz", null],
    ["constructor", null],
    ["toString", null],
  ] as [string, string | null][])("%p → %p", (word, expected) => expect(suggest(word, known, confusions)).toBe(expected));

  test("didYouMean renders the hint, or nothing", () => {
    expect(didYouMean("comand", known)).toBe('; did you mean "command"?');
    expect(didYouMean("zzzzzz", known)).toBe("");
  });
});
