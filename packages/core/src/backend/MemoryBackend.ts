/**
 * @module backend/MemoryBackend
 * An in-memory opsi backend with the semantics of opsi's MySQL backend: indexed tables, upserts
 * on the MySQL primary/unique keys, foreign keys, delete cascades and all-or-nothing list writes.
 */
import { BackendBadValueError, BackendError, describeValue } from "../errors.js";
import { type Filter, type FilterCondition, parseFilter } from "../filter/filter.js";
import { conditionMatches } from "../filter/match.js";
import type { OpsiObject } from "../model/classes.js";
import type { HardwareAuditConfig } from "../model/hwaudit-config.js";
import { defaultHardwareAuditConfig } from "../model/hwaudit-default.js";
import {
  applyDefaults,
  decodeObject,
  getIdent,
  type Ident,
  type IdentReturnType,
  identString,
  type ModelContext,
  parseIdentReturnType,
} from "../model/object.js";
import { type ObjectPrefix, PREFIXES, type PrefixObject, prefixAttributes } from "../model/registry.js";
import type { BackendCore, BackendCrud, ObjectInput, ObjectsInput } from "./Backend.js";
import { cascadeDelete, checkRestrict } from "./memory/cascades.js";
import { cloneRow, projectRow } from "./memory/copy.js";
import { checkForeignKeys } from "./memory/foreign-keys.js";
import { type HardwarePrefix, HOST_HARDWARE_FIXED, hardwareSelections } from "./memory/hardware-filter.js";
import { checkHostUniqueness } from "./memory/host-uniqueness.js";
import { sameKeyValue } from "./memory/keys.js";
import { createTables, type Tables } from "./memory/schema.js";
import { rowsByIndex, selectRows } from "./memory/select.js";
import type { Row } from "./memory/table.js";
import { atomically, type UndoLog } from "./memory/undo-log.js";
import { type BackendExtensions, installBackendMethods } from "./methods.js";
import { applyColumnDefaults, isNullState, mergeUpdate, toStorableClass, toStoredForm } from "./write-rules.js";

/** Options of {@link MemoryBackend}. */
export interface MemoryBackendOptions {
  /** Hardware-audit configuration; defaults to opsi's `opsihwaudit.conf`. */
  readonly hardwareAudit?: HardwareAuditConfig;
}

/** Attributes read back even when not requested: the value lists kept in sub-tables, and the unstored sequence. */
const ALWAYS_LOADED: { readonly [P in ObjectPrefix]?: readonly string[] } = {
  config: ["possibleValues", "defaultValues"],
  productProperty: ["possibleValues", "defaultValues"],
  licensePool: ["productIds"],
  productOnClient: ["actionSequence"],
};

const HARDWARE_STATIC: { readonly [P in HardwarePrefix]: readonly string[] } = {
  auditHardware: ["hardwareClass"],
  auditHardwareOnHost: ["hardwareClass", ...HOST_HARDWARE_FIXED],
};

type WriteMode = "insert" | "update" | "upsert";

function isHardware(prefix: ObjectPrefix): prefix is HardwarePrefix {
  return prefix === "auditHardware" || prefix === "auditHardwareOnHost";
}

function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function toList(input: unknown): unknown[] {
  if (input === null || input === undefined) return [];
  return Array.isArray(input) ? [...input] : [input];
}

const asRow = (obj: unknown): Row => obj as Row;

/**
 * An opsi backend holding everything in memory, with opsi 4.3 (MySQL backend) semantics.
 * Objects are stored in their stored form and returned as fresh copies.
 * @example
 * const backend = new MemoryBackend();
 * await backend.host_createObjects([{ type: "OpsiClient", id: "pc1.dom.tld" }]);
 * const clients = await backend.host_getObjects([], { type: "OpsiClient" });
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the opsi-named methods are installed on the prototype by installBackendMethods.
export class MemoryBackend implements BackendCore {
  readonly hardwareAudit: HardwareAuditConfig;
  private readonly tables: Tables;
  private readonly ctx: ModelContext;
  private closed = false;

  constructor(options: MemoryBackendOptions = {}) {
    this.hardwareAudit = options.hardwareAudit ?? defaultHardwareAuditConfig();
    this.ctx = { hardwareAudit: this.hardwareAudit };
    this.tables = createTables(this.hardwareAudit);
  }

  async insertObject<P extends ObjectPrefix>(prefix: P, obj: ObjectInput<P>): Promise<void> {
    this.write(prefix, [obj], "insert", false);
  }

  async updateObject<P extends ObjectPrefix>(prefix: P, obj: ObjectInput<P>): Promise<void> {
    this.write(prefix, [obj], "update", false);
  }

  async createObjects<P extends ObjectPrefix>(prefix: P, objs: ObjectsInput<P>): Promise<void> {
    this.write(prefix, toList(objs), "insert", true);
  }

  async updateObjects<P extends ObjectPrefix>(prefix: P, objs: ObjectsInput<P>): Promise<void> {
    this.write(prefix, toList(objs), "upsert", true);
  }

  async getObjects<P extends ObjectPrefix>(
    prefix: P,
    attributes?: readonly string[] | null,
    filter?: Filter | null,
  ): Promise<PrefixObject<P>[]> {
    this.assertOpen();
    const selected = this.selectedAttributes(prefix, attributes);
    const rows = this.select(prefix, filter);
    if (!selected) return rows.map((r) => cloneRow(r) as unknown as PrefixObject<P>);
    const keep = new Set<string>(["type", ...PREFIXES[prefix].ident, ...(ALWAYS_LOADED[prefix] ?? [])]);
    return rows.map((r) => projectRow(r, selected, keep) as unknown as PrefixObject<P>);
  }

  async getIdents<P extends ObjectPrefix>(prefix: P, returnType?: IdentReturnType | null, filter?: Filter | null): Promise<Ident[]> {
    this.assertOpen();
    const type = parseIdentReturnType(returnType);
    return this.select(prefix, filter).map((r) => getIdent(r as unknown as OpsiObject, type, this.ctx));
  }

  async deleteObjects<P extends ObjectPrefix>(prefix: P, objs: ObjectsInput<P>): Promise<void> {
    this.assertOpen();
    const idents = toList(objs).map((o) => this.decodeIdent(prefix, o));
    if (idents.length === 0) return;
    const table = this.tables[prefix];
    atomically((log) => {
      for (const ident of idents) {
        for (const row of this.findForDelete(prefix, ident)) {
          const key = table.keyOf(row);
          // An earlier delete of this call may have removed or replaced it already.
          if (table.get(key) !== row) continue;
          checkRestrict(this.tables, prefix, row, this.describe(row));
          table.delete(key, log);
          cascadeDelete(this.tables, prefix, row, log);
        }
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const table of Object.values(this.tables)) table.clear();
  }

  // ------------------------------------------------------------------ writes

  private write(prefix: ObjectPrefix, inputs: readonly unknown[], mode: WriteMode, skipNullStates: boolean): void {
    this.assertOpen();
    // Decode and validate everything before touching the tables.
    const prepared: Row[] = [];
    for (const input of inputs) {
      // A detached copy: nested values of the input must not be shared with the store.
      const decoded = cloneRow(asRow(decodeObject(prefix, input, this.ctx)));
      if (skipNullStates && isNullState(prefix, decoded)) continue;
      this.assertKnownHardwareClass(prefix, decoded);
      prepared.push(mode === "insert" ? this.storable(prefix, decoded, true) : decoded);
    }
    if (prepared.length === 0) return;
    atomically((log) => {
      for (const obj of prepared) {
        if (mode === "insert") {
          this.store(prefix, obj, undefined, log);
          continue;
        }
        const existing = mode === "update" ? this.findExact(prefix, obj) : this.findByStorageKey(prefix, obj);
        if (existing.length === 0) {
          if (mode === "upsert") this.store(prefix, this.storable(prefix, applyColumnDefaults(prefix, obj), false), undefined, log);
          continue;
        }
        for (const stored of existing) {
          const merged = asRow(
            mergeUpdate(prefix, stored as unknown as PrefixObject<ObjectPrefix>, obj as unknown as PrefixObject<ObjectPrefix>, this.ctx),
          );
          this.store(prefix, merged, stored, log);
        }
      }
    });
  }

  /** `toStorableClass` (+ `applyDefaults` on insert) + `toStoredForm`. */
  private storable(prefix: ObjectPrefix, obj: Row, withDefaults: boolean): Row {
    const storable = toStorableClass(prefix, obj as unknown as PrefixObject<ObjectPrefix>, this.ctx);
    return asRow(toStoredForm(withDefaults ? applyDefaults(storable) : storable));
  }

  /** Checks constraints and stores `row` (replacing `previous` if it was stored under another key). */
  private store(prefix: ObjectPrefix, row: Row, previous: Row | undefined, log: UndoLog): void {
    const table = this.tables[prefix];
    checkForeignKeys(this.tables, prefix, row, () => this.describe(row));
    if (prefix === "host") checkHostUniqueness(this.tables, row);
    if (prefix === "auditHardwareOnHost") this.ensureDevice(row, log);
    if (previous) {
      const oldKey = table.keyOf(previous);
      if (oldKey !== table.keyOf(row)) table.delete(oldKey, log);
    }
    table.put(row, log);
  }

  /** AuditHardwareOnHost writes create their AuditHardware device if it does not exist. */
  private ensureDevice(row: Row, log: UndoLog): void {
    const cls = this.hardwareAudit.get(String(row.hardwareClass));
    if (!cls) return;
    const device: Record<string, unknown> = { type: "AuditHardware", hardwareClass: row.hardwareClass };
    for (const attr of cls.deviceAttributes.keys()) device[attr] = row[attr] ?? null;
    const devices = this.tables.auditHardware;
    if (devices.get(devices.keyOf(device)) === undefined) devices.put(device, log);
  }

  private assertKnownHardwareClass(prefix: ObjectPrefix, obj: Row): void {
    if (!isHardware(prefix)) return;
    const hardwareClass = String(obj.hardwareClass);
    if (this.hardwareAudit.get(hardwareClass)) return;
    throw new BackendBadValueError(
      `Unknown hardware class ${describeValue(hardwareClass)}, configured classes are: ${this.hardwareAudit.classNames().join(", ")}`,
    );
  }

  /** Rows whose ident equals the object's ident exactly (Group: type+id, or every type if abstract). */
  private findExact(prefix: ObjectPrefix, obj: Row): Row[] {
    const rows = this.findByStorageKey(prefix, obj);
    if (prefix === "group" || isHardware(prefix)) return rows;
    const ident = PREFIXES[prefix].ident;
    return rows.filter((row) => ident.every((a) => sameKeyValue(row[a], obj[a])));
  }

  /** Rows an `INSERT … ON DUPLICATE KEY UPDATE` of the object would hit. */
  private findByStorageKey(prefix: ObjectPrefix, obj: Row): Row[] {
    const table = this.tables[prefix];
    if (prefix === "group" && !(PREFIXES.group.storableClasses as readonly unknown[]).includes(obj.type)) {
      return rowsByIndex(table, "id", obj.id);
    }
    const row = table.get(table.keyOf(obj));
    return row ? [row] : [];
  }

  // ------------------------------------------------------------------ deletes

  /** Decodes the ident part of a delete argument; `null` ident attributes are refused. */
  private decodeIdent(prefix: ObjectPrefix, input: unknown): Row {
    if (!isPlainObject(input)) throw new BackendBadValueError(`${describeValue(input)} is not a ${PREFIXES[prefix].baseClass}`);
    if (isHardware(prefix)) {
      const decoded = asRow(decodeObject(prefix, input, this.ctx));
      this.assertKnownHardwareClass(prefix, decoded);
      return decoded;
    }
    const pick: Record<string, unknown> = {};
    if (input.type !== undefined) pick.type = input.type;
    const ident = input.ident;
    const hasIdent = ident !== undefined && ident !== null && ident !== "";
    if (hasIdent) pick.ident = ident;
    for (const attr of PREFIXES[prefix].ident) {
      const value = input[attr];
      if (value === null || value === undefined) {
        if (!hasIdent) throw new BackendBadValueError(`No value for ident attribute '${attr}'`);
        continue;
      }
      pick[attr] = value;
    }
    return asRow(decodeObject(prefix, pick, this.ctx));
  }

  private findForDelete(prefix: ObjectPrefix, ident: Row): Row[] {
    // The Group ident is the id only: deleting it removes the HostGroup and the ProductGroup.
    if (prefix === "group") return rowsByIndex(this.tables.group, "id", ident.id);
    return this.findExact(prefix, ident);
  }

  // ------------------------------------------------------------------ reads

  private selectedAttributes(prefix: ObjectPrefix, attributes: readonly string[] | null | undefined): Set<string> | undefined {
    if (attributes === null || attributes === undefined) return undefined;
    if (!Array.isArray(attributes)) throw new BackendBadValueError(`Invalid attributes ${describeValue(attributes)}: expected a list`);
    if (attributes.length === 0) return undefined;
    const allowed = new Set<string>(["type", ...prefixAttributes(prefix)]);
    if (isHardware(prefix)) {
      for (const a of HARDWARE_STATIC[prefix]) allowed.add(a);
      for (const cls of this.hardwareAudit.classes()) {
        for (const a of (prefix === "auditHardware" ? cls.deviceAttributes : cls.allAttributes).keys()) allowed.add(a);
      }
    }
    for (const a of attributes) {
      if (typeof a !== "string" || !allowed.has(a)) {
        throw new BackendBadValueError(`Invalid attribute ${describeValue(a)}, possible attributes are: ${[...allowed].join(", ")}`);
      }
    }
    // Hardware objects are always read completely: opsi adds every class attribute to the selection.
    return isHardware(prefix) ? undefined : new Set(attributes);
  }

  private select(prefix: ObjectPrefix, filter: Filter | null | undefined): Row[] {
    const table = this.tables[prefix];
    if (isHardware(prefix)) {
      return hardwareSelections(prefix, this.hardwareAudit, filter).flatMap((s) => selectRows(table, s.conditions));
    }
    const parsed = parseFilter(prefix, filter);
    if (prefix !== "licensePool") return selectRows(table, parsed);
    const productIds = parsed.conditions.find((c) => c.attribute === "productIds");
    if (!productIds) return selectRows(table, parsed);
    const others = parsed.conditions.filter((c) => c !== productIds);
    return selectRows(table, others).flatMap((pool) => this.poolWithMatchingProducts(pool, productIds));
  }

  /**
   * opsi filters LicensePools on the joined product rows before aggregating, so a `productIds`
   * filter keeps pools with a matching product and lists only the matching ids (a pool without
   * products joins as one NULL row).
   */
  private poolWithMatchingProducts(pool: Row, condition: FilterCondition): Row[] {
    const ids = Array.isArray(pool.productIds) ? (pool.productIds as unknown[]) : [];
    if (ids.length === 0) return conditionMatches(condition, { productIds: null }) ? [pool] : [];
    const matching = ids.filter((id) => conditionMatches(condition, { productIds: id }));
    return matching.length > 0 ? [{ ...pool, productIds: matching }] : [];
  }

  // ------------------------------------------------------------------ helpers

  private describe(row: Row): string {
    return `${String(row.type)} '${identString(row as unknown as OpsiObject, this.ctx)}'`;
  }

  private assertOpen(): void {
    if (this.closed) throw new BackendError("The memory backend is closed");
  }
}

installBackendMethods(MemoryBackend);

/** The opsi-named CRUD methods and extensions, installed on the prototype. */
export interface MemoryBackend extends BackendCrud, BackendExtensions {}
