/** @module side-files/md5 — streaming MD5 of a file and the `<package>.opsi.md5` side file (32 hex digits, no newline). */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";
import { pipeline } from "node:stream/promises";

/**
 * Hex digests of a file, computed in one streaming pass.
 * @example const { md5, sha256 } = await hashFile("x_1.0-1.opsi", ["md5", "sha256"])
 */
export async function hashFile<A extends string>(path: string, algorithms: readonly A[]): Promise<Record<A, string>> {
  const hashes = algorithms.map((a) => [a, createHash(a)] as const);
  await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) for (const [, h] of hashes) h.update(chunk);
  });
  const out: Partial<Record<A, string>> = {};
  for (const [a, h] of hashes) out[a] = h.digest("hex");
  return out as Record<A, string>;
}

/**
 * Lowercase hex MD5 of a file (streamed).
 * @example await md5File("hwaudit_4.3-1.opsi") // "15329eb8cd987f46024b593f200b5295"
 */
export async function md5File(path: string): Promise<string> {
  return (await hashFile(path, ["md5"])).md5;
}

/**
 * Writes `<path>.md5` (or `outPath`) atomically: exactly the 32 hex digits, no file name and no newline,
 * because `depot_getMD5Sum` returns the content verbatim. Returns the digest.
 * @example const md5 = await writeMd5File("/var/lib/opsi/repository/hwaudit_4.3-1.opsi")
 */
export async function writeMd5File(path: string, outPath = `${path}.md5`): Promise<string> {
  const md5 = await md5File(path);
  const partial = `${outPath}.${process.pid}.partial`;
  try {
    await writeFile(partial, md5, { mode: 0o644 });
    await rename(partial, outPath);
  } catch (e: unknown) {
    await rm(partial, { force: true });
    throw e;
  }
  return md5;
}
