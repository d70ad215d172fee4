// A new release signing key: the secret key (PKCS#8 PEM, mode 0600) to OUT, never into the
// repository; the public key printed for README.md and install.sh (PUBLIC_KEY=).
//
//   bun build/keygen.ts OUT
//
// build/release.ts signs SHA256SUMS with it when $TEND_SIGNING_KEY_FILE names OUT.

import { generateKeyPairSync } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { loadSecretKey, publicKeyFile } from "./minisign.ts";

const out = process.argv[2];
if (!out) {
  console.error("usage: bun build/keygen.ts OUT   (OUT: where the secret key goes, outside the repository)");
  process.exit(2);
}
if (existsSync(out)) {
  console.error(`keygen: ${out} exists; not overwriting a key`);
  process.exit(1);
}
const pem = generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString();
writeFileSync(out, pem, { mode: 0o600, flag: "wx" });
process.stdout.write(publicKeyFile(loadSecretKey(pem)));
