/**
 * @module mysql-ddl
 * MySQL DDL text from the dialect-neutral table definitions, in opsi's spelling (`int(11)`, `tinyint(1)`, ...).
 */
import type { ColumnDef, ColumnType, ForeignKeyDef, IndexDef, TableDef } from "@opsi-ts/backend-sql";

/** Table options of every opsi table. */
export const TABLE_OPTIONS = "ENGINE=InnoDB DEFAULT CHARSET=utf8";

/**
 * Quotes an identifier with backticks (embedded backticks doubled).
 * @example quoteId("GROUP") // "`GROUP`"
 */
export function quoteId(name: string): string {
  return `\`${name.replace(/`/g, "``")}\``;
}

/**
 * Comma-separated quoted identifiers.
 * @example quoteIds(["a", "b"]) // "`a`,`b`"
 */
export function quoteIds(names: readonly string[]): string {
  return names.map(quoteId).join(",");
}

/**
 * The SQL type of a column as opsi writes it (`varchar(255)`, `int(11)`, `bigint(20)`, `tinyint(1)`, ...).
 * @example columnTypeSql({ kind: "int" }) // "int(11)"
 */
export function columnTypeSql(type: ColumnType): string {
  switch (type.kind) {
    case "varchar":
      return `varchar(${type.length})`;
    case "text":
      return "text";
    case "int":
      return "int(11)";
    case "bigint":
      return "bigint(20)";
    case "tinyint":
      return `tinyint(${type.width})`;
    case "double":
      return "double";
    case "timestamp":
      return "timestamp";
  }
}

/** A string literal for DDL defaults (backslash and quote escaped). */
function ddlString(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

/** `DEFAULT ...` clause of a column, or "" when it has none. */
function defaultSql(col: ColumnDef): string {
  const d = col.default;
  if (d === undefined) {
    if (col.notNull || col.autoIncrement) return "";
    return "DEFAULT NULL";
  }
  if (typeof d === "object") return "DEFAULT CURRENT_TIMESTAMP";
  if (typeof d === "number") return `DEFAULT ${d}`;
  return `DEFAULT ${ddlString(d)}`;
}

/**
 * A column definition as in opsi's `CREATE TABLE` (`` `x` timestamp NULL DEFAULT NULL ``,
 * `` `m` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP ``, ...).
 * @example columnDefinitionSql({ name: "a", type: { kind: "int" }, notNull: true }) // "`a` int(11) NOT NULL"
 */
export function columnDefinitionSql(col: ColumnDef): string {
  const parts = [quoteId(col.name), columnTypeSql(col.type)];
  if (col.notNull) parts.push("NOT NULL");
  else if (col.type.kind === "timestamp") parts.push("NULL");
  const def = defaultSql(col);
  if (def) parts.push(def);
  if (col.onUpdateCurrentTimestamp) parts.push("ON UPDATE CURRENT_TIMESTAMP");
  if (col.autoIncrement) parts.push("AUTO_INCREMENT");
  return parts.join(" ");
}

/**
 * `KEY name (cols)` / `UNIQUE KEY name (cols)` inside CREATE TABLE or after ALTER TABLE ADD.
 * @example indexClauseSql({ name: "i", columns: ["a"], unique: true }) // "UNIQUE KEY `i` (`a`)"
 */
export function indexClauseSql(index: IndexDef): string {
  return `${index.unique ? "UNIQUE KEY" : "KEY"} ${quoteId(index.name)} (${quoteIds(index.columns)})`;
}

/**
 * `CONSTRAINT name FOREIGN KEY (...) REFERENCES t (...) ON DELETE x ON UPDATE y`.
 * @example foreignKeyClauseSql(OPSI_TABLES[3].foreignKeys[0]) // "CONSTRAINT `FK_CONFIG_VALUE_CONFIG` FOREIGN KEY ..."
 */
export function foreignKeyClauseSql(fk: ForeignKeyDef): string {
  return (
    `CONSTRAINT ${quoteId(fk.name)} FOREIGN KEY (${quoteIds(fk.columns)}) REFERENCES ${quoteId(fk.refTable)} (${quoteIds(fk.refColumns)})` +
    ` ON DELETE ${fk.onDelete} ON UPDATE ${fk.onUpdate}`
  );
}

/**
 * `CREATE TABLE IF NOT EXISTS` for a table definition, matching opsi's DDL (InnoDB, utf8, named keys).
 * @example createTableStatement(OPSI_TABLES[0]) // "CREATE TABLE IF NOT EXISTS `OPSI_SCHEMA` (...) ENGINE=InnoDB DEFAULT CHARSET=utf8"
 */
export function createTableStatement(table: TableDef, options: { withForeignKeys?: boolean } = {}): string {
  const lines = table.columns.map(columnDefinitionSql);
  if (table.primaryKey.length > 0) lines.push(`PRIMARY KEY (${quoteIds(table.primaryKey)})`);
  for (const index of table.indexes) lines.push(indexClauseSql(index));
  if (options.withForeignKeys ?? true) for (const fk of table.foreignKeys) lines.push(foreignKeyClauseSql(fk));
  return `CREATE TABLE IF NOT EXISTS ${quoteId(table.name)} (\n\t${lines.join(",\n\t")}\n) ${TABLE_OPTIONS}`;
}
