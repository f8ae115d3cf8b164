/** @module commands/package — `opsi package make|info|extract`: build, inspect and unpack `.opsi` files locally (no service); `list` is in package-remote. */
import { readdir, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { BackendBadValueError, BackendIOError, BackendMissingDataError, OpsiError, toWire } from "@opsi-ts/core";
import { type BuildCompression, type BuildResult, buildPackage, extractPackage, type PackageInfo, readPackageInfo } from "@opsi-ts/depot";
import type { Command } from "commander";
import type { CliIo, CliOutput } from "../io.js";
import { registerPackageServiceCommands } from "./package-remote.js";
import { registerPackageUpdateCommand } from "./package-update.js";

/** Options of `opsi package make` (opsi-makepackage's names where it has them). */
interface MakeOptions {
  readonly out?: string;
  readonly compression?: string;
  readonly gzip?: boolean;
  readonly customName?: string;
  readonly customOnly?: string;
  readonly productVersion?: string;
  readonly packageVersion?: string;
  readonly keepVersions?: boolean;
  readonly followSymlinks?: boolean;
  readonly md5?: boolean;
  readonly zsync?: boolean;
  readonly tempDir?: string;
  readonly overwrite?: boolean;
  readonly json?: boolean;
}

/**
 * The inner compression of `--compression`: zstd (default) or gzip/gz. bzip2 is refused: opsi warns that
 * such packages cannot be synced, and writing it would need the external `bzip2` binary.
 * @example makeCompression("gz") // "gzip"
 */
export function makeCompression(value: string | undefined, gzip = false): BuildCompression {
  const v = (value ?? (gzip ? "gzip" : "zstd")).toLowerCase();
  if (v === "zstd") return "zstd";
  if (v === "gzip" || v === "gz") return "gzip";
  if (v === "bzip2" || v === "bz2") {
    throw new BackendBadValueError("bzip2 packages are not written (opsi calls them unsyncable): use --compression zstd or gzip");
  }
  throw new BackendBadValueError(`Unknown compression '${value ?? ""}': expected zstd, gzip or gz`);
}

/** The JSON `opsi package info --json` prints. */
export interface PackageInfoJson {
  readonly product: Record<string, unknown>;
  readonly properties: readonly Record<string, unknown>[];
  readonly dependencies: readonly Record<string, unknown>[];
  readonly packageDependencies: PackageInfo["control"]["packageDependencies"];
  readonly format: { readonly format: PackageInfo["format"]; readonly members: PackageInfo["members"] };
}

const SPINNER_DELAY_MS = 700;
const SPINNER_FRAMES = ["|", "/", "-", "\\"];

/**
 * Runs `work`, showing a spinner line on `err` if it is a terminal and the work takes longer than
 * `delayMs` (default 700 ms); the line is cleared afterwards.
 * @example const result = await withSpinner(io.stderr, "Building package ...", () => buildPackage(dir));
 */
export async function withSpinner<T>(err: CliOutput, label: string, work: () => Promise<T>, delayMs = SPINNER_DELAY_MS): Promise<T> {
  if (!err.isTTY) return work();
  let frame = 0;
  let shown = false;
  const tick = () => {
    shown = true;
    err.write(`\r${SPINNER_FRAMES[frame % SPINNER_FRAMES.length] ?? "-"} ${label}`);
    frame += 1;
  };
  let interval: NodeJS.Timeout | undefined;
  const delay = setTimeout(() => {
    tick();
    interval = setInterval(tick, 120);
    interval.unref();
  }, delayMs);
  delay.unref();
  try {
    return await work();
  } finally {
    clearTimeout(delay);
    if (interval) clearInterval(interval);
    if (shown) err.write("\r\u001b[K");
  }
}

async function requireFile(path: string): Promise<void> {
  const info = await stat(path).catch(() => null);
  if (!info) throw new BackendMissingDataError(`Package file '${path}' not found`);
  if (!info.isFile()) throw new BackendBadValueError(`'${path}' is not a file`);
}

/**
 * Runs a package read, turning the archive library's plain errors (truncated streams, corrupt
 * compression) into `BackendBadValueError` and system errors into `BackendIOError`, naming the file.
 */
async function reading<T>(path: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e: unknown) {
    if (e instanceof OpsiError || !(e instanceof Error)) throw e;
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^E[A-Z]+$/.test(code)) throw new BackendIOError(e.message, { cause: e });
    throw new BackendBadValueError(`Broken package '${path}': ${e.message}`, { cause: e });
  }
}

/**
 * The JSON form of a package's info: the product, properties and dependencies in opsi's wire form
 * (with `ident`), the package dependencies and the archive format.
 * @example packageInfoJson(await readPackageInfo("hwaudit_4.3-1.opsi")).product.ident // "hwaudit;4.3;1"
 */
export function packageInfoJson(info: PackageInfo): PackageInfoJson {
  const { control } = info;
  return {
    product: toWire(control.product),
    properties: control.productProperties.map((p) => toWire(p)),
    dependencies: control.productDependencies.map((d) => toWire(d)),
    packageDependencies: control.packageDependencies,
    format: { format: info.format, members: info.members },
  };
}

function text(value: unknown): string {
  if (value === null || value === undefined || value === "") return "-";
  if (Array.isArray(value)) return value.length > 0 ? value.map((v) => String(v)).join(", ") : "-";
  return String(value);
}

function indent(value: string): string {
  return value.replace(/\n/g, "\n             ");
}

/**
 * A human-readable summary of a package.
 * @example io.stdout.write(packageInfoText(info))
 */
export function packageInfoText(info: PackageInfo): string {
  const { product, productProperties, productDependencies, packageDependencies } = info.control;
  const lines = [
    `Product:     ${product.id} ${product.productVersion}-${product.packageVersion} (${product.type})`,
    `Name:        ${text(product.name)}`,
    `Description: ${indent(text(product.description))}`,
    `Advice:      ${indent(text(product.advice))}`,
    `Priority:    ${text(product.priority)}`,
  ];
  const scripts = (
    [
      ["setup", product.setupScript],
      ["uninstall", product.uninstallScript],
      ["update", product.updateScript],
      ["always", product.alwaysScript],
      ["once", product.onceScript],
      ["custom", product.customScript],
    ] as const
  ).filter(([, script]) => script);
  lines.push(`Scripts:     ${scripts.length > 0 ? scripts.map(([action, script]) => `${action}=${script}`).join(", ") : "-"}`);
  lines.push(
    `Package dependencies: ${
      packageDependencies.length > 0
        ? packageDependencies.map((d) => (d.version ? `${d.package} ${d.condition ?? "="} ${d.version}` : d.package)).join(", ")
        : "-"
    }`,
  );
  lines.push(`Product dependencies:${productDependencies.length > 0 ? "" : " -"}`);
  for (const d of productDependencies) {
    const required = [
      d.requiredInstallationStatus ? `status ${d.requiredInstallationStatus}` : "",
      d.requiredAction ? `action ${d.requiredAction}` : "",
    ]
      .filter((s) => s)
      .join(", ");
    lines.push(`  ${d.productAction}: ${d.requiredProductId} (${required || "-"}${d.requirementType ? `, ${d.requirementType}` : ""})`);
  }
  lines.push(`Properties:${productProperties.length > 0 ? "" : " -"}`);
  for (const p of productProperties) {
    const kind = p.type === "BoolProductProperty" ? "bool" : "unicode";
    const flags = [kind, p.editable ? "editable" : "", p.multiValue ? "multivalue" : ""].filter((s) => s).join(", ");
    lines.push(`  ${p.propertyId} (${flags}): values ${text(p.possibleValues)}; default ${text(p.defaultValues)}`);
  }
  lines.push(`Archive:     ${info.format}`);
  for (const m of info.members) {
    lines.push(`  ${m.name}: ${m.format}, ${m.compression}, ${m.size} bytes, ${m.entries} ${m.entries === 1 ? "entry" : "entries"}`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Adds the `package` command group to a program.
 * @example registerPackageCommands(program, io); // opsi package make ./firefox --out /tmp
 */
export function registerPackageCommands(program: Command, io: CliIo): void {
  const pkg = program
    .command("package")
    .description("build, inspect and extract opsi packages (.opsi files) locally, and list the packages on an opsi service's depots");

  pkg
    .command("make")
    .description(
      "build a package from a source directory (OPSI/ with control.toml or control, CLIENT_DATA/, SERVER_DATA/, custom OPSI.<c>/ ...), as opsi-makepackage",
    )
    .argument("<dir>", "the source directory")
    .option("-o, --out <dir>", "directory to write the package into (default: the source directory's parent)")
    .option("--compression <c>", "inner archive compression: zstd (default), gzip or gz (bzip2 is not written)")
    .option("--gzip", "short for --compression gzip")
    .option("-i, --custom-name <c>", "custom package: also packs OPSI.<c>/, CLIENT_DATA.<c>/, SERVER_DATA.<c>/; writes …~<c>.opsi")
    .option("-c, --custom-only <c>", "custom package of only the custom directories (plus OPSI/ if there is no OPSI.<c>/)")
    .option("--product-version <v>", "set the product version (rewrites the control file(s) in the source directory)")
    .option("--package-version <v>", "set the package version (rewrites the control file(s) in the source directory)")
    .option("-k, --keep-versions", "keep the versions of the control file (the default; never asks)")
    .option("-h, --follow-symlinks", "store the targets of symlinks instead of the links")
    .option("--no-md5", "do not write <package>.md5")
    .option("--no-zsync", "do not write <package>.zsync")
    .option("-t, --temp-dir <dir>", "directory of the lock file .opsi-makepackage.lock.<productId> (default: the system's)")
    .option("--overwrite", "replace an existing package file")
    .option("--json", "print {path, md5, size, members, sideFiles} as JSON")
    .helpOption("--help", "display help for command")
    .action(async (dir: string, options: MakeOptions) => {
      const source = resolve(io.cwd, dir);
      const info = await stat(source).catch(() => null);
      if (!info?.isDirectory()) throw new BackendMissingDataError(`Source directory '${source}' not found`);
      if (options.customName !== undefined && options.customOnly !== undefined) {
        throw new BackendBadValueError("Use either --custom-name or --custom-only");
      }
      if (options.keepVersions && (options.productVersion !== undefined || options.packageVersion !== undefined)) {
        throw new BackendBadValueError("--keep-versions cannot be combined with --product-version or --package-version");
      }
      const compression = makeCompression(options.compression, options.gzip);
      const customName = options.customName ?? options.customOnly;
      const result: BuildResult = await withSpinner(io.stderr, "Building package ...", () =>
        buildPackage(source, {
          ...(options.out === undefined ? {} : { outDir: resolve(io.cwd, options.out) }),
          compression,
          ...(customName === undefined ? {} : { customName, customOnly: options.customOnly !== undefined }),
          ...(options.productVersion === undefined ? {} : { productVersion: options.productVersion }),
          ...(options.packageVersion === undefined ? {} : { packageVersion: options.packageVersion }),
          followSymlinks: options.followSymlinks ?? false,
          md5File: options.md5 !== false,
          zsyncFile: options.zsync !== false,
          lock: options.tempDir === undefined ? true : resolve(io.cwd, options.tempDir),
          overwrite: options.overwrite ?? false,
        }),
      );
      if (options.json) {
        const { path, md5, size, members, sideFiles } = result;
        io.stdout.write(`${JSON.stringify({ path, md5, size, members, sideFiles }, null, 2)}\n`);
      } else {
        io.stdout.write(`${result.path}\nmd5: ${result.md5}\n`);
      }
    });

  pkg
    .command("info")
    .description("show the product, properties, dependencies and archive format of a package")
    .argument("<file>", "the .opsi file")
    .option("--json", "print a JSON object (product, properties, dependencies in opsi's wire form)")
    .action(async (file: string, options: { json?: boolean }) => {
      const path = resolve(io.cwd, file);
      await requireFile(path);
      const info = await withSpinner(io.stderr, "Reading package ...", () => reading(path, () => readPackageInfo(path)));
      if (options.json) io.stdout.write(`${JSON.stringify(packageInfoJson(info), null, 2)}\n`);
      else io.stdout.write(packageInfoText(info));
    });

  pkg
    .command("extract")
    .description("extract a package into <dir>/OPSI, <dir>/CLIENT_DATA and <dir>/SERVER_DATA (validated before anything is written)")
    .argument("<file>", "the .opsi file")
    .argument("<dir>", "the target directory (created if missing; must be empty unless --force)")
    .option("-f, --force", "extract into a non-empty directory (existing files are replaced)")
    .action(async (file: string, dir: string, options: { force?: boolean }) => {
      const path = resolve(io.cwd, file);
      const target = resolve(io.cwd, dir);
      await requireFile(path);
      const existing = await stat(target).catch(() => null);
      if (existing && !existing.isDirectory()) throw new BackendBadValueError(`Target '${target}' is not a directory`);
      if (existing && !options.force && (await readdir(target)).length > 0) {
        throw new BackendBadValueError(`Target directory '${target}' is not empty (use --force to extract anyway)`);
      }
      const info = await withSpinner(io.stderr, "Extracting package ...", () => reading(path, () => extractPackage(path, target)));
      const { product } = info.control;
      const lines = [`Extracted ${product.id} ${product.productVersion}-${product.packageVersion} to ${target}`];
      for (const m of info.members)
        lines.push(`  ${m.name} -> ${resolve(target, m.directory)} (${m.entries} ${m.entries === 1 ? "entry" : "entries"})`);
      io.stdout.write(`${lines.join("\n")}\n`);
    });

  registerPackageServiceCommands(pkg, io);
  registerPackageUpdateCommand(pkg, io);
}
