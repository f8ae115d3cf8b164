/**
 * @module SqlBackend
 * The dialect-neutral SQL backend: opsi 4.3 CRUD semantics (the same as core's MemoryBackend) over
 * opsi's schema 13 tables, through any {@link SqlDriver} + {@link SqlDialect} pair.
 */
import {
  BackendBadValueError,
  type BackendCore,
  type BackendCrud,
  BackendError,
  type BackendExtensions,
  decodeObject,
  defaultHardwareAuditConfig,
  describeValue,
  type Filter,
  getIdent,
  type HardwareAuditConfig,
  type Ident,
  type IdentReturnType,
  installBackendMethods,
  isNullState,
  type ModelContext,
  type ObjectInput,
  type ObjectPrefix,
  type ObjectsInput,
  type OpsiObject,
  PREFIXES,
  type PrefixObject,
  parseFilter,
  parseIdentReturnType,
} from "@opsi-ts/core";
import type { SqlDialect } from "./dialect.js";
import type { SqlDriver, SqlExecutor } from "./driver.js";
import { HardwareStore } from "./hardware.js";
import { type HardwarePrefix, isHardwarePrefix, type TablePrefix, tableMapping } from "./mapping.js";
import type { Row } from "./row-codec.js";
import { toBackendError } from "./sql-errors.js";
import { SqlTextCache } from "./statements.js";
import { deleteTableObjects } from "./table-deletes.js";
import { filterWhere, readObjects } from "./table-reads.js";
import { createdByUpsert, storableObject, type WriteContext, type WriteMode, writeTableObjects } from "./table-writes.js";
import { checkLengths, selectedAttributes } from "./validation.js";

/** Options of {@link SqlBackend}. */
export interface SqlBackendOptions {
  /** The connection (pool); the backend closes it in `close()`. */
  readonly driver: SqlDriver;
  readonly dialect: SqlDialect;
  /** Hardware-audit configuration (its tables must exist); defaults to opsi's `opsihwaudit.conf`. */
  readonly hardwareAudit?: HardwareAuditConfig;
}

function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function toList(input: unknown): unknown[] {
  if (input === null || input === undefined) return [];
  return Array.isArray(input) ? input : [input];
}

/**
 * An opsi backend on an SQL database with opsi's schema 13 (MySQL/MariaDB or SQLite). The schema
 * must exist (the dialect packages create and upgrade it). Every write call runs in one
 * transaction: a failing batch writes nothing.
 * @example
 * const backend = new SqlBackend({ driver, dialect, hardwareAudit });
 * await backend.host_createObjects([{ type: "OpsiClient", id: "pc1.dom.tld" }]);
 * const pocs = await backend.productOnClient_getObjects([], { clientId: "pc1.dom.tld" });
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the opsi-named methods are installed on the prototype by installBackendMethods.
export class SqlBackend implements BackendCore {
  readonly hardwareAudit: HardwareAuditConfig;
  readonly driver: SqlDriver;
  readonly dialect: SqlDialect;
  private readonly sql: WriteContext;
  private readonly hardware: HardwareStore;
  private closed = false;

  constructor(options: SqlBackendOptions) {
    this.driver = options.driver;
    this.dialect = options.dialect;
    this.hardwareAudit = options.hardwareAudit ?? defaultHardwareAuditConfig();
    const model: ModelContext = { hardwareAudit: this.hardwareAudit };
    this.sql = { dialect: this.dialect, cache: new SqlTextCache(), model };
    this.hardware = new HardwareStore(this.hardwareAudit, this.sql);
  }

  async insertObject<P extends ObjectPrefix>(prefix: P, obj: ObjectInput<P>): Promise<void> {
    await this.write(prefix, [obj], "insert", false);
  }

  async updateObject<P extends ObjectPrefix>(prefix: P, obj: ObjectInput<P>): Promise<void> {
    await this.write(prefix, [obj], "update", false);
  }

  async createObjects<P extends ObjectPrefix>(prefix: P, objs: ObjectsInput<P>): Promise<void> {
    await this.write(prefix, toList(objs), "insert", true);
  }

  async updateObjects<P extends ObjectPrefix>(prefix: P, objs: ObjectsInput<P>): Promise<void> {
    await this.write(prefix, toList(objs), "upsert", true);
  }

  async getObjects<P extends ObjectPrefix>(
    prefix: P,
    attributes?: readonly string[] | null,
    filter?: Filter | null,
  ): Promise<PrefixObject<P>[]> {
    this.assertOpen();
    const loaded = selectedAttributes(prefix, attributes, this.hardwareAudit);
    const objs = await this.select(prefix, loaded, filter);
    return objs as unknown as PrefixObject<P>[];
  }

  async getIdents<P extends ObjectPrefix>(prefix: P, returnType?: IdentReturnType | null, filter?: Filter | null): Promise<Ident[]> {
    this.assertOpen();
    const type = parseIdentReturnType(returnType);
    const loaded = isHardwarePrefix(prefix) ? undefined : new Set(PREFIXES[prefix].ident);
    const objs = await this.select(prefix, loaded, filter);
    return objs.map((o) => getIdent(o as unknown as OpsiObject, type, this.sql.model));
  }

  async deleteObjects<P extends ObjectPrefix>(prefix: P, objs: ObjectsInput<P>): Promise<void> {
    this.assertOpen();
    const idents = toList(objs).map((o) => this.decodeIdent(prefix, o));
    if (idents.length === 0) return;
    await this.transaction(`Cannot delete ${PREFIXES[prefix].baseClass} objects`, async (tx) => {
      if (isHardwarePrefix(prefix)) return this.hardware.delete(tx, prefix, idents);
      await deleteTableObjects(tx, this.sql, tableMapping(prefix), idents, (exec, hostIds) => this.hardware.deleteForHosts(exec, hostIds));
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.driver.close();
  }

  // ------------------------------------------------------------------ writes

  private async write(prefix: ObjectPrefix, inputs: readonly unknown[], mode: WriteMode, skipNullStates: boolean): Promise<void> {
    this.assertOpen();
    const model = this.sql.model;
    const hardware = isHardwarePrefix(prefix);
    const mapping = hardware ? undefined : tableMapping(prefix as TablePrefix);
    // Decode and validate everything before touching the database.
    const prepared: Row[] = [];
    for (const input of inputs) {
      const decoded = decodeObject(prefix, input, model) as unknown as Row;
      if (skipNullStates && isNullState(prefix, decoded)) continue;
      if (hardware) this.assertKnownHardwareClass(decoded);
      const obj = mode === "insert" ? storableObject(prefix, decoded, true, model) : decoded;
      if (mapping) checkLengths(mapping.columns, obj, String(obj.type));
      else checkLengths(HardwareStore.fixedColumns, obj, String(obj.type));
      prepared.push(obj);
    }
    if (prepared.length === 0) return;
    await this.transaction(`Cannot store ${PREFIXES[prefix].baseClass} objects`, async (tx) => {
      if (mapping) return writeTableObjects(tx, this.sql, mapping, prepared, mode);
      return this.hardware.write(tx, prefix as HardwarePrefix, prepared, mode, (obj) =>
        mode === "upsert" ? createdByUpsert(prefix, obj, model) : mode === "insert" ? obj : undefined,
      );
    });
  }

  private assertKnownHardwareClass(obj: Row): void {
    const hardwareClass = String(obj.hardwareClass);
    if (this.hardwareAudit.get(hardwareClass)) return;
    throw new BackendBadValueError(
      `Unknown hardware class ${describeValue(hardwareClass)}, configured classes are: ${this.hardwareAudit.classNames().join(", ")}`,
    );
  }

  // ------------------------------------------------------------------ deletes

  /** Decodes the ident part of a delete argument; `null` ident attributes are refused. */
  private decodeIdent(prefix: ObjectPrefix, input: unknown): Row {
    if (!isPlainObject(input)) throw new BackendBadValueError(`${describeValue(input)} is not a ${PREFIXES[prefix].baseClass}`);
    const model = this.sql.model;
    if (isHardwarePrefix(prefix)) {
      const decoded = decodeObject(prefix, input, model) as unknown as Row;
      this.assertKnownHardwareClass(decoded);
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
    return decodeObject(prefix, pick, model) as unknown as Row;
  }

  // ------------------------------------------------------------------ reads

  private async select(prefix: ObjectPrefix, loaded: ReadonlySet<string> | undefined, filter: Filter | null | undefined): Promise<Row[]> {
    try {
      if (isHardwarePrefix(prefix)) return await this.hardware.read(this.driver, prefix, filter);
      const mapping = tableMapping(prefix);
      const where = filterWhere(this.sql, mapping, parseFilter(prefix, filter).conditions);
      return await readObjects(this.driver, this.sql, mapping, loaded, where);
    } catch (err: unknown) {
      throw toBackendError(err, this.dialect, `Cannot read ${PREFIXES[prefix].baseClass} objects`);
    }
  }

  // ------------------------------------------------------------------ helpers

  private async transaction(context: string, fn: (tx: SqlExecutor) => Promise<void>): Promise<void> {
    try {
      await this.driver.transaction(fn);
    } catch (err: unknown) {
      throw toBackendError(err, this.dialect, context);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new BackendError("The SQL backend is closed");
  }
}

installBackendMethods(SqlBackend);

/** The opsi-named CRUD methods and extensions, installed on the prototype. */
export interface SqlBackend extends BackendCrud, BackendExtensions {}
