/**
 * @module model/hwaudit-config
 * The hardware-audit configuration (`opsihwaudit.conf` / `opsihwaudit.json`): parsing, `Super`
 * inheritance, g/i scopes, and the locale files used by `auditHardware_getConfig`.
 */
import { BackendConfigurationError } from "../errors.js";
import { parsePythonAssignments } from "./python-literal.js";

/** One value (attribute) definition of a hardware class, as in the config file. */
export interface HardwareValueConfig {
  Type: string;
  Scope: "g" | "i";
  Opsi: string;
  [key: string]: unknown;
}

/** One class entry of the config file. */
export interface HardwareClassConfig {
  Class: { Opsi: string; Type?: string; Super?: string[]; [key: string]: unknown };
  Values: HardwareValueConfig[];
}

/** A resolved attribute of a STRUCTURAL class. */
export interface HardwareAttribute {
  readonly name: string;
  /** SQL type from the config, e.g. `varchar(100)`, `bigint`, `double`. */
  readonly type: string;
  /** `g` (device, part of AuditHardware) or `i` (instance, only on AuditHardwareOnHost). */
  readonly scope: "g" | "i";
}

/** A resolved STRUCTURAL hardware class. */
export interface HardwareClass {
  readonly name: string;
  /** All attributes, inherited ones first, in config order. */
  readonly attributes: readonly HardwareAttribute[];
  /** g-scope attributes by name → SQL type. */
  readonly deviceAttributes: ReadonlyMap<string, string>;
  /** i-scope attributes by name → SQL type. */
  readonly instanceAttributes: ReadonlyMap<string, string>;
  /** All attributes by name → SQL type. */
  readonly allAttributes: ReadonlyMap<string, string>;
  /** Ident attributes of AuditHardware: g attributes sorted by name. */
  readonly deviceIdent: readonly string[];
  /** Ident attributes (after hardwareClass, hostId) of AuditHardwareOnHost: all attributes sorted. */
  readonly hostIdent: readonly string[];
  /** The resolved config entry (inherited values included), as `auditHardware_getConfig` returns it. */
  readonly config: HardwareClassConfig;
}

/**
 * Parses the Python-literal `opsihwaudit.conf` and returns its `OPSI_HARDWARE_CLASSES` list.
 * @example parseHwauditConf(readFileSync("/etc/opsi/hwaudit/opsihwaudit.conf", "utf8"))
 */
export function parseHwauditConf(text: string): HardwareClassConfig[] {
  const classes = parsePythonAssignments(text, "hwaudit config").get("OPSI_HARDWARE_CLASSES");
  if (!Array.isArray(classes)) throw new BackendConfigurationError("hwaudit config defines no OPSI_HARDWARE_CLASSES list");
  return validateClassConfigs(classes);
}

function validateClassConfigs(list: unknown[]): HardwareClassConfig[] {
  return list.map((entry, i) => {
    const e = entry as Partial<HardwareClassConfig> | null;
    if (!e || typeof e !== "object" || !e.Class || typeof e.Class.Opsi !== "string" || !Array.isArray(e.Values)) {
      throw new BackendConfigurationError(`hwaudit class #${i + 1} needs Class.Opsi and Values`);
    }
    for (const v of e.Values) {
      if (!v || typeof v.Opsi !== "string" || typeof v.Type !== "string" || (v.Scope !== "g" && v.Scope !== "i")) {
        throw new BackendConfigurationError(`hwaudit class ${e.Class.Opsi}: every value needs Opsi, Type and Scope g|i`);
      }
      if (!/^(varchar\(\d+\)|.*int.*|double)$/i.test(v.Type)) {
        throw new BackendConfigurationError(`Attribute '${v.Opsi}' of hardware class '${e.Class.Opsi}' has unknown type '${v.Type}'`);
      }
    }
    return e as HardwareClassConfig;
  });
}

function put(values: HardwareValueConfig[], value: HardwareValueConfig): void {
  const idx = values.findIndex((v) => v.Opsi === value.Opsi);
  if (idx >= 0) values[idx] = value;
  else values.push(value);
}

/** Resolved hardware-audit classes (STRUCTURAL classes only, with inherited values). */
export class HardwareAuditConfig {
  private readonly byName = new Map<string, HardwareClass>();

  /** Builds from the raw class list of either file form. */
  constructor(rawClasses: readonly HardwareClassConfig[]) {
    const raw = validateClassConfigs([...rawClasses]);
    const byName = new Map(raw.map((c) => [c.Class.Opsi, c]));
    const resolving = new Set<string>();
    // Supers are applied last-first, parent values before the class's own; a redefinition
    // replaces the inherited entry in place (this reproduces opsi's resolved config order).
    const resolve = (name: string): HardwareValueConfig[] => {
      const cls = byName.get(name);
      if (!cls) throw new BackendConfigurationError(`hwaudit class '${name}' is referenced as Super but not defined`);
      if (resolving.has(name)) throw new BackendConfigurationError(`hwaudit class '${name}' inherits from itself`);
      resolving.add(name);
      const values: HardwareValueConfig[] = [];
      for (const sup of [...(cls.Class.Super ?? [])].reverse()) for (const v of resolve(sup)) put(values, v);
      for (const v of cls.Values) put(values, v);
      resolving.delete(name);
      return values;
    };
    for (const cls of raw) {
      const type = cls.Class.Type;
      if (type !== undefined && type !== "STRUCTURAL") continue;
      const values = resolve(cls.Class.Opsi);
      const attributes = values.map((v) => ({ name: v.Opsi, type: v.Type, scope: v.Scope }));
      const device = new Map(attributes.filter((a) => a.scope === "g").map((a) => [a.name, a.type]));
      const instance = new Map(attributes.filter((a) => a.scope === "i").map((a) => [a.name, a.type]));
      const all = new Map(attributes.map((a) => [a.name, a.type]));
      this.byName.set(cls.Class.Opsi, {
        name: cls.Class.Opsi,
        attributes,
        deviceAttributes: device,
        instanceAttributes: instance,
        allAttributes: all,
        deviceIdent: [...device.keys()].sort(),
        hostIdent: [...all.keys()].sort(),
        config: { Class: { ...cls.Class }, Values: values.map((v) => ({ ...v })) },
      });
    }
  }

  /** From the Python-literal `opsihwaudit.conf` text. */
  static fromConf(text: string): HardwareAuditConfig {
    return new HardwareAuditConfig(parseHwauditConf(text));
  }

  /** From `opsihwaudit.json` (text or parsed list). */
  static fromJson(json: string | unknown): HardwareAuditConfig {
    let value: unknown = json;
    if (typeof json === "string") {
      try {
        value = JSON.parse(json);
      } catch (err: unknown) {
        throw new BackendConfigurationError(`hwaudit json is not valid JSON: ${(err as Error).message}`);
      }
    }
    if (!Array.isArray(value)) throw new BackendConfigurationError("hwaudit json must be a list of classes");
    return new HardwareAuditConfig(value as HardwareClassConfig[]);
  }

  /** The resolved class or undefined. */
  get(name: string): HardwareClass | undefined {
    return this.byName.get(name);
  }

  /** Names of the STRUCTURAL classes in config order. */
  classNames(): string[] {
    return [...this.byName.keys()];
  }

  /** All resolved classes in config order. */
  classes(): HardwareClass[] {
    return [...this.byName.values()];
  }

  /**
   * The config with `UI` labels from a locale (`hwaudit_<lang>.properties` content as a map), as
   * `auditHardware_getConfig(language)` returns it. Missing labels fall back to the `fallback` map.
   */
  localized(labels: ReadonlyMap<string, string>, fallback?: ReadonlyMap<string, string>): HardwareClassConfig[] {
    const label = (key: string): string | undefined => labels.get(key) ?? fallback?.get(key);
    return this.classes().map((c) => ({
      Class: { ...c.config.Class, UI: label(c.name) ?? c.config.Class.UI ?? c.name },
      Values: c.config.Values.map((v) => ({ ...v, UI: label(`${c.name}.${v.Opsi}`) ?? v.UI ?? v.Opsi })),
    }));
  }
}

/**
 * Parses a Java-style `.properties` locale file (`key = value`, `#`/`!` comments).
 * Inherited attributes are looked up under the class that defines them, so keys of virtual
 * classes (e.g. `BASIC_INFO.name`) are copied to their STRUCTURAL users by {@link expandLocale}.
 */
export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith("#") || line.startsWith("!")) continue;
    const idx = line.search(/[=:]/);
    if (idx < 0) continue;
    out.set(line.slice(0, idx).trim(), line.slice(idx + 1).trim());
  }
  return out;
}

/**
 * Adds `<CLASS>.<attr>` labels for inherited attributes from the defining virtual class
 * (`BASIC_INFO.name` → `COMPUTER_SYSTEM.name` unless already set).
 */
export function expandLocale(raw: readonly HardwareClassConfig[], labels: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map(labels);
  const byName = new Map(raw.map((c) => [c.Class.Opsi, c]));
  const ancestors = (name: string, seen = new Set<string>()): string[] => {
    const sup = byName.get(name)?.Class.Super ?? [];
    const result: string[] = [];
    for (const s of sup) {
      if (seen.has(s)) continue;
      seen.add(s);
      result.push(s, ...ancestors(s, seen));
    }
    return result;
  };
  for (const cls of raw) {
    for (const anc of ancestors(cls.Class.Opsi)) {
      for (const v of byName.get(anc)?.Values ?? []) {
        const key = `${cls.Class.Opsi}.${v.Opsi}`;
        const inherited = labels.get(`${anc}.${v.Opsi}`);
        if (!out.has(key) && inherited !== undefined) out.set(key, inherited);
      }
    }
  }
  return out;
}
