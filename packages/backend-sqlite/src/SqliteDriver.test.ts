/**
 * @module SqliteDriver.test
 * The better-sqlite3 driver: pragmas, queued transactions, rollback, statements outside a
 * transaction waiting for it, retries while another connection holds the write lock, close.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AsyncMutex } from "./mutex.js";
import { SqliteDriver } from "./SqliteDriver.js";

let dir: string;
let driver: SqliteDriver;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "opsi-sqlite-driver-"));
  driver = new SqliteDriver(join(dir, "db.sqlite"));
  await driver.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)");
});

afterEach(async () => {
  await driver.close();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("SqliteDriver", () => {
  it("opens the file in WAL mode with foreign keys and a busy timeout", async () => {
    expect(await driver.query("PRAGMA journal_mode")).toEqual([{ journal_mode: "wal" }]);
    expect(await driver.query("PRAGMA foreign_keys")).toEqual([{ foreign_keys: 1 }]);
    expect(await driver.query("PRAGMA busy_timeout")).toEqual([{ timeout: 5000 }]);
  });

  it("binds positional parameters and reports changes and insert ids", async () => {
    const r = await driver.execute("INSERT INTO t (k, v) VALUES (?, ?), (?, ?)", ["a", 1, "b", null]);
    expect(r).toEqual({ affectedRows: 2, insertId: 2 });
    expect(await driver.query("SELECT k, v FROM t WHERE k = ?", ["b"])).toEqual([{ k: "b", v: null }]);
  });

  it("commits a transaction and rolls it back completely when it throws", async () => {
    await driver.transaction(async (tx) => {
      await tx.execute("INSERT INTO t (k, v) VALUES (?, ?)", ["a", 1]);
    });
    await expect(
      driver.transaction(async (tx) => {
        await tx.execute("INSERT INTO t (k, v) VALUES (?, ?)", ["b", 2]);
        await tx.execute("INSERT INTO t (k, v) VALUES (?, ?)", ["a", 3]);
      }),
    ).rejects.toMatchObject({ code: "SQLITE_CONSTRAINT_PRIMARYKEY" });
    expect(await driver.query("SELECT k, v FROM t")).toEqual([{ k: "a", v: 1 }]);
  });

  it("queues concurrent transactions instead of interleaving them", async () => {
    const order: string[] = [];
    const run = (name: string) =>
      driver.transaction(async (tx) => {
        order.push(`${name} start`);
        const [row] = await tx.query("SELECT COUNT(*) AS n FROM t");
        await sleep(5);
        await tx.execute("INSERT INTO t (k, v) VALUES (?, ?)", [name, row?.n]);
        order.push(`${name} end`);
      });
    await Promise.all([run("x"), run("y"), run("z")]);
    expect(order).toEqual(["x start", "x end", "y start", "y end", "z start", "z end"]);
    expect(await driver.query("SELECT k, v FROM t ORDER BY k")).toEqual([
      { k: "x", v: 0 },
      { k: "y", v: 1 },
      { k: "z", v: 2 },
    ]);
  });

  it("makes statements outside a transaction wait until it ends (no dirty reads)", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tx = driver.transaction(async (t) => {
      await t.execute("INSERT INTO t (k, v) VALUES (?, ?)", ["a", 1]);
      await gate;
      throw new Error("abort");
    });
    await sleep(5);
    // The transaction has inserted its row and waits at the gate.
    const read = driver.query("SELECT COUNT(*) AS n FROM t");
    await sleep(5);
    release();
    await expect(tx).rejects.toThrow("abort");
    expect(await read).toEqual([{ n: 0 }]);
  });

  it("refuses a transaction executor used after its transaction ended", async () => {
    let leaked: { query: (sql: string) => Promise<unknown> } | undefined;
    await driver.transaction(async (tx) => {
      leaked = tx;
    });
    await expect(leaked?.query("SELECT 1")).rejects.toThrow(/after its transaction ended/);
  });

  it("retries a transaction while another connection holds the write lock", async () => {
    await driver.close();
    driver = new SqliteDriver(join(dir, "db.sqlite"), { busyTimeoutMs: 1, busyRetries: 8 });
    const other = new Database(join(dir, "db.sqlite"));
    other.exec("BEGIN IMMEDIATE");
    setTimeout(() => other.exec("COMMIT"), 60);
    await driver.transaction(async (tx) => {
      await tx.execute("INSERT INTO t (k, v) VALUES (?, ?)", ["late", 1]);
    });
    other.close();
    expect(await driver.query("SELECT k FROM t")).toEqual([{ k: "late" }]);
  });

  it("gives up with the busy error after the retries", async () => {
    await driver.close();
    driver = new SqliteDriver(join(dir, "db.sqlite"), { busyTimeoutMs: 1, busyRetries: 1 });
    const other = new Database(join(dir, "db.sqlite"));
    other.exec("BEGIN IMMEDIATE");
    try {
      await expect(driver.transaction(async () => undefined)).rejects.toMatchObject({ code: expect.stringMatching(/^SQLITE_BUSY/) });
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
  });

  it("keeps a bounded prepared-statement cache", async () => {
    await driver.close();
    driver = new SqliteDriver(join(dir, "db.sqlite"), { statementCacheSize: 2 });
    for (let i = 0; i < 5; i++) expect(await driver.query(`SELECT ${i} AS n`)).toEqual([{ n: i }]);
    expect(await driver.query("SELECT 4 AS n")).toEqual([{ n: 4 }]);
  });

  it("closes after the running transaction and refuses statements afterwards", async () => {
    const tx = driver.transaction(async (t) => {
      await sleep(10);
      await t.execute("INSERT INTO t (k, v) VALUES (?, ?)", ["a", 1]);
    });
    const closing = driver.close();
    await tx;
    await closing;
    await expect(driver.query("SELECT 1")).rejects.toThrow(/closed/);
    await driver.close();
  });
});

describe("AsyncMutex", () => {
  it("hands the lock to waiters in arrival order and ignores double releases", async () => {
    const mutex = new AsyncMutex();
    const order: number[] = [];
    const first = await mutex.acquire();
    const waiters = [1, 2, 3].map(async (n) => {
      const release = await mutex.acquire();
      order.push(n);
      release();
      release();
    });
    expect(mutex.busy).toBe(true);
    first();
    await Promise.all(waiters);
    expect(order).toEqual([1, 2, 3]);
    expect(mutex.busy).toBe(false);
  });
});
