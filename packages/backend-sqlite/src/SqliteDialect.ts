/**
 * @module SqliteDialect
 * SQLite's side of {@link SqlDialect}: DDL from the schema data with `COLLATE NOCASE` on text
 * columns (case-insensitive keys and comparisons like MySQL's collation), upserts with a catch-all
 * `ON CONFLICT DO UPDATE` (every PRIMARY/UNIQUE key, SQLite ≥ 3.35), and error classification.
 */
import type { ColumnDef, SqlDialect, SqlErrorKind, TableDef } from "@opsi-ts/backend-sql";

function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function columnType(col: ColumnDef): string {
  switch (col.type.kind) {
    case "varchar":
      return `VARCHAR(${col.type.length}) COLLATE NOCASE`;
    case "text":
      return "TEXT COLLATE NOCASE";
    case "int":
      return "INTEGER";
    case "bigint":
      return "BIGINT";
    case "tinyint":
      return "TINYINT";
    case "double":
      return "REAL";
    case "timestamp":
      // TEXT affinity: 'YYYY-MM-DD HH:MM:SS' (zero dates included) compares as text.
      return "TEXT";
  }
}

function defaultClause(col: ColumnDef): string {
  const d = col.default;
  if (d === undefined) return "";
  // MySQL's CURRENT_TIMESTAMP is server local time; SQLite's is UTC.
  if (typeof d === "object") return " DEFAULT (datetime('now', 'localtime'))";
  return typeof d === "number" ? ` DEFAULT ${d}` : ` DEFAULT ${sqlString(d)}`;
}

/**
 * The SQLite dialect.
 * @example const dialect = new SqliteDialect(); dialect.createTableSql(OPSI_TABLES[0])
 */
export class SqliteDialect implements SqlDialect {
  readonly name = "sqlite" as const;
  readonly likeEscape = " ESCAPE '\\'";
  /** `BEGIN IMMEDIATE` already serialises writers. */
  readonly lockingReadSuffix = "";

  quoteIdentifier(name: string): string {
    return `"${name.replace(/"/g, '""')}"`;
  }

  upsertSql(table: TableDef, columns: readonly string[], rowCount: number, updateColumns: readonly string[]): string {
    const q = (c: string) => this.quoteIdentifier(c);
    const tuple = `(${columns.map(() => "?").join(", ")})`;
    const values = rowCount === 1 ? tuple : `${tuple}${`, ${tuple}`.repeat(rowCount - 1)}`;
    // Without a conflict target, the last ON CONFLICT clause catches a collision on any key.
    const conflict =
      updateColumns.length === 0
        ? "ON CONFLICT DO NOTHING"
        : `ON CONFLICT DO UPDATE SET ${updateColumns.map((c) => `${q(c)} = excluded.${q(c)}`).join(", ")}`;
    return `INSERT INTO ${q(table.name)} (${columns.map(q).join(", ")}) VALUES ${values} ${conflict}`;
  }

  /** One column definition (`"name" TYPE [NOT NULL] [DEFAULT …]`), as CREATE and ADD COLUMN use it. */
  columnSql(col: ColumnDef): string {
    return `${this.quoteIdentifier(col.name)} ${columnType(col)}${col.notNull ? " NOT NULL" : ""}${defaultClause(col)}`;
  }

  /** `ALTER TABLE … ADD COLUMN …` for a column the schema gained (columns are never dropped). */
  addColumnSql(table: TableDef, col: ColumnDef): string {
    return `ALTER TABLE ${this.quoteIdentifier(table.name)} ADD COLUMN ${this.columnSql(col)}`;
  }

  createTableSql(table: TableDef): string[] {
    const q = (c: string) => this.quoteIdentifier(c);
    const list = (cols: readonly string[]) => cols.map(q).join(", ");
    const autoIncrement = table.columns.find((c) => c.autoIncrement);
    const parts = table.columns.map((col) =>
      // A rowid alias: the only form of AUTOINCREMENT SQLite has.
      col === autoIncrement ? `${q(col.name)} INTEGER PRIMARY KEY AUTOINCREMENT` : this.columnSql(col),
    );
    if (!autoIncrement) parts.push(`PRIMARY KEY (${list(table.primaryKey)})`);
    for (const fk of table.foreignKeys) {
      parts.push(
        `CONSTRAINT ${q(fk.name)} FOREIGN KEY (${list(fk.columns)}) REFERENCES ${q(fk.refTable)} (${list(fk.refColumns)}) ON DELETE ${fk.onDelete} ON UPDATE ${fk.onUpdate}`,
      );
    }
    const statements = [`CREATE TABLE IF NOT EXISTS ${q(table.name)} (\n  ${parts.join(",\n  ")}\n)`];
    for (const idx of table.indexes) {
      // Index names are global in SQLite: qualify them with the table.
      const name = q(`${table.name}__${idx.name}`);
      statements.push(`CREATE ${idx.unique ? "UNIQUE " : ""}INDEX IF NOT EXISTS ${name} ON ${q(table.name)} (${list(idx.columns)})`);
    }
    return statements;
  }

  classifyError(err: unknown): SqlErrorKind {
    const code = typeof err === "object" && err !== null && "code" in err ? (err as { code: unknown }).code : undefined;
    if (typeof code !== "string") return "other";
    if (code === "SQLITE_CONSTRAINT_FOREIGNKEY") return "foreign-key";
    if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY") return "duplicate-key";
    if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) return "lock-timeout";
    return "other";
  }
}
