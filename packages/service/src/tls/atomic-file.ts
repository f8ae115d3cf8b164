/**
 * @module tls/atomic-file
 * Atomic file writes with a given mode (write a temp file next to the target, then rename), used
 * for keys, certificates and the user store.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Writes `content` to `path` atomically with file mode `mode`; readers see either the old or the
 * new file, never a partial one.
 * @example await writeFileAtomic("/var/lib/opsi-ts/tls/opsi-ca-key.pem", pem, 0o600);
 */
export async function writeFileAtomic(path: string, content: string | Buffer, mode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  const handle = await open(tmp, "wx", mode);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await chmod(tmp, mode);
    await rename(tmp, path);
  } catch (e: unknown) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

/**
 * Reads a UTF-8 file, or `undefined` when it does not exist.
 * @example const pem = await readFileIfExists("/var/lib/opsi-ts/tls/opsi-ca-cert.pem");
 */
export async function readFileIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (e: unknown) {
    if (typeof e === "object" && e !== null && (e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}
