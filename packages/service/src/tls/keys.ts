/**
 * @module tls/keys
 * RSA key pairs with node's native `generateKeyPair`, PEM (PKCS#8 / SPKI) in and out, and the
 * WebCrypto signing keys @peculiar/x509 needs.
 */
import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject, webcrypto } from "node:crypto";
import { promisify } from "node:util";

const generateKeyPairAsync = promisify(generateKeyPair);

/** A key pair as node key objects plus the private key as PKCS#8 PEM. */
export interface RsaKeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** Unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). */
  readonly privateKeyPem: string;
}

/**
 * Generates an RSA key pair (native, off the main thread). 4096 bits take about a second.
 * @example const { privateKeyPem } = await generateRsaKeyPair(4096);
 */
export async function generateRsaKeyPair(bits = 4096): Promise<RsaKeyPair> {
  const { privateKey, publicKey } = await generateKeyPairAsync("rsa", { modulusLength: bits, publicExponent: 0x10001 });
  return { privateKey, publicKey, privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString() };
}

/**
 * Loads a PEM private key (PKCS#1 or PKCS#8, optionally encrypted) into a key pair.
 * @example const pair = loadRsaKeyPair(fs.readFileSync("opsi-ca-key.pem", "utf8"));
 */
export function loadRsaKeyPair(pem: string, passphrase?: string): RsaKeyPair {
  const privateKey = createPrivateKey(passphrase ? { key: pem, format: "pem", passphrase } : { key: pem, format: "pem" });
  if (privateKey.asymmetricKeyType !== "rsa") throw new TypeError(`Not an RSA key: ${privateKey.asymmetricKeyType}`);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString() };
}

/**
 * Exports a private key as PKCS#8 PEM, encrypted with AES-256-CBC when a passphrase is given.
 * @example exportPrivateKeyPem(pair.privateKey, "secret")
 */
export function exportPrivateKeyPem(key: KeyObject, passphrase?: string): string {
  if (passphrase) return key.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase }).toString();
  return key.export({ type: "pkcs8", format: "pem" }).toString();
}

/**
 * SPKI DER of a public key (what certificates embed).
 * @example const der = spkiDer(pair.publicKey);
 */
export function spkiDer(publicKey: KeyObject): ArrayBuffer {
  const der = publicKey.export({ type: "spki", format: "der" });
  return der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength) as ArrayBuffer;
}

/**
 * Imports a private key as a WebCrypto RSASSA-PKCS1-v1_5/SHA-256 signing key.
 * @example const signingKey = await toSigningKey(pair.privateKey);
 */
export async function toSigningKey(privateKey: KeyObject): Promise<webcrypto.CryptoKey> {
  const der = privateKey.export({ type: "pkcs8", format: "der" });
  return webcrypto.subtle.importKey("pkcs8", der, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["sign"]);
}
