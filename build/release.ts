// Release artifacts: one self-contained tend per target, each also gzip- and xz-compressed
// (install.sh fetches the smallest it can unpack), plus SHA256SUMS (sha256sum format, every
// file), its minisign signature SHA256SUMS.minisig, and install.sh, in dist/
// (npm run build:release).
//
//   bun build/release.ts [--out DIR] [--only linux-x64,linux-arm64-musl] [--gzip-level N] [--xz-level N]
//
// The signing key (Ed25519, PKCS#8 PEM; bun build/keygen.ts makes one) is read from the file
// $TEND_SIGNING_KEY_FILE names, and never lives in the repository. Without it SHA256SUMS is not
// signed and the build says so.
//
// The version (package.json), the git commit and the target are embedded, so
// `tend version` prints e.g. "tend 0.1.0 (1a2b3c4) linux-arm64-musl". Cross targets need the
// Bun runtime for that target: bun downloads it from the npm registry once and caches it in
// ~/.bun/install/cache ($BUN_INSTALL_CACHE_DIR); later builds work offline.
//
// Each binary is written under a temporary name and renamed when complete, and its ELF header
// is checked (machine, and glibc or musl loader) before it is kept. SHA256SUMS is removed at
// the start and written last, so it never describes binaries from another build.

import { $ } from "bun";
import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { loadSecretKey, signMinisign } from "./minisign.ts";
import { bytecodeOrderArgs } from "./bytecode-order.ts";

export interface Target {
  /** Artifact suffix and what `tend version` prints: tend-<name>. */
  readonly name: string;
  /** bun build --target */
  readonly bun: string;
  readonly arch: "x64" | "arm64";
  readonly libc: "glibc" | "musl";
}

export const TARGETS: readonly Target[] = [
  { name: "linux-x64", bun: "bun-linux-x64", arch: "x64", libc: "glibc" },
  { name: "linux-arm64", bun: "bun-linux-arm64", arch: "arm64", libc: "glibc" },
  { name: "linux-x64-musl", bun: "bun-linux-x64-musl", arch: "x64", libc: "musl" },
  { name: "linux-arm64-musl", bun: "bun-linux-arm64-musl", arch: "arm64", libc: "musl" },
];

const ROOT = join(import.meta.dir, "..");

/** The flags build/compile.ts uses (keep them in step), plus the target define. */
function buildArgs(t: Target, version: string, commit: string, outfile: string): string[] {
  return [
    "build", "--compile", "--minify", "--bytecode", "--format=esm",
    // One chunk per dynamic import: a client command loads the client, not the daemon,
    // XML-RPC and dashboard code (tend version: 10 ms → 5 ms here).
    "--splitting",
    // A .env or bunfig.toml in the daemon's working directory must not leak into it or its children.
    "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig",
    `--define=TEND_VERSION=${JSON.stringify(version)}`,
    `--define=TEND_COMMIT=${JSON.stringify(commit)}`,
    `--define=TEND_TARGET=${JSON.stringify(t.name)}`,
    `--target=${t.bun}`,
    // The daemon's and the client's functions first (build/bytecode-order.ts).
    ...bytecodeOrderArgs(),
    join(ROOT, "src", "main.ts"),
    // The log-writer thread's code (src/logs/writer-threads.ts starts it) is its own entry point.
    join(ROOT, "src", "logs", "writer-worker.ts"),
    "--outfile", outfile,
  ];
}

export interface ElfInfo {
  readonly arch: "x64" | "arm64" | "other";
  /** The program interpreter (PT_INTERP), e.g. /lib/ld-musl-aarch64.so.1, or null if static. */
  readonly interpreter: string | null;
}

/** Read the machine and the dynamic loader from an ELF64 little-endian file. */
export function readElf(path: string): ElfInfo {
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(64);
    readSync(fd, head, 0, 64, 0);
    if (head.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${path} is not an ELF file`);
    if (head[4] !== 2 || head[5] !== 1) throw new Error(`${path} is not a 64-bit little-endian ELF file`);
    const machine = head.readUInt16LE(18);
    const phoff = Number(head.readBigUInt64LE(32));
    const phentsize = head.readUInt16LE(54);
    const phnum = head.readUInt16LE(56);
    const ph = Buffer.alloc(phentsize * phnum);
    readSync(fd, ph, 0, ph.length, phoff);
    let interpreter: string | null = null;
    for (let i = 0; i < phnum; i++) {
      const o = i * phentsize;
      if (ph.readUInt32LE(o) !== 3 /* PT_INTERP */) continue;
      const off = Number(ph.readBigUInt64LE(o + 8));
      const size = Number(ph.readBigUInt64LE(o + 32));
      const buf = Buffer.alloc(size);
      readSync(fd, buf, 0, size, off);
      interpreter = buf.toString("utf8").replace(/\0+$/, "");
    }
    return { arch: machine === 0x3e ? "x64" : machine === 0xb7 ? "arm64" : "other", interpreter };
  } finally {
    closeSync(fd);
  }
}

/** Does the file at `path` look like what `t` should produce? Returns the problem, or null. */
export function checkArtifact(path: string, t: Target): string | null {
  const elf = readElf(path);
  if (elf.arch !== t.arch) return `${basename(path)}: built for ${elf.arch}, expected ${t.arch}`;
  const musl = elf.interpreter?.includes("ld-musl-") ?? false;
  if (!elf.interpreter) return `${basename(path)}: no program interpreter (expected a dynamically linked binary)`;
  if ((t.libc === "musl") !== musl) return `${basename(path)}: loader ${elf.interpreter}, expected a ${t.libc} one`;
  return null;
}

/** sha256sum's output line for one file: "<hex>  <name>". */
export async function sha256Line(path: string): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  for await (const chunk of Bun.file(path).stream()) hasher.update(chunk);
  return `${hasher.digest("hex")}  ${basename(path)}`;
}

const USAGE = "usage: bun build/release.ts [--out DIR] [--only TARGET,...] [--gzip-level 1-9] [--xz-level 0-9]";

interface Options {
  out: string;
  targets: Target[];
  gzipLevel: number;
  xzLevel: number;
}

function parseCli(argv: string[]): Options {
  let out = join(ROOT, "dist");
  let targets = [...TARGETS];
  let gzipLevel = 9;
  let xzLevel = 6;
  const level = (a: string, v: string, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > 9) throw new Error(`${a} must be ${min} to 9, got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--out") out = resolve(value());
    else if (a === "--only") {
      const names = value().split(",").map((s) => s.trim()).filter(Boolean);
      const unknown = names.filter((n) => !TARGETS.some((t) => t.name === n));
      if (unknown.length) throw new Error(`unknown target ${unknown.join(", ")} (known: ${TARGETS.map((t) => t.name).join(", ")})`);
      targets = TARGETS.filter((t) => names.includes(t.name));
    } else if (a === "--gzip-level") gzipLevel = level(a, value(), 1);
    else if (a === "--xz-level") xzLevel = level(a, value(), 0);
    else if (a === "-h" || a === "--help") {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (${USAGE})`);
  }
  return { out, targets, gzipLevel, xzLevel };
}

/** `path`.gz and, when xz is installed, `path`.xz: written under temporary names, renamed when complete. */
async function compress(path: string, opts: Options): Promise<string[]> {
  const made: string[] = [];
  const gz = `${path}.gz`;
  writeFileSync(`${gz}.partial`, Bun.gzipSync(await Bun.file(path).bytes(), { level: opts.gzipLevel as 9 }));
  renameSync(`${gz}.partial`, gz);
  made.push(gz);
  if (XZ) {
    const xz = `${path}.xz`;
    const fd = openSync(`${xz}.partial`, "w");
    const p = Bun.spawn([XZ, `-${opts.xzLevel}`, "-T0", "-c", path], { stdin: "ignore", stdout: fd, stderr: "pipe" });
    closeSync(fd);
    const [err, code] = await Promise.all([new Response(p.stderr).text(), p.exited]);
    if (code !== 0) throw new Error(`xz ${path} failed (exit ${code}): ${err.trim()}`);
    renameSync(`${xz}.partial`, xz);
    made.push(xz);
  }
  return made;
}

const XZ = Bun.which("xz");

async function main(): Promise<number> {
  let opts: ReturnType<typeof parseCli>;
  try {
    opts = parseCli(process.argv.slice(2));
  } catch (e) {
    console.error(`release: ${(e as Error).message}`);
    return 2;
  }
  const { out, targets } = opts;
  // The signing key, before anything is built: a key that cannot be read fails at once.
  const keyFile = process.env.TEND_SIGNING_KEY_FILE;
  let key: ReturnType<typeof loadSecretKey> | null = null;
  if (keyFile) {
    try {
      key = loadSecretKey(await Bun.file(keyFile).text());
    } catch (e) {
      console.error(`release: cannot read the signing key $TEND_SIGNING_KEY_FILE=${keyFile}: ${(e as Error).message}`);
      return 1;
    }
  }
  const pkg = (await Bun.file(join(ROOT, "package.json")).json()) as { version: string };
  const commit = (await $`git -C ${ROOT} rev-parse --short HEAD`.nothrow().quiet()).stdout.toString().trim() || "unknown";
  mkdirSync(out, { recursive: true });
  const sums = join(out, "SHA256SUMS");
  rmSync(sums, { force: true });
  rmSync(`${sums}.minisig`, { force: true });
  if (!XZ) console.warn("release: xz is not installed: no .xz files (apt-get install xz-utils)");

  const built: string[] = [];
  for (const t of targets) {
    const final = join(out, `tend-${t.name}`);
    const tmp = join(out, `.tend-${t.name}.partial`);
    rmSync(tmp, { force: true });
    const started = performance.now();
    const proc = Bun.spawn([process.execPath, ...buildArgs(t, pkg.version, commit, tmp)], {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    if (code !== 0 || !existsSync(tmp)) {
      rmSync(tmp, { force: true });
      console.error(`release: building ${t.name} (${t.bun}) failed with exit ${code}:\n${(stdout + stderr).trim()}`);
      if (/download|DNS|ConnectionRefused|fetch/i.test(stderr)) {
        console.error(`release: cross targets need the Bun runtime for ${t.bun} from the npm registry once (then cached in ~/.bun/install/cache)`);
      }
      return 1;
    }
    const problem = checkArtifact(tmp, t);
    if (problem) {
      rmSync(tmp, { force: true });
      console.error(`release: ${problem}`);
      return 1;
    }
    renameSync(tmp, final);
    built.push(final);
    const mib = (n: string) => (statSync(n).size / 1048576).toFixed(1);
    const packed = await compress(final, opts);
    built.push(...packed);
    const sizes = [final, ...packed].map((f) => `${f === final ? "" : f.slice(final.length)} ${mib(f)} MiB`.trim()).join(", ");
    console.log(`built ${final} (${sizes}; ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }

  // The installer travels with the binaries, so `<release>/install.sh` works as well.
  const installer = join(out, "install.sh");
  copyFileSync(join(ROOT, "install.sh"), installer);
  chmodSync(installer, 0o755);
  built.push(installer);

  const lines = await Promise.all(built.map(sha256Line));
  writeFileSync(`${sums}.partial`, `${lines.join("\n")}\n`);
  renameSync(`${sums}.partial`, sums);
  console.log(`wrote ${sums} (tend ${pkg.version}, ${commit})`);
  if (key) {
    writeFileSync(`${sums}.minisig.partial`, signMinisign(key, await Bun.file(sums).bytes(), "SHA256SUMS"));
    renameSync(`${sums}.minisig.partial`, `${sums}.minisig`);
    console.log(`wrote ${sums}.minisig`);
  } else {
    console.warn("release: SHA256SUMS is NOT signed: set TEND_SIGNING_KEY_FILE to the release key's file");
  }
  return 0;
}

if (import.meta.main) process.exit(await main());
