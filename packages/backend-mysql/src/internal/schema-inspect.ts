/**
 * @module schema-inspect
 * Reads the actual layout of a database (tables, columns, indexes, foreign keys) from information_schema.
 */
import type { SqlExecutor, SqlRow } from "@opsi-ts/backend-sql";

/** A column as the server reports it. */
export interface ActualColumn {
  readonly name: string;
  /** `COLUMN_TYPE`, lower case (`varchar(255)`, `int(11)`, `tinyint(1)`). */
  readonly type: string;
  readonly nullable: boolean;
  /** `COLUMN_DEFAULT` as reported (flavour-specific spelling), null if none. */
  readonly defaultRaw: string | null;
  /** `EXTRA`, lower case (`auto_increment`, `on update current_timestamp()`). */
  readonly extra: string;
}

/** An index (PRIMARY included). */
export interface ActualIndex {
  readonly name: string;
  readonly unique: boolean;
  readonly columns: readonly string[];
}

/** A foreign key. Rules are upper case; MySQL's `NO ACTION` is reported as `RESTRICT`. */
export interface ActualForeignKey {
  readonly name: string;
  readonly table: string;
  readonly columns: readonly string[];
  readonly refTable: string;
  readonly refColumns: readonly string[];
  readonly onDelete: string;
  readonly onUpdate: string;
}

/** One table. Names keep the server's spelling; look-ups use upper case. */
export interface ActualTable {
  readonly name: string;
  readonly engine: string;
  readonly collation: string;
  readonly columns: readonly ActualColumn[];
  readonly indexes: readonly ActualIndex[];
  readonly foreignKeys: readonly ActualForeignKey[];
}

/** The whole schema, keyed by upper-case table name. */
export type ActualSchema = ReadonlyMap<string, ActualTable>;

const str = (row: SqlRow, key: string): string => {
  const v = row[key] ?? row[key.toLowerCase()];
  return v === null || v === undefined ? "" : String(v);
};
const strOrNull = (row: SqlRow, key: string): string | null => {
  const v = row[key] ?? row[key.toLowerCase()];
  return v === null || v === undefined ? null : String(v);
};

const normaliseRule = (rule: string): string => {
  const r = rule.toUpperCase();
  return r === "NO ACTION" ? "RESTRICT" : r;
};

/**
 * Reads tables, columns, indexes and foreign keys of the current database in four queries.
 * @example const schema = await inspectSchema(session); schema.get("HOST")?.columns.length
 */
export async function inspectSchema(db: SqlExecutor): Promise<ActualSchema> {
  const tableRows = await db.query(
    "SELECT `TABLE_NAME`, `ENGINE`, `TABLE_COLLATION` FROM `information_schema`.`TABLES` WHERE `TABLE_SCHEMA` = DATABASE() AND `TABLE_TYPE` = 'BASE TABLE'",
  );
  const columnRows = await db.query(
    "SELECT `TABLE_NAME`, `COLUMN_NAME`, `COLUMN_TYPE`, `IS_NULLABLE`, `COLUMN_DEFAULT`, `EXTRA` FROM `information_schema`.`COLUMNS`" +
      " WHERE `TABLE_SCHEMA` = DATABASE() ORDER BY `TABLE_NAME`, `ORDINAL_POSITION`",
  );
  const indexRows = await db.query(
    "SELECT `TABLE_NAME`, `INDEX_NAME`, `NON_UNIQUE`, `COLUMN_NAME` FROM `information_schema`.`STATISTICS`" +
      " WHERE `TABLE_SCHEMA` = DATABASE() ORDER BY `TABLE_NAME`, `INDEX_NAME`, `SEQ_IN_INDEX`",
  );
  const fkRows = await db.query(
    "SELECT rc.`CONSTRAINT_NAME`, rc.`TABLE_NAME`, rc.`REFERENCED_TABLE_NAME`, rc.`UPDATE_RULE`, rc.`DELETE_RULE`," +
      " k.`COLUMN_NAME`, k.`REFERENCED_COLUMN_NAME`" +
      " FROM `information_schema`.`REFERENTIAL_CONSTRAINTS` rc" +
      " JOIN `information_schema`.`KEY_COLUMN_USAGE` k ON k.`CONSTRAINT_SCHEMA` = rc.`CONSTRAINT_SCHEMA`" +
      " AND k.`CONSTRAINT_NAME` = rc.`CONSTRAINT_NAME` AND k.`TABLE_NAME` = rc.`TABLE_NAME`" +
      " WHERE rc.`CONSTRAINT_SCHEMA` = DATABASE() AND k.`REFERENCED_TABLE_NAME` IS NOT NULL" +
      " ORDER BY rc.`TABLE_NAME`, rc.`CONSTRAINT_NAME`, k.`ORDINAL_POSITION`",
  );

  interface Building {
    name: string;
    engine: string;
    collation: string;
    columns: ActualColumn[];
    indexes: Map<string, { name: string; unique: boolean; columns: string[] }>;
    foreignKeys: Map<
      string,
      { name: string; table: string; columns: string[]; refTable: string; refColumns: string[]; onDelete: string; onUpdate: string }
    >;
  }
  const tables = new Map<string, Building>();
  for (const row of tableRows) {
    const name = str(row, "TABLE_NAME");
    tables.set(name.toUpperCase(), {
      name,
      engine: str(row, "ENGINE"),
      collation: str(row, "TABLE_COLLATION"),
      columns: [],
      indexes: new Map(),
      foreignKeys: new Map(),
    });
  }
  for (const row of columnRows) {
    const t = tables.get(str(row, "TABLE_NAME").toUpperCase());
    if (!t) continue;
    t.columns.push({
      name: str(row, "COLUMN_NAME"),
      type: str(row, "COLUMN_TYPE").toLowerCase(),
      nullable: str(row, "IS_NULLABLE").toUpperCase() === "YES",
      defaultRaw: strOrNull(row, "COLUMN_DEFAULT"),
      extra: str(row, "EXTRA").toLowerCase(),
    });
  }
  for (const row of indexRows) {
    const t = tables.get(str(row, "TABLE_NAME").toUpperCase());
    if (!t) continue;
    const name = str(row, "INDEX_NAME");
    let idx = t.indexes.get(name);
    if (!idx) {
      idx = { name, unique: Number(row.NON_UNIQUE ?? row.non_unique) === 0, columns: [] };
      t.indexes.set(name, idx);
    }
    idx.columns.push(str(row, "COLUMN_NAME"));
  }
  for (const row of fkRows) {
    const t = tables.get(str(row, "TABLE_NAME").toUpperCase());
    if (!t) continue;
    const name = str(row, "CONSTRAINT_NAME");
    let fk = t.foreignKeys.get(name);
    if (!fk) {
      fk = {
        name,
        table: t.name,
        columns: [],
        refTable: str(row, "REFERENCED_TABLE_NAME"),
        refColumns: [],
        onDelete: normaliseRule(str(row, "DELETE_RULE")),
        onUpdate: normaliseRule(str(row, "UPDATE_RULE")),
      };
      t.foreignKeys.set(name, fk);
    }
    fk.columns.push(str(row, "COLUMN_NAME"));
    fk.refColumns.push(str(row, "REFERENCED_COLUMN_NAME"));
  }
  const out = new Map<string, ActualTable>();
  for (const [key, t] of tables) {
    out.set(key, {
      name: t.name,
      engine: t.engine,
      collation: t.collation,
      columns: t.columns,
      indexes: [...t.indexes.values()],
      foreignKeys: [...t.foreignKeys.values()],
    });
  }
  return out;
}

/**
 * Case-insensitive column look-up.
 * @example findColumn(table, "hostid")?.name // "hostId"
 */
export function findColumn(table: ActualTable, name: string): ActualColumn | undefined {
  const lower = name.toLowerCase();
  return table.columns.find((c) => c.name.toLowerCase() === lower);
}

/**
 * The primary key's columns ([] if none).
 * @example primaryKeyColumns(schema.get("CONFIG_STATE")) // ["configId", "objectId"]
 */
export function primaryKeyColumns(table: ActualTable): readonly string[] {
  return table.indexes.find((i) => i.name === "PRIMARY")?.columns ?? [];
}
