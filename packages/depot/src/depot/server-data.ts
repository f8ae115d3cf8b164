/** @module depot/server-data — copies a package's SERVER_DATA to the allowed places of the depot server (opsi 4.3 rules). */
import { copyFile, lstat, mkdir, readdir } from "node:fs/promises";
import { join, posix } from "node:path";

/** Where SERVER_DATA files may go. */
export interface ServerDataTargets {
  /** File-system root the absolute target paths are resolved against (default `/`; tests use a temp dir). */
  readonly root?: string;
  /** The boot directory as an absolute path below `root` (default `/tftpboot`, or `/var/lib/tftpboot` where `/tftpboot` is missing). */
  readonly bootDir?: string;
}

/** Result of {@link copyServerData}. */
export interface ServerDataResult {
  /** Absolute target paths (relative to `root`) that were written. */
  readonly copied: readonly string[];
  /** Relative SERVER_DATA paths that were skipped (not under an allowed root). */
  readonly skipped: readonly string[];
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The boot directory opsi uses: `/tftpboot`, or `/var/lib/tftpboot` where `/tftpboot` is missing.
 * @example await defaultBootDir("/") // "/tftpboot"
 */
export async function defaultBootDir(root = "/"): Promise<string> {
  return (await isDir(join(root, "tftpboot"))) ? "/tftpboot" : "/var/lib/tftpboot";
}

/**
 * Maps a relative SERVER_DATA file path to its absolute target, or null when not allowed: a file whose
 * immediate parent is the top-level `tftpboot` or `$BOOT_DIR` goes to the boot directory; anything else
 * keeps its literal path and must lie below `/tmp`, `/var/lib/opsi` or the boot directory.
 * @example serverDataTarget("tftpboot/pxelinux.0", "/tftpboot") // "/tftpboot/pxelinux.0"
 */
export function serverDataTarget(rel: string, bootDir: string): string | null {
  const parts = rel.split("/");
  if (parts.some((p) => p === ".." || p === "")) return null;
  if (parts.length === 2 && (parts[0] === "tftpboot" || parts[0] === "$BOOT_DIR")) return posix.join(bootDir, parts[1] ?? "");
  const target = `/${rel}`;
  const allowed = ["/tmp", "/var/lib/opsi", bootDir].map((r) => r.replace(/\/+$/, ""));
  return allowed.some((r) => target.startsWith(`${r}/`)) ? target : null;
}

/**
 * Copies every regular file below `sourceDir` to its target (see {@link serverDataTarget}), creating
 * parent directories; files outside the allowed roots are skipped.
 * @example const { copied, skipped } = await copyServerData("/tmp/x/SERVER_DATA", { root: "/" })
 */
export async function copyServerData(sourceDir: string, targets: ServerDataTargets = {}): Promise<ServerDataResult> {
  const root = targets.root ?? "/";
  const bootDir = targets.bootDir ?? (await defaultBootDir(root));
  const copied: string[] = [];
  const skipped: string[] = [];
  const walk = async (abs: string, prefix: string): Promise<void> => {
    for (const entry of (await readdir(abs, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(join(abs, entry.name), rel);
      else if (entry.isFile()) {
        const target = serverDataTarget(rel, bootDir);
        if (target === null) {
          skipped.push(rel);
          continue;
        }
        await mkdir(join(root, posix.dirname(target)), { recursive: true });
        await copyFile(join(abs, entry.name), join(root, target));
        copied.push(target);
      }
    }
  };
  if (await isDir(sourceDir)) await walk(sourceDir, "");
  return { copied, skipped };
}
