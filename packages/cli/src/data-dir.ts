/**
 * @module data-dir
 * Where the local data directory (users, TLS material) is.
 */
import { resolve } from "node:path";

/**
 * The data directory: `--data-dir`, else `$OPSI_TS_DATA_DIR`, else `./data`, resolved against `cwd`.
 * @example resolveDataDir(undefined, { OPSI_TS_DATA_DIR: "/var/lib/opsi-ts" }, "/") // "/var/lib/opsi-ts"
 */
export function resolveDataDir(option: string | undefined, env: Readonly<Record<string, string | undefined>>, cwd: string): string {
  return resolve(cwd, option ?? (env.OPSI_TS_DATA_DIR || "data"));
}
