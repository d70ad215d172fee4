// Runtime settings for a long-running daemon that Bun reads only when the process starts, so
// the daemon (`tend daemon`, `tend run`) execs itself once with them, in the same pid, before
// it loads anything else (≈ one runtime start, ~10 ms; no extra process afterwards):
//  - BUN_GC_TIMER_DISABLE=1: Bun's idle GC timer wakes the daemon every second for its first
//    30 s and every 30 s after that. The daemon collects once after each burst of work
//    instead (src/daemon/after-burst.ts), which also keeps the heap smaller than the timer did.
// Left alone: MIMALLOC_PURGE_DELAY=0 would also stop the allocator's scavenger thread from
// waking every 30 s, but costs ≈ 2.5× the daemon's CPU while programs write fast, and -1 keeps
// every freed page (BENCHMARKS.md has the measured trade). A value the user set is kept
// (BUN_GC_TIMER_DISABLE=0 brings the timer back). The programs do not inherit what the daemon
// added for itself.

/** What the daemon runs with unless its environment already says otherwise. */
export const DAEMON_RUNTIME_ENV: Readonly<Record<string, string>> = {
  BUN_GC_TIMER_DISABLE: "1",
};

/** Names the exec added, so that the new image removes them again (children must not get them). */
export const ADDED_MARK = "TEND_RUNTIME_ENV_ADDED";

type Env = Record<string, string | undefined>;

/** The settings `env` lacks, or null when it has them all (or is the exec'd image already). */
export function missingRuntimeEnv(env: Env): Record<string, string> | null {
  if (env[ADDED_MARK] !== undefined) return null;
  const add = Object.fromEntries(Object.entries(DAEMON_RUNTIME_ENV).filter(([k]) => env[k] === undefined));
  return Object.keys(add).length ? add : null;
}

/** In the exec'd image: drop what the exec added from `env`, so programs start without it. */
export function forgetAddedRuntimeEnv(env: Env): void {
  const added = env[ADDED_MARK];
  if (added === undefined) return;
  for (const k of added.split(",")) if (Object.hasOwn(DAEMON_RUNTIME_ENV, k)) delete env[k];
  delete env[ADDED_MARK];
}

/**
 * Exec this same command again with the missing settings (never returns then); returns when
 * nothing is missing, after cleaning up in the exec'd image, or when the exec failed (the
 * daemon then runs with the runtime's defaults).
 */
export function execWithRuntimeEnv(env: Env = process.env): void {
  const add = missingRuntimeEnv(env);
  if (!add) return forgetAddedRuntimeEnv(env);
  // Compiled, argv[1] is the embedded entry point ("/$bunfs/root/…"), not an argument, and
  // execArgv is built in; from source, argv[1] is the script and execArgv bun's own flags.
  const compiled = import.meta.url.startsWith("file:///$bunfs/");
  const args = compiled ? process.argv.slice(2) : [...process.execArgv, ...process.argv.slice(1)];
  // Bun flags execve as experimental; the warning would land in the daemon's stderr.
  process.removeAllListeners("warning");
  try {
    process.execve!(process.execPath, [process.argv0, ...args], { ...env, ...add, [ADDED_MARK]: Object.keys(add).join(",") } as Record<string, string>);
  } catch {
    /* the daemon runs as it is */
  }
}
