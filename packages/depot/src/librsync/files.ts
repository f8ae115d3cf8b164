/**
 * @module librsync/files — the file-level operations opsi's depot methods use
 * (`librsyncSignature`, `librsyncDeltaFile`, `librsyncPatchFile`), streaming from and to disk.
 * Outputs are written to a temporary file beside the target and renamed into place.
 */
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { open, readFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { generateDelta } from "./delta.js";
import { applyDelta, type BasisReader } from "./patch.js";
import { generateSignature, parseSignature, type Signature, type SignatureOptions } from "./signature.js";

/** Read chunk size for the input files. */
const READ_CHUNK = 256 * 1024;

async function writeAtomically(target: string, data: AsyncIterable<Uint8Array>): Promise<void> {
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await pipeline(Readable.from(data, { objectMode: false }), createWriteStream(temp, { flags: "wx" }));
    await rename(temp, target);
  } catch (e: unknown) {
    await rm(temp, { force: true });
    throw e;
  }
}

/**
 * The librsync signature of a file (opsi: MD4, 2048-byte blocks, 8-byte strong sums by default).
 * @example (await signatureFile("/var/lib/opsi/repository/x_1.0-1.opsi")).toString("base64")
 */
export async function signatureFile(path: string, options: SignatureOptions = {}): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of generateSignature(createReadStream(path, { highWaterMark: READ_CHUNK }), options)) parts.push(part);
  return Buffer.concat(parts);
}

/**
 * Writes the delta from the file described by `signature` (raw signature bytes or a parsed
 * {@link Signature}) to `newFile` into `deltaPath`.
 * @example await deltaFile("new.opsi", await readFile("old.sig"), "new.delta")
 */
export async function deltaFile(newFile: string, signature: Uint8Array | Signature, deltaPath: string): Promise<void> {
  if (resolve(newFile) === resolve(deltaPath)) throw new Error("librsync: file and delta file are the same file");
  const sig = signature instanceof Uint8Array ? parseSignature(signature) : signature;
  await writeAtomically(deltaPath, generateDelta(sig, createReadStream(newFile, { highWaterMark: READ_CHUNK })));
}

/**
 * Like {@link deltaFile} with the signature read from a file.
 * @example await deltaFileFromSignatureFile("new.opsi", "old.sig", "new.delta")
 */
export async function deltaFileFromSignatureFile(newFile: string, signaturePath: string, deltaPath: string): Promise<void> {
  await deltaFile(newFile, await readFile(signaturePath), deltaPath);
}

/**
 * Rebuilds `newFile` from `oldFile` and the librsync delta in `deltaPath` (all three must differ).
 * @example await patchFile("old.opsi", "new.delta", "new.opsi")
 */
export async function patchFile(oldFile: string, deltaPath: string, newFile: string): Promise<void> {
  const [o, d, n] = [resolve(oldFile), resolve(deltaPath), resolve(newFile)];
  if (o === n) throw new Error("librsync: oldfile and newfile are the same file");
  if (d === n) throw new Error("librsync: deltafile and newfile are the same file");
  if (o === d) throw new Error("librsync: oldfile and deltafile are the same file");
  const handle = await open(oldFile, "r");
  try {
    const basis: BasisReader = {
      async read(position: number, length: number): Promise<Uint8Array> {
        const buffer = Buffer.allocUnsafe(length);
        let got = 0;
        while (got < length) {
          const { bytesRead } = await handle.read(buffer, got, length - got, position + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        return buffer.subarray(0, got);
      },
    };
    await writeAtomically(newFile, applyDelta(basis, createReadStream(deltaPath, { highWaterMark: READ_CHUNK })));
  } finally {
    await handle.close();
  }
}
