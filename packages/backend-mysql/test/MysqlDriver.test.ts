/**
 * @module test/MysqlDriver.test
 * The driver against MariaDB: session settings, value handling, bad values, transactions, retries of
 * deadlocks / lock-wait timeouts / killed connections, pool limits, unreachable servers.
 */
import { BackendBadValueError, BackendTemporaryError, BackendUnableToConnectError } from "@opsi-ts/core";
import type { Connection } from "mysql2/promise";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { resolveConnectionOptions } from "../src/connection-config.js";
import { SESSION_INIT_SQL } from "../src/internal/session-settings.js";
import { MysqlDriver, type RetryInfo } from "../src/MysqlDriver.js";
import { adminConnection, mariadbAvailable, useTestDatabase } from "./mariadb.js";

const ok = await mariadbAvailable();

/** A promise with its resolve function. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe.runIf(ok)("MysqlDriver (MariaDB)", () => {
  const db = useTestDatabase("driver");
  let admin: Connection | undefined;
  const drivers: MysqlDriver[] = [];
  const newDriver = (...args: ConstructorParameters<typeof MysqlDriver>): MysqlDriver => {
    const d = new MysqlDriver(...args);
    drivers.push(d);
    return d;
  };
  const adm = (): Connection => {
    if (!admin) throw new Error("no admin connection");
    return admin;
  };

  beforeAll(async () => {
    admin = await adminConnection(db.name);
    await admin.query(
      "CREATE TABLE `T` (`id` int(11) NOT NULL, `v` int(11) NOT NULL DEFAULT 0, `s` varchar(5) DEFAULT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8;" +
        "CREATE TABLE `U` (`id` int(11) NOT NULL, `s` varchar(20) DEFAULT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;" +
        "CREATE TABLE `Z` (`id` int(11) NOT NULL, `ts` timestamp NULL DEFAULT NULL, `big` bigint(20) DEFAULT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB",
    );
  });
  beforeEach(async () => {
    await adm().query("DELETE FROM `T`; DELETE FROM `U`; DELETE FROM `Z`; INSERT INTO `T` (`id`, `v`) VALUES (1, 0), (2, 0)");
  });
  afterEach(async () => {
    for (const d of drivers.splice(0)) await d.close();
  });
  afterAll(async () => {
    await admin?.end();
  });

  describe("session and values", () => {
    it("applies opsi's session settings on every new connection", async () => {
      const driver = newDriver(db.options());
      const [row] = await driver.query(
        "SELECT @@SESSION.sql_mode AS m, @@SESSION.group_concat_max_len AS g, @@SESSION.lock_wait_timeout AS l",
      );
      const modes = String(row?.m).split(",");
      for (const mode of ["ONLY_FULL_GROUP_BY", "NO_ZERO_IN_DATE", "NO_ZERO_DATE", "STRICT_TRANS_TABLES", "NO_BACKSLASH_ESCAPES"]) {
        expect(modes).not.toContain(mode);
      }
      expect(row).toMatchObject({ g: 1000000, l: 60 });
      expect(driver.stats.connectionsOpened).toBe(1);
    });

    it("removes exactly the opsi-unwanted sql modes from whatever the server has", async () => {
      const driver = newDriver(db.options());
      const mode = await driver.withSession(async (s) => {
        await s.execute(
          "SET SESSION sql_mode = 'ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_BACKSLASH_ESCAPES,NO_ENGINE_SUBSTITUTION'",
        );
        await s.execute(SESSION_INIT_SQL);
        return (await s.query("SELECT @@SESSION.sql_mode AS m"))[0]?.m;
      });
      expect(mode).toBe("ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION");
    });

    it("returns timestamps as strings (zero dates included), safe integers as numbers, big ones as strings", async () => {
      const driver = newDriver(db.options());
      await driver.execute("INSERT INTO `Z` (`id`, `ts`, `big`) VALUES (1, ?, ?), (2, '0000-00-00 00:00:00', ?)", [
        "2024-01-02 03:04:05",
        123456789012,
        "9223372036854775807",
      ]);
      const rows = await driver.query("SELECT `id`, `ts`, `big` FROM `Z` ORDER BY `id`");
      expect(rows).toEqual([
        { id: 1, ts: "2024-01-02 03:04:05", big: 123456789012 },
        { id: 2, ts: "0000-00-00 00:00:00", big: "9223372036854775807" },
      ]);
      const [sum] = await driver.query("SELECT SUM(`v`) AS s, COUNT(*) AS n FROM `T`");
      expect(sum).toEqual({ s: 0, n: 2 });
    });

    it("round-trips 4-byte characters through utf8mb4 columns", async () => {
      const driver = newDriver(db.options());
      await driver.execute("INSERT INTO `U` (`id`, `s`) VALUES (?, ?)", [1, "emoji 😀 ü ß"]);
      expect(await driver.query("SELECT `s` FROM `U` WHERE `s` = ?", ["EMOJI 😀 Ü SS"])).toEqual([]);
      expect(await driver.query("SELECT `s` FROM `U` WHERE `id` = 1")).toEqual([{ s: "emoji 😀 ü ß" }]);
    });
  });

  describe("bad values", () => {
    it("a value too long for its column raises BackendBadValueError and writes nothing (also outside transactions)", async () => {
      const driver = newDriver(db.options());
      await expect(driver.execute("INSERT INTO `T` (`id`, `s`) VALUES (?, ?)", [3, "too long"])).rejects.toThrow(BackendBadValueError);
      await expect(driver.execute("INSERT INTO `T` (`id`, `s`) VALUES (?, ?)", [3, "too long"])).rejects.toThrow(/'s'/);
      await expect(
        driver.transaction(async (tx) => {
          await tx.execute("UPDATE `T` SET `v` = 5 WHERE `id` = 1");
          await tx.execute("INSERT INTO `T` (`id`, `s`) VALUES (?, ?), (?, ?)", [4, "ok", 5, "far too long"]);
        }),
      ).rejects.toThrow(BackendBadValueError);
      expect(await driver.query("SELECT `id`, `v`, `s` FROM `T` ORDER BY `id`")).toEqual([
        { id: 1, v: 0, s: null },
        { id: 2, v: 0, s: null },
      ]);
    });

    it("a 4-byte character in an opsi (utf8) column is refused instead of becoming '?'", async () => {
      const driver = newDriver(db.options());
      await expect(driver.execute("UPDATE `T` SET `s` = ? WHERE `id` = 1", ["😀"])).rejects.toThrow(BackendBadValueError);
      expect(await driver.query("SELECT `s` FROM `T` WHERE `id` = 1")).toEqual([{ s: null }]);
    });

    it("NULL for a NOT NULL column is refused even in multi-row inserts", async () => {
      const driver = newDriver(db.options());
      await expect(driver.execute("INSERT INTO `T` (`id`, `v`) VALUES (7, NULL), (8, 1)")).rejects.toThrow(BackendBadValueError);
      expect(await driver.query("SELECT COUNT(*) AS n FROM `T`")).toEqual([{ n: 2 }]);
    });
  });

  describe("transactions", () => {
    it("commits on success, rolls back on error, and the executor dies with the transaction", async () => {
      const driver = newDriver(db.options());
      const result = await driver.transaction(async (tx) => {
        await tx.execute("UPDATE `T` SET `v` = `v` + 1 WHERE `id` = 1");
        return (await tx.query("SELECT `v` FROM `T` WHERE `id` = 1"))[0]?.v;
      });
      expect(result).toBe(1);
      let leaked: { query: (sql: string) => Promise<unknown> } | undefined;
      await expect(
        driver.transaction(async (tx) => {
          leaked = tx;
          await tx.execute("UPDATE `T` SET `v` = 100 WHERE `id` = 2");
          throw new Error("boom");
        }),
      ).rejects.toThrow("boom");
      expect(await driver.query("SELECT `id`, `v` FROM `T` ORDER BY `id`")).toEqual([
        { id: 1, v: 1 },
        { id: 2, v: 0 },
      ]);
      await expect(leaked?.query("SELECT 1")).rejects.toThrow(/after the transaction ended/);
    });

    it("retries the whole transaction after its connection was killed", async () => {
      const retries: RetryInfo[] = [];
      const driver = newDriver(db.options(), { onRetry: (info) => retries.push(info) });
      let attempts = 0;
      await driver.transaction(async (tx) => {
        attempts++;
        await tx.execute("UPDATE `T` SET `v` = `v` + 1 WHERE `id` = 1");
        if (attempts === 1) {
          const [row] = await tx.query("SELECT CONNECTION_ID() AS id");
          await adm().query(`KILL CONNECTION ${Number(row?.id)}`);
        }
        await tx.execute("UPDATE `T` SET `v` = `v` + 1 WHERE `id` = 2");
      });
      expect(attempts).toBe(2);
      expect(retries.map((r) => [r.kind, r.inTransaction])).toEqual([["connection-lost", true]]);
      expect(await driver.query("SELECT `id`, `v` FROM `T` ORDER BY `id`")).toEqual([
        { id: 1, v: 1 },
        { id: 2, v: 1 },
      ]);
    });

    it("retries a statement whose idle pooled connection was killed", async () => {
      const driver = newDriver(db.options({ poolSize: 1, poolMaxOverflow: 0 }));
      const [row] = await driver.query("SELECT CONNECTION_ID() AS id");
      await adm().query(`KILL CONNECTION ${Number(row?.id)}`);
      const [again] = await driver.query("SELECT CONNECTION_ID() AS id");
      expect(Number(again?.id)).not.toBe(Number(row?.id));
      expect(await driver.query("SELECT COUNT(*) AS n FROM `T`")).toEqual([{ n: 2 }]);
    });

    it("retries the victim of a deadlock transparently", async () => {
      const a = newDriver(db.options());
      const b = newDriver(db.options());
      const aLocked = deferred();
      const bLocked = deferred();
      let aAttempts = 0;
      let bAttempts = 0;
      await Promise.all([
        a.transaction(async (tx) => {
          aAttempts++;
          await tx.execute("UPDATE `T` SET `v` = `v` + 1 WHERE `id` = 1");
          if (aAttempts === 1) {
            aLocked.resolve();
            await bLocked.promise;
          }
          await tx.execute("UPDATE `T` SET `v` = `v` + 10 WHERE `id` = 2");
        }),
        b.transaction(async (tx) => {
          bAttempts++;
          await tx.execute("UPDATE `T` SET `v` = `v` + 1 WHERE `id` = 2");
          if (bAttempts === 1) {
            bLocked.resolve();
            await aLocked.promise;
          }
          await tx.execute("UPDATE `T` SET `v` = `v` + 10 WHERE `id` = 1");
        }),
      ]);
      expect(a.stats.retries.deadlock + b.stats.retries.deadlock).toBe(1);
      expect(aAttempts + bAttempts).toBe(3);
      expect(await a.query("SELECT `id`, `v` FROM `T` ORDER BY `id`")).toEqual([
        { id: 1, v: 11 },
        { id: 2, v: 11 },
      ]);
    });

    it("retries after a lock-wait timeout", async () => {
      const driver = newDriver(db.options());
      const holder = await adminConnection(db.name);
      try {
        await holder.query("START TRANSACTION");
        await holder.query("SELECT * FROM `T` WHERE `id` = 1 FOR UPDATE");
        const release = setTimeout(() => void holder.query("COMMIT"), 1500);
        await driver.transaction(async (tx) => {
          await tx.execute("SET SESSION innodb_lock_wait_timeout = 1");
          await tx.execute("UPDATE `T` SET `v` = 42 WHERE `id` = 1");
        });
        clearTimeout(release);
        expect(driver.stats.retries["lock-timeout"]).toBeGreaterThanOrEqual(1);
        expect(await driver.query("SELECT `v` FROM `T` WHERE `id` = 1")).toEqual([{ v: 42 }]);
      } finally {
        await holder.end();
      }
    });

    it("gives up after the attempt limit with the original error", async () => {
      const driver = newDriver(db.options(), { retry: { deadlockAttempts: 2, baseDelayMs: 1 } });
      let attempts = 0;
      const deadlock = Object.assign(new Error("Deadlock found when trying to get lock"), { errno: 1213, code: "ER_LOCK_DEADLOCK" });
      await expect(
        driver.transaction(async () => {
          attempts++;
          throw deadlock;
        }),
      ).rejects.toBe(deadlock);
      expect(attempts).toBe(2);
    });
  });

  describe("pool and connection failures", () => {
    it("times out waiting for a free connection with BackendTemporaryError", async () => {
      const driver = newDriver(db.options({ poolSize: 1, poolMaxOverflow: 0, poolTimeoutMs: 200 }));
      const hold = deferred();
      const holding = driver.transaction(async (tx) => {
        await tx.query("SELECT 1");
        await hold.promise;
      });
      await new Promise((r) => setTimeout(r, 50));
      await expect(driver.query("SELECT 1")).rejects.toThrow(BackendTemporaryError);
      hold.resolve();
      await holding;
      expect(await driver.query("SELECT 1 AS one")).toEqual([{ one: 1 }]);
    });

    it("an unreachable server gives BackendUnableToConnectError with host:port and without the password, quickly", async () => {
      const options = resolveConnectionOptions({ url: "mysql://root:hunter2-secret@127.0.0.1:1/x" });
      const driver = newDriver(options);
      const started = Date.now();
      const err = await driver.query("SELECT 1").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendUnableToConnectError);
      expect(String((err as Error).message)).toContain("127.0.0.1:1");
      expect(String((err as Error).message)).not.toContain("hunter2-secret");
      expect(Date.now() - started).toBeLessThan(3000);
      const errTx = await driver.transaction(async () => 1).catch((e: unknown) => e);
      expect(errTx).toBeInstanceOf(BackendUnableToConnectError);
    });

    it("a host that does not answer fails within the connect timeout", async () => {
      const options = { ...resolveConnectionOptions({ url: "mysql://root@10.255.255.1:3306/x" }), connectTimeoutMs: 1000 };
      const driver = newDriver(options);
      const started = Date.now();
      await expect(driver.query("SELECT 1")).rejects.toThrow(BackendUnableToConnectError);
      expect(Date.now() - started).toBeLessThan(4000);
    });

    it("wrong credentials fail at once without retries", async () => {
      const driver = newDriver({ ...db.options(), user: "no_such_user_x", password: "pw-never-shown" });
      const err = await driver.query("SELECT 1").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendUnableToConnectError);
      expect(String((err as Error).message)).toMatch(/Access denied/);
      expect(String((err as Error).message)).not.toContain("pw-never-shown");
      expect(driver.stats.retries["connection-lost"]).toBe(0);
    });

    it("refuses work after close()", async () => {
      const driver = newDriver(db.options());
      await driver.query("SELECT 1");
      await driver.close();
      await driver.close();
      await expect(driver.query("SELECT 1")).rejects.toThrow(/closed/);
    });
  });
});
