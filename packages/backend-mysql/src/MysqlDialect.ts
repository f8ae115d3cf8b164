/**
 * @module MysqlDialect
 * The MySQL/MariaDB `SqlDialect`: backtick identifiers, opsi's DDL, `ON DUPLICATE KEY UPDATE` upserts.
 */
import type { SqlDialect, SqlErrorKind, TableDef } from "@opsi-ts/backend-sql";
import { createTableStatement, quoteId, quoteIds } from "./internal/mysql-ddl.js";
import { classifyMysqlError } from "./internal/mysql-errors.js";

/**
 * SQL generation for MySQL and MariaDB (10.1+ / 5.6.5+).
 * @example new MysqlDialect().upsertSql(table, ["hostId", "type"], 2, ["type"])
 * // "INSERT INTO `HOST` (`hostId`,`type`) VALUES (?,?),(?,?) ON DUPLICATE KEY UPDATE `type` = VALUES(`type`)"
 */
export class MysqlDialect implements SqlDialect {
  readonly name = "mysql" as const;
  /** Backslash is MySQL's default LIKE escape character (the driver keeps NO_BACKSLASH_ESCAPES off). */
  readonly likeEscape = "";
  /** Rows a write transaction reads, merges and writes back are locked against concurrent writers. */
  readonly lockingReadSuffix = " FOR UPDATE";

  quoteIdentifier(name: string): string {
    return quoteId(name);
  }

  upsertSql(table: TableDef, columns: readonly string[], rowCount: number, updateColumns: readonly string[]): string {
    if (columns.length === 0) throw new Error(`upsertSql(${table.name}): no columns`);
    if (!Number.isInteger(rowCount) || rowCount < 1) throw new Error(`upsertSql(${table.name}): rowCount must be a positive integer`);
    const row = `(${columns.map(() => "?").join(",")})`;
    const values = Array.from({ length: rowCount }, () => row).join(",");
    const head = `INSERT INTO ${quoteId(table.name)} (${quoteIds(columns)}) VALUES ${values}`;
    if (updateColumns.length > 0) {
      return `${head} ON DUPLICATE KEY UPDATE ${updateColumns.map((c) => `${quoteId(c)} = VALUES(${quoteId(c)})`).join(", ")}`;
    }
    // A no-op assignment keeps the existing row but, unlike INSERT IGNORE, still raises FK and value errors.
    const keep = table.primaryKey[0] ?? columns[0] ?? "";
    return `${head} ON DUPLICATE KEY UPDATE ${quoteId(keep)} = ${quoteId(keep)}`;
  }

  createTableSql(table: TableDef): string[] {
    return [createTableStatement(table)];
  }

  classifyError(err: unknown): SqlErrorKind {
    return classifyMysqlError(err);
  }
}
