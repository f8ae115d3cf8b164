/**
 * @module statements.test
 * Chunking, the SQL text cache, chunked multi-row upserts and key deletes (against a recording executor).
 */
import { describe, expect, it } from "vitest";
import type { SqlDialect } from "./dialect.js";
import type { SqlExecResult, SqlExecutor, SqlRow } from "./driver.js";
import { OPSI_TABLES } from "./schema.js";
import { chunked, columnList, deleteByKeys, rowsPerStatement, SqlTextCache, selectByKeys, upsertObjects } from "./statements.js";

const dialect: SqlDialect = {
  name: "sqlite",
  quoteIdentifier: (n) => `"${n}"`,
  upsertSql: (table, columns, rows) => `UPSERT ${table.name} ${columns.length}x${rows}`,
  likeEscape: "",
  createTableSql: () => [],
  classifyError: () => "other",
  lockingReadSuffix: "",
};

class Recorder implements SqlExecutor {
  readonly calls: [string, readonly unknown[]][] = [];
  async query(sql: string, params: readonly unknown[] = []): Promise<SqlRow[]> {
    this.calls.push([sql, params]);
    return [{ n: this.calls.length }];
  }
  async execute(sql: string, params: readonly unknown[] = []): Promise<SqlExecResult> {
    this.calls.push([sql, params]);
    return { affectedRows: 2 };
  }
}

describe("statements", () => {
  it("chunks lists", () => {
    expect([...chunked([1, 2, 3, 4, 5], 2)]).toEqual([[1, 2], [3, 4], [5]]);
    expect([...chunked([], 2)]).toEqual([]);
  });

  it("keeps rows per statement under the parameter limit", () => {
    expect(rowsPerStatement(12)).toBe(500);
    expect(rowsPerStatement(100)).toBe(160);
    expect(rowsPerStatement(0)).toBe(500);
  });

  it("caches generated SQL text by key", () => {
    const cache = new SqlTextCache();
    let built = 0;
    const build = () => {
      built++;
      return "SELECT 1";
    };
    expect([cache.get("k", build), cache.get("k", build)]).toEqual(["SELECT 1", "SELECT 1"]);
    expect(built).toBe(1);
  });

  it("quotes column lists", () => {
    expect(columnList(dialect, ["a", "b"], "t")).toBe('t."a", t."b"');
  });

  it("upserts in chunks with one parameter list per statement", async () => {
    const exec = new Recorder();
    const table = OPSI_TABLES.find((t) => t.name === "CONFIG_STATE");
    if (!table) throw new Error("no table");
    const objs = Array.from({ length: 1203 }, (_, i) => i);
    await upsertObjects(exec, { dialect, cache: new SqlTextCache() }, table, ["a", "b"], ["b"], objs, (o, out) => {
      out.push(o, -o);
    });
    expect(exec.calls.map(([sql, params]) => [sql, params.length])).toEqual([
      ["UPSERT CONFIG_STATE 2x500", 1000],
      ["UPSERT CONFIG_STATE 2x500", 1000],
      ["UPSERT CONFIG_STATE 2x203", 406],
    ]);
    expect(exec.calls[2]?.[1].slice(0, 2)).toEqual([1000, -1000]);
  });

  it("selects and deletes by key tuples in chunks with extra conditions", async () => {
    const exec = new Recorder();
    const sql = { dialect, cache: new SqlTextCache() };
    const tuples = Array.from({ length: 300 }, (_, i) => [`id${i}`]);
    const deleted = await deleteByKeys(exec, sql, "CONFIG_STATE", ["objectId"], tuples, { sql: '"configId" = ?', params: ["c"] });
    expect(deleted).toBe(4);
    expect(exec.calls[0]?.[0]).toMatch(/^DELETE FROM "CONFIG_STATE" WHERE "objectId" IN \(\?(,\?){249}\) AND "configId" = \?$/);
    expect(exec.calls[0]?.[1].at(-1)).toBe("c");
    const rows = await selectByKeys(exec, 'SELECT * FROM "HOST"', ['"hostId"'], [["a"], ["b"]]);
    expect(rows).toHaveLength(1);
    expect(exec.calls.at(-1)).toEqual(['SELECT * FROM "HOST" WHERE "hostId" IN (?,?)', ["a", "b"]]);
  });
});
