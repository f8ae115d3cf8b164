/**
 * @module test/mariadb
 * Test support: the MariaDB service check and a fresh database per test file.
 */
import { randomBytes } from "node:crypto";
import { hardwareTables, OPSI_TABLES } from "@opsi-ts/backend-sql";
import type { HardwareAuditConfig } from "@opsi-ts/core";
import { type Connection, createConnection } from "mysql2/promise";
import { afterAll, beforeAll } from "vitest";
import { describeServer, type MysqlConnectionOptions, resolveConnectionOptions } from "../src/connection-config.js";

/** Server used by the tests (`OPSI_TEST_MYSQL_URL`, default root without password on 127.0.0.1:3306). */
export const SERVER_URL = (process.env.OPSI_TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306").replace(/\/+$/, "");

const requireServices = process.env.OPSI_TEST_REQUIRE_SERVICES === "1";

/**
 * Connection options for a database on the test server.
 * @example new MysqlDriver(optionsFor("opsi_test_x"))
 */
export function optionsFor(database: string, overrides: Partial<MysqlConnectionOptions> = {}): MysqlConnectionOptions {
  return { ...resolveConnectionOptions({ url: `${SERVER_URL}/${database}` }), poolSize: 5, poolMaxOverflow: 5, ...overrides };
}

/**
 * A plain mysql2 connection (multi-statement) for test administration, optionally bound to a database.
 * @example const admin = await adminConnection(db.name);
 */
export async function adminConnection(database?: string): Promise<Connection> {
  const o = resolveConnectionOptions({ url: `${SERVER_URL}/mysql` });
  return createConnection({
    host: o.host,
    port: o.port,
    user: o.user,
    password: o.password,
    ...(database ? { database } : {}),
    multipleStatements: true,
    dateStrings: true,
    connectTimeout: 3000,
    charset: "UTF8MB4_GENERAL_CI",
  });
}

/**
 * Whether MariaDB answers. Unreachable: with OPSI_TEST_REQUIRE_SERVICES=1 the test file fails,
 * otherwise its tests are skipped with a message.
 * @example const ok = await mariadbAvailable(); describe.runIf(ok)("...", () => {});
 */
export async function mariadbAvailable(): Promise<boolean> {
  try {
    const conn = await adminConnection();
    await conn.query("SELECT 1");
    await conn.end();
    return true;
  } catch (err: unknown) {
    const reason = err instanceof Error ? err.message : String(err);
    const server = describeServer(resolveConnectionOptions({ url: `${SERVER_URL}/mysql` }));
    if (requireServices) throw new Error(`MariaDB at ${server} is required (OPSI_TEST_REQUIRE_SERVICES=1) but unreachable: ${reason}`);
    console.warn(`Skipping MariaDB tests: ${server} is unreachable (${reason}). Set OPSI_TEST_REQUIRE_SERVICES=1 to fail instead.`);
    return false;
  }
}

/**
 * A database name `opsi_test_<tag>_<random>`.
 * @example randomDatabaseName("setup") // "opsi_test_setup_1a2b3c4d5e"
 */
export function randomDatabaseName(tag: string): string {
  return `opsi_test_${tag}_${randomBytes(5).toString("hex")}`;
}

/** A test database that exists between the file's beforeAll and afterAll. */
export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  options(overrides?: Partial<MysqlConnectionOptions>): MysqlConnectionOptions;
}

/**
 * Registers beforeAll/afterAll that create `opsi_test_<tag>_<random>` (empty) and drop it again.
 * Call inside the file's `describe.runIf(ok)`.
 * @example const db = useTestDatabase("setup"); // db.url, db.options()
 */
export function useTestDatabase(tag: string): TestDatabase {
  const name = randomDatabaseName(tag);
  beforeAll(async () => {
    const conn = await adminConnection();
    await conn.query(`CREATE DATABASE \`${name}\``);
    await conn.end();
  });
  afterAll(async () => {
    const conn = await adminConnection();
    await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await conn.end();
  });
  return { name, url: `${SERVER_URL}/${name}`, options: (overrides) => optionsFor(name, overrides) };
}

/**
 * One multi-statement batch deleting all rows of all opsi tables (the fast per-test reset).
 * @example await admin.query(resetBatchSql(defaultHardwareAuditConfig()));
 */
export function resetBatchSql(hardwareAudit: HardwareAuditConfig): string {
  const names = [...OPSI_TABLES, ...hardwareTables(hardwareAudit)].map((t) => t.name).filter((n) => n !== "OPSI_SCHEMA");
  return ["SET FOREIGN_KEY_CHECKS = 0", ...names.map((n) => `DELETE FROM \`${n}\``), "SET FOREIGN_KEY_CHECKS = 1"].join(";\n");
}
