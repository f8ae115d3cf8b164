/**
 * @module test/MysqlBackend.test
 * createMysqlBackend: configuration sources, database creation, closing, connection and
 * configuration errors.
 */
import { BackendConfigurationError, BackendError, BackendUnableToConnectError, defaultHardwareAuditConfig } from "@opsi-ts/core";
import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveConnectionOptions } from "../src/connection-config.js";
import { createMysqlBackend } from "../src/MysqlBackend.js";
import { adminConnection, mariadbAvailable, randomDatabaseName, SERVER_URL, useTestDatabase } from "./mariadb.js";

const ok = await mariadbAvailable();
const hardwareAudit = defaultHardwareAuditConfig();

describe.runIf(ok)("createMysqlBackend (MariaDB)", () => {
  const db = useTestDatabase("backend");
  let admin: Connection | undefined;
  const created: string[] = [];
  const sql = async (text: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> => {
    if (!admin) throw new Error("no admin connection");
    const [rows] = await admin.query(text, params);
    return rows as Array<Record<string, unknown>>;
  };

  beforeAll(async () => {
    admin = await adminConnection();
  });
  afterAll(async () => {
    for (const name of created) await sql(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin?.end();
  });

  it("creates a missing database with schema 13 and closes its pool on close()", async () => {
    const name = randomDatabaseName("created");
    created.push(name);
    const backend = await createMysqlBackend({ url: `${SERVER_URL}/${name}`, hardwareAudit });
    await backend.host_createObjects([{ type: "OpsiClient", id: "pc1.backend.test" }]);
    expect((await backend.host_getObjects()).map((h) => h.id)).toEqual(["pc1.backend.test"]);
    expect(await sql(`SELECT \`version\` FROM \`${name}\`.\`OPSI_SCHEMA\``)).toEqual([{ version: 13 }]);
    expect(await sql("SELECT COUNT(*) AS n FROM `information_schema`.`PROCESSLIST` WHERE `DB` = ?", [name])).not.toEqual([{ n: 0 }]);
    await backend.close();
    // ending the pool is asynchronous on the server side
    for (let i = 0; i < 50; i++) {
      const [row] = await sql("SELECT COUNT(*) AS n FROM `information_schema`.`PROCESSLIST` WHERE `DB` = ?", [name]);
      if (Number(row?.n) === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await sql("SELECT COUNT(*) AS n FROM `information_schema`.`PROCESSLIST` WHERE `DB` = ?", [name])).toEqual([{ n: 0 }]);
    await expect(backend.host_getObjects()).rejects.toThrow(BackendError);
  });

  it("reads opsi's mysql.conf, lets the URL win, and reports what the setup did", async () => {
    const o = resolveConnectionOptions({ url: db.url });
    const mysqlConf = [
      "# -*- coding: utf-8 -*-",
      "module = 'MySQL'",
      "config = {",
      `    "address": "${o.host}:${o.port}",  # our server`,
      `    "database": "${db.name}",`,
      `    "username": "${o.user}",`,
      `    "password": "${o.password}",`,
      '    "databaseCharset": "utf8",',
      '    "connectionPoolSize": 3,',
      "}",
    ].join("\n");
    const reports: unknown[] = [];
    const backend = await createMysqlBackend({ mysqlConf, hardwareAudit, onSetup: (r) => reports.push(r) });
    try {
      expect(reports).toHaveLength(1);
      expect(reports[0]).toMatchObject({ previousVersion: null, migrated: true });
      await backend.config_createObjects([{ type: "BoolConfig", id: "conf.test", defaultValues: [true] }]);
    } finally {
      await backend.close();
    }
    // the URL's database wins over mysql.conf's
    const other = randomDatabaseName("urlwins");
    created.push(other);
    const viaUrl = await createMysqlBackend({ mysqlConf, url: `${SERVER_URL}/${other}`, hardwareAudit });
    try {
      expect(await viaUrl.config_getObjects()).toEqual([]);
    } finally {
      await viaUrl.close();
    }
  });

  it("an unreachable server gives BackendUnableToConnectError within seconds, and the process keeps running", async () => {
    const started = Date.now();
    const err = await createMysqlBackend({ url: "mysql://root:top-secret-pw@127.0.0.1:1/x" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnableToConnectError);
    expect(String((err as Error).message)).toContain("127.0.0.1:1");
    expect(String((err as Error).message)).not.toContain("top-secret-pw");
    expect(Date.now() - started).toBeLessThan(3000);
    // still alive and working
    const backend = await createMysqlBackend({ url: db.url, hardwareAudit });
    await backend.close();
  });

  it("honours the port of the URL (unlike opsiconfd's --mysql-internal-url)", async () => {
    const o = resolveConnectionOptions({ url: db.url });
    const err = await createMysqlBackend({ url: `mysql://${o.user}@${o.host}:${o.port + 1}/${db.name}` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnableToConnectError);
    expect(String((err as Error).message)).toContain(`${o.host}:${o.port + 1}`);
  });

  it("does not create the database when told not to", async () => {
    const name = randomDatabaseName("nocreate");
    const err = await createMysqlBackend({ url: `${SERVER_URL}/${name}`, createDatabase: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnableToConnectError);
    expect(String((err as Error).message)).toMatch(/Unknown database/);
    expect(await sql("SELECT `SCHEMA_NAME` FROM `information_schema`.`SCHEMATA` WHERE `SCHEMA_NAME` = ?", [name])).toEqual([]);
  });

  it("bad URLs, mysql.conf files and pool options give BackendConfigurationError naming the field", async () => {
    const cases: Array<[Parameters<typeof createMysqlBackend>[0], RegExp]> = [
      [{ url: "http://root@127.0.0.1/x" }, /MySQL URL: invalid value for 'scheme'/],
      [{ url: "mysql://root@127.0.0.1/x?connectionPoolSize=lots" }, /MySQL URL: invalid value for 'connectionPoolSize'/],
      [{ mysqlConf: "module = 'MySQL'\nconfig = {'address': 'h', 'database': 'bad name'}" }, /mysql\.conf: invalid value for 'database'/],
      [{ mysqlConf: "module = 'MySQL'\nconfig = {'address': 'h'" }, /mysql\.conf: syntax error at line 2/],
      [{ mysqlConf: "module = 'File'\nconfig = {}" }, /mysql\.conf: invalid value for 'module'/],
      [{ url: db.url, pool: { size: 0 } }, /'pool\.size'/],
      [{ url: `${db.url}?sslCa=/nonexistent/ca.pem` }, /invalid value for 'sslCa': cannot read \/nonexistent\/ca\.pem/],
    ];
    for (const [options, message] of cases) {
      const err = await createMysqlBackend(options).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendConfigurationError);
      expect(String((err as Error).message)).toMatch(message);
    }
  });
});
