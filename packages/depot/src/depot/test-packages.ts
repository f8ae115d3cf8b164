/** @module depot/test-packages — builds small `.opsi` packages for the install tests. */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { buildPackage } from "../package/build.js";

/** Description of a test package. */
export interface TestPackageSpec {
  readonly id: string;
  readonly productVersion: string;
  readonly packageVersion: string;
  readonly type?: "localboot" | "netboot";
  /** `[Package] depends` entries as TOML inline tables, e.g. `{ package = "x", condition = ">=", version = "1.0-1" }`. */
  readonly depends?: readonly string[];
  /** Extra `[[ProductDependency]]` / `[[ProductProperty]]` TOML text. */
  readonly extraToml?: string;
  /** CLIENT_DATA files: relative path → content. */
  readonly files?: Readonly<Record<string, string | Buffer>>;
  /** SERVER_DATA files: relative path → content. */
  readonly serverFiles?: Readonly<Record<string, string>>;
  readonly preinst?: string;
  readonly postinst?: string;
}

async function writeTree(root: string, files: Readonly<Record<string, string | Buffer>>): Promise<void> {
  await mkdir(root, { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), content);
  }
}

/**
 * Writes a source tree for `spec` and builds it into `outDir`; returns the package path.
 * @example const file = await makeTestPackage({ id: "demo", productVersion: "1.0", packageVersion: "1" }, "/tmp/out")
 */
export async function makeTestPackage(spec: TestPackageSpec, outDir: string): Promise<string> {
  const src = await mkdtemp(join(tmpdir(), "opsi-testpkg-"));
  const depends = (spec.depends ?? []).join(", ");
  const toml = `[Package]
version = "${spec.packageVersion}"
depends = [${depends}]

[Product]
type = "${spec.type ?? "localboot"}"
id = "${spec.id}"
name = "${spec.id} product"
description = "test"
advice = ""
version = "${spec.productVersion}"
priority = 0
licenseRequired = false
productClasses = []
setupScript = "setup.opsiscript"
uninstallScript = ""
updateScript = ""
alwaysScript = ""
onceScript = ""
customScript = ""
userLoginScript = ""
windowsSoftwareIds = []
${spec.extraToml ?? ""}
`;
  const opsi: Record<string, string> = { "control.toml": toml };
  if (spec.preinst !== undefined) opsi.preinst = spec.preinst;
  if (spec.postinst !== undefined) opsi.postinst = spec.postinst;
  await writeTree(join(src, "OPSI"), opsi);
  await writeTree(join(src, "CLIENT_DATA"), spec.files ?? { "setup.opsiscript": `Message "${spec.productVersion}"\n` });
  if (spec.serverFiles) await writeTree(join(src, "SERVER_DATA"), spec.serverFiles);
  return (await buildPackage(src, { outDir, overwrite: true })).path;
}
