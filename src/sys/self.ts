// How to run this very program again: the compiled binary is one file; from source it is
// Bun plus the entry script. `tend daemon --detach` and the user switch (exec-as.ts) use it.

export function selfArgv(): string[] {
  const fromSource = process.execPath.endsWith("/bun") || process.execPath.endsWith("/bun.exe");
  // From source, --no-env-file: Bun must not load a .env from a program's directory into the
  // environment it hands on.
  return fromSource ? [process.execPath, "--no-env-file", process.argv[1]!] : [process.execPath];
}
