/**
 * @module where.test
 * Filter conditions to SQL text and bound parameters, MySQL's numeric conversion, key matches and
 * the per-class hardware filter rules.
 */
import { BackendBadValueError, defaultHardwareAuditConfig, type FilterCondition, parseFilter } from "@opsi-ts/core";
import { describe, expect, it } from "vitest";
import type { SqlDialect } from "./dialect.js";
import { type ColumnRef, conditionSql, hardwareClassFilters, keyMatchSql, mysqlNumber, whereSql } from "./where.js";

const dialect: SqlDialect = {
  name: "sqlite",
  quoteIdentifier: (n) => `"${n}"`,
  upsertSql: () => "",
  likeEscape: " ESCAPE '\\'",
  createTableSql: () => [],
  classifyError: () => "other",
  lockingReadSuffix: "",
};

const text: ColumnRef = { sql: 't."description"', kind: "string" };
const int: ColumnRef = { sql: 't."priority"', kind: "int" };

function sqlOf(condition: FilterCondition, column: ColumnRef): [string, unknown[]] {
  const params: unknown[] = [];
  return [conditionSql(condition, column, dialect, params), params];
}

function conditionOf(prefix: "host" | "product", filter: Record<string, unknown>): FilterCondition {
  const [c] = parseFilter(prefix, filter).conditions;
  if (!c) throw new Error("no condition");
  return c;
}

describe("mysqlNumber", () => {
  it("takes the leading numeric prefix like MySQL, else 0", () => {
    expect([
      mysqlNumber("42"),
      mysqlNumber(" 42abc"),
      mysqlNumber("-2.5x"),
      mysqlNumber("1e3"),
      mysqlNumber("=5"),
      mysqlNumber(""),
    ]).toEqual([42, 42, -2.5, 1000, 0, 0]);
  });
});

describe("conditionSql", () => {
  it("binds equality on a text column", () => {
    expect(sqlOf(conditionOf("host", { description: "a'b" }), text)).toEqual(['t."description" = ?', ["a'b"]]);
  });

  it("compares a number with a text column numerically", () => {
    expect(sqlOf(conditionOf("host", { description: 5 }), text)).toEqual(['(t."description" + 0) = ?', [5]]);
  });

  it("converts string operands of numeric columns like MySQL", () => {
    expect(sqlOf(conditionOf("product", { priority: "10" }), int)).toEqual(['t."priority" = ?', [10]]);
    expect(sqlOf(conditionOf("product", { priority: ">=5" }), int)).toEqual(['t."priority" > ?', [0]]);
    expect(sqlOf(conditionOf("product", { priority: "<3" }), int)).toEqual(['t."priority" < ?', [3]]);
  });

  it("keeps < and > operands of text columns as text", () => {
    expect(sqlOf(conditionOf("host", { description: ">=b" }), text)).toEqual(['t."description" > ?', ["=b"]]);
  });

  it("ORs the terms of a list and writes null as IS NULL", () => {
    expect(sqlOf(conditionOf("host", { description: [null, "x"] }), text)).toEqual([
      '(t."description" IS NULL OR t."description" = ?)',
      ["x"],
    ]);
  });

  it("uses LIKE with the dialect's escape clause", () => {
    expect(sqlOf(conditionOf("host", { description: "a_b*" }), text)).toEqual([`t."description" LIKE ? ESCAPE '\\'`, ["a\\_b%"]]);
  });

  it("makes a trailing lone backslash of a LIKE pattern literal", () => {
    const condition: FilterCondition = { attribute: "description", terms: [{ op: "like", pattern: "a%\\" }] };
    expect(sqlOf(condition, text)[1]).toEqual(["a%\\\\"]);
    const even: FilterCondition = { attribute: "description", terms: [{ op: "like", pattern: "a%\\\\" }] };
    expect(sqlOf(even, text)[1]).toEqual(["a%\\\\"]);
  });

  it("writes lists of more than 10 values as a plain IN", () => {
    const values = Array.from({ length: 11 }, (_, i) => `v${i}`);
    const [sql, params] = sqlOf(conditionOf("host", { description: [...values, null] }), text);
    expect(sql).toBe(`t."description" IN (${values.map(() => "?").join(",")})`);
    expect(params).toEqual(values);
  });

  it("splits IN lists of a text column into text and numeric parts", () => {
    const condition: FilterCondition = { attribute: "description", terms: [], inValues: ["a", 1, "b"] };
    expect(sqlOf(condition, text)).toEqual(['(t."description" IN (?,?) OR (t."description" + 0) IN (?))', ["a", "b", 1]]);
    expect(sqlOf({ attribute: "priority", terms: [], inValues: ["7", 3] }, int)).toEqual(['t."priority" IN (?,?)', [7, 3]]);
  });

  it("matches nothing for an IN list without values", () => {
    expect(sqlOf({ attribute: "description", terms: [], inValues: [] }, text)).toEqual(["1 = 0", []]);
    expect(sqlOf({ attribute: "priority", terms: [], inValues: [] }, int)).toEqual(["1 = 0", []]);
  });
});

describe("whereSql", () => {
  it("ANDs conditions in order with their parameters", () => {
    const conditions = parseFilter("host", { id: "pc*", description: "x", notes: null }).conditions;
    const where = whereSql(conditions, (a) => ({ sql: `t."${a}"`, kind: "string" }), dialect);
    expect(where).toEqual({ sql: `t."id" LIKE ? ESCAPE '\\' AND t."description" = ?`, params: ["pc%", "x"] });
  });

  it("is empty without conditions", () => {
    expect(whereSql([], () => text, dialect)).toEqual({ sql: "", params: [] });
  });
});

describe("keyMatchSql", () => {
  it("uses IN for one column without NULLs", () => {
    expect(keyMatchSql(["a"], [["x"], ["y"]])).toEqual({ sql: "a IN (?,?)", params: ["x", "y"] });
  });

  it("ORs composite keys and matches NULL with IS NULL", () => {
    expect(
      keyMatchSql(
        ["a", "b"],
        [
          ["x", null],
          ["y", 2],
        ],
      ),
    ).toEqual({ sql: "((a = ? AND b IS NULL) OR (a = ? AND b = ?))", params: ["x", "y", 2] });
    expect(keyMatchSql(["a"], [[null]])).toEqual({ sql: "a IS NULL", params: [] });
  });

  it("matches nothing without tuples", () => {
    expect(keyMatchSql(["a"], [])).toEqual({ sql: "1 = 0", params: [] });
  });
});

describe("hardwareClassFilters", () => {
  const config = defaultHardwareAuditConfig();
  const names = (filters: ReturnType<typeof hardwareClassFilters>) => filters.map((f) => f.cls.name);

  it("selects classes by * wildcards and lists, in configured order", () => {
    expect(names(hardwareClassFilters("auditHardware", config, { hardwareClass: ["TPM", "BIOS"] }))).toEqual(["BIOS", "TPM"]);
    expect(names(hardwareClassFilters("auditHardware", config, { hardwareClass: "*_DRIVE" }))).toEqual([
      "FLOPPY_DRIVE",
      "TAPE_DRIVE",
      "HARDDISK_DRIVE",
      "OPTICAL_DRIVE",
    ]);
    expect(hardwareClassFilters("auditHardware", config, null)).toHaveLength(config.classNames().length);
  });

  it('turns "" and null on a class attribute into "empty or NULL"', () => {
    const [bios] = hardwareClassFilters("auditHardware", config, { hardwareClass: "BIOS", vendor: "" });
    expect(bios?.conditions).toEqual([{ attribute: "vendor", terms: [{ op: "eq", value: "" }, { op: "null" }] }]);
  });

  it("drops keys a class does not have and skips classes without any filtered key", () => {
    const filters = hardwareClassFilters("auditHardwareOnHost", config, { driveLetter: "C:", vendor: "x", hostId: "pc1.dom.tld" });
    const partition = filters.find((f) => f.cls.name === "DISK_PARTITION");
    expect(partition?.conditions.map((c) => c.attribute)).toEqual(["driveLetter", "hostId"]);
    expect(hardwareClassFilters("auditHardware", config, { noSuchAttribute: 1 })).toEqual([]);
  });

  it("rejects a hardwareClass that is not a string and filters that are not dicts", () => {
    expect(() => hardwareClassFilters("auditHardware", config, { hardwareClass: 3 })).toThrow(BackendBadValueError);
    expect(() => hardwareClassFilters("auditHardware", config, [] as never)).toThrow(BackendBadValueError);
  });
});
