/**
 * @module internal/schema-reconcile.test
 * Planning of upgrade statements from a table definition and an introspected table (no server).
 */
import { type ColumnDef, OPSI_TABLES, type TableDef } from "@opsi-ts/backend-sql";
import { describe, expect, it } from "vitest";
import type { ActualColumn, ActualSchema, ActualTable } from "./schema-inspect.js";
import { columnMatches, normaliseType, orphanCleanupSql, planTable, type ServerTraits } from "./schema-reconcile.js";

const MARIADB: ServerTraits = { flavor: "mariadb", renameIndex: true };
const MYSQL: ServerTraits = { flavor: "mysql", renameIndex: true };

const def = (name: string): TableDef => {
  const t = OPSI_TABLES.find((x) => x.name === name);
  if (!t) throw new Error(name);
  return t;
};
const colDef = (table: string, column: string): ColumnDef => {
  const c = def(table).columns.find((x) => x.name === column);
  if (!c) throw new Error(column);
  return c;
};
const actualCol = (name: string, type: string, nullable: boolean, defaultRaw: string | null, extra = ""): ActualColumn => ({
  name,
  type,
  nullable,
  defaultRaw,
  extra,
});

describe("normaliseType", () => {
  it("drops integer display widths except tinyint(1)", () => {
    expect(normaliseType("int(11)")).toBe("int");
    expect(normaliseType("INT")).toBe("int");
    expect(normaliseType("bigint(20)")).toBe("bigint");
    expect(normaliseType("tinyint(4)")).toBe("tinyint");
    expect(normaliseType("tinyint(1)")).toBe("tinyint(1)");
    expect(normaliseType("bool")).toBe("tinyint(1)");
    expect(normaliseType("integer")).toBe("int");
    expect(normaliseType("varchar(255)")).toBe("varchar(255)");
  });
});

describe("columnMatches", () => {
  it("reads MariaDB's quoted defaults and current_timestamp()", () => {
    expect(
      columnMatches(
        colDef("PRODUCT_ON_CLIENT", "installationStatus"),
        actualCol("installationStatus", "varchar(16)", false, "'not_installed'"),
        MARIADB,
      ),
    ).toBe(true);
    expect(columnMatches(colDef("PRODUCT", "name"), actualCol("name", "varchar(128)", false, "''"), MARIADB)).toBe(true);
    expect(columnMatches(colDef("PRODUCT", "name"), actualCol("name", "varchar(128)", false, null), MARIADB)).toBe(false);
    expect(
      columnMatches(
        colDef("PRODUCT_ON_CLIENT", "modificationTime"),
        actualCol("modificationTime", "timestamp", false, "current_timestamp()", "on update current_timestamp()"),
        MARIADB,
      ),
    ).toBe(true);
    expect(
      columnMatches(
        colDef("HOST", "created"),
        actualCol("created", "timestamp", false, "current_timestamp()", "on update current_timestamp()"),
        MARIADB,
      ),
    ).toBe(false);
    expect(columnMatches(colDef("HOST", "created"), actualCol("created", "timestamp", true, "NULL"), MARIADB)).toBe(true);
    expect(columnMatches(colDef("CONFIG", "editable"), actualCol("editable", "tinyint(1)", false, "1"), MARIADB)).toBe(true);
    expect(columnMatches(colDef("CONFIG", "editable"), actualCol("editable", "tinyint(1)", false, null), MARIADB)).toBe(false);
  });

  it("reads MySQL 8's unquoted defaults and missing display widths", () => {
    expect(
      columnMatches(
        colDef("PRODUCT_ON_CLIENT", "installationStatus"),
        actualCol("installationStatus", "varchar(16)", false, "not_installed"),
        MYSQL,
      ),
    ).toBe(true);
    expect(columnMatches(colDef("SOFTWARE_CONFIG", "usageFrequency"), actualCol("usageFrequency", "int", false, "-1"), MYSQL)).toBe(true);
    expect(
      columnMatches(
        colDef("PRODUCT_ON_CLIENT", "modificationTime"),
        actualCol("modificationTime", "timestamp", false, "CURRENT_TIMESTAMP", "default_generated on update current_timestamp"),
        MYSQL,
      ),
    ).toBe(true);
    expect(columnMatches(colDef("HOST", "maxBandwidth"), actualCol("maxBandwidth", "int", true, null), MYSQL)).toBe(true);
  });

  it("notices type, nullability and auto-increment differences", () => {
    expect(columnMatches(colDef("HOST", "notes"), actualCol("notes", "varchar(500)", true, "NULL"), MARIADB)).toBe(false);
    expect(columnMatches(colDef("LICENSE_ON_CLIENT", "clientId"), actualCol("clientId", "varchar(255)", true, "NULL"), MARIADB)).toBe(
      false,
    );
    expect(columnMatches(colDef("CONFIG_VALUE", "config_value_id"), actualCol("config_value_id", "int(11)", false, null), MARIADB)).toBe(
      false,
    );
  });
});

/** A minimal introspected table. */
function actualTable(partial: Partial<ActualTable> & Pick<ActualTable, "name" | "columns">): ActualTable {
  return { engine: "InnoDB", collation: "utf8mb3_general_ci", indexes: [], foreignKeys: [], ...partial };
}

describe("planTable", () => {
  it("replaces CONFIG_STATE's surrogate id by the natural primary key in one ALTER", () => {
    const actual = actualTable({
      name: "CONFIG_STATE",
      columns: [
        actualCol("config_state_id", "int(11)", false, null, "auto_increment"),
        actualCol("configId", "varchar(200)", false, null),
        actualCol("objectId", "varchar(255)", false, null),
        actualCol("values", "text", true, "NULL"),
      ],
      indexes: [
        { name: "PRIMARY", unique: true, columns: ["config_state_id"] },
        { name: "index_config_state_configId", unique: false, columns: ["configId"] },
        { name: "index_config_state_objectId", unique: false, columns: ["objectId"] },
      ],
    });
    const plan = planTable(def("CONFIG_STATE"), actual, new Map([["CONFIG_STATE", actual]]), MARIADB, {
      legacyIdColumn: "config_state_id",
    });
    expect(plan.dataFixes).toEqual([]);
    expect(plan.alters).toEqual([
      "ALTER TABLE `CONFIG_STATE` DROP PRIMARY KEY, DROP COLUMN `config_state_id`, ADD PRIMARY KEY (`configId`,`objectId`)",
    ]);
  });

  it("fixes NULLs before NOT NULL, adds columns in place, renames and drops indexes, drops affected foreign keys", () => {
    const poc = actualTable({
      name: "PRODUCT_ON_CLIENT",
      columns: def("PRODUCT_ON_CLIENT").columns.map((c) =>
        c.name === "actionRequest"
          ? actualCol("actionRequest", "varchar(16)", true, "NULL")
          : actualCol(c.name, c.type.kind === "varchar" ? `varchar(${c.type.length})` : "timestamp", !c.notNull, c.notNull ? null : "NULL"),
      ),
      indexes: [
        { name: "PRIMARY", unique: true, columns: ["productId", "clientId"] },
        { name: "clientId", unique: false, columns: ["clientId"] },
        { name: "dup", unique: false, columns: ["clientId"] },
        { name: "custom", unique: false, columns: ["lastAction"] },
      ],
      foreignKeys: [
        {
          name: "POC_ibfk_1",
          table: "PRODUCT_ON_CLIENT",
          columns: ["clientId"],
          refTable: "HOST",
          refColumns: ["hostId"],
          onDelete: "RESTRICT",
          onUpdate: "RESTRICT",
        },
      ],
    });
    const schema: ActualSchema = new Map([["PRODUCT_ON_CLIENT", poc]]);
    const plan = planTable(def("PRODUCT_ON_CLIENT"), poc, schema, MARIADB);
    expect(plan.dataFixes).toContain("UPDATE `PRODUCT_ON_CLIENT` SET `actionRequest` = 'none' WHERE `actionRequest` IS NULL");
    expect(plan.dropForeignKeys).toEqual([{ table: "PRODUCT_ON_CLIENT", name: "POC_ibfk_1" }]);
    expect(plan.alters[0]).toBe("ALTER TABLE `PRODUCT_ON_CLIENT` DROP INDEX `dup`");
    expect(plan.alters[1]).toContain("MODIFY COLUMN `actionRequest` varchar(16) NOT NULL DEFAULT 'none'");
    expect(plan.alters[1]).toContain("DROP PRIMARY KEY");
    expect(plan.alters[1]).toContain("ADD PRIMARY KEY (`productId`,`productType`,`clientId`)");
    expect(plan.alters[1]).toContain("RENAME INDEX `clientId` TO `FK_PRODUCT_ON_CLIENT_HOST`");
    expect(plan.alters[1]).toContain("ADD UNIQUE KEY `productId-clientId` (`productId`,`clientId`)");
    expect(plan.alters.join()).not.toContain("`custom`");
  });

  it("keeps an old index name when the server cannot rename indexes", () => {
    const actual = actualTable({
      name: "WINDOWS_SOFTWARE_ID_TO_PRODUCT",
      columns: def("WINDOWS_SOFTWARE_ID_TO_PRODUCT").columns.map((c) =>
        actualCol(c.name, `varchar(${c.type.kind === "varchar" ? c.type.length : 0})`, false, null),
      ),
      indexes: [
        { name: "PRIMARY", unique: true, columns: ["windowsSoftwareId", "productId"] },
        { name: "productId", unique: false, columns: ["productId"] },
      ],
    });
    const schema: ActualSchema = new Map([["WINDOWS_SOFTWARE_ID_TO_PRODUCT", actual]]);
    expect(planTable(def("WINDOWS_SOFTWARE_ID_TO_PRODUCT"), actual, schema, { flavor: "mariadb", renameIndex: false }).alters).toEqual([]);
    expect(planTable(def("WINDOWS_SOFTWARE_ID_TO_PRODUCT"), actual, schema, MARIADB).alters).toEqual([
      "ALTER TABLE `WINDOWS_SOFTWARE_ID_TO_PRODUCT` RENAME INDEX `productId` TO `index_productId`",
    ]);
  });

  it("turns textual booleans into 0/1 before retyping", () => {
    const product = actualTable({
      name: "PRODUCT",
      columns: def("PRODUCT").columns.map((c) =>
        c.name === "licenseRequired" ? actualCol("licenseRequired", "varchar(50)", true, "NULL") : actualCol(c.name, "x", !c.notNull, null),
      ),
    });
    const plan = planTable(def("PRODUCT"), product, new Map([["PRODUCT", product]]), MARIADB, {
      columnsOnly: true,
      columnFilter: new Set(["licenseRequired"]),
    });
    expect(plan.dataFixes).toEqual([
      "UPDATE `PRODUCT` SET `licenseRequired` = CASE WHEN LOWER(TRIM(`licenseRequired`)) IN ('1', 'true', 'yes', 'on') THEN '1' ELSE '0' END WHERE `licenseRequired` IS NOT NULL",
      "UPDATE `PRODUCT` SET `licenseRequired` = 0 WHERE `licenseRequired` IS NULL",
    ]);
    expect(plan.alters).toEqual(["ALTER TABLE `PRODUCT` MODIFY COLUMN `licenseRequired` tinyint(1) NOT NULL DEFAULT 0"]);
  });
});

describe("orphanCleanupSql", () => {
  it("deletes rows whose parent is missing, ignoring NULL references", () => {
    const fk = def("PRODUCT_ON_DEPOT").foreignKeys.find((f) => f.refTable === "PRODUCT");
    if (!fk) throw new Error("fk");
    expect(orphanCleanupSql("PRODUCT_ON_DEPOT", fk)).toBe(
      "DELETE c FROM `PRODUCT_ON_DEPOT` AS c LEFT JOIN `PRODUCT` AS p ON p.`productId` = c.`productId` AND p.`productVersion` = c.`productVersion`" +
        " AND p.`packageVersion` = c.`packageVersion` WHERE p.`productId` IS NULL AND c.`productId` IS NOT NULL AND c.`productVersion` IS NOT NULL" +
        " AND c.`packageVersion` IS NOT NULL",
    );
  });

  it("nulls references for SET NULL keys", () => {
    const fk = def("SOFTWARE_LICENSE").foreignKeys.find((f) => f.refTable === "HOST");
    if (!fk) throw new Error("fk");
    expect(orphanCleanupSql("SOFTWARE_LICENSE", fk)).toBe(
      "UPDATE `SOFTWARE_LICENSE` AS c LEFT JOIN `HOST` AS p ON p.`hostId` = c.`boundToHost` SET c.`boundToHost` = NULL" +
        " WHERE p.`hostId` IS NULL AND c.`boundToHost` IS NOT NULL",
    );
  });
});
