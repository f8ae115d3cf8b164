/**
 * @module test/concurrency.test
 * Several backends (separate pools) updating the ProductOnClients of the same clients at once: no
 * update is lost, and deadlocks between them are retried transparently.
 */
import type { SqlBackend } from "@opsi-ts/backend-sql";
import { defaultHardwareAuditConfig } from "@opsi-ts/core";
import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMysqlBackend } from "../src/MysqlBackend.js";
import type { RetryInfo } from "../src/MysqlDriver.js";
import { adminConnection, mariadbAvailable, useTestDatabase } from "./mariadb.js";

const ok = await mariadbAvailable();
const hardwareAudit = defaultHardwareAuditConfig();

const CLIENTS = Array.from({ length: 6 }, (_, i) => `client${i}.concurrency.test`);
const PRODUCTS = Array.from({ length: 8 }, (_, i) => `product${i}`);
const ROUNDS = 5;

/** Each writer owns one attribute; the last round's value must survive for every row. */
const WRITERS: ReadonlyArray<{ attribute: string; value: (round: number) => string }> = [
  { attribute: "actionRequest", value: (r) => (r % 2 === 0 ? "setup" : "uninstall") },
  { attribute: "actionProgress", value: (r) => `progress ${r}` },
  { attribute: "actionResult", value: (r) => (r % 2 === 0 ? "failed" : "successful") },
  { attribute: "lastAction", value: (r) => (r % 2 === 0 ? "uninstall" : "setup") },
  { attribute: "targetConfiguration", value: (r) => (r % 2 === 0 ? "forbidden" : "installed") },
];

describe.runIf(ok)("concurrent ProductOnClient updates (MariaDB)", () => {
  const db = useTestDatabase("concurrency");
  const backends: SqlBackend[] = [];
  const retries: RetryInfo[] = [];

  beforeAll(async () => {
    // started together: the setup runs once at a time (named lock) and every backend gets a working schema
    backends.push(
      ...(await Promise.all(
        WRITERS.map(() =>
          createMysqlBackend({ url: db.url, hardwareAudit, pool: { size: 4, maxOverflow: 4 }, onRetry: (info) => retries.push(info) }),
        ),
      )),
    );
    const first = backends[0];
    if (!first) throw new Error("no backend");
    await first.host_createObjects(CLIENTS.map((id) => ({ type: "OpsiClient", id })));
    await first.product_createObjects(PRODUCTS.map((id) => ({ type: "LocalbootProduct", id, productVersion: "1.0", packageVersion: "1" })));
  });
  afterAll(async () => {
    for (const b of backends) await b.close();
  });

  it("loses no update when writers race on the same rows", async () => {
    const round = (backend: SqlBackend, index: number, r: number): Promise<unknown> => {
      const spec = WRITERS[index];
      if (!spec) throw new Error("writer");
      // every writer touches the same rows, half of them in the opposite order
      const clients = index % 2 === 0 ? CLIENTS : [...CLIENTS].reverse();
      const products = index % 2 === 0 ? PRODUCTS : [...PRODUCTS].reverse();
      return Promise.all(
        clients.map((clientId) =>
          backend.productOnClient_updateObjects(
            products.map((productId) => ({ productId, productType: "LocalbootProduct", clientId, [spec.attribute]: spec.value(r) })),
          ),
        ),
      );
    };
    const deadlocks = (): number => retries.filter((r) => r.kind === "deadlock").length;
    for (let r = 0; r < ROUNDS; r++) await Promise.all(backends.map((b, i) => round(b, i, r)));

    const pocs = await backends[0]?.productOnClient_getObjects();
    expect(pocs).toHaveLength(CLIENTS.length * PRODUCTS.length);
    const last = ROUNDS - 1;
    for (const poc of pocs ?? []) {
      const row = poc as unknown as Record<string, unknown>;
      for (const w of WRITERS)
        expect([poc.clientId, poc.productId, w.attribute, row[w.attribute]]).toEqual([
          poc.clientId,
          poc.productId,
          w.attribute,
          w.value(last),
        ]);
      expect(poc.installationStatus).toBe("not_installed");
    }
    // whether InnoDB deadlocks here depends on timing and query plans; none may reach the caller
    console.info(`concurrency: ${deadlocks()} deadlocks retried transparently, ${retries.length} retries in all`);
    expect(retries.every((r) => r.inTransaction && r.kind !== "connection-lost")).toBe(true);
  }, 120_000);

  it("a deadlock with another transaction is retried inside productOnClient_updateObjects", async () => {
    const backend = backends[0];
    if (!backend) throw new Error("no backend");
    const [c0, c1] = CLIENTS;
    const [p0, p1] = PRODUCTS;
    if (!c0 || !c1 || !p0 || !p1) throw new Error("fixtures");
    await backend.productOnClient_updateObjects(
      CLIENTS.flatMap((clientId) =>
        PRODUCTS.map((productId) => ({ productId, productType: "LocalbootProduct", clientId, actionRequest: "always" })),
      ),
    );
    const before = retries.length;
    const other = await adminConnection(db.name);
    try {
      // The other transaction changes many rows by primary key (so InnoDB picks the backend as the
      // cheaper victim), including (p1, c1) but not (p0, c0).
      await other.query("START TRANSACTION");
      const keys = CLIENTS.flatMap((c) => PRODUCTS.map((p) => [p, c] as const)).filter(([p, c]) => !(p === p0 && c === c0));
      for (const [p, c] of keys) {
        await other.query(
          "UPDATE `PRODUCT_ON_CLIENT` SET `actionProgress` = 'other' WHERE `productId` = ? AND `productType` = 'LocalbootProduct' AND `clientId` = ?",
          [p, c],
        );
      }
      // The backend locks (p0, c0) first (index order) and then waits for (p1, c1) ...
      const update = backend.productOnClient_updateObjects([
        { productId: p1, productType: "LocalbootProduct", clientId: c1, actionRequest: "once" },
        { productId: p0, productType: "LocalbootProduct", clientId: c0, actionRequest: "once" },
      ]);
      await waitForLockWait(other);
      // ... and now the other transaction wants (p0, c0): a cycle, InnoDB rolls the backend back.
      await other.query(
        "UPDATE `PRODUCT_ON_CLIENT` SET `actionProgress` = 'other' WHERE `productId` = ? AND `productType` = 'LocalbootProduct' AND `clientId` = ?",
        [p0, c0],
      );
      await other.query("COMMIT");
      await update;
    } finally {
      await other.end();
    }
    expect(retries.slice(before).map((r) => r.kind)).toContain("deadlock");
    const rows = await backend.productOnClient_getObjects([], { clientId: [c0, c1], productId: [p0, p1] });
    const previous = "always";
    expect(rows.map((r) => [r.productId, r.clientId, r.actionRequest, r.actionProgress]).sort()).toEqual([
      [p0, c0, "once", "other"],
      [p0, c1, previous, "other"],
      [p1, c0, previous, "other"],
      [p1, c1, "once", "other"],
    ]);
  }, 60_000);
});

/** Waits until another connection of this database has been running a locking read for a while (= waits for a row lock). */
async function waitForLockWait(conn: Connection): Promise<void> {
  let seen = 0;
  for (let i = 0; i < 500; i++) {
    const [rows] = await conn.query(
      "SELECT COUNT(*) AS n FROM `information_schema`.`PROCESSLIST` WHERE `DB` = DATABASE() AND `ID` <> CONNECTION_ID()" +
        " AND `COMMAND` = 'Query' AND `INFO` LIKE 'SELECT %FOR UPDATE'",
    );
    seen = Number((rows as Array<{ n: unknown }>)[0]?.n) > 0 ? seen + 1 : 0;
    if (seen >= 3) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("the backend never waited for the row lock");
}
