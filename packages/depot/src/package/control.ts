/** @module package/control — the legacy `control` and the 4.3 `control.toml` files, read into one model and written back. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  BackendBadValueError,
  type BoolProductProperty,
  decodeObject,
  type LocalbootProduct,
  type NetbootProduct,
  type ProductDependency,
  type UnicodeProductProperty,
} from "@opsi-ts/core";
import { parse as parseToml } from "smol-toml";
import { compareProductVersions } from "./version.js";

/** A `[Package] depends` entry: another package that must be installed on the depot. */
export interface PackageDependency {
  readonly package: string;
  /** `=`, `<`, `<=`, `>`, `>=`, or null without a version. */
  readonly condition: string | null;
  readonly version: string | null;
}

/** Everything a control file describes. */
export interface PackageControl {
  readonly product: LocalbootProduct | NetbootProduct;
  readonly productProperties: readonly (UnicodeProductProperty | BoolProductProperty)[];
  readonly productDependencies: readonly ProductDependency[];
  readonly packageDependencies: readonly PackageDependency[];
}

/** Thrown when a control file cannot be parsed or describes invalid objects. */
export class ControlFileError extends BackendBadValueError {
  static override readonly shortDescription: string = "Bad control file";
}

const SCRIPTS = [
  "setupScript",
  "uninstallScript",
  "updateScript",
  "alwaysScript",
  "onceScript",
  "customScript",
  "userLoginScript",
] as const;
const DEPENDS = /^\s*([^\s(]+)\s*(?:\(\s*(<=|>=|=|<|>)?\s*([\w.]+-*[\w.]*)\s*\))?\s*$/;

const LEGACY_KEYS: Readonly<Record<string, readonly string[]>> = {
  package: ["version", "depends"],
  product: [
    "type",
    "id",
    "name",
    "description",
    "advice",
    "version",
    "packageversion",
    "priority",
    "licenserequired",
    "productclasses",
    "pxeconfigtemplate",
    ...SCRIPTS.map((s) => s.toLowerCase()),
  ],
  windows: ["softwareids"],
  productdependency: [
    "action",
    "requiredproduct",
    "requiredproductversion",
    "requiredpackageversion",
    "requiredaction",
    "requiredstatus",
    "requirementtype",
    "requiredclass",
  ],
  productproperty: ["type", "name", "multivalue", "editable", "description", "values", "default"],
};

function productClass(type: unknown): "LocalbootProduct" | "NetbootProduct" {
  const t = String(type ?? "").toLowerCase();
  if (t === "localboot" || t === "localbootproduct") return "LocalbootProduct";
  if (t === "netboot" || t === "netbootproduct") return "NetbootProduct";
  throw new ControlFileError(`Bad product type '${String(type)}': expected localboot or netboot`);
}

function propertyClass(type: unknown): "UnicodeProductProperty" | "BoolProductProperty" {
  const t = String(type ?? "").toLowerCase();
  if (t === "" || t === "unicode" || t === "unicodeproductproperty") return "UnicodeProductProperty";
  if (t === "bool" || t === "boolproductproperty") return "BoolProductProperty";
  throw new ControlFileError(`Bad product property type '${String(type)}': expected unicode or bool`);
}

function parseDepends(entries: readonly string[]): PackageDependency[] {
  return entries.map((entry) => {
    const m = DEPENDS.exec(entry);
    if (!m) throw new ControlFileError(`Bad package dependency '${entry}': expected 'name' or 'name (<cond> <version>)'`);
    const version = m[3] ?? null;
    return { package: m[1] as string, condition: version === null ? null : (m[2] ?? "="), version };
  });
}

function wrapDecode<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e: unknown) {
    if (e instanceof BackendBadValueError) throw new ControlFileError(`${what}: ${e.detail}`);
    throw e;
  }
}

function build(
  product: Record<string, unknown>,
  properties: Record<string, unknown>[],
  dependencies: Record<string, unknown>[],
  packageDependencies: PackageDependency[],
): PackageControl {
  const decoded = wrapDecode("[Product]", () => decodeObject("product", product)) as LocalbootProduct | NetbootProduct;
  const base = { productId: decoded.id, productVersion: decoded.productVersion, packageVersion: decoded.packageVersion };
  const productProperties = properties.map(
    (p, i) =>
      wrapDecode(`[ProductProperty] #${i + 1}`, () => decodeObject("productProperty", { ...p, ...base })) as
        | UnicodeProductProperty
        | BoolProductProperty,
  );
  const productDependencies = dependencies.map((d, i) => {
    if (d.requiredAction == null && d.requiredInstallationStatus == null) {
      throw new ControlFileError(
        `[ProductDependency] #${i + 1} on '${String(d.requiredProductId)}' needs requiredAction or requiredStatus`,
      );
    }
    return wrapDecode(`[ProductDependency] #${i + 1}`, () => decodeObject("productDependency", { ...d, ...base })) as ProductDependency;
  });
  return { product: decoded, productProperties, productDependencies, packageDependencies };
}

// ---------------------------------------------------------------- legacy

interface LegacySection {
  readonly name: string;
  readonly options: Map<string, string>;
}

function legacyList(value: string | undefined, split = true): unknown[] {
  if (value === undefined) return [];
  const v = value.trim();
  let items: unknown[];
  if (v.startsWith("[") || v.startsWith("{")) {
    try {
      const parsed: unknown = JSON.parse(v);
      items = Array.isArray(parsed) ? parsed : [parsed];
    } catch (e: unknown) {
      throw new ControlFileError(`Bad JSON list '${v}': ${e instanceof Error ? e.message : String(e)}`);
    }
  } else {
    items = split ? v.split(",").map((s) => s.trim()) : [v];
  }
  const out: unknown[] = [];
  for (const item of items) if (item !== "" && !out.includes(item)) out.push(item);
  return out;
}

function legacyBool(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (["true", "yes", "on", "1"].includes(v)) return true;
  if (["false", "no", "off", "0", ""].includes(v)) return false;
  throw new ControlFileError(`Bad boolean '${value}'`);
}

function splitLegacySections(text: string): { sections: LegacySection[]; changelog: string } {
  const sections: LegacySection[] = [];
  const changelog: string[] = [];
  let current: LegacySection | null = null;
  let lastKey: string | null = null;
  let inChangelog = false;
  for (const rawLine of text.split(/\r?\n/)) {
    const sectionMatch = /^\s*\[([^\]]+)\]\s*$/.exec(rawLine);
    if (inChangelog && !sectionMatch) {
      changelog.push(rawLine);
      continue;
    }
    if (rawLine.startsWith(";") || rawLine.startsWith("#")) continue;
    if (sectionMatch) {
      const name = (sectionMatch[1] as string).trim().toLowerCase();
      inChangelog = name === "changelog";
      if (!inChangelog && !(name in LEGACY_KEYS)) throw new ControlFileError(`Unknown section [${sectionMatch[1]}]`);
      current = { name, options: new Map() };
      if (!inChangelog) sections.push(current);
      lastKey = null;
      continue;
    }
    if (rawLine.trim() === "" && !/^[ \t]/.test(rawLine)) continue;
    if (!current) throw new ControlFileError(`Line outside a section: '${rawLine}'`);
    const option = /^(\w+)\s*:(.*)$/.exec(rawLine);
    const key = option?.[1]?.toLowerCase();
    if (option && key !== undefined && !/^[ \t]/.test(rawLine) && LEGACY_KEYS[current.name]?.includes(key)) {
      current.options.set(key, (option[2] as string).trim());
      lastKey = key;
      continue;
    }
    if (lastKey === null) throw new ControlFileError(`Unknown option in [${current.name}]: '${rawLine}'`);
    current.options.set(lastKey, `${current.options.get(lastKey) ?? ""}\n${rawLine.trim()}`);
  }
  return { sections, changelog: changelog.join("\n").replace(/^\n+/, "").trimEnd() };
}

/**
 * Parses a legacy INI-like `control` file. Missing product fields get defaults ("" / false / 0),
 * a missing `requirementType` means no ordering (null).
 * @example parseLegacyControl(readFileSync("OPSI/control", "utf8")).product.id
 */
export function parseLegacyControl(text: string): PackageControl {
  const { sections, changelog } = splitLegacySections(text);
  const one = (name: string) => sections.find((s) => s.name === name)?.options ?? new Map<string, string>();
  const pkg = one("package");
  const prod = one("product");
  if (!sections.some((s) => s.name === "product")) throw new ControlFileError("Missing [Product] section");
  const str = (key: string): string => {
    const v = prod.get(key) ?? "";
    return v.toLowerCase() === "none" ? "" : v;
  };
  const product: Record<string, unknown> = {
    type: productClass(prod.get("type") ?? "localboot"),
    id: str("id"),
    name: str("name"),
    description: str("description"),
    advice: str("advice"),
    productVersion: prod.get("version") || "1.0",
    packageVersion: pkg.get("version") || prod.get("packageversion") || "1",
    priority: prod.get("priority") || 0,
    licenseRequired: legacyBool(prod.get("licenserequired")) ?? false,
    productClassIds: legacyList(prod.get("productclasses")),
    windowsSoftwareIds: legacyList(one("windows").get("softwareids")),
    changelog,
  };
  for (const s of SCRIPTS) product[s] = str(s.toLowerCase());
  if (product.type === "NetbootProduct") product.pxeConfigTemplate = str("pxeconfigtemplate");
  const properties = sections
    .filter((s) => s.name === "productproperty")
    .map(({ options: o }) => {
      const type = propertyClass(o.get("type"));
      const values = o.has("values") ? legacyList(o.get("values")) : null;
      const defaults = o.has("default") ? legacyList(o.get("default"), false) : null;
      return {
        type,
        propertyId: (o.get("name") ?? "").toLowerCase(),
        description: o.get("description") ?? "",
        possibleValues: values,
        defaultValues: type === "BoolProductProperty" ? (defaults ?? [false]) : defaults,
        multiValue: legacyBool(o.get("multivalue")) ?? false,
        editable: legacyBool(o.get("editable")) ?? (values === null || values.length === 0),
      };
    });
  const dependencies = sections
    .filter((s) => s.name === "productdependency")
    .map(({ options: o }) => ({
      productAction: o.get("action"),
      requiredProductId: o.get("requiredproduct"),
      requiredProductVersion: o.get("requiredproductversion") || null,
      requiredPackageVersion: o.get("requiredpackageversion") || null,
      requiredAction: o.get("requiredaction") || null,
      requiredInstallationStatus: o.get("requiredstatus") || null,
      requirementType: o.get("requirementtype") || null,
    }));
  return build(product, properties, dependencies, parseDepends(legacyList(pkg.get("depends")).map(String)));
}

// ---------------------------------------------------------------- TOML

const TOML_PRODUCT_KEYS: Readonly<Record<string, string>> = {
  type: "type",
  id: "id",
  name: "name",
  description: "description",
  advice: "advice",
  version: "productVersion",
  priority: "priority",
  licenseRequired: "licenseRequired",
  productClasses: "productClassIds",
  windowsSoftwareIds: "windowsSoftwareIds",
  pxeConfigTemplate: "pxeConfigTemplate",
  ...Object.fromEntries(SCRIPTS.map((s) => [s, s])),
};

function table(value: unknown, what: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ControlFileError(`${what} must be a table`);
  return value as Record<string, unknown>;
}

function tables(value: unknown, what: string): Record<string, unknown>[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ControlFileError(`${what} must be an array of tables`);
  return value.map((v, i) => table(v, `${what} #${i + 1}`));
}

/**
 * Parses a 4.3 `control.toml`. Missing product fields stay null; a missing `requirementType` means
 * `before` (an empty one means none). Unlike opsi 4.3, a unicode property's `editable` is honoured
 * (upstream always yields true); a missing `editable` is still true.
 * @example parseTomlControl(readFileSync("OPSI/control.toml", "utf8")).productDependencies[0]?.requirementType
 */
export function parseTomlControl(text: string): PackageControl {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (e: unknown) {
    throw new ControlFileError(`Invalid TOML: ${e instanceof Error ? e.message : String(e)}`);
  }
  const pkg = table(doc.Package, "[Package]");
  const prod = table(doc.Product, "[Product]");
  if (doc.Product === undefined) throw new ControlFileError("Missing [Product] table");
  const product: Record<string, unknown> = { packageVersion: pkg.version === undefined ? null : String(pkg.version) };
  for (const [key, value] of Object.entries(prod)) {
    const attr = TOML_PRODUCT_KEYS[key];
    if (attr === undefined) throw new ControlFileError(`Unknown key '${key}' in [Product]`);
    product[attr] = key === "version" ? String(value) : value;
  }
  product.type = productClass(prod.type);
  const windows = table(doc.windows ?? doc.Windows, "[windows]");
  if (windows.softwareids !== undefined) product.windowsSoftwareIds = windows.softwareids;
  const changelog = table(doc.changelog ?? doc.Changelog, "[changelog]");
  if (changelog.changelog !== undefined) product.changelog = changelog.changelog;
  const properties = tables(doc.ProductProperty, "[[ProductProperty]]").map((p) => ({
    type: propertyClass(p.type),
    propertyId: String(p.name ?? "").toLowerCase(),
    description: p.description ?? null,
    possibleValues: p.values ?? null,
    defaultValues: p.default ?? null,
    multiValue: p.multivalue ?? p.multiValue ?? false,
    editable: p.editable ?? true,
  }));
  const dependencies = tables(doc.ProductDependency, "[[ProductDependency]]").map((d) => ({
    productAction: d.action,
    requiredProductId: d.requiredProduct,
    requiredProductVersion: d.requiredProductVersion ?? null,
    requiredPackageVersion: d.requiredPackageVersion ?? null,
    requiredAction: d.requiredAction || null,
    requiredInstallationStatus: d.requiredStatus || null,
    requirementType: d.requirementType === undefined ? "before" : d.requirementType || null,
  }));
  const depends = tables(pkg.depends, "[Package] depends").map((d) => {
    if (typeof d.package !== "string" || d.package === "") throw new ControlFileError("[Package] depends entry without 'package'");
    const version = d.version == null ? null : String(d.version);
    const condition = version === null ? null : String(d.condition ?? "=");
    if (condition !== null && !["=", "<", "<=", ">", ">="].includes(condition)) {
      throw new ControlFileError(`Bad condition '${condition}' for package dependency '${d.package}'`);
    }
    return { package: d.package, condition, version };
  });
  return build(product, properties, dependencies, depends);
}

/**
 * Picks the control of a package: `control.toml` wins; an error if the legacy file is newer.
 * @example resolveControl(tomlText, legacyText).product.productVersion
 */
export function resolveControl(toml: string | null, legacy: string | null): PackageControl {
  const fromToml = toml === null ? null : parseTomlControl(toml);
  const fromLegacy = legacy === null ? null : parseLegacyControl(legacy);
  if (fromToml && fromLegacy && compareProductVersions(fromLegacy.product, fromToml.product) > 0) {
    throw new ControlFileError("Control file is newer. Please update the control.toml file.");
  }
  const control = fromToml ?? fromLegacy;
  if (!control) throw new ControlFileError("Neither control.toml nor control found");
  return control;
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

/**
 * Reads `control.toml` and/or `control` from a directory (usually `OPSI/`) with {@link resolveControl}.
 * @example const control = await readControlDir("src/OPSI")
 */
export async function readControlDir(dir: string): Promise<PackageControl> {
  const [toml, legacy] = await Promise.all([readOptional(join(dir, "control.toml")), readOptional(join(dir, "control"))]);
  if (toml === null && legacy === null) throw new ControlFileError(`No control.toml or control in ${dir}`);
  return resolveControl(toml, legacy);
}

// ---------------------------------------------------------------- writers

function pyBool(v: boolean | null): string {
  return v ? "True" : "False";
}

function continuation(text: string): string {
  return text
    .split("\n")
    .map((l, i) => (i === 0 ? l : ` ${l}`))
    .join("\n");
}

function dependsText(d: PackageDependency): string {
  return d.version === null ? d.package : `${d.package} (${d.condition ?? "="} ${d.version})`;
}

/**
 * Writes the legacy `control` text (opsi 4.1/4.2 servers read it).
 * @example writeFileSync("OPSI/control", writeLegacyControl(control))
 */
export function writeLegacyControl(control: PackageControl): string {
  const p = control.product;
  const lines = ["[Package]", `version: ${p.packageVersion}`, `depends: ${control.packageDependencies.map(dependsText).join(", ")}`, ""];
  lines.push("[Product]", `type: ${p.type === "NetbootProduct" ? "netboot" : "localboot"}`, `id: ${p.id}`, `name: ${p.name ?? ""}`);
  lines.push(`description: ${continuation(p.description ?? "")}`, `advice: ${continuation(p.advice ?? "")}`);
  lines.push(`version: ${p.productVersion}`, `priority: ${p.priority ?? 0}`, `licenseRequired: ${pyBool(p.licenseRequired)}`);
  lines.push(`productClasses: ${(p.productClassIds ?? []).join(", ")}`);
  for (const s of SCRIPTS) if (s !== "userLoginScript" || p.type === "LocalbootProduct") lines.push(`${s}: ${p[s] ?? ""}`);
  if (p.type === "NetbootProduct") lines.push(`pxeConfigTemplate: ${p.pxeConfigTemplate ?? ""}`);
  lines.push("");
  if ((p.windowsSoftwareIds ?? []).length > 0) lines.push("[Windows]", `softwareIds: ${(p.windowsSoftwareIds ?? []).join(", ")}`, "");
  for (const d of control.productDependencies) {
    lines.push("[ProductDependency]", `action: ${d.productAction}`, `requiredProduct: ${d.requiredProductId}`);
    if (d.requiredProductVersion) lines.push(`requiredProductVersion: ${d.requiredProductVersion}`);
    if (d.requiredPackageVersion) lines.push(`requiredPackageVersion: ${d.requiredPackageVersion}`);
    if (d.requiredAction) lines.push(`requiredAction: ${d.requiredAction}`);
    if (d.requiredInstallationStatus) lines.push(`requiredStatus: ${d.requiredInstallationStatus}`);
    if (d.requirementType) lines.push(`requirementType: ${d.requirementType}`);
    lines.push("");
  }
  for (const prop of control.productProperties) {
    lines.push("[ProductProperty]");
    if (prop.type === "BoolProductProperty") {
      lines.push("type: bool", `name: ${prop.propertyId}`, `description: ${continuation(prop.description ?? "")}`);
      lines.push(`default: ${pyBool(prop.defaultValues?.[0] === true)}`);
    } else {
      lines.push(
        "type: unicode",
        `name: ${prop.propertyId}`,
        `multivalue: ${pyBool(prop.multiValue)}`,
        `editable: ${pyBool(prop.editable)}`,
      );
      lines.push(`description: ${continuation(prop.description ?? "")}`);
      lines.push(`values: ${JSON.stringify(prop.possibleValues ?? [])}`, `default: ${JSON.stringify(prop.defaultValues ?? [])}`);
    }
    lines.push("");
  }
  if (p.changelog) lines.push("[Changelog]", p.changelog, "");
  return lines.join("\n");
}

function tomlString(s: string): string {
  return JSON.stringify(s).replace(/\\u007f/gi, "\\u007F");
}

function tomlMultiline(s: string): string {
  const esc = s
    .replace(/\\/g, "\\\\")
    .replace(/"/g, '\\"')
    .replace(/\r/g, "\\r")
    // biome-ignore lint/suspicious/noControlCharactersInRegex: escaping control characters is the point
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return `"""${esc}"""`;
}

function tomlValue(v: unknown): string {
  if (typeof v === "string") return tomlString(v);
  if (typeof v === "boolean" || typeof v === "number") return String(v);
  if (Array.isArray(v)) return `[${v.map(tomlValue).join(", ")}]`;
  throw new ControlFileError(`Cannot write ${typeof v} to control.toml`);
}

/**
 * Writes `control.toml` text in the layout opsi 4.3 generates.
 * @example writeFileSync("OPSI/control.toml", writeTomlControl(control))
 */
export function writeTomlControl(control: PackageControl): string {
  const p = control.product;
  const depends = control.packageDependencies.map((d) => {
    const parts = [`package = ${tomlString(d.package)}`];
    if (d.version !== null) parts.push(`condition = ${tomlString(d.condition ?? "=")}`, `version = ${tomlString(d.version)}`);
    return `{ ${parts.join(", ")} }`;
  });
  const out = ["[Package]", `version = ${tomlString(p.packageVersion)}`, `depends = [${depends.join(", ")}]`, ""];
  out.push("[Product]", `type = ${tomlString(p.type)}`, `id = ${tomlString(p.id)}`);
  const optional: [string, unknown][] = [
    ["name", p.name],
    ["description", p.description],
    ["advice", p.advice],
    ["version", p.productVersion],
    ["priority", p.priority],
    ["licenseRequired", p.licenseRequired],
    ["productClasses", p.productClassIds],
    ...SCRIPTS.filter((s) => s !== "userLoginScript" || p.type === "LocalbootProduct").map((s): [string, unknown] => [s, p[s]]),
    ["windowsSoftwareIds", p.windowsSoftwareIds],
  ];
  if (p.type === "NetbootProduct") optional.push(["pxeConfigTemplate", p.pxeConfigTemplate]);
  for (const [key, value] of optional) {
    if (value === null || value === undefined) continue;
    out.push(`${key} = ${key === "description" || key === "advice" ? tomlMultiline(String(value)) : tomlValue(value)}`);
  }
  for (const prop of control.productProperties) {
    out.push("", "[[ProductProperty]]", `type = ${tomlString(prop.type)}`, `name = ${tomlString(prop.propertyId)}`);
    out.push(`multivalue = ${prop.multiValue === true}`, `editable = ${prop.editable === true}`);
    out.push(`description = ${tomlMultiline(prop.description ?? "")}`);
    out.push(`default = ${tomlValue(prop.defaultValues ?? [])}`);
    out.push(`values = [\n${(prop.possibleValues ?? []).map((v) => `    ${tomlValue(v)},\n`).join("")}]`);
  }
  for (const d of control.productDependencies) {
    out.push(
      "",
      "[[ProductDependency]]",
      `action = ${tomlString(d.productAction ?? "")}`,
      `requiredProduct = ${tomlString(d.requiredProductId)}`,
    );
    if (d.requiredProductVersion) out.push(`requiredProductVersion = ${tomlString(d.requiredProductVersion)}`);
    if (d.requiredPackageVersion) out.push(`requiredPackageVersion = ${tomlString(d.requiredPackageVersion)}`);
    if (d.requiredAction) out.push(`requiredAction = ${tomlString(d.requiredAction)}`);
    if (d.requiredInstallationStatus) out.push(`requiredStatus = ${tomlString(d.requiredInstallationStatus)}`);
    out.push(`requirementType = ${tomlString(d.requirementType ?? "")}`);
  }
  if (p.changelog) out.push("", "[changelog]", `changelog = ${tomlMultiline(p.changelog)}`);
  out.push("");
  return out.join("\n");
}
