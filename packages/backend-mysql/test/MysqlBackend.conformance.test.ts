/**
 * @module test/MysqlBackend.conformance.test
 * The shared backend conformance suite on MariaDB. The schema is created once; each test gets an
 * emptied database (one DELETE batch) and a fresh backend with its own pool.
 */
import { SqlBackend } from "@opsi-ts/backend-sql";
import { defaultHardwareAuditConfig } from "@opsi-ts/core";
import { describeBackend } from "@opsi-ts/core/testing";
import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe } from "vitest";
import { MysqlDialect } from "../src/MysqlDialect.js";
import { MysqlDriver } from "../src/MysqlDriver.js";
import { setupDatabase } from "../src/setup.js";
import { adminConnection, mariadbAvailable, resetBatchSql, useTestDatabase } from "./mariadb.js";

const ok = await mariadbAvailable();
const hardwareAudit = defaultHardwareAuditConfig();

describe.runIf(ok)("MysqlBackend conformance (MariaDB)", () => {
  const db = useTestDatabase("conformance");
  let admin: Connection | undefined;
  const reset = resetBatchSql(hardwareAudit);

  beforeAll(async () => {
    const driver = new MysqlDriver(db.options());
    await setupDatabase(driver, { hardwareAudit });
    await driver.close();
    admin = await adminConnection(db.name);
  });
  afterAll(async () => {
    await admin?.end();
  });

  describeBackend("MysqlBackend", async () => {
    if (!admin) throw new Error("test database not set up");
    await admin.query(reset);
    return new SqlBackend({
      driver: new MysqlDriver(db.options({ poolSize: 2, poolMaxOverflow: 2 })),
      dialect: new MysqlDialect(),
      hardwareAudit,
    });
  });
});
