/** @module repository/updater/lock — the package directory lock that keeps a second updater run out. */
import { mkdir, open, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { UpdaterAlreadyRunningError } from "./errors.js";

/** Name of the lock file inside the package directory. */
export const UPDATER_LOCK_FILE = ".opsi-package-updater.lock";

/** A held lock. */
export interface UpdaterLock {
  readonly path: string;
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e: unknown) {
    return (e as NodeJS.ErrnoException | undefined)?.code === "EPERM";
  }
}

/**
 * Creates `<packageDir>/.opsi-package-updater.lock` holding this process id (the directory is created
 * if needed). A lock of a running process (this one included) throws {@link UpdaterAlreadyRunningError};
 * a stale lock (dead or unreadable pid) is replaced.
 * @example const lock = await acquireUpdaterLock("/var/lib/opsi/repository"); try { ... } finally { await lock.release(); }
 */
export async function acquireUpdaterLock(packageDir: string): Promise<UpdaterLock> {
  await mkdir(packageDir, { recursive: true });
  const path = join(packageDir, UPDATER_LOCK_FILE);
  for (let tries = 0; ; tries++) {
    try {
      const handle = await open(path, "wx", 0o644);
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      let released = false;
      return {
        path,
        async release(): Promise<void> {
          if (released) return;
          released = true;
          await rm(path, { force: true });
        },
      };
    } catch (e: unknown) {
      if ((e as NodeJS.ErrnoException | undefined)?.code !== "EEXIST" || tries >= 2) throw e;
    }
    const content = await readFile(path, "utf8").catch(() => "");
    const pid = Number(content.trim());
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
      throw new UpdaterAlreadyRunningError(`The package updater is already running (pid ${pid}, lock file ${path})`);
    }
    await rm(path, { force: true });
  }
}
