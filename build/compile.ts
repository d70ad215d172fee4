// Compiles tend into one self-contained executable: dist/tend for this host.
// `bun build/compile.ts` (npm run build). The version and git commit are embedded.

import { $ } from "bun";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { bytecodeOrderArgs } from "./bytecode-order.ts";

const root = join(import.meta.dir, "..");
const pkg = (await Bun.file(join(root, "package.json")).json()) as { version: string };
const commit = (await $`git -C ${root} rev-parse --short HEAD`.nothrow().quiet()).stdout.toString().trim() || "unknown";
const outfile = process.argv[2] ?? join(root, "dist", "tend");
const target = process.argv[3]; // e.g. bun-linux-arm64; default: this host
mkdirSync(join(root, "dist"), { recursive: true });

const args = [
  "build", "--compile", "--minify", "--bytecode", "--format=esm",
    // One chunk per dynamic import: a client command loads the client, not the daemon,
    // XML-RPC and dashboard code (tend version: 10 ms → 5 ms here).
    "--splitting",
  // A .env or bunfig.toml in the daemon's working directory must not leak into it or its children.
  "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig",
  `--define=TEND_VERSION=${JSON.stringify(pkg.version)}`,
  `--define=TEND_COMMIT=${JSON.stringify(commit)}`,
  ...(target ? [`--target=${target}`] : []),
  // The daemon's and the client's functions first (build/bytecode-order.ts).
  ...bytecodeOrderArgs(),
  join(root, "src", "main.ts"),
  // The log-writer thread's code (src/logs/writer-threads.ts starts it) is its own entry point.
  join(root, "src", "logs", "writer-worker.ts"),
  // So is the thread that waits for program output (src/logs/pipe-readiness.ts starts it).
  join(root, "src", "logs", "readiness-worker.ts"),
  "--outfile", outfile,
];
const proc = Bun.spawn([process.execPath, ...args], { stdout: "inherit", stderr: "inherit", stdin: "ignore" });
const code = await proc.exited;
if (code !== 0) process.exit(code);
console.log(`built ${outfile} (tend ${pkg.version}, ${commit}${target ? `, ${target}` : ""})`);
