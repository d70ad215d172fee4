// Signing release files in minisign's format (https://jedisct1.github.io/minisign/), with
// Ed25519 keys kept as PKCS#8 PEM files (what `openssl genpkey -algorithm ed25519` writes, and
// what build/keygen.ts writes). The signature is minisign's prehashed kind ("ED": Ed25519 over
// the file's BLAKE2b-512), which `minisign -V` verifies and OpenSSL 3 can check too
// (install.sh does, when minisign is not installed).

import { createHash, createPrivateKey, createPublicKey, sign, type KeyObject } from "node:crypto";

/** The 32-byte Ed25519 public key of a private key. */
function rawPublicKey(secret: KeyObject): Buffer {
  const der = createPublicKey(secret).export({ format: "der", type: "spki" });
  return der.subarray(der.length - 32); // SPKI for Ed25519: a 12-byte header, then the key
}

/** minisign's 8-byte key id; ours is derived from the public key, so the PEM file is enough. */
function keyId(pk: Buffer): Buffer {
  return createHash("sha256").update(pk).digest().subarray(0, 8);
}

export function loadSecretKey(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== "ed25519") throw new Error(`the signing key is ${key.asymmetricKeyType ?? "not an asymmetric key"}, not Ed25519`);
  return key;
}

/** The key id as minisign prints it (hex of the little-endian u64). */
export function keyIdHex(secret: KeyObject): string {
  return Buffer.from(keyId(rawPublicKey(secret))).reverse().toString("hex").toUpperCase();
}

/** The public key line (base64 of "Ed" + key id + key), as `minisign -P` takes it. */
export function publicKeyLine(secret: KeyObject): string {
  const pk = rawPublicKey(secret);
  return Buffer.concat([Buffer.from("Ed"), keyId(pk), pk]).toString("base64");
}

/** A minisign public key file (minisign.pub). */
export function publicKeyFile(secret: KeyObject): string {
  return `untrusted comment: minisign public key ${keyIdHex(secret)}\n${publicKeyLine(secret)}\n`;
}

/** The .minisig file for `data` (named `fileName` in the trusted comment). */
export function signMinisign(secret: KeyObject, data: Uint8Array, fileName: string, now = new Date()): string {
  const pk = rawPublicKey(secret);
  const hash = new Bun.CryptoHasher("blake2b512").update(data).digest();
  const signature = sign(null, hash, secret);
  const trusted = `timestamp:${Math.floor(now.getTime() / 1000)}\tfile:${fileName}\thashed`;
  const global = sign(null, Buffer.concat([signature, Buffer.from(trusted)]), secret);
  return [
    `untrusted comment: signature from tend's release key ${keyIdHex(secret)}`,
    Buffer.concat([Buffer.from("ED"), keyId(pk), signature]).toString("base64"),
    `trusted comment: ${trusted}`,
    global.toString("base64"),
    "",
  ].join("\n");
}
