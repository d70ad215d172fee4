// `npm run build:release`: four self-contained binaries (x64/arm64 × glibc/musl), install.sh
// and SHA256SUMS. Each binary is checked for its machine and loader; the x64 one runs here,
// the arm64 one runs under qemu-user when it is installed (apt-get install qemu-user-static
// libc6-arm64-cross); the musl ones need a musl system with libstdc++ and are only inspected.

import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TARGETS, readElf } from "../../build/release.ts";
import { BUILD_TIMEOUT, HOST_TARGET, ROOT, release, type Release } from "../fixtures/install/release-dir.ts";
import { daemonSmoke } from "../fixtures/install/smoke.ts";

const QEMU = Bun.which("qemu-aarch64-static") ?? Bun.which("qemu-aarch64");
const ARM64_SYSROOT = "/usr/aarch64-linux-gnu";
const canEmulateArm64 = process.arch === "x64" && !!QEMU && existsSync(join(ARM64_SYSROOT, "lib", "ld-linux-aarch64.so.1"));
const muslRunnable = existsSync("/lib/ld-musl-x86_64.so.1") && ["/usr/lib/libstdc++.so.6", "/lib/libstdc++.so.6"].some(existsSync);

let rel: Release;

beforeAll(async () => {
  rel = await release();
}, BUILD_TIMEOUT);

function run(argv: string[]) {
  const p = Bun.spawnSync(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { PATH: process.env.PATH ?? "/usr/bin:/bin", NO_COLOR: "1" } });
  return { code: p.exitCode, stdout: p.stdout.toString(), stderr: p.stderr.toString() };
}

describe("build:release", () => {
  test("package.json runs build/release.ts for build:release", async () => {
    const pkg = (await Bun.file(join(ROOT, "package.json")).json()) as { scripts: Record<string, string> };
    expect(pkg.scripts["build:release"]).toBe("bun build/release.ts");
  });

  test("writes the four binaries (each also .gz and .xz), install.sh and SHA256SUMS that sha256sum -c accepts, signed (#12.16)", () => {
    const binaries = TARGETS.map((t) => `tend-${t.name}`);
    expect(binaries).toEqual(["tend-linux-x64", "tend-linux-arm64", "tend-linux-x64-musl", "tend-linux-arm64-musl"]);
    const names = binaries.flatMap((n) => [n, `${n}.gz`, `${n}.xz`]);
    // Each compressed file unpacks to its binary, and is smaller.
    for (const n of binaries) {
      const raw = readFileSync(join(rel.dir, n));
      expect(Buffer.from(Bun.gunzipSync(readFileSync(join(rel.dir, `${n}.gz`)))).equals(raw)).toBe(true);
      const xz = Bun.spawnSync(["xz", "-dc", join(rel.dir, `${n}.xz`)], { stdout: "pipe", maxBuffer: 512 * 1024 * 1024 });
      expect({ xzExit: xz.exitCode, same: Buffer.from(xz.stdout).equals(raw) }).toEqual({ xzExit: 0, same: true });
      expect(statSync(join(rel.dir, `${n}.xz`)).size).toBeLessThan(statSync(join(rel.dir, `${n}.gz`)).size);
      expect(statSync(join(rel.dir, `${n}.gz`)).size).toBeLessThan(raw.length);
    }
    // The signature verifies with minisign itself, where it is installed.
    const minisign = Bun.which("minisign");
    if (minisign) {
      const v = Bun.spawnSync([minisign, "-Vm", join(rel.dir, "SHA256SUMS"), "-P", rel.publicKey], { stdout: "pipe", stderr: "pipe" });
      expect(v.stdout.toString()).toContain("Signature and comment signature verified");
      expect(v.exitCode).toBe(0);
    }
    for (const n of binaries) {
      const st = statSync(join(rel.dir, n));
      expect(st.size).toBeGreaterThan(50 * 1024 * 1024);
      expect(st.mode & 0o111).not.toBe(0);
    }
    expect(readFileSync(join(rel.dir, "install.sh"), "utf8")).toBe(readFileSync(join(ROOT, "install.sh"), "utf8"));
    const sums = readFileSync(join(rel.dir, "SHA256SUMS"), "utf8");
    expect(sums.trimEnd().split("\n").map((l) => l.replace(/^[0-9a-f]{64} {2}/, ""))).toEqual([...names, "install.sh"]);
    // No partial files left behind.
    expect(Bun.spawnSync(["sh", "-c", `ls -A "${rel.dir}"`]).stdout.toString().split("\n").filter((f) => f.includes("partial"))).toEqual([]);
    const check = Bun.spawnSync(["sha256sum", "-c", "SHA256SUMS"], { cwd: rel.dir, stdout: "pipe", stderr: "pipe" });
    expect(check.stdout.toString()).toBe([...names, "install.sh"].map((n) => `${n}: OK\n`).join(""));
    expect(check.exitCode).toBe(0);
    // Unpacking four ~100 MB binaries twice took over 60 s at a load average of 20.
  }, 300_000);

  test("each binary is for its machine and C library (ELF header, and file(1) where installed)", () => {
    for (const t of TARGETS) {
      const path = join(rel.dir, `tend-${t.name}`);
      const elf = readElf(path);
      expect(`${t.name}: ${elf.arch}`).toBe(`${t.name}: ${t.arch}`);
      const loader = t.libc === "musl"
        ? `/lib/ld-musl-${t.arch === "x64" ? "x86_64" : "aarch64"}.so.1`
        : t.arch === "x64" ? "/lib64/ld-linux-x86-64.so.2" : "/lib/ld-linux-aarch64.so.1";
      expect(`${t.name}: ${elf.interpreter}`).toBe(`${t.name}: ${loader}`);
      if (Bun.which("file")) {
        const out = run(["file", "-b", path]).stdout;
        expect(out).toContain(t.arch === "x64" ? "x86-64" : "ARM aarch64");
        expect(out).toContain(`interpreter ${loader}`);
      }
    }
  });

  test("the build log names each artifact", () => {
    for (const t of TARGETS) expect(rel.log).toContain(`built ${join(rel.dir, `tend-${t.name}`)} (`);
    expect(rel.log).toContain(`wrote ${join(rel.dir, "SHA256SUMS")} (tend ${rel.version}, ${rel.commit})`);
    expect(rel.log).toContain(`wrote ${join(rel.dir, "SHA256SUMS.minisig")}`);
  });

  test("an unknown target is refused before anything is built", () => {
    const r = run([process.execPath, join(ROOT, "build", "release.ts"), "--out", join(rel.dir, "never"), "--only", "linux-riscv64"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown target linux-riscv64 (known: linux-x64, linux-arm64, linux-x64-musl, linux-arm64-musl)");
    expect(existsSync(join(rel.dir, "never"))).toBe(false);
  });
});

describe("the host binary", () => {
  test(`tend-${HOST_TARGET} version names the version, the commit and the target`, () => {
    const r = run([join(rel.dir, `tend-${HOST_TARGET}`), "version"]);
    expect(r.stdout).toBe(`tend ${rel.version} (${rel.commit}) ${HOST_TARGET}\n`);
    expect(r.code).toBe(0);
  });

  test(`tend-${HOST_TARGET}: daemon with one program, status, shutdown`, async () => {
    const r = await daemonSmoke(join(rel.dir, `tend-${HOST_TARGET}`));
    expect(r.status.stdout).toMatch(/^sleeper {26}RUNNING {3}pid \d+, uptime /);
    expect(r.daemonStdout).toBe("sleeper | hello from sleeper\n"); // through the writer thread
    expect(r.status.code).toBe(0);
    expect(r.shutdown.stdout.trim()).toBe("Shut down");
    expect(r.daemonExit).toBe(0);
  });
});

describe.skipIf(!canEmulateArm64)("tend-linux-arm64 under qemu-user (emulated)", () => {
  const qemu = () => [QEMU!, "-L", ARM64_SYSROOT];

  test("version", () => {
    const r = run([...qemu(), join(rel.dir, "tend-linux-arm64"), "version"]);
    expect(r.stdout).toBe(`tend ${rel.version} (${rel.commit}) linux-arm64\n`);
    expect(r.code).toBe(0);
  });

  test("daemon with one program, status, shutdown", async () => {
    // Every invocation pays ~1 s of emulated start-up: deadlines are generous, nothing is timed.
    const r = await daemonSmoke(join(rel.dir, "tend-linux-arm64"), { runner: qemu(), timeout: 60_000 });
    expect(r.status.stdout).toMatch(/^sleeper {26}RUNNING {3}pid \d+, uptime /);
    expect(r.shutdown.stdout.trim()).toBe("Shut down");
    expect(r.daemonExit).toBe(0);
    expect(r.daemonStdout).toBe("sleeper | hello from sleeper\n"); // through the writer thread
  }, 180_000);
});

// A skipped emulation shows up in the test output with its reason, rather than silently.
if (!canEmulateArm64) {
  const why = process.arch !== "x64"
    ? "the host is not x64"
    : !QEMU
      ? "qemu-aarch64-static is not installed (apt-get install qemu-user-static)"
      : `${ARM64_SYSROOT} is missing (apt-get install libc6-arm64-cross)`;
  test.skip(`tend-linux-arm64 not run: ${why}`, () => {});
}
if (!muslRunnable) {
  test.skip("musl binaries not run: this is not a musl system with libstdc++ (they are checked by their ELF header only)", () => {});
}

describe.skipIf(!muslRunnable)("tend-linux-x64-musl on a musl system", () => {
  test("version", () => {
    const r = run([join(rel.dir, "tend-linux-x64-musl"), "version"]);
    expect(r.stdout).toBe(`tend ${rel.version} (${rel.commit}) linux-x64-musl\n`);
  });
});

describe("examples", () => {
  const dockerfiles = { debian: "Dockerfile.debian", alpine: "Dockerfile.alpine" } as const;
  const read = (name: string) => readFileSync(join(ROOT, "examples", name), "utf8");

  for (const [distro, file] of Object.entries(dockerfiles)) {
    test(`${file}: the config it embeds passes tend check, and tend is the entrypoint`, () => {
      const text = read(file);
      const toml = /^COPY <<'TOML' \/etc\/tend\/tend\.toml\n([\s\S]*?)^TOML$/m.exec(text)?.[1];
      expect(toml).toBeDefined();
      const dir = mkdtempSync(join(tmpdir(), "tend-example-"));
      try {
        writeFileSync(join(dir, "tend.toml"), toml!);
        const r = run([join(rel.dir, `tend-${HOST_TARGET}`), "check", "-c", join(dir, "tend.toml")]);
        expect(r.stdout).toContain("ok — 1 process");
        expect(r.code).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      expect(text).toContain('ENTRYPOINT ["tend", "daemon"]');
      const suffix = distro === "alpine" ? "-musl" : "";
      expect(text).toContain(`install -m 0755 "/dist/tend-linux-\${arch}${suffix}" /usr/local/bin/tend`);
      if (distro === "alpine") expect(text).toContain("apk add --no-cache libstdc++ libgcc");
      expect(text).toMatch(distro === "alpine" ? /^FROM alpine:/m : /^FROM debian:bookworm-slim$/m);
    });
  }

  test("examples/systemd/tend.service is the unit install.sh writes", () => {
    const dir = mkdtempSync(join(tmpdir(), "tend-unit-"));
    try {
      const p = Bun.spawnSync(["sh", join(ROOT, "install.sh"), "--root", dir, "--service", "systemd"], {
        stdout: "pipe",
        stderr: "pipe",
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, TEND_DOWNLOAD_URL: rel.dir, TEND_PUBLIC_KEY: rel.publicKey },
      });
      if (p.exitCode !== 0) throw new Error(p.stderr.toString());
      // Both start with their own comment lines; from [Unit] on they must be the same.
      const body = (s: string) => s.slice(s.indexOf("[Unit]"));
      expect(body(read("systemd/tend.service"))).toBe(body(readFileSync(join(dir, "etc/systemd/system/tend.service"), "utf8")));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
