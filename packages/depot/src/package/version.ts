/** @module package/version — opsi's version ordering (legacy setuptools key) and package file names. */
import { BackendBadValueError } from "@opsi-ts/core";

/** A comparison operator accepted by {@link compareVersionsCondition}. */
export type VersionCondition = "==" | "=" | "<" | "<=" | ">" | ">=";

const COMPONENT = /(\d+|[a-z]+|\.|-)/;
const REPLACE: Readonly<Record<string, string>> = { pre: "c", preview: "c", "-": "final-", rc: "c", dev: "@" };
const PRODUCT_VERSION = /^[a-zA-Z0-9.]{1,32}$/;
const PACKAGE_VERSION = /^[a-zA-Z0-9.]{1,16}$/;
const PRODUCT_ID = /^[a-z0-9][a-z0-9\-_.]{0,127}$/;
const CUSTOM_NAME = /^[a-zA-Z0-9]+$/;

function* versionParts(version: string): Generator<string> {
  for (const raw of version.split(COMPONENT)) {
    const part = REPLACE[raw] ?? raw;
    if (!part || part === ".") continue;
    yield /^[0-9]/.test(part) ? part.padStart(8, "0") : `*${part}`;
  }
  yield "*final";
}

/**
 * The setuptools `LegacyVersion` comparison key (without epoch) of a lowercased version.
 * @example legacyVersionKey("1.0a") // ["00000001", "*a", "*final"]
 */
export function legacyVersionKey(version: string): string[] {
  const parts: string[] = [];
  for (const part of versionParts(version.toLowerCase())) {
    if (part.startsWith("*")) {
      if (part < "*final") while (parts.at(-1) === "*final-") parts.pop();
      while (parts.at(-1) === "00000000") parts.pop();
    }
    parts.push(part);
  }
  return parts;
}

function stripCustom(version: string): string {
  const i = version.indexOf("~");
  return i === -1 ? version : version.slice(0, i);
}

/**
 * Compares two versions (`<productVersion>[-<packageVersion>]`, `~custom` ignored) like opsi's
 * `compare_versions`; returns -1, 0 or 1.
 * @example compareVersions("2.0a-1", "2.0-1") // -1
 */
export function compareVersions(a: string, b: string): -1 | 0 | 1 {
  const ka = legacyVersionKey(stripCustom(a));
  const kb = legacyVersionKey(stripCustom(b));
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    const x = ka[i] as string;
    const y = kb[i] as string;
    if (x !== y) return x < y ? -1 : 1;
  }
  return ka.length === kb.length ? 0 : ka.length < kb.length ? -1 : 1;
}

/**
 * Evaluates `a <condition> b` with {@link compareVersions}, validating both sides like opsi.
 * @example compareVersionsCondition("1.10-1", ">", "1.9-3") // true
 */
export function compareVersionsCondition(a: string, condition: string, b: string): boolean {
  validateCombinedVersion(a);
  validateCombinedVersion(b);
  const c = compareVersions(a, b);
  switch (condition) {
    case "==":
    case "=":
      return c === 0;
    case "<":
      return c < 0;
    case "<=":
      return c <= 0;
    case ">":
      return c > 0;
    case ">=":
      return c >= 0;
    default:
      throw new BackendBadValueError(`Bad version condition '${condition}': expected one of ==, =, <, <=, >, >=`);
  }
}

/** A product version plus a package version. */
export interface ProductVersions {
  readonly productVersion: string;
  readonly packageVersion: string;
}

/**
 * Compares `<pv1>-<pkv1>` with `<pv2>-<pkv2>`; returns -1, 0 or 1.
 * @example compareProductVersions({ productVersion: "4.3.10", packageVersion: "1" }, { productVersion: "4.3.2.1", packageVersion: "1" }) // 1
 */
export function compareProductVersions(a: ProductVersions, b: ProductVersions): -1 | 0 | 1 {
  return compareVersions(`${a.productVersion}-${a.packageVersion}`, `${b.productVersion}-${b.packageVersion}`);
}

function validateCombinedVersion(version: string): void {
  const plain = stripCustom(version);
  const dash = plain.indexOf("-");
  const pv = dash === -1 ? plain : plain.slice(0, dash);
  const pkv = dash === -1 ? null : plain.slice(dash + 1);
  if (!PRODUCT_VERSION.test(pv) || (pkv !== null && !PACKAGE_VERSION.test(pkv))) {
    throw new BackendBadValueError(`Bad version '${version}': expected <productVersion>[-<packageVersion>]`);
  }
}

/** The parts of a `.opsi` file name. */
export interface PackageFileName extends ProductVersions {
  readonly productId: string;
  readonly customName: string | null;
}

/**
 * The file name `<id>_<productVersion>-<packageVersion>[~custom].opsi`, validating every part.
 * @example packageFileName({ productId: "hwaudit", productVersion: "4.3", packageVersion: "1", customName: null }) // "hwaudit_4.3-1.opsi"
 */
export function packageFileName(name: PackageFileName): string {
  if (!PRODUCT_ID.test(name.productId)) throw new BackendBadValueError(`Bad product id '${name.productId}'`);
  if (!PRODUCT_VERSION.test(name.productVersion)) throw new BackendBadValueError(`Bad product version '${name.productVersion}'`);
  if (!PACKAGE_VERSION.test(name.packageVersion)) throw new BackendBadValueError(`Bad package version '${name.packageVersion}'`);
  if (name.customName !== null && !CUSTOM_NAME.test(name.customName)) {
    throw new BackendBadValueError(`Bad custom name '${name.customName}': expected [a-zA-Z0-9]+`);
  }
  const custom = name.customName === null ? "" : `~${name.customName}`;
  return `${name.productId}_${name.productVersion}-${name.packageVersion}${custom}.opsi`;
}

/**
 * Parses a `.opsi` file name (product id = everything before the last `_`).
 * @example parsePackageFileName("my_prod_1.0-2~acme.opsi").customName // "acme"
 */
export function parsePackageFileName(fileName: string): PackageFileName {
  const base = fileName.slice(fileName.lastIndexOf("/") + 1);
  const stem = base.endsWith(".opsi") ? base.slice(0, -5) : base;
  const us = stem.lastIndexOf("_");
  const rest = us === -1 ? "" : stem.slice(us + 1);
  const dash = rest.indexOf("-");
  if (us <= 0 || dash <= 0) throw new BackendBadValueError(`Bad package file name '${fileName}': expected <id>_<pv>-<pkv>.opsi`);
  const tilde = rest.indexOf("~", dash);
  const packageVersion = tilde === -1 ? rest.slice(dash + 1) : rest.slice(dash + 1, tilde);
  const customName = tilde === -1 ? null : rest.slice(tilde + 1);
  const parsed = { productId: stem.slice(0, us), productVersion: rest.slice(0, dash), packageVersion, customName };
  packageFileName(parsed);
  return parsed;
}
