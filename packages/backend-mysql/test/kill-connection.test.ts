/**
 * @module test/kill-connection.test
 * `KILL CONNECTION` of the backend's connection while a large createObjects runs: the call succeeds
 * through a retry or fails with a clear error, never hangs, and never leaves a half-written batch.
 */
import { SqlBackend, type SqlDriver, type SqlExecutor } from "@opsi-ts/backend-sql";
import { BackendUnableToConnectError, defaultHardwareAuditConfig } from "@opsi-ts/core";
import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MysqlDialect } from "../src/MysqlDialect.js";
import { MysqlDriver, type RetryInfo } from "../src/MysqlDriver.js";
import { setupDatabase } from "../src/setup.js";
import { adminConnection, mariadbAvailable, useTestDatabase } from "./mariadb.js";

const ok = await mariadbAvailable();
const hardwareAudit = defaultHardwareAuditConfig();

/** Resolves to the outcome of `promise`, or rejects if it takes longer than `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve({ ok: true, value });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ ok: false, error });
      },
    );
  });
}

/**
 * Delegates to a MysqlDriver; in the first transaction, right after its first data statement, a
 * second connection kills the transaction's connection (so partial rows exist when it dies).
 */
class KillAfterFirstWrite implements SqlDriver {
  killedConnection = 0;
  attempts = 0;
  constructor(
    readonly inner: MysqlDriver,
    private readonly admin: Connection,
  ) {}
  query(sql: string, params?: readonly unknown[]) {
    return this.inner.query(sql, params);
  }
  execute(sql: string, params?: readonly unknown[]) {
    return this.inner.execute(sql, params);
  }
  close() {
    return this.inner.close();
  }
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.inner.transaction(async (tx) => {
      this.attempts++;
      const first = this.attempts === 1;
      const wrapped: SqlExecutor = {
        query: (sql, params) => tx.query(sql, params),
        execute: async (sql, params) => {
          const result = await tx.execute(sql, params);
          if (first && this.killedConnection === 0 && /^INSERT/i.test(sql)) {
            const [row] = await tx.query("SELECT CONNECTION_ID() AS id");
            this.killedConnection = Number(row?.id);
            await this.admin.query(`KILL CONNECTION ${this.killedConnection}`);
          }
          return result;
        },
      };
      return fn(wrapped);
    });
  }
}

describe.runIf(ok)("killing the backend's connection during a write (MariaDB)", () => {
  const db = useTestDatabase("kill");
  let admin: Connection | undefined;
  const adm = (): Connection => {
    if (!admin) throw new Error("no admin connection");
    return admin;
  };
  const hosts = (tag: string, n: number) => Array.from({ length: n }, (_, i) => ({ type: "OpsiClient", id: `${tag}-${i}.kill.test` }));
  const count = async (tag: string): Promise<number> => {
    const [rows] = await adm().query("SELECT COUNT(*) AS n FROM `HOST` WHERE `hostId` LIKE ?", [`${tag}-%`]);
    return Number((rows as Array<{ n: unknown }>)[0]?.n);
  };

  beforeAll(async () => {
    const driver = new MysqlDriver(db.options());
    await setupDatabase(driver, { hardwareAudit });
    await driver.close();
    admin = await adminConnection(db.name);
  });
  afterAll(async () => {
    await admin?.end();
  });

  it("a kill after the first written rows is retried: every row arrives exactly once", async () => {
    const retries: RetryInfo[] = [];
    const driver = new KillAfterFirstWrite(new MysqlDriver(db.options(), { onRetry: (r) => retries.push(r) }), adm());
    const backend = new SqlBackend({ driver, dialect: new MysqlDialect(), hardwareAudit });
    try {
      const outcome = await within(backend.host_createObjects(hosts("retried", 3000)), 30_000);
      expect(driver.killedConnection).toBeGreaterThan(0);
      expect(outcome.ok).toBe(true);
      expect(driver.attempts).toBe(2);
      expect(retries.map((r) => r.kind)).toEqual(["connection-lost"]);
      expect(await count("retried")).toBe(3000);
    } finally {
      await backend.close();
    }
  });

  it("without retries the call fails with a clear error and nothing of the batch is visible", async () => {
    const driver = new KillAfterFirstWrite(new MysqlDriver(db.options(), { retry: { connectionAttempts: 1 } }), adm());
    const backend = new SqlBackend({ driver, dialect: new MysqlDialect(), hardwareAudit });
    try {
      const outcome = await within(backend.host_createObjects(hosts("failed", 3000)), 30_000);
      expect(driver.killedConnection).toBeGreaterThan(0);
      expect(outcome.ok).toBe(false);
      const error = outcome.ok ? undefined : outcome.error;
      expect(error).toBeInstanceOf(BackendUnableToConnectError);
      expect(String((error as Error).message)).toMatch(/connection/i);
      expect(await count("failed")).toBe(0);
      // the backend is still usable afterwards
      await backend.host_createObjects(hosts("after", 2));
      expect(await count("after")).toBe(2);
    } finally {
      await backend.close();
    }
  });

  it("a KILL from outside while the INSERT statements run: all rows or none, and no hang", async () => {
    const retries: RetryInfo[] = [];
    const driver = new MysqlDriver(db.options(), { onRetry: (r) => retries.push(r) });
    const backend = new SqlBackend({ driver, dialect: new MysqlDialect(), hardwareAudit });
    const watcher = await adminConnection(db.name);
    let killed = 0;
    let done = false;
    const killer = (async () => {
      while (!done && killed === 0) {
        const [rows] = await watcher.query(
          "SELECT `ID` FROM `information_schema`.`PROCESSLIST` WHERE `DB` = DATABASE() AND `ID` <> CONNECTION_ID()" +
            " AND `COMMAND` = 'Query' AND `INFO` LIKE 'INSERT INTO `HOST`%' LIMIT 1",
        );
        const id = Number((rows as Array<{ ID: unknown }>)[0]?.ID ?? 0);
        if (id > 0) {
          await watcher.query(`KILL CONNECTION ${id}`);
          killed = id;
        }
      }
    })();
    try {
      const outcome = await within(backend.host_createObjects(hosts("outside", 30000)), 60_000);
      done = true;
      await killer;
      expect(killed).toBeGreaterThan(0);
      const rows = await count("outside");
      if (outcome.ok) {
        expect(rows).toBe(30000);
        expect(retries.map((r) => r.kind)).toContain("connection-lost");
      } else {
        expect(outcome.error).toBeInstanceOf(BackendUnableToConnectError);
        expect(rows).toBe(0);
      }
    } finally {
      done = true;
      await killer.catch(() => undefined);
      await watcher.end();
      await backend.close();
    }
  }, 90_000);
});
