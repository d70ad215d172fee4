// The daemon's runtime settings (src/sys/runtime-env.ts): what the exec adds, and that the
// exec'd image removes exactly that again.

import { describe, expect, test } from "bun:test";
import { ADDED_MARK, forgetAddedRuntimeEnv, missingRuntimeEnv } from "../../../src/sys/runtime-env.ts";

describe("runtime-env", () => {
  test("adds only what the environment lacks", () => {
    expect(missingRuntimeEnv({ PATH: "/bin" })).toEqual({ BUN_GC_TIMER_DISABLE: "1" });
    expect(missingRuntimeEnv({ BUN_GC_TIMER_DISABLE: "0" })).toBeNull();
    expect(missingRuntimeEnv({ BUN_GC_TIMER_DISABLE: "" })).toBeNull();
  });

  test("the exec'd image never execs again, and forgets only what was added", () => {
    const env: Record<string, string | undefined> = { BUN_GC_TIMER_DISABLE: "1", MIMALLOC_PURGE_DELAY: "5", PATH: "/bin", [ADDED_MARK]: "BUN_GC_TIMER_DISABLE" };
    expect(missingRuntimeEnv(env)).toBeNull();
    forgetAddedRuntimeEnv(env);
    expect(env).toEqual({ MIMALLOC_PURGE_DELAY: "5", PATH: "/bin" });
  });

  test("a mark naming other variables removes none of them", () => {
    const env: Record<string, string | undefined> = { PATH: "/bin", HOME: "/root", [ADDED_MARK]: "PATH,HOME" };
    forgetAddedRuntimeEnv(env);
    expect(env).toEqual({ PATH: "/bin", HOME: "/root" });
  });
});
