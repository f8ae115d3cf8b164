/** @module depot/swap — crash-safe replacement of a product directory (`<depotDir>/<productId>`) by renames, and the start-up recovery. */
import { randomBytes } from "node:crypto";
import { cp, lstat, mkdir, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";

/** Prefix of the directories an install extracts packages into (beside the product directories). */
export const STAGING_PREFIX = ".opsi-install-";
const NEW_SUFFIX = ".opsi-new";
const OLD_SUFFIX = ".opsi-old";

/** The complete new content, waiting to be swapped in: `<depotDir>/.<productId>.opsi-new`. */
export function newDirOf(depotDir: string, productId: string): string {
  return join(depotDir, `.${productId}${NEW_SUFFIX}`);
}

/** The previous content during a swap or removal: `<depotDir>/.<productId>.opsi-old`. */
export function oldDirOf(depotDir: string, productId: string): string {
  return join(depotDir, `.${productId}${OLD_SUFFIX}`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates a fresh, unique staging directory below `parent` (removed by recovery if left over).
 * @example const dir = await createStagingDir("/var/lib/opsi/depot")
 */
export async function createStagingDir(parent: string): Promise<string> {
  await mkdir(parent, { recursive: true });
  const dir = join(parent, `${STAGING_PREFIX}${randomBytes(8).toString("hex")}`);
  await mkdir(dir);
  return dir;
}

/**
 * Replaces `<depotDir>/<productId>` by the complete directory `source` with renames only:
 * `source` → `.<id>.opsi-new` (copied first if on another file system), `<id>` → `.<id>.opsi-old`,
 * `.<id>.opsi-new` → `<id>`, then the old one is deleted. Until the second rename the previous files
 * stay untouched; {@link recoverInterruptedInstalls} completes or rolls back an interrupted swap.
 * @example await swapProductDir("/var/lib/opsi/depot", "hwaudit", "/var/lib/opsi/depot/.opsi-install-1a/CLIENT_DATA")
 */
export async function swapProductDir(depotDir: string, productId: string, source: string): Promise<void> {
  const target = join(depotDir, productId);
  const next = newDirOf(depotDir, productId);
  const old = oldDirOf(depotDir, productId);
  await mkdir(depotDir, { recursive: true });
  await rm(next, { recursive: true, force: true });
  await rm(old, { recursive: true, force: true });
  try {
    await rename(source, next);
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code !== "EXDEV") throw e;
    // Another file system: copy into a staging dir beside the target, then rename (still atomic).
    const staging = await createStagingDir(depotDir);
    await cp(source, join(staging, "data"), { recursive: true, verbatimSymlinks: true });
    await rename(join(staging, "data"), next);
    await rm(staging, { recursive: true, force: true });
  }
  if (await exists(target)) await rename(target, old);
  await rename(next, target);
  await rm(old, { recursive: true, force: true });
}

/**
 * Removes `<depotDir>/<dirName>` crash-safely: renamed to `.<id>.opsi-old` first, then deleted.
 * @example await removeProductDir("/var/lib/opsi/depot", "hwaudit")
 */
export async function removeProductDir(depotDir: string, dirName: string): Promise<void> {
  const target = join(depotDir, dirName);
  if (!(await exists(target))) return;
  const old = oldDirOf(depotDir, dirName);
  await rm(old, { recursive: true, force: true });
  await rename(target, old);
  await rm(old, { recursive: true, force: true });
}

/** What {@link recoverInterruptedInstalls} did. */
export interface RecoveryReport {
  /** Staging and left-over directories that were deleted. */
  readonly removed: readonly string[];
  /** Products whose interrupted swap was completed (new content moved into place). */
  readonly completed: readonly string[];
}

/**
 * Start-up recovery of a depot directory after a crash or `kill -9` during an install or uninstall:
 * deletes staging directories, completes a swap whose old directory was already moved away, rolls
 * back one that had not started, and deletes left-over old directories. Afterwards every product
 * directory holds either the complete previous or the complete new content.
 * @example const report = await recoverInterruptedInstalls("/var/lib/opsi/depot")
 */
export async function recoverInterruptedInstalls(depotDir: string): Promise<RecoveryReport> {
  const removed: string[] = [];
  const completed: string[] = [];
  let names: string[];
  try {
    names = await readdir(depotDir);
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { removed, completed };
    throw e;
  }
  const remove = async (name: string): Promise<void> => {
    await rm(join(depotDir, name), { recursive: true, force: true });
    removed.push(name);
  };
  for (const name of names) if (name.startsWith(STAGING_PREFIX)) await remove(name);
  const ids = new Set<string>();
  for (const name of names) {
    if (!name.startsWith(".")) continue;
    if (name.endsWith(NEW_SUFFIX)) ids.add(name.slice(1, -NEW_SUFFIX.length));
    else if (name.endsWith(OLD_SUFFIX)) ids.add(name.slice(1, -OLD_SUFFIX.length));
  }
  for (const id of [...ids].sort()) {
    const target = join(depotDir, id);
    const next = newDirOf(depotDir, id);
    const hasTarget = await exists(target);
    const hasNew = await exists(next);
    if (!hasTarget && hasNew) {
      // The swap was committed (or a first install had finished staging): the new content is complete.
      await rename(next, target);
      completed.push(id);
    } else if (hasNew) {
      // The swap had not started: the previous content is in place and intact.
      await remove(`.${id}${NEW_SUFFIX}`);
    }
    // A left-over old directory is garbage in every case (swap done, or an interrupted removal).
    if (await exists(oldDirOf(depotDir, id))) await remove(`.${id}${OLD_SUFFIX}`);
  }
  return { removed, completed };
}
