// findConfigFile: -c, then $TEND_CONFIG, then ./tend.toml, then /etc/tend/tend.toml.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findConfigFile } from "../../../src/config/find.ts";
import { TendError } from "../../../src/core/errors.ts";

let dir: string;
let cwd: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tend-find-"));
  cwd = process.cwd();
});
afterAll(() => {
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
});

function errorOf(run: () => unknown): TendError {
  try {
    run();
  } catch (e) {
    if (e instanceof TendError) return e;
    throw e;
  }
  throw new Error("expected an error");
}

function file(name: string): string {
  const path = join(dir, name);
  writeFileSync(path, "");
  return path;
}

describe("findConfigFile", () => {
  test("-c wins over $TEND_CONFIG", () => {
    const explicit = file("explicit.toml");
    const fromEnv = file("env.toml");
    expect(findConfigFile(explicit, { TEND_CONFIG: fromEnv })).toBe(explicit);
  });

  test("a relative -c is resolved against the working directory", () => {
    file("rel.toml");
    process.chdir(dir);
    try {
      expect(findConfigFile("rel.toml", {})).toBe(join(dir, "rel.toml"));
    } finally {
      process.chdir(cwd);
    }
  });

  test("$TEND_CONFIG when there is no -c", () => {
    const fromEnv = file("env2.toml");
    expect(findConfigFile(undefined, { TEND_CONFIG: fromEnv })).toBe(fromEnv);
  });

  test("./tend.toml when neither is given (an empty $TEND_CONFIG counts as unset)", () => {
    const sub = join(dir, "cwd");
    mkdirSync(sub);
    writeFileSync(join(sub, "tend.toml"), "");
    process.chdir(sub);
    try {
      expect(findConfigFile(undefined, { TEND_CONFIG: "" })).toBe(join(sub, "tend.toml"));
      expect(findConfigFile("", {})).toBe(join(sub, "tend.toml"));
    } finally {
      process.chdir(cwd);
    }
  });

  test("a missing -c file is an error naming it, without falling back", () => {
    const missing = join(dir, "missing.toml");
    const e = errorOf(() => findConfigFile(missing, { TEND_CONFIG: file("unused.toml") }));
    expect(e.code).toBe("INVALID_CONFIG");
    expect(e.message).toBe(`config file ${missing} (given with -c) does not exist`);
  });

  test("a missing $TEND_CONFIG file is an error naming it", () => {
    const missing = join(dir, "missing-env.toml");
    expect(errorOf(() => findConfigFile(undefined, { TEND_CONFIG: missing })).message).toBe(
      `config file ${missing} (named by $TEND_CONFIG) does not exist`,
    );
  });

  test("a directory is not a config file", () => {
    expect(errorOf(() => findConfigFile(dir, {})).message).toBe(`config file ${dir} (given with -c) is a directory`);
  });

  test("nothing anywhere: the error names every place looked", () => {
    // Only meaningful where the system config does not exist (as in CI containers).
    if (existsSync("/etc/tend/tend.toml")) return;
    const empty = join(dir, "empty");
    mkdirSync(empty);
    process.chdir(empty);
    try {
      const e = errorOf(() => findConfigFile(undefined, {}));
      expect(e.code).toBe("INVALID_CONFIG");
      expect(e.message).toBe(
        `no config file: no -c FILE given, $TEND_CONFIG not set, and neither ${join(empty, "tend.toml")} nor /etc/tend/tend.toml exists`,
      );
      expect(e.details).toEqual({ looked: [join(empty, "tend.toml"), "/etc/tend/tend.toml"] });
    } finally {
      process.chdir(cwd);
    }
  });
});
