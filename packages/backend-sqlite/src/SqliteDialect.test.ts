/**
 * @module SqliteDialect.test
 * DDL from the schema data, the catch-all upsert on every unique key (checked against SQLite
 * itself), case-insensitive text columns and error classification.
 */
import { OPSI_TABLES, type TableDef } from "@opsi-ts/backend-sql";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqliteDialect } from "./SqliteDialect.js";

const dialect = new SqliteDialect();

function table(name: string): TableDef {
  const t = OPSI_TABLES.find((x) => x.name === name);
  if (!t) throw new Error(`no table ${name}`);
  return t;
}

describe("SqliteDialect DDL", () => {
  it("creates columns with NOCASE text, NOT NULL, defaults, the primary key, foreign keys and indexes", () => {
    const [create, ...indexes] = dialect.createTableSql(table("PRODUCT_ON_CLIENT"));
    expect(create).toContain('"productId" VARCHAR(255) COLLATE NOCASE NOT NULL');
    expect(create).toContain(`"installationStatus" VARCHAR(16) COLLATE NOCASE NOT NULL DEFAULT 'not_installed'`);
    expect(create).toContain(`"modificationTime" TEXT NOT NULL DEFAULT (datetime('now', 'localtime'))`);
    expect(create).toContain('PRIMARY KEY ("productId", "productType", "clientId")');
    expect(create).toContain(
      'CONSTRAINT "FK_PRODUCT_ON_CLIENT_HOST" FOREIGN KEY ("clientId") REFERENCES "HOST" ("hostId") ON DELETE CASCADE ON UPDATE CASCADE',
    );
    expect(indexes).toEqual([
      'CREATE UNIQUE INDEX IF NOT EXISTS "PRODUCT_ON_CLIENT__productId-clientId" ON "PRODUCT_ON_CLIENT" ("productId", "clientId")',
      'CREATE INDEX IF NOT EXISTS "PRODUCT_ON_CLIENT__FK_PRODUCT_ON_CLIENT_HOST" ON "PRODUCT_ON_CLIENT" ("clientId")',
    ]);
  });

  it("maps auto-increment keys to INTEGER PRIMARY KEY AUTOINCREMENT and numeric types", () => {
    const [create] = dialect.createTableSql(table("CONFIG_VALUE"));
    expect(create).toContain('"config_value_id" INTEGER PRIMARY KEY AUTOINCREMENT');
    expect(create).not.toContain("PRIMARY KEY (");
    expect(create).toContain('"isDefault" TINYINT');
    const [software] = dialect.createTableSql(table("SOFTWARE"));
    expect(software).toContain('"installSize" BIGINT');
    expect(dialect.addColumnSql(table("HOST"), { name: "x", type: { kind: "double" }, notNull: false })).toBe(
      'ALTER TABLE "HOST" ADD COLUMN "x" REAL',
    );
  });

  it("quotes identifiers and escapes embedded quotes", () => {
    expect(dialect.quoteIdentifier("GROUP")).toBe('"GROUP"');
    expect(dialect.quoteIdentifier('a"b')).toBe('"a""b"');
  });

  it("writes multi-row upserts with a catch-all conflict clause", () => {
    expect(dialect.upsertSql(table("CONFIG_STATE"), ["configId", "objectId", "values"], 2, ["values"])).toBe(
      'INSERT INTO "CONFIG_STATE" ("configId", "objectId", "values") VALUES (?, ?, ?), (?, ?, ?) ON CONFLICT DO UPDATE SET "values" = excluded."values"',
    );
    expect(dialect.upsertSql(table("CONFIG_STATE"), ["configId"], 1, [])).toBe(
      'INSERT INTO "CONFIG_STATE" ("configId") VALUES (?) ON CONFLICT DO NOTHING',
    );
  });
});

describe("SqliteDialect against SQLite", () => {
  let db: Database.Database;
  const columns = ["productId", "clientId", "productType", "installationStatus", "actionRequest", "modificationTime"];
  const upsert = (rows: unknown[][]) =>
    db.prepare(dialect.upsertSql(table("PRODUCT_ON_CLIENT"), columns, rows.length, columns)).run(rows.flat());
  const all = () =>
    db.prepare('SELECT "productId", "clientId", "productType", "actionRequest" FROM "PRODUCT_ON_CLIENT" ORDER BY 1, 2').all();

  beforeEach(() => {
    db = new Database(":memory:");
    db.pragma("foreign_keys = ON");
    for (const name of ["HOST", "PRODUCT_ON_CLIENT"]) for (const s of dialect.createTableSql(table(name))) db.exec(s);
    db.prepare('INSERT INTO "HOST" ("hostId", "type") VALUES (?, ?)').run("pc1.dom.tld", "OpsiClient");
  });

  afterEach(() => db.close());

  it("an insert colliding on the (productId, clientId) unique key updates that row, productType included", () => {
    upsert([["prod", "pc1.dom.tld", "LocalbootProduct", "installed", "setup", "2024-01-01 00:00:00"]]);
    upsert([["prod", "pc1.dom.tld", "NetbootProduct", "installed", "once", "2024-01-01 00:00:00"]]);
    expect(all()).toEqual([{ productId: "prod", clientId: "pc1.dom.tld", productType: "NetbootProduct", actionRequest: "once" }]);
  });

  it("an insert colliding on the primary key updates that row; rows of one statement apply in order", () => {
    upsert([
      ["prod", "pc1.dom.tld", "LocalbootProduct", "installed", "setup", "2024-01-01 00:00:00"],
      ["other", "pc1.dom.tld", "LocalbootProduct", "installed", "none", "2024-01-01 00:00:00"],
      ["PROD", "PC1.dom.tld", "LocalbootProduct", "installed", "uninstall", "2024-01-01 00:00:00"],
    ]);
    expect(all()).toEqual([
      { productId: "other", clientId: "pc1.dom.tld", productType: "LocalbootProduct", actionRequest: "none" },
      { productId: "PROD", clientId: "PC1.dom.tld", productType: "LocalbootProduct", actionRequest: "uninstall" },
    ]);
  });

  it("compares text case-insensitively and LIKE honours the escape clause", () => {
    upsert([["a_b", "pc1.dom.tld", "LocalbootProduct", "installed", "setup", "2024-01-01 00:00:00"]]);
    upsert([["axb", "pc1.dom.tld", "LocalbootProduct", "installed", "setup", "2024-01-01 00:00:00"]]);
    const count = (sql: string, ...params: unknown[]) => (db.prepare(sql).get(...params) as { n: number }).n;
    expect(count('SELECT COUNT(*) AS n FROM "PRODUCT_ON_CLIENT" WHERE "productId" = ?', "A_B")).toBe(1);
    expect(count(`SELECT COUNT(*) AS n FROM "PRODUCT_ON_CLIENT" WHERE "productId" LIKE ?${dialect.likeEscape}`, "a\\_%")).toBe(1);
    expect(count(`SELECT COUNT(*) AS n FROM "PRODUCT_ON_CLIENT" WHERE "productId" LIKE ?${dialect.likeEscape}`, "A_%")).toBe(2);
  });

  it("classifies foreign-key, unique and busy errors", () => {
    const errorOf = (fn: () => unknown): unknown => {
      try {
        fn();
      } catch (e: unknown) {
        return e;
      }
      throw new Error("expected an error");
    };
    const fk = errorOf(() => upsert([["prod", "missing.dom.tld", "LocalbootProduct", "installed", "setup", "2024-01-01 00:00:00"]]));
    expect(dialect.classifyError(fk)).toBe("foreign-key");
    const dup = errorOf(() => db.prepare('INSERT INTO "HOST" ("hostId") VALUES (?)').run("PC1.DOM.TLD"));
    expect(dialect.classifyError(dup)).toBe("duplicate-key");
    expect(dialect.classifyError({ code: "SQLITE_BUSY_SNAPSHOT" })).toBe("lock-timeout");
    expect(dialect.classifyError(new Error("x"))).toBe("other");
    expect(dialect.classifyError(null)).toBe("other");
  });
});
