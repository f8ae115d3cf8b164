/**
 * @module test/bad-input.test
 * SQL metacharacters in every kind of value (ids where allowed, descriptions, notes, config and
 * property values, filters, wildcard filters) round-trip and filter exactly like the MemoryBackend,
 * nothing unintended executes, and values the columns cannot hold raise BackendBadValueError.
 */
import type { SqlBackend } from "@opsi-ts/backend-sql";
import {
  type Backend,
  BackendBadValueError,
  defaultHardwareAuditConfig,
  type Filter,
  MemoryBackend,
  type ObjectPrefix,
} from "@opsi-ts/core";
import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMysqlBackend } from "../src/MysqlBackend.js";
import { adminConnection, mariadbAvailable, useTestDatabase } from "./mariadb.js";

const ok = await mariadbAvailable();
const hardwareAudit = defaultHardwareAuditConfig();

const METAS = [
  "'",
  '"',
  "\\",
  "\\'",
  "''",
  "%",
  "_",
  "*",
  "`",
  ";",
  "--",
  "/*",
  "?",
  "??",
  "\\%",
  "\\_",
  "a\\*b",
  "' OR '1'='1",
  "'); DROP TABLE CANARY; --",
  "x\ny",
  "tab\there",
  "ü€ 日本",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text is the point
  "$1 ${x}",
  "[null]",
  "\u0000nul",
];
/** Ids may not contain whitespace. */
const idSafe = (meta: string): string => meta.replace(/\s/g, "");

const CLIENT0 = "client-0.meta.test";

/** The same objects for both backends. */
async function populate(b: Backend): Promise<void> {
  await b.host_createObjects(
    METAS.map((meta, i) => ({
      type: "OpsiClient",
      id: `client-${i}.meta.test`,
      description: meta,
      notes: `${meta}!`,
      inventoryNumber: meta,
      opsiHostKey: String(i).padStart(32, "a"),
      created: "2024-01-01 00:00:00",
      lastSeen: "2024-01-02 00:00:00",
    })),
  );
  await b.config_createObjects(
    METAS.map((meta, i) => ({
      type: "UnicodeConfig",
      id: `meta.${i}.${idSafe(meta)}`,
      description: meta,
      possibleValues: [meta, "plain"],
      defaultValues: [meta],
      editable: true,
      multiValue: false,
    })),
  );
  await b.configState_createObjects(METAS.map((meta, i) => ({ configId: `meta.${i}.${idSafe(meta)}`, objectId: CLIENT0, values: [meta] })));
  await b.product_createObjects([
    { type: "LocalbootProduct", id: "prod-meta", productVersion: "1.0", packageVersion: "1", description: METAS.join("|") },
  ]);
  await b.productProperty_createObjects(
    METAS.map((meta, i) => ({
      type: "UnicodeProductProperty",
      productId: "prod-meta",
      productVersion: "1.0",
      packageVersion: "1",
      propertyId: `p${i}${idSafe(meta)}`,
      description: meta,
      possibleValues: [meta, "x"],
      defaultValues: [meta],
      editable: true,
      multiValue: true,
    })),
  );
  await b.productPropertyState_createObjects(
    METAS.map((meta, i) => ({ productId: "prod-meta", propertyId: `p${i}${idSafe(meta)}`, objectId: CLIENT0, values: [meta] })),
  );
  await b.auditSoftware_createObjects(
    METAS.map((meta, i) => ({
      name: `sw ${i} ${meta}`,
      version: meta,
      subVersion: "",
      language: "",
      architecture: "x64",
      windowsDisplayName: meta,
    })),
  );
  await b.auditSoftwareOnClient_createObjects(
    METAS.map((meta, i) => ({
      name: `sw ${i} ${meta}`,
      version: meta,
      subVersion: "",
      language: "",
      architecture: "x64",
      clientId: CLIENT0,
      uninstallString: meta,
      firstseen: "2024-01-01 00:00:00",
      lastseen: "2024-01-02 00:00:00",
    })),
  );
  await b.user_createObjects([{ id: "dom\\admin", created: "2023-12-31 00:00:00", lastLogin: "2024-01-01 00:00:00" }]);
}

/** The filters both backends answer; each is a prefix and a filter. */
function filters(): Array<[ObjectPrefix, Filter]> {
  const out: Array<[ObjectPrefix, Filter]> = [];
  METAS.forEach((meta, i) => {
    out.push(["host", { description: meta }]);
    out.push(["host", { description: `*${meta}*` }]);
    out.push(["host", { notes: `${meta}*` }]);
    out.push(["host", { inventoryNumber: [meta, "nothing"] }]);
    out.push(["config", { id: `meta.${i}.${idSafe(meta)}` }]);
    out.push(["config", { description: meta }]);
    out.push(["configState", { configId: `meta.${i}.${idSafe(meta)}`, objectId: CLIENT0 }]);
    out.push(["productProperty", { propertyId: `p${i}${idSafe(meta)}` }]);
    out.push(["productProperty", { description: `${meta}*` }]);
    out.push(["auditSoftware", { name: `sw ${i} ${meta}` }]);
    out.push(["auditSoftware", { version: meta }]);
    out.push(["auditSoftware", { windowsDisplayName: `*${meta}` }]);
    out.push(["auditSoftwareOnClient", { uninstallString: meta, clientId: CLIENT0 }]);
  });
  out.push(["host", { id: `${CLIENT0}' OR '1'='1` }]);
  out.push(["host", { id: ["%", "_", "*.meta.test"] }]);
  out.push(["host", { description: "*" }]);
  out.push(["config", { id: "meta.1*" }]);
  out.push(["auditSoftware", { name: "sw 1*" }]);
  out.push(["user", { id: "dom\\admin" }]);
  out.push(["user", { id: "dom\\*" }]);
  return out;
}

const PREFIXES_READ: ObjectPrefix[] = [
  "host",
  "config",
  "configState",
  "product",
  "productProperty",
  "productPropertyState",
  "auditSoftware",
  "auditSoftwareOnClient",
  "user",
];

const canonical = (objs: readonly unknown[]): string[] => objs.map((o) => JSON.stringify(o, Object.keys(o as object).sort())).sort();

describe.runIf(ok)("SQL metacharacters and bad values through the backend (MariaDB)", () => {
  const db = useTestDatabase("badinput");
  let mysql: SqlBackend | undefined;
  const memory = new MemoryBackend({ hardwareAudit });
  let admin: Connection | undefined;
  const b = (): SqlBackend => {
    if (!mysql) throw new Error("backend not created");
    return mysql;
  };
  const tableCount = async (): Promise<number> => {
    if (!admin) throw new Error("no admin connection");
    const [rows] = await admin.query("SELECT COUNT(*) AS n FROM `information_schema`.`TABLES` WHERE `TABLE_SCHEMA` = DATABASE()");
    return Number((rows as Array<{ n: unknown }>)[0]?.n);
  };
  let tablesBefore = 0;

  beforeAll(async () => {
    mysql = await createMysqlBackend({ url: db.url, hardwareAudit });
    admin = await adminConnection(db.name);
    await admin.query("CREATE TABLE `CANARY` (`id` int NOT NULL PRIMARY KEY); INSERT INTO `CANARY` VALUES (1)");
    tablesBefore = await tableCount();
    await populate(memory);
    await populate(b());
  });
  afterAll(async () => {
    await mysql?.close();
    await admin?.end();
  });

  it("stores and reads back every value exactly as the MemoryBackend does", async () => {
    for (const prefix of PREFIXES_READ) {
      const [fromMysql, fromMemory] = await Promise.all([b().getObjects(prefix, [], {}), memory.getObjects(prefix, [], {})]);
      expect([prefix, canonical(fromMysql)]).toEqual([prefix, canonical(fromMemory)]);
    }
    const hosts = await b().host_getObjects([], { id: `client-${METAS.indexOf("'); DROP TABLE CANARY; --")}.meta.test` });
    expect(hosts.map((h) => h.description)).toEqual(["'); DROP TABLE CANARY; --"]);
  });

  it("answers exact, list and wildcard filters with metacharacters like the MemoryBackend", async () => {
    let nonEmpty = 0;
    for (const [prefix, filter] of filters()) {
      const [fromMysql, fromMemory] = await Promise.all([b().getObjects(prefix, [], filter), memory.getObjects(prefix, [], filter)]);
      expect([prefix, filter, canonical(fromMysql)]).toEqual([prefix, filter, canonical(fromMemory)]);
      if (fromMemory.length > 0) nonEmpty++;
    }
    // the comparison is not vacuous: most filters match something
    expect(nonEmpty).toBeGreaterThan(filters().length * 0.8);
    expect(await b().host_getObjects([], { id: `${CLIENT0}' OR '1'='1` })).toEqual([]);
    expect((await b().host_getObjects([], { description: "%" })).map((h) => h.description)).toEqual(["%"]);
    expect((await b().host_getObjects([], { description: "_" })).map((h) => h.description)).toEqual(["_"]);
  });

  it("deletes by idents with metacharacters and touches nothing else", async () => {
    const id = `meta.${METAS.indexOf("'")}.'`;
    await b().config_deleteObjects([{ id }]);
    await memory.config_deleteObjects([{ id }]);
    expect(canonical(await b().config_getObjects())).toEqual(canonical(await memory.config_getObjects()));
    expect(canonical(await b().configState_getObjects())).toEqual(canonical(await memory.configState_getObjects()));
    expect(await b().config_getObjects([], { id })).toEqual([]);
  });

  it("executed nothing that was hidden in a value", async () => {
    if (!admin) throw new Error("no admin connection");
    const [rows] = await admin.query("SELECT `id` FROM `CANARY`");
    expect(rows).toEqual([{ id: 1 }]);
    expect(await tableCount()).toBe(tablesBefore);
  });

  describe("values the columns cannot hold", () => {
    const countHosts = async (): Promise<number> => (await b().host_getObjects(["id"], {})).length;

    it("over-long ids and strings raise BackendBadValueError naming the attribute; nothing is written", async () => {
      const before = await countHosts();
      const cases: Array<[() => Promise<unknown>, RegExp]> = [
        [
          () =>
            b().host_createObjects([
              { type: "OpsiClient", id: "ok-1.long.test" },
              { type: "OpsiClient", id: "ok-2.long.test", description: "d".repeat(101) },
            ]),
          /description/,
        ],
        [() => b().host_createObjects([{ type: "OpsiClient", id: "ok-3.long.test", notes: "n".repeat(8193) }]), /notes/],
        [() => b().host_updateObjects([{ type: "OpsiClient", id: CLIENT0, inventoryNumber: "i".repeat(65) }]), /inventoryNumber/],
        [() => b().config_createObjects([{ type: "UnicodeConfig", id: `c${"x".repeat(200)}` }]), /id|configId/],
        [
          () =>
            b().auditSoftware_createObjects([{ name: "n".repeat(101), version: "1", subVersion: "", language: "", architecture: "x64" }]),
          /name/,
        ],
        [() => b().group_createObjects([{ type: "HostGroup", id: "g1", description: "d".repeat(101) }]), /description/],
      ];
      for (const [write, mentions] of cases) {
        const err = await write().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(BackendBadValueError);
        expect(String((err as Error).message)).toMatch(mentions);
      }
      expect(await countHosts()).toBe(before);
      expect(await b().host_getObjects([], { id: "ok-*" })).toEqual([]);
      expect(await b().group_getObjects()).toEqual([]);
    });

    it("a multi-byte string at the length limit fits (limits count characters)", async () => {
      await b().host_createObjects([{ type: "OpsiClient", id: "umlaut.long.test", description: "ü".repeat(100) }]);
      expect((await b().host_getObjects([], { id: "umlaut.long.test" }))[0]?.description).toBe("ü".repeat(100));
    });

    it("text that does not fit a text column, and 4-byte characters in opsi's utf8 tables, are refused instead of being mangled", async () => {
      const before = await b().configState_getObjects();
      const huge = b().configState_updateObjects([
        { configId: `meta.1.${idSafe(METAS[1] ?? "")}`, objectId: CLIENT0, values: ["v".repeat(70000)] },
      ]);
      await expect(huge).rejects.toThrow(BackendBadValueError);
      const emoji = b().host_updateObjects([{ type: "OpsiClient", id: CLIENT0, description: "smile 😀" }]);
      await expect(emoji).rejects.toThrow(BackendBadValueError);
      expect(canonical(await b().configState_getObjects())).toEqual(canonical(before));
      expect((await b().host_getObjects([], { id: CLIENT0 }))[0]?.description).toBe(METAS[0]);
    });
  });
});
