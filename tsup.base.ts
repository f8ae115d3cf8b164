/**
 * @module tsup.base
 * The one tsup setup of every package: ESM for Node 20 with declarations and source maps.
 */
import { defineConfig, type Options } from "tsup";

/** tsup config of a package; `entry` defaults to `src/index.ts`. */
export function packageConfig(entry: Options["entry"] = { index: "src/index.ts" }, extra: Options = {}) {
  return defineConfig({ entry, format: ["esm"], dts: true, clean: true, sourcemap: true, target: "node20", ...extra });
}
