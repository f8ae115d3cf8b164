/** @module test/e2e-mariadb MariaDB for the end-to-end suite: availability check and a fresh `opsi_e2e_<random>` database per file. */
import { randomBytes } from "node:crypto";
import { createConnection } from "mysql2/promise";

/** Server used by the tests (`OPSI_TEST_MYSQL_URL`, default root without password on 127.0.0.1:3306). */
export const MYSQL_SERVER_URL = (process.env.OPSI_TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306").replace(/\/+$/, "");

const requireServices = process.env.OPSI_TEST_REQUIRE_SERVICES === "1";

/**
 * Whether MariaDB answers. Unreachable: throws with OPSI_TEST_REQUIRE_SERVICES=1 (the file fails),
 * otherwise warns and returns false (the suite is skipped).
 * @example const available = await mariadbAvailable();
 */
export async function mariadbAvailable(): Promise<boolean> {
  try {
    const conn = await createConnection({ uri: MYSQL_SERVER_URL, connectTimeout: 3000 });
    try {
      await conn.query("SELECT 1");
    } finally {
      await conn.end();
    }
    return true;
  } catch (e: unknown) {
    const reason = e instanceof Error ? e.message : String(e);
    const server = MYSQL_SERVER_URL.replace(/\/\/[^@/]*@/, "//");
    if (requireServices) throw new Error(`MariaDB at ${server} is required (OPSI_TEST_REQUIRE_SERVICES=1) but unreachable: ${reason}`);
    console.warn(
      `Skipping the MariaDB end-to-end suite: ${server} is unreachable (${reason}). Set OPSI_TEST_REQUIRE_SERVICES=1 to fail instead.`,
    );
    return false;
  }
}

/**
 * A fresh database name `opsi_e2e_<random>`.
 * @example randomDatabaseName() // "opsi_e2e_1a2b3c4d5e"
 */
export function randomDatabaseName(): string {
  return `opsi_e2e_${randomBytes(5).toString("hex")}`;
}

/**
 * Drops a test database (if it exists).
 * @example await dropDatabase("opsi_e2e_1a2b3c4d5e")
 */
export async function dropDatabase(name: string): Promise<void> {
  if (!/^opsi_e2e_[0-9a-f]+$/.test(name)) throw new Error(`Refusing to drop '${name}': not an end-to-end test database`);
  const conn = await createConnection({ uri: MYSQL_SERVER_URL, connectTimeout: 3000 });
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
  } finally {
    await conn.end();
  }
}
