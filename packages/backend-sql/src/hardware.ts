/**
 * @module hardware
 * AuditHardware / AuditHardwareOnHost in the per-class tables `HARDWARE_DEVICE_<CLASS>` (g-scope
 * values) and `HARDWARE_CONFIG_<CLASS>` (host, firstseen, lastseen, state, i-scope values). A write
 * looks up the device row matching all g-values NULL-safely, creates it if missing, then updates
 * the host's config row with the same i-values or inserts one; reads join both, class by class.
 */
import type { Filter, FilterCondition, HardwareAuditConfig, HardwareClass } from "@opsi-ts/core";
import { fromColumnValue, toColumnValue } from "./column-values.js";
import type { SqlExecutor } from "./driver.js";
import { type ColumnMapping, columnMapping, type HardwarePrefix } from "./mapping.js";
import type { Row } from "./row-codec.js";
import { hardwareColumnType, hardwareTables, type TableDef } from "./schema.js";
import { deleteByKeys, type SqlContext } from "./statements.js";
import { type ColumnRef, type HardwareClassFilter, hardwareClassFilters, type SqlFragment, whereSql } from "./where.js";

/** The two tables of one hardware class and their value columns. */
export interface HardwareClassTables {
  readonly cls: HardwareClass;
  readonly device: TableDef;
  readonly config: TableDef;
  /** g-scope attributes (device table), in class order. */
  readonly deviceColumns: readonly ColumnMapping[];
  /** i-scope attributes (config table), in class order. */
  readonly instanceColumns: readonly ColumnMapping[];
}

/** Write modes of the backend: insert (full overwrite), update (existing only), upsert. */
export type HardwareWriteMode = "insert" | "update" | "upsert";

const DEVICE = "d";
const CONFIG = "c";

/** The config-table columns that are not hardware values. */
const FIXED: readonly ColumnMapping[] = [
  { attribute: "hostId", column: "hostId", kind: "string", maxLength: 255 },
  { attribute: "firstseen", column: "firstseen", kind: "timestamp" },
  { attribute: "lastseen", column: "lastseen", kind: "timestamp" },
  { attribute: "state", column: "state", kind: "int" },
];

function hardwareColumn(tableName: string, name: string, sqlType: string): ColumnMapping {
  return columnMapping(tableName, { name, type: hardwareColumnType(sqlType), notNull: false }, name);
}

/**
 * Reads and writes of the schema-driven hardware prefixes.
 * @example const store = new HardwareStore(defaultHardwareAuditConfig(), sql)
 */
export class HardwareStore {
  private readonly byName = new Map<string, HardwareClassTables>();

  constructor(
    private readonly config: HardwareAuditConfig,
    private readonly sql: SqlContext,
  ) {
    const defs = new Map(hardwareTables(config).map((t) => [t.name, t]));
    for (const cls of config.classes()) {
      const device = defs.get(`HARDWARE_DEVICE_${cls.name}`);
      const configTable = defs.get(`HARDWARE_CONFIG_${cls.name}`);
      if (!device || !configTable) throw new Error(`no tables for hardware class ${cls.name}`);
      this.byName.set(cls.name, {
        cls,
        device,
        config: configTable,
        deviceColumns: [...cls.deviceAttributes].map(([name, type]) => hardwareColumn(device.name, name, type)),
        instanceColumns: [...cls.instanceAttributes].map(([name, type]) => hardwareColumn(configTable.name, name, type)),
      });
    }
  }

  /** The host-relation columns that are not hardware values (hostId, firstseen, lastseen, state). */
  static readonly fixedColumns: readonly ColumnMapping[] = FIXED;

  /** The tables of every configured class. */
  classes(): HardwareClassTables[] {
    return [...this.byName.values()];
  }

  private tablesOf(hardwareClass: unknown): HardwareClassTables {
    const t = this.byName.get(String(hardwareClass));
    if (!t) throw new Error(`hardware class ${String(hardwareClass)} is not configured`);
    return t;
  }

  private q(name: string): string {
    return this.sql.dialect.quoteIdentifier(name);
  }

  // ---------------------------------------------------------------- reads

  /**
   * The objects of a hardware prefix matching the filter, class by class in configured order.
   * @example await store.read(driver, "auditHardwareOnHost", { hostId: "pc1.dom.tld" })
   */
  async read(exec: SqlExecutor, prefix: HardwarePrefix, filter: Filter | null | undefined): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for (const selection of hardwareClassFilters(prefix, this.config, filter)) {
      const rows = await this.readClass(exec, prefix, selection);
      for (const r of rows) out.push(r);
    }
    return out;
  }

  private async readClass(exec: SqlExecutor, prefix: HardwarePrefix, selection: HardwareClassFilter): Promise<Record<string, unknown>[]> {
    const t = this.tablesOf(selection.cls.name);
    const where = this.filterWhere(prefix, t, selection.conditions);
    const select = this.sql.cache.get(`hw-select|${prefix}|${t.cls.name}`, () => {
      const dev = t.deviceColumns.map((c) => `${DEVICE}.${this.q(c.column)}`);
      if (prefix === "auditHardware") {
        return `SELECT ${[`${DEVICE}.${this.q("hardware_id")}`, ...dev].join(", ")} FROM ${this.q(t.device.name)} ${DEVICE}`;
      }
      const cfg = [...FIXED, ...t.instanceColumns].map((c) => `${CONFIG}.${this.q(c.column)}`);
      return `SELECT ${[...cfg, ...dev].join(", ")} FROM ${this.q(t.config.name)} ${CONFIG} JOIN ${this.q(t.device.name)} ${DEVICE} ON ${DEVICE}.${this.q("hardware_id")} = ${CONFIG}.${this.q("hardware_id")}`;
    });
    const rows = await exec.query(where.sql ? `${select} WHERE ${where.sql}` : select, where.params);
    const hardwareClass = t.cls.name;
    const valueColumns = new Map<string, ColumnMapping>();
    for (const c of t.deviceColumns) valueColumns.set(c.attribute, c);
    for (const c of t.instanceColumns) valueColumns.set(c.attribute, c);
    const attributes = [...(prefix === "auditHardware" ? t.cls.deviceAttributes : t.cls.allAttributes).keys()];
    return rows.map((row) => {
      const obj: Record<string, unknown> =
        prefix === "auditHardware"
          ? { type: "AuditHardware", hardwareClass }
          : {
              type: "AuditHardwareOnHost",
              hardwareClass,
              hostId: fromColumnValue("string", row.hostId),
              firstseen: fromColumnValue("timestamp", row.firstseen),
              lastseen: fromColumnValue("timestamp", row.lastseen),
              state: fromColumnValue("int", row.state),
            };
      for (const a of attributes) {
        const c = valueColumns.get(a);
        obj[a] = c ? fromColumnValue(c.kind, row[c.column]) : null;
      }
      return obj;
    });
  }

  private filterWhere(prefix: HardwarePrefix, t: HardwareClassTables, conditions: readonly FilterCondition[]): SqlFragment {
    const resolve = (attribute: string): ColumnRef => {
      const dev = t.deviceColumns.find((c) => c.attribute === attribute);
      if (dev) return { sql: `${DEVICE}.${this.q(dev.column)}`, kind: dev.kind };
      const cfg = prefix === "auditHardwareOnHost" ? [...FIXED, ...t.instanceColumns].find((c) => c.attribute === attribute) : undefined;
      if (cfg) return { sql: `${CONFIG}.${this.q(cfg.column)}`, kind: cfg.kind };
      // hardwareClassFilters only passes attributes of the class; anything else matches nothing.
      return { sql: "NULL", kind: "string" };
    };
    return whereSql(conditions, resolve, this.sql.dialect);
  }

  // ---------------------------------------------------------------- writes

  /** `col IS NULL` / `col = ?` for each column, by the object's values. */
  private matchValues(alias: string, columns: readonly ColumnMapping[], obj: Row, params: unknown[]): string[] {
    return columns.map((c) => {
      const v = obj[c.attribute];
      if (v === null || v === undefined) return `${alias}.${this.q(c.column)} IS NULL`;
      params.push(toColumnValue(c.kind, v));
      return `${alias}.${this.q(c.column)} = ?`;
    });
  }

  /** The hardware_id of the device row with the object's g-values, created if missing. */
  private async ensureDevice(exec: SqlExecutor, t: HardwareClassTables, obj: Row, known: Map<string, number>): Promise<number> {
    const params: unknown[] = [];
    const conditions = this.matchValues(DEVICE, t.deviceColumns, obj, params);
    const cacheKey = `${t.cls.name}\u001f${conditions.join(" AND ")}\u001f${params.map((p) => (typeof p === "string" ? p.toLowerCase() : String(p))).join("\u001f")}`;
    const cached = known.get(cacheKey);
    if (cached !== undefined) return cached;
    const where = conditions.length > 0 ? conditions.join(" AND ") : "1 = 1";
    const found = await exec.query(
      `SELECT ${DEVICE}.${this.q("hardware_id")} FROM ${this.q(t.device.name)} ${DEVICE} WHERE ${where} LIMIT 1`,
      params,
    );
    let id = found[0]?.hardware_id;
    if (id === undefined || id === null) {
      const cols = t.deviceColumns.length > 0 ? t.deviceColumns.map((c) => c.column) : ["hardware_id"];
      const values = t.deviceColumns.map((c) => toColumnValue(c.kind, obj[c.attribute]));
      const result = await exec.execute(
        `INSERT INTO ${this.q(t.device.name)} (${cols.map((c) => this.q(c)).join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`,
        t.deviceColumns.length > 0 ? values : [null],
      );
      id = result.insertId;
      if (id === undefined) throw new Error(`the driver returned no insert id for ${t.device.name}`);
    }
    const n = Number(id);
    known.set(cacheKey, n);
    return n;
  }

  /** Config rows of the host with the object's i-values whose device has its g-values. */
  private async findConfigRows(exec: SqlExecutor, t: HardwareClassTables, obj: Row): Promise<Record<string, unknown>[]> {
    const params: unknown[] = [obj.hostId];
    const conditions = [
      `${CONFIG}.${this.q("hostId")} = ?`,
      ...this.matchValues(CONFIG, t.instanceColumns, obj, params),
      ...this.matchValues(DEVICE, t.deviceColumns, obj, params),
    ];
    const cols = ["config_id", "firstseen", "lastseen", "state"].map((c) => `${CONFIG}.${this.q(c)}`).join(", ");
    return exec.query(
      `SELECT ${cols} FROM ${this.q(t.config.name)} ${CONFIG} JOIN ${this.q(t.device.name)} ${DEVICE} ON ${DEVICE}.${this.q("hardware_id")} = ${CONFIG}.${this.q("hardware_id")} WHERE ${conditions.join(" AND ")}${this.sql.dialect.lockingReadSuffix}`,
      params,
    );
  }

  /**
   * Writes hardware objects in order. `create` turns an object without a stored row into the row
   * to insert (defaults applied), or returns undefined to skip it (update mode).
   * @example await store.write(tx, "auditHardwareOnHost", objs, "upsert", (o) => withColumnDefaults(o))
   */
  async write(
    exec: SqlExecutor,
    prefix: HardwarePrefix,
    objs: readonly Row[],
    mode: HardwareWriteMode,
    create: (obj: Row) => Row | undefined,
  ): Promise<void> {
    const known = new Map<string, number>();
    for (const obj of objs) {
      const t = this.tablesOf(obj.hardwareClass);
      if (prefix === "auditHardware") {
        // A device row is all key: an update changes nothing, insert/upsert make sure it exists.
        if (mode !== "update") await this.ensureDevice(exec, t, obj, known);
        continue;
      }
      const stored = await this.findConfigRows(exec, t, obj);
      if (stored.length > 0) {
        for (const row of stored) {
          // Insert overwrites; updates keep the stored value where the object has none.
          const pick = (a: string) =>
            mode === "insert" ? obj[a] : (obj[a] ?? fromColumnValue(a === "state" ? "int" : "timestamp", row[a]));
          await exec.execute(
            `UPDATE ${this.q(t.config.name)} SET ${this.q("firstseen")} = ?, ${this.q("lastseen")} = ?, ${this.q("state")} = ? WHERE ${this.q("config_id")} = ?`,
            [pick("firstseen"), pick("lastseen"), pick("state"), row.config_id],
          );
        }
        continue;
      }
      const row = create(obj);
      if (!row) continue;
      const hardwareId = await this.ensureDevice(exec, t, row, known);
      const cols = [...FIXED, ...t.instanceColumns];
      const names = ["hardware_id", ...cols.map((c) => c.column)];
      await exec.execute(
        `INSERT INTO ${this.q(t.config.name)} (${names.map((c) => this.q(c)).join(", ")}) VALUES (${names.map(() => "?").join(", ")})`,
        [hardwareId, ...cols.map((c) => toColumnValue(c.kind, row[c.attribute]))],
      );
    }
  }

  // ---------------------------------------------------------------- deletes

  /**
   * Deletes hardware objects by all their values; deleting a device removes its host rows (FK cascade).
   * @example await store.delete(tx, "auditHardware", devices)
   */
  async delete(exec: SqlExecutor, prefix: HardwarePrefix, objs: readonly Row[]): Promise<void> {
    for (const obj of objs) {
      const t = this.tablesOf(obj.hardwareClass);
      const params: unknown[] = [];
      const device = this.matchValues(this.q(t.device.name), t.deviceColumns, obj, params);
      const deviceWhere = device.length > 0 ? device.join(" AND ") : "1 = 1";
      if (prefix === "auditHardware") {
        await exec.execute(`DELETE FROM ${this.q(t.device.name)} WHERE ${deviceWhere}`, params);
        continue;
      }
      const configParams: unknown[] = [obj.hostId];
      const instance = this.matchValues(this.q(t.config.name), t.instanceColumns, obj, configParams);
      const where = [`${this.q("hostId")} = ?`, ...instance].join(" AND ");
      await exec.execute(
        `DELETE FROM ${this.q(t.config.name)} WHERE ${where} AND ${this.q("hardware_id")} IN (SELECT ${this.q("hardware_id")} FROM ${this.q(t.device.name)} WHERE ${deviceWhere})`,
        [...configParams, ...params],
      );
    }
  }

  /**
   * Deletes the hardware rows of hosts (opsi does this in code when a host is deleted).
   * @example await store.deleteForHosts(tx, ["pc1.dom.tld"])
   */
  async deleteForHosts(exec: SqlExecutor, hostIds: readonly string[]): Promise<void> {
    if (hostIds.length === 0) return;
    for (const t of this.byName.values()) {
      await deleteByKeys(
        exec,
        this.sql,
        t.config.name,
        ["hostId"],
        hostIds.map((id) => [id]),
      );
    }
  }
}
