/** @module methods/credentials-store opsi's `/etc/opsi/passwd` (depot user credentials, Blowfish-CBC with a host key) behind a small store interface. */
import { createCipheriv, createDecipheriv } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { BackendBadValueError, BackendNotImplementedError } from "@opsi-ts/core";

/** Blowfish-CBC as opsi uses it: key = the hex-decoded opsi host key, IV `OPSI1234`, NUL padding, hex text. */
export interface BlowfishCipher {
  /** Encrypts UTF-8 text; returns lowercase hex. */
  encrypt(hostKeyHex: string, plaintext: string): string;
  /** Decrypts hex; trailing NUL padding is removed. */
  decrypt(hostKeyHex: string, ciphertextHex: string): string;
}

/** Where the encrypted passwords live (`<username>:<hex>` lines). */
export interface CredentialsStore {
  /** Human-readable location for error messages (a file path). */
  readonly location: string;
  /** The Blowfish implementation, or undefined when this Node.js build has none. */
  readonly cipher: BlowfishCipher | undefined;
  /** The encrypted password (hex) of a user, or null. */
  readEncrypted(username: string): Promise<string | null>;
  /** Stores the encrypted password (hex) of a user, replacing an existing line. */
  writeEncrypted(username: string, encryptedHex: string): Promise<void>;
}

const IV = Buffer.from("OPSI1234", "latin1");
const LINE = /^\s*([^:]+?)\s*:\s*(\S+)\s*$/;

function keyBytes(hostKeyHex: string): Buffer {
  if (!/^[0-9a-fA-F]+$/.test(hostKeyHex) || hostKeyHex.length % 2 !== 0) {
    throw new BackendBadValueError("Invalid opsi host key for Blowfish: not a hex string");
  }
  return Buffer.from(hostKeyHex, "hex");
}

/**
 * The node:crypto Blowfish (`bf-cbc`), or undefined when OpenSSL 3 has it only in its legacy
 * provider and Node.js was not started with `--openssl-legacy-provider`.
 * @example const cipher = nodeBlowfishCipher(); if (!cipher) console.log("no Blowfish");
 */
export function nodeBlowfishCipher(): BlowfishCipher | undefined {
  const cipher: BlowfishCipher = {
    encrypt(hostKeyHex, plaintext) {
      const data = Buffer.from(plaintext, "utf8");
      const padded = Buffer.alloc(Math.ceil(data.length / 8) * 8);
      data.copy(padded);
      const c = createCipheriv("bf-cbc", keyBytes(hostKeyHex), IV);
      c.setAutoPadding(false);
      return Buffer.concat([c.update(padded), c.final()]).toString("hex");
    },
    decrypt(hostKeyHex, ciphertextHex) {
      const data = Buffer.from(ciphertextHex, "hex");
      if (data.length % 8 !== 0) throw new BackendBadValueError("Invalid Blowfish ciphertext length");
      const d = createDecipheriv("bf-cbc", keyBytes(hostKeyHex), IV);
      d.setAutoPadding(false);
      const plain = Buffer.concat([d.update(data), d.final()]);
      let end = plain.length;
      while (end > 0 && plain[end - 1] === 0) end--;
      return plain.subarray(0, end).toString("utf8");
    },
  };
  try {
    cipher.decrypt("00112233445566778899aabbccddeeff", cipher.encrypt("00112233445566778899aabbccddeeff", "probe"));
    return cipher;
  } catch (e: unknown) {
    if (e instanceof Error) return undefined;
    throw e;
  }
}

/**
 * The cipher of a store, or a {@link BackendNotImplementedError} that says why there is none.
 * @example const cipher = requireCipher(store, "user_getCredentials");
 */
export function requireCipher(store: CredentialsStore, method: string): BlowfishCipher {
  if (store.cipher) return store.cipher;
  throw new BackendNotImplementedError(
    `${method} needs Blowfish-CBC (opsi's /etc/opsi/passwd format), which this Node.js/OpenSSL build does not provide; start Node.js with --openssl-legacy-provider`,
  );
}

/**
 * A credentials store in opsi's passwd file format (`<username>:<hex>` per line), written atomically.
 * @example const store = new FileCredentialsStore("/var/lib/opsi-ts/passwd");
 */
export class FileCredentialsStore implements CredentialsStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly location: string,
    readonly cipher: BlowfishCipher | undefined = nodeBlowfishCipher(),
  ) {}

  private async lines(): Promise<string[]> {
    try {
      return (await readFile(this.location, "utf8")).split(/\r?\n/);
    } catch (e: unknown) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
  }

  async readEncrypted(username: string): Promise<string | null> {
    for (const line of await this.lines()) {
      const m = LINE.exec(line);
      if (m && m[1] === username) return m[2] ?? null;
    }
    return null;
  }

  writeEncrypted(username: string, encryptedHex: string): Promise<void> {
    if (username.includes(":") || /\s/.test(username)) return Promise.reject(new BackendBadValueError(`Invalid username '${username}'`));
    const run = async () => {
      const out: string[] = [];
      let replacedLine = false;
      for (const line of await this.lines()) {
        const m = LINE.exec(line);
        if (!m) continue;
        if (m[1] === username) {
          out.push(`${username}:${encryptedHex}`);
          replacedLine = true;
        } else {
          out.push(line.trim());
        }
      }
      if (!replacedLine) out.push(`${username}:${encryptedHex}`);
      await mkdir(dirname(this.location), { recursive: true });
      const tmp = `${this.location}.tmp-${process.pid}`;
      await writeFile(tmp, `${out.join("\n")}\n`, { mode: 0o600 });
      await rename(tmp, this.location);
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
