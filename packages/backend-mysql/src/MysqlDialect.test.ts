/**
 * @module MysqlDialect.test
 * DDL in opsi's spelling, upsert statements, and the error classification.
 */
import { hardwareTables, OPSI_TABLES, type TableDef } from "@opsi-ts/backend-sql";
import { BackendUnableToConnectError, defaultHardwareAuditConfig } from "@opsi-ts/core";
import { describe, expect, it } from "vitest";
import { MysqlDialect } from "./MysqlDialect.js";

const dialect = new MysqlDialect();
const table = (name: string): TableDef => {
  const t = [...OPSI_TABLES, ...hardwareTables(defaultHardwareAuditConfig())].find((x) => x.name === name);
  if (!t) throw new Error(`no table ${name}`);
  return t;
};

describe("MysqlDialect DDL", () => {
  it("writes PRODUCT_ON_CLIENT like opsi's CREATE_TABLES_SQL", () => {
    expect(dialect.createTableSql(table("PRODUCT_ON_CLIENT"))).toEqual([
      [
        "CREATE TABLE IF NOT EXISTS `PRODUCT_ON_CLIENT` (",
        "\t`productId` varchar(255) NOT NULL,",
        "\t`clientId` varchar(255) NOT NULL,",
        "\t`productType` varchar(16) NOT NULL,",
        "\t`targetConfiguration` varchar(16) DEFAULT NULL,",
        "\t`installationStatus` varchar(16) NOT NULL DEFAULT 'not_installed',",
        "\t`actionRequest` varchar(16) NOT NULL DEFAULT 'none',",
        "\t`actionProgress` varchar(255) DEFAULT NULL,",
        "\t`actionResult` varchar(16) DEFAULT NULL,",
        "\t`lastAction` varchar(16) DEFAULT NULL,",
        "\t`productVersion` varchar(32) DEFAULT NULL,",
        "\t`packageVersion` varchar(16) DEFAULT NULL,",
        "\t`modificationTime` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,",
        "\tPRIMARY KEY (`productId`,`productType`,`clientId`),",
        "\tUNIQUE KEY `productId-clientId` (`productId`,`clientId`),",
        "\tKEY `FK_PRODUCT_ON_CLIENT_HOST` (`clientId`),",
        "\tCONSTRAINT `FK_PRODUCT_ON_CLIENT_HOST` FOREIGN KEY (`clientId`) REFERENCES `HOST` (`hostId`) ON DELETE CASCADE ON UPDATE CASCADE",
        ") ENGINE=InnoDB DEFAULT CHARSET=utf8",
      ].join("\n"),
    ]);
  });

  it("uses opsi's column spellings: int(11), bigint(20), tinyint(1)/(4), timestamp NULL, defaults", () => {
    const sql = [...OPSI_TABLES, ...hardwareTables(defaultHardwareAuditConfig())].flatMap((t) => dialect.createTableSql(t)).join("\n");
    expect(sql).toContain("`maxBandwidth` int(11) DEFAULT NULL");
    expect(sql).toContain("`installSize` bigint(20) DEFAULT NULL");
    expect(sql).toContain("`isMasterDepot` tinyint(1) DEFAULT NULL");
    expect(sql).toContain("`state` tinyint(4) NOT NULL,");
    expect(sql).toContain("`state` tinyint(4) NOT NULL DEFAULT 1");
    expect(sql).toContain("`lastSeen` timestamp NULL DEFAULT NULL");
    expect(sql).toContain("`firstseen` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP");
    expect(sql).toContain("`name` varchar(128) NOT NULL DEFAULT ''");
    expect(sql).toContain("`usageFrequency` int(11) NOT NULL DEFAULT -1");
    expect(sql).toContain("`config_value_id` int(11) NOT NULL AUTO_INCREMENT");
    expect(sql).toContain("`values` text DEFAULT NULL");
    expect(sql).toContain("CREATE TABLE IF NOT EXISTS `GROUP` (");
    expect(sql).toContain(
      "CONSTRAINT `FK_SOFTWARE_LICENSE_HOST` FOREIGN KEY (`boundToHost`) REFERENCES `HOST` (`hostId`) ON DELETE SET NULL ON UPDATE SET NULL",
    );
    expect(sql).toContain("REFERENCES `LICENSE_CONTRACT` (`licenseContractId`) ON DELETE RESTRICT ON UPDATE RESTRICT");
    expect(sql).toContain("UNIQUE KEY `systemUUID` (`systemUUID`)");
    expect(sql).toContain("KEY `index_host_lastSeen` (`lastSeen`)");
    expect(sql.match(/ENGINE=InnoDB DEFAULT CHARSET=utf8$/gm)).toHaveLength(
      OPSI_TABLES.length + hardwareTables(defaultHardwareAuditConfig()).length,
    );
  });

  it("quotes identifiers with backticks", () => {
    expect(dialect.quoteIdentifier("GROUP")).toBe("`GROUP`");
    expect(dialect.quoteIdentifier("we`ird")).toBe("`we``ird`");
    expect(dialect.likeEscape).toBe("");
    expect(dialect.lockingReadSuffix).toBe(" FOR UPDATE");
    expect(dialect.name).toBe("mysql");
  });
});

describe("MysqlDialect.upsertSql", () => {
  it("builds a multi-row INSERT ... ON DUPLICATE KEY UPDATE col = VALUES(col)", () => {
    expect(dialect.upsertSql(table("CONFIG_STATE"), ["configId", "objectId", "values"], 2, ["values"])).toBe(
      "INSERT INTO `CONFIG_STATE` (`configId`,`objectId`,`values`) VALUES (?,?,?),(?,?,?) ON DUPLICATE KEY UPDATE `values` = VALUES(`values`)",
    );
  });

  it("keeps the existing row without update columns, still raising key and value errors", () => {
    expect(dialect.upsertSql(table("OBJECT_TO_GROUP"), ["groupType", "groupId", "objectId"], 1, [])).toBe(
      "INSERT INTO `OBJECT_TO_GROUP` (`groupType`,`groupId`,`objectId`) VALUES (?,?,?) ON DUPLICATE KEY UPDATE `groupType` = `groupType`",
    );
  });

  it("refuses empty column lists and bad row counts", () => {
    expect(() => dialect.upsertSql(table("HOST"), [], 1, [])).toThrow(/no columns/);
    expect(() => dialect.upsertSql(table("HOST"), ["hostId"], 0, [])).toThrow(/rowCount/);
  });
});

describe("MysqlDialect.classifyError", () => {
  const cases: Array<[unknown, string]> = [
    [{ errno: 1451, code: "ER_ROW_IS_REFERENCED_2" }, "foreign-key"],
    [{ errno: 1452, code: "ER_NO_REFERENCED_ROW_2" }, "foreign-key"],
    [{ errno: 1216 }, "foreign-key"],
    [{ errno: 1062, code: "ER_DUP_ENTRY" }, "duplicate-key"],
    [{ errno: 1213, code: "ER_LOCK_DEADLOCK" }, "deadlock"],
    [{ errno: 1205, code: "ER_LOCK_WAIT_TIMEOUT" }, "lock-timeout"],
    [{ code: "PROTOCOL_CONNECTION_LOST", fatal: true }, "connection-lost"],
    [{ code: "ECONNRESET" }, "connection-lost"],
    [{ errno: 1927, code: "ER_CONNECTION_KILLED" }, "connection-lost"],
    [{ errno: 2006, message: "MySQL server has gone away" }, "connection-lost"],
    [new Error("Can't add new command when connection is in closed state"), "connection-lost"],
    [new BackendUnableToConnectError("down"), "connection-lost"],
    [new Error("wrapped", { cause: { errno: 1213 } }), "deadlock"],
    [{ errno: 1064, code: "ER_PARSE_ERROR" }, "other"],
    [new Error("something else"), "other"],
    ["text", "other"],
    [null, "other"],
  ];
  for (const [err, kind] of cases) {
    it(`${JSON.stringify(err) ?? String(err)} → ${kind}`, () => {
      expect(dialect.classifyError(err)).toBe(kind);
    });
  }
});
