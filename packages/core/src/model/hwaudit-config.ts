/**
 * @module model/hwaudit-config
 * The hardware-audit configuration (`opsihwaudit.conf` / `opsihwaudit.json`): parsing, `Super`
 * inheritance, g/i scopes, and the locale files used by `auditHardware_getConfig`.
 */
import { BackendConfigurationError } from "../errors.js";

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

// ---------------------------------------------------------------- Python literal parser

class LiteralParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  private fail(msg: string): never {
    const before = this.text.slice(0, this.pos);
    const line = before.split("\n").length;
    throw new BackendConfigurationError(`Invalid hwaudit config at line ${line}: ${msg}`);
  }

  private skipWhitespace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos];
      if (c === "#") {
        while (this.pos < t.length && t[this.pos] !== "\n") this.pos++;
      } else if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\\") {
        this.pos++;
      } else break;
    }
  }

  atEnd(): boolean {
    this.skipWhitespace();
    return this.pos >= this.text.length;
  }

  /** Reads a statement: `global NAME` or `NAME = <literal>`. */
  statement(): { name: string; value: unknown } | null {
    this.skipWhitespace();
    const ident = this.identifier();
    if (ident === "global") {
      this.skipWhitespace();
      this.identifier();
      return null;
    }
    this.skipWhitespace();
    if (this.text[this.pos] !== "=") this.fail(`expected '=' after ${ident}`);
    this.pos++;
    return { name: ident, value: this.value() };
  }

  private identifier(): string {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos, this.pos + 200));
    if (!m) this.fail("expected an identifier");
    this.pos += m[0].length;
    return m[0];
  }

  value(): unknown {
    this.skipWhitespace();
    const c = this.text[this.pos];
    if (c === "[" || c === "(") return this.list(c === "[" ? "]" : ")");
    if (c === "{") return this.dict();
    if (c === '"' || c === "'") return this.stringConcat();
    if (c !== undefined && /[rRuUbB]/.test(c) && (this.text[this.pos + 1] === '"' || this.text[this.pos + 1] === "'")) {
      return this.stringConcat();
    }
    const word = /^(True|False|None|-?\d+(\.\d+)?)/.exec(this.text.slice(this.pos, this.pos + 40));
    if (!word) this.fail(`unexpected character ${JSON.stringify(c ?? "end of file")}`);
    this.pos += word[0].length;
    if (word[0] === "True") return true;
    if (word[0] === "False") return false;
    if (word[0] === "None") return null;
    return Number(word[0]);
  }

  private list(close: string): unknown[] {
    this.pos++;
    const out: unknown[] = [];
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] === close) {
        this.pos++;
        return out;
      }
      out.push(this.value());
      this.skipWhitespace();
      if (this.text[this.pos] === ",") this.pos++;
      else if (this.text[this.pos] !== close) this.fail(`expected ',' or '${close}'`);
    }
  }

  private dict(): Record<string, unknown> {
    this.pos++;
    const out: Record<string, unknown> = {};
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] === "}") {
        this.pos++;
        return out;
      }
      const key = this.value();
      if (typeof key !== "string") this.fail("dict keys must be strings");
      this.skipWhitespace();
      if (this.text[this.pos] !== ":") this.fail("expected ':'");
      this.pos++;
      out[key] = this.value();
      this.skipWhitespace();
      if (this.text[this.pos] === ",") this.pos++;
      else if (this.text[this.pos] !== "}") this.fail("expected ',' or '}'");
    }
  }

  /** Adjacent string literals are concatenated, as in Python. */
  private stringConcat(): string {
    let out = this.string();
    for (;;) {
      const save = this.pos;
      this.skipWhitespace();
      const c = this.text[this.pos];
      if (c === '"' || c === "'") out += this.string();
      else {
        this.pos = save;
        return out;
      }
    }
  }

  private string(): string {
    let raw = false;
    while (/[rRuUbB]/.test(this.text[this.pos] ?? "")) {
      if (/[rR]/.test(this.text[this.pos] ?? "")) raw = true;
      this.pos++;
    }
    const quote = this.text[this.pos] as string;
    const triple = this.text.startsWith(quote.repeat(3), this.pos);
    const end = triple ? quote.repeat(3) : quote;
    this.pos += end.length;
    let out = "";
    for (;;) {
      if (this.pos >= this.text.length) this.fail("unterminated string");
      if (this.text.startsWith(end, this.pos)) {
        this.pos += end.length;
        return out;
      }
      const c = this.text[this.pos] as string;
      if (c === "\n" && !triple) this.fail("newline in string");
      if (c === "\\") {
        const n = this.text[this.pos + 1] ?? "";
        if (raw) {
          out += c + n;
          this.pos += 2;
          continue;
        }
        this.pos += 2;
        switch (n) {
          case "n":
            out += "\n";
            break;
          case "t":
            out += "\t";
            break;
          case "r":
            out += "\r";
            break;
          case "\\":
            out += "\\";
            break;
          case "'":
            out += "'";
            break;
          case '"':
            out += '"';
            break;
          case "\n":
            break;
          case "x": {
            out += String.fromCharCode(Number.parseInt(this.text.slice(this.pos, this.pos + 2), 16));
            this.pos += 2;
            break;
          }
          case "u": {
            out += String.fromCharCode(Number.parseInt(this.text.slice(this.pos, this.pos + 4), 16));
            this.pos += 4;
            break;
          }
          default:
            // Python keeps unknown escapes verbatim (e.g. "\d").
            out += `\\${n}`;
        }
        continue;
      }
      out += c;
      this.pos++;
    }
  }
}

/**
 * Parses the Python-literal `opsihwaudit.conf` and returns its `OPSI_HARDWARE_CLASSES` list.
 * @example parseHwauditConf(readFileSync("/etc/opsi/hwaudit/opsihwaudit.conf", "utf8"))
 */
export function parseHwauditConf(text: string): HardwareClassConfig[] {
  const parser = new LiteralParser(text);
  let classes: unknown;
  while (!parser.atEnd()) {
    const st = parser.statement();
    if (st && st.name === "OPSI_HARDWARE_CLASSES") classes = st.value;
  }
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
