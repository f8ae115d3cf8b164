/** @module repository/metadata — the `packages.json` repository metadata file (schema_version "1.1") of opsi-cli/opsi-package-updater. */
import { readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { BackendBadValueError } from "@opsi-ts/core";
import { z } from "zod";
import { type ExtractLimits, readPackageInfo } from "../package/archive.js";
import { hashFile, writeMd5File } from "../side-files/md5.js";
import { createZsyncFile } from "../side-files/zsync.js";

/** Thrown when repository metadata does not match schema 1.1. */
export class RepositoryMetadataError extends BackendBadValueError {
  static override readonly shortDescription: string = "Bad repository metadata";
}

const nullableString = z.string().nullable();

const CompatibilitySchema = z.object({
  os: z.enum(["windows", "macos", "linux", "opsi-local-image"]),
  arch: z.enum(["all", "x86", "x64", "arm64"]),
});

const ProductDependencySchema = z.object({
  productAction: z.string(),
  requiredProductId: z.string(),
  requiredProductVersion: nullableString.default(null),
  requiredPackageVersion: nullableString.default(null),
  requiredAction: nullableString.default(null),
  requiredInstallationStatus: nullableString.default(null),
  requirementType: nullableString.default(null),
});

const PackageDependencySchema = z.object({
  package: z.string(),
  version: nullableString.default(null),
  condition: nullableString.default(null),
});

const PackageSchema = z.object({
  url: z.union([z.string(), z.array(z.string()).min(1)]),
  size: z.number().int().nonnegative(),
  md5_hash: z.string().regex(/^[0-9a-f]{32}$/i, "must be 32 hex digits"),
  sha256_hash: z.string().regex(/^[0-9a-f]{64}$/i, "must be 64 hex digits"),
  product_id: z.string().min(1),
  product_version: z.string().min(1),
  package_version: z.string().min(1),
  name: nullableString.default(null),
  priority: z.number().int().nullable().default(0),
  product_dependencies: z.array(ProductDependencySchema).default([]),
  package_dependencies: z.array(PackageDependencySchema).default([]),
  description: nullableString.default(null),
  compatibility: z.array(CompatibilitySchema).nullable().default(null),
  changelog_url: nullableString.default(null),
  release_notes_url: nullableString.default(null),
  icon_url: nullableString.default(null),
  zsync_url: z.union([z.string(), z.array(z.string().nullable()), z.null()]).default(null),
  release_date: nullableString.default(null),
});

const MetadataSchema = z.object({
  schema_version: z.string().default("1.1"),
  repository: z.object({ name: z.string().default("opsi package repository") }).default({ name: "opsi package repository" }),
  metadata_files: z.array(z.object({ type: z.enum(["packages", "custom"]), urls: z.array(z.string()) })).default([]),
  packages: z.record(z.string(), z.record(z.string(), PackageSchema)).default({}),
});

/** `os`/`arch` pair of a package's `compatibility` list. */
export type RepositoryCompatibility = z.output<typeof CompatibilitySchema>;
/** A product dependency as stored in `packages.json` (null members kept). */
export type RepositoryProductDependency = z.output<typeof ProductDependencySchema>;
/** A `[Package] depends` entry as stored in `packages.json`. */
export type RepositoryPackageDependency = z.output<typeof PackageDependencySchema>;
/** One package version in `packages.json`. */
export type RepositoryPackage = z.output<typeof PackageSchema>;
/** The whole `packages.json` document. */
export type RepositoryMetadata = z.output<typeof MetadataSchema>;

/** Options of {@link createRepositoryMetadata} and {@link writeRepositoryMetadata}. */
export interface RepositoryMetadataOptions {
  /** `repository.name` (default "opsi package repository"). */
  readonly repoName?: string;
  /** `metadata_files` entries (default none). */
  readonly metadataFiles?: RepositoryMetadata["metadata_files"];
  /** `compatibility` of every package, or per product id (default null). */
  readonly compatibility?: readonly RepositoryCompatibility[] | ((productId: string) => readonly RepositoryCompatibility[] | null);
  /** Create missing `.md5` and `.zsync` side files next to the packages (default false). */
  readonly createSideFiles?: boolean;
  /** Timestamp for `release_date` (default now). */
  readonly now?: Date;
  /** Decompression limits passed to {@link readPackageInfo}. */
  readonly limits?: ExtractLimits;
}

/**
 * Parses a compatibility string of the CLI form `<os>-<arch>` (split at the last `-`).
 * @example parseCompatibility("opsi-local-image-x64") // { os: "opsi-local-image", arch: "x64" }
 */
export function parseCompatibility(value: string): RepositoryCompatibility {
  const cut = value.lastIndexOf("-");
  const parsed = CompatibilitySchema.safeParse({ os: value.slice(0, cut), arch: value.slice(cut + 1) });
  if (cut < 1 || !parsed.success) throw new RepositoryMetadataError(`Invalid compatibility string: '${value}' (<os>-<arch> needed)`);
  return parsed.data;
}

/** msgspec's datetime encoding: RFC 3339, microseconds, `Z`. */
function releaseDate(date: Date): string {
  const iso = date.toISOString();
  const ms = date.getUTCMilliseconds();
  return ms === 0 ? iso.replace(/\.\d{3}Z$/, "Z") : iso.replace(/\.(\d{3})Z$/, ".$1000Z");
}

async function* opsiFiles(dir: string): AsyncGenerator<string> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const abs = join(dir, entry.name);
    if (entry.isDirectory()) yield* opsiFiles(abs);
    else if (entry.isFile() && entry.name.endsWith(".opsi")) yield abs;
  }
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch((_e: unknown) => null)) !== null;
}

function orNull(value: string | null | undefined): string | null {
  return value ? value : null;
}

/**
 * Reads one package file into its `packages.json` entry (`url` relative to `baseDir`, `/`-separated).
 * Hashes are computed in one streaming pass; unlike upstream (which always writes the empty-input hash)
 * `sha256_hash` is the real SHA-256 of the file.
 * @example const entry = await describePackage("/srv/repo", "/srv/repo/win/x_1.0-1.opsi")
 */
export async function describePackage(
  baseDir: string,
  packagePath: string,
  options: RepositoryMetadataOptions = {},
): Promise<RepositoryPackage> {
  const url = relative(baseDir, packagePath).split(sep).join("/");
  const info = await readPackageInfo(packagePath, options.limits);
  const { size } = await stat(packagePath);
  const hashes = await hashFile(packagePath, ["md5", "sha256"]);
  if (options.createSideFiles) {
    if (!(await exists(`${packagePath}.md5`))) await writeMd5File(packagePath);
    if (!(await exists(`${packagePath}.zsync`))) await createZsyncFile(packagePath);
  }
  const { product, productDependencies, packageDependencies } = info.control;
  const compat = typeof options.compatibility === "function" ? options.compatibility(product.id) : options.compatibility;
  return {
    url,
    size,
    md5_hash: hashes.md5,
    sha256_hash: hashes.sha256,
    product_id: product.id,
    product_version: product.productVersion,
    package_version: product.packageVersion,
    name: product.name ?? null,
    priority: product.priority ?? 0,
    product_dependencies: productDependencies.map((d) => ({
      productAction: d.productAction ?? "",
      requiredProductId: d.requiredProductId,
      requiredProductVersion: orNull(d.requiredProductVersion),
      requiredPackageVersion: orNull(d.requiredPackageVersion),
      requiredAction: orNull(d.requiredAction),
      requiredInstallationStatus: orNull(d.requiredInstallationStatus),
      requirementType: orNull(d.requirementType),
    })),
    package_dependencies: packageDependencies.map((d) => ({
      package: d.package,
      version: orNull(d.version),
      condition: orNull(d.condition),
    })),
    description: product.description ?? null,
    compatibility: compat && compat.length > 0 ? [...compat] : null,
    changelog_url: null,
    release_notes_url: null,
    icon_url: null,
    zsync_url: (await exists(`${packagePath}.zsync`)) ? `${url}.zsync` : null,
    release_date: releaseDate(options.now ?? new Date()),
  };
}

function asList<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** Same package (id, version, hashes) found twice: union the URLs, zsync URLs kept parallel. */
function merge(a: RepositoryPackage, b: RepositoryPackage): RepositoryPackage {
  const urls = asList(a.url);
  const zsync = Array.isArray(a.zsync_url)
    ? [...a.zsync_url]
    : urls.map((_u, i) => (i === 0 && typeof a.zsync_url === "string" ? a.zsync_url : null));
  const bZsync = typeof b.zsync_url === "string" ? b.zsync_url : null;
  for (const url of asList(b.url)) {
    if (urls.includes(url)) continue;
    urls.push(url);
    zsync.push(bZsync);
  }
  return { ...a, url: urls, zsync_url: zsync };
}

/**
 * Scans `dir` recursively (sorted, streaming one package at a time) for `*.opsi` files and builds the
 * schema 1.1 metadata, keeping every version. The same package (id, version and hashes) found at two
 * paths gets a URL list; a different package with the same id and version replaces the earlier one.
 * @example const meta = await createRepositoryMetadata("/var/lib/opsi/repository", { repoName: "local" })
 */
export async function createRepositoryMetadata(dir: string, options: RepositoryMetadataOptions = {}): Promise<RepositoryMetadata> {
  const packages: Record<string, Record<string, RepositoryPackage>> = {};
  for await (const path of opsiFiles(dir)) {
    const entry = await describePackage(dir, path, options);
    const versions = packages[entry.product_id] ?? {};
    packages[entry.product_id] = versions;
    const key = `${entry.product_version}-${entry.package_version}`;
    const existing = versions[key];
    versions[key] =
      existing && existing.md5_hash === entry.md5_hash && existing.sha256_hash === entry.sha256_hash ? merge(existing, entry) : entry;
  }
  return {
    schema_version: "1.1",
    repository: { name: options.repoName ?? "opsi package repository" },
    metadata_files: [...(options.metadataFiles ?? [])],
    packages,
  };
}

/**
 * Scans `dir` like {@link createRepositoryMetadata} and writes `<dir>/packages.json` atomically
 * (temporary file + rename) as compact JSON in the dataclass field order.
 * @example await writeRepositoryMetadata("/var/lib/opsi/repository")
 */
export async function writeRepositoryMetadata(dir: string, options: RepositoryMetadataOptions = {}): Promise<RepositoryMetadata> {
  const metadata = await createRepositoryMetadata(dir, options);
  const target = join(dir, "packages.json");
  const partial = join(dir, `.packages.json.${process.pid}.partial`);
  try {
    await writeFile(partial, JSON.stringify(metadata), { mode: 0o644 });
    await rename(partial, target);
  } catch (e: unknown) {
    await rm(partial, { force: true });
    throw e;
  }
  return metadata;
}

/**
 * Parses and validates `packages.json` content (text, bytes or an already parsed value). Unknown keys
 * are dropped; fields missing in older files get their defaults. Errors name every offending path.
 * @example const meta = readRepositoryMetadata(await readFile("packages.json", "utf8"))
 */
export function readRepositoryMetadata(json: string | Uint8Array | unknown): RepositoryMetadata {
  let value: unknown = json;
  if (typeof json === "string" || json instanceof Uint8Array) {
    const text = typeof json === "string" ? json : Buffer.from(json).toString("utf8");
    try {
      value = JSON.parse(text);
    } catch (e: unknown) {
      throw new RepositoryMetadataError(`Repository metadata is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const parsed = MetadataSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join(".") : "(root)"}: ${i.message}`);
    throw new RepositoryMetadataError(`Invalid repository metadata: ${issues.join("; ")}`);
  }
  for (const [productId, versions] of Object.entries(parsed.data.packages)) {
    for (const [version, pkg] of Object.entries(versions)) {
      if (pkg.product_id !== productId || `${pkg.product_version}-${pkg.package_version}` !== version) {
        throw new RepositoryMetadataError(
          `Invalid repository metadata: packages.${productId}.${version} describes ${pkg.product_id} ${pkg.product_version}-${pkg.package_version}`,
        );
      }
    }
  }
  return parsed.data;
}
