/**
 * @module connection-config.test
 * URL and mysql.conf parsing, defaults, validation errors that name the field (never the password).
 */
import { BackendConfigurationError } from "@opsi-ts/core";
import { describe, expect, it } from "vitest";
import { describeServer, parseMysqlConf, parseMysqlUrl, resolveConnectionOptions, resolveMysqlConfig } from "./connection-config.js";

const OPSI_MYSQL_CONF = `# -*- coding: utf-8 -*-
# opsi mysql backend configuration
module = 'MySQL'
config = {
    "address":                   "db.example.org",   # the server
    "database":                  "opsi",
    "username":                  "opsi",
    "password":                  'se"cr#et\\'x',
    "databaseCharset":           "utf8",
    "connectionPoolSize":        "15",
    "connectionPoolMaxOverflow": 5,
    "connectionPoolTimeout":     30,
    "connectionPoolRecycling":   -1,
}
`;

function configError(fn: () => unknown): BackendConfigurationError {
  try {
    fn();
  } catch (err: unknown) {
    if (err instanceof BackendConfigurationError) return err;
    throw err;
  }
  throw new Error("expected a BackendConfigurationError");
}

describe("parseMysqlConf", () => {
  it("reads opsi's mysql.conf with comments, quotes and escapes", () => {
    const conf = parseMysqlConf(OPSI_MYSQL_CONF);
    expect(conf).toEqual({
      address: "db.example.org",
      database: "opsi",
      username: "opsi",
      password: "se\"cr#et'x",
      databaseCharset: "utf8",
      connectionPoolSize: "15",
      connectionPoolMaxOverflow: 5,
      connectionPoolTimeout: 30,
      connectionPoolRecycling: -1,
    });
  });

  it("accepts Python literal variants (adjacent strings, raw strings, True/None, line continuation)", () => {
    const conf = parseMysqlConf('config = {"password": "a" \'b\', "sslCa": r"C:\\x", "ssl": True, "x": None, "y": [1, (2, 3)]}\n');
    expect(conf).toEqual({ password: "ab", sslCa: "C:\\x", ssl: true, x: null, y: [1, [2, 3]] });
  });

  it("rejects other modules, missing config and syntax errors with the line", () => {
    expect(configError(() => parseMysqlConf("module = 'File'\nconfig = {}")).message).toMatch(/'module'.*expected 'MySQL'/);
    expect(configError(() => parseMysqlConf("module = 'MySQL'\n")).message).toMatch(/no 'config = \{\.\.\.\}'/);
    expect(configError(() => parseMysqlConf('config = {\n  "address": "x",\n  "port" 3306\n}')).message).toMatch(/line 3: expected ':'/);
    expect(configError(() => parseMysqlConf('config = {"password": "unterminated}')).message).toMatch(/unterminated string/);
    expect(configError(() => parseMysqlConf("config = [1]")).message).toMatch(/'config': expected a dict/);
  });
});

describe("parseMysqlUrl", () => {
  it("takes host, port, user, password, database and query options", () => {
    expect(parseMysqlUrl("mysql://opsi:p%40ss%2Fw@db.example.org:3307/opsi_db?connectionPoolSize=7&databaseCharset=utf8mb4")).toEqual({
      address: "db.example.org:3307",
      username: "opsi",
      password: "p@ss/w",
      database: "opsi_db",
      connectionPoolSize: "7",
      databaseCharset: "utf8mb4",
    });
    expect(parseMysqlUrl("mysql+pymysql://root@[::1]/x")).toEqual({ address: "[::1]", username: "root", password: "", database: "x" });
  });

  it("rejects other schemes and garbage", () => {
    expect(configError(() => parseMysqlUrl("postgres://a@b/c")).message).toMatch(/'scheme'/);
    expect(configError(() => parseMysqlUrl("not a url")).message).toMatch(/not a valid URL/);
  });
});

describe("resolveConnectionOptions", () => {
  it("applies opsi's defaults", () => {
    const o = resolveMysqlConfig({});
    expect(o).toMatchObject({
      host: "localhost",
      port: 3306,
      user: "opsi",
      password: "opsi",
      database: "opsi",
      charset: "utf8mb4",
      poolSize: 20,
      poolMaxOverflow: 10,
      poolTimeoutMs: 30000,
      poolRecyclingMs: -1,
    });
    expect(o.ssl).toBeUndefined();
  });

  it("lets the URL override mysql.conf and honours the URL's port", () => {
    const o = resolveConnectionOptions({ mysqlConf: OPSI_MYSQL_CONF, url: "mysql://root:pw@127.0.0.1:3307/other" });
    expect(o).toMatchObject({
      host: "127.0.0.1",
      port: 3307,
      user: "root",
      password: "pw",
      database: "other",
      poolSize: 15,
      poolMaxOverflow: 5,
    });
  });

  it("understands addresses with ports, IPv6 and unix sockets, and snake_case keys", () => {
    expect(resolveMysqlConfig({ address: "db:3310" })).toMatchObject({ host: "db", port: 3310 });
    expect(resolveMysqlConfig({ address: "[::1]:3311" })).toMatchObject({ host: "::1", port: 3311 });
    expect(resolveMysqlConfig({ address: "/run/mysqld/mysqld.sock" })).toMatchObject({ socketPath: "/run/mysqld/mysqld.sock" });
    expect(resolveMysqlConfig({ connection_pool_size: 3, ssl_ca: "/ca.pem" })).toMatchObject({
      poolSize: 3,
      ssl: { caFile: "/ca.pem", checkHostname: false },
    });
    expect(describeServer(resolveMysqlConfig({ address: "[::1]:3311" }))).toBe("[::1]:3311");
  });

  it("names the bad field and never shows the password", () => {
    const secret = "Sup3r-S3cret";
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ connectionPoolSize: "many", password: secret }, /'connectionPoolSize'.*integer/],
      [{ connectionPoolSize: 0, password: secret }, /'connectionPoolSize'/],
      [{ database: "opsi; DROP", password: secret }, /'database'/],
      [{ databaseCharset: "latin1", password: secret }, /'databaseCharset'.*utf8/],
      [{ address: "", password: secret }, /'address'/],
      [{ port: 70000, password: secret }, /'port'/],
      [{ address: "db:99999", password: secret }, /'address'.*port/],
      [{ ssl: "maybe", password: secret }, /'ssl'/],
    ];
    for (const [input, expected] of cases) {
      const err = configError(() => resolveMysqlConfig(input, "mysql.conf"));
      expect(err.message).toMatch(expected);
      expect(err.message).toMatch(/^Backend configuration error: mysql\.conf:/);
      expect(err.message).not.toContain(secret);
    }
    const urlErr = configError(() => resolveConnectionOptions({ url: `mysql://u:${secret}@h:1/bad%20name` }));
    expect(urlErr.message).toMatch(/MySQL URL: invalid value for 'database'/);
    expect(urlErr.message).not.toContain(secret);
  });
});
