/** @module side-files/content-file — the `<productId>.files` package content file of a depot product directory. */
import type { Dirent } from "node:fs";
import { readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { md5File } from "./md5.js";

/** One line of a `.files` content file. */
export interface PackageContentEntry {
  readonly type: "f" | "d";
  /** Path relative to the product directory, `/`-separated. */
  readonly path: string;
  readonly size: number;
  /** MD5 of a file; "" for a directory. */
  readonly md5: string;
}

function byName(a: Dirent, b: Dirent): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * The entries below `productDir` in opsi's order (Python's `rglob("*")`: a directory's entries first,
 * then each subdirectory's in turn; entries of one directory sorted by name for reproducibility).
 * Symlinks are followed for files (target size and MD5) but never descended into; broken links are
 * skipped like opsi does; the content file `<dir name>.files` itself is left out.
 * @example for await (const e of packageContentEntries("/var/lib/opsi/depot/hwaudit")) console.log(e.path)
 */
export async function* packageContentEntries(productDir: string): AsyncGenerator<PackageContentEntry> {
  const own = `${basename(productDir)}.files`;
  const walk = async function* (dir: string, rel: string): AsyncGenerator<PackageContentEntry> {
    const entries = (await readdir(dir, { withFileTypes: true })).sort(byName);
    const subdirs: [string, string][] = [];
    for (const entry of entries) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (!rel && entry.name === own) continue;
      const abs = join(dir, entry.name);
      const target = await stat(abs).catch((_e: unknown) => null);
      if (!target) continue;
      if (target.isDirectory()) {
        yield { type: "d", path: relPath, size: 0, md5: "" };
        if (!entry.isSymbolicLink()) subdirs.push([abs, relPath]);
      } else {
        yield { type: "f", path: relPath, size: target.size, md5: await md5File(abs) };
      }
    }
    for (const [abs, relPath] of subdirs) yield* walk(abs, relPath);
  };
  yield* walk(productDir, "");
}

/**
 * Formats one content-file line: `f '<path>' <size> <md5>` or `d '<path>' 0 ` (trailing space), `'` escaped as `\'`.
 * @example formatContentLine({ type: "d", path: "files", size: 0, md5: "" }) // "d 'files' 0 "
 */
export function formatContentLine(entry: PackageContentEntry): string {
  return `${entry.type} '${entry.path.replaceAll("'", "\\'")}' ${entry.size} ${entry.md5}`;
}

/**
 * Writes `<productDir>/<dir name>.files` atomically (lines joined with `\n`, no trailing newline) and returns its path.
 * @example await createPackageContentFile("/var/lib/opsi/depot/hwaudit") // ".../hwaudit/hwaudit.files"
 */
export async function createPackageContentFile(productDir: string): Promise<string> {
  const lines: string[] = [];
  for await (const entry of packageContentEntries(productDir)) lines.push(formatContentLine(entry));
  const path = join(productDir, `${basename(productDir)}.files`);
  const partial = join(productDir, `.${basename(productDir)}.files.${process.pid}.partial`);
  try {
    await writeFile(partial, lines.join("\n"), { mode: 0o644 });
    await rename(partial, path);
  } catch (e: unknown) {
    await rm(partial, { force: true });
    throw e;
  }
  return path;
}
