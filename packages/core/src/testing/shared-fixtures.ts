/**
 * @module testing/shared-fixtures
 * Locates the real opsi fixture files of `../shared/fixtures` (beside the checkout), wherever the
 * checkout lives: `OPSI_TS_SHARED_DIR`, then the directories above this file, then `/work/shared`.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

function candidates(): string[] {
  const out: string[] = [];
  if (process.env.OPSI_TS_SHARED_DIR) out.push(process.env.OPSI_TS_SHARED_DIR);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    out.push(join(dir, "shared"));
    const parent = resolve(dir, "..");
    if (parent === dir) break;
    dir = parent;
  }
  out.push("/work/shared");
  return out;
}

let sharedDir: string | undefined;

/**
 * Absolute path of a file below the shared directory (`spec/…`, `fixtures/…`, `bench/…`); throws naming
 * every place it looked.
 * @example readFileSync(sharedPath("spec/rpc-interface.json"), "utf8")
 */
export function sharedPath(relative: string): string {
  if (!sharedDir) {
    const tried = candidates();
    sharedDir = tried.find((d) => existsSync(join(d, "fixtures")));
    if (!sharedDir) {
      throw new Error(`shared fixtures not found (set OPSI_TS_SHARED_DIR); looked in: ${tried.join(", ")}`);
    }
  }
  return join(sharedDir, relative);
}

/**
 * Absolute path of a file below `shared/fixtures`.
 * @example readFileSync(sharedFixturePath("hwaudit/opsihwaudit.conf"), "utf8")
 */
export function sharedFixturePath(relative: string): string {
  return sharedPath(join("fixtures", relative));
}

/**
 * Reads a fixture file as UTF-8 text.
 * @example const conf = readSharedFixture("hwaudit/opsihwaudit.conf")
 */
export function readSharedFixture(relative: string): string {
  return readFileSync(sharedFixturePath(relative), "utf8");
}
