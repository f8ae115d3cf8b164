/**
 * @module internal/sql-format.test
 * Parameter binding: escaping of every value kind and `?` detection outside literals and comments.
 */
import { BackendBadValueError } from "@opsi-ts/core";
import { describe, expect, it } from "vitest";
import { escapeLiteral, formatSql } from "./sql-format.js";

describe("escapeLiteral", () => {
  it("escapes quotes, backslashes and control characters", () => {
    expect(escapeLiteral("O'Neil")).toBe("'O\\'Neil'");
    expect(escapeLiteral('say "hi"')).toBe("'say \\\"hi\\\"'");
    expect(escapeLiteral("a\\b")).toBe("'a\\\\b'");
    expect(escapeLiteral("x\0y\n\r\t\b\x1a")).toBe("'x\\0y\\n\\r\\t\\b\\Z'");
    expect(escapeLiteral("'; DROP TABLE `HOST`; --")).toBe("'\\'; DROP TABLE `HOST`; --'");
  });

  it("renders numbers, bigints, booleans, null and bytes", () => {
    expect(escapeLiteral(42)).toBe("42");
    expect(escapeLiteral(-1.5)).toBe("-1.5");
    expect(escapeLiteral(12345678901234567890n)).toBe("12345678901234567890");
    expect(escapeLiteral(true)).toBe("1");
    expect(escapeLiteral(false)).toBe("0");
    expect(escapeLiteral(null)).toBe("NULL");
    expect(escapeLiteral(undefined)).toBe("NULL");
    expect(escapeLiteral(Buffer.from([0, 255]))).toBe("X'00ff'");
  });

  it("renders dates in local time with milliseconds", () => {
    expect(escapeLiteral(new Date(2024, 0, 2, 3, 4, 5, 6))).toBe("'2024-01-02 03:04:05.006'");
  });

  it("refuses values without a safe literal", () => {
    expect(() => escapeLiteral(Number.NaN)).toThrow(BackendBadValueError);
    expect(() => escapeLiteral(Number.POSITIVE_INFINITY)).toThrow(BackendBadValueError);
    expect(() => escapeLiteral(new Date(Number.NaN))).toThrow(BackendBadValueError);
    expect(() => escapeLiteral({ a: 1 })).toThrow(TypeError);
    expect(() => escapeLiteral(["a"])).toThrow(TypeError);
    expect(() => escapeLiteral(Symbol("x"))).toThrow(TypeError);
  });
});

describe("formatSql", () => {
  it("binds positional parameters in order", () => {
    expect(formatSql("SELECT * FROM `HOST` WHERE `hostId` = ? AND `type` IN (?, ?)", ["a'b", "OpsiClient", "OpsiDepotserver"])).toBe(
      "SELECT * FROM `HOST` WHERE `hostId` = 'a\\'b' AND `type` IN ('OpsiClient', 'OpsiDepotserver')",
    );
  });

  it("ignores ? inside literals, quoted identifiers and comments", () => {
    const sql = "SELECT '?', \"?\", `we?ird`, 'it''s ?', 'a\\'?' -- ?\n, ? /* ? */ # ?\n, ?";
    expect(formatSql(sql, [1, 2])).toBe("SELECT '?', \"?\", `we?ird`, 'it''s ?', 'a\\'?' -- ?\n, 1 /* ? */ # ?\n, 2");
  });

  it("returns the text unchanged without parameters", () => {
    expect(formatSql("SELECT 1", undefined)).toBe("SELECT 1");
    expect(formatSql("SELECT 1", [])).toBe("SELECT 1");
  });

  it("insists on as many parameters as placeholders", () => {
    expect(() => formatSql("SELECT ?", [])).toThrow(/more '\?' placeholders/);
    expect(() => formatSql("SELECT ?", [1, 2])).toThrow(/1 '\?' placeholders but 2/);
  });

  it("a bound value never terminates the literal it is in", () => {
    const nasty = ["\\", "\\'", "'", "\\\\'", "'; SELECT 1; --", "\u0000'", "\u00a5\\'", "%_*"];
    for (const value of nasty) {
      const text = formatSql("SELECT ?", [value]);
      // Re-scan: the statement must consist of SELECT plus exactly one complete literal.
      expect(formatSql(`${text}, ?`, [0])).toBe(`${text}, 0`);
    }
  });
});
