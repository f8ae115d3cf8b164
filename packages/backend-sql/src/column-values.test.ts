/**
 * @module column-values.test
 * Attribute values to column values and back.
 */
import { describe, expect, it } from "vitest";
import { fromColumnValue, listValueText, toColumnValue } from "./column-values.js";

describe("column values", () => {
  it("writes booleans as 0/1, state lists as Python JSON, NULL for missing values", () => {
    expect([
      toColumnValue("bool", true),
      toColumnValue("bool", false),
      toColumnValue("string", undefined),
      toColumnValue("int", null),
    ]).toEqual([1, 0, null, null]);
    expect(toColumnValue("json", ["a", 1, true, null])).toBe('["a", 1, true, null]');
  });

  it("reads booleans, numbers, timestamps and JSON back", () => {
    expect([fromColumnValue("bool", 1), fromColumnValue("bool", 0), fromColumnValue("bool", "0"), fromColumnValue("bool", null)]).toEqual([
      true,
      false,
      false,
      null,
    ]);
    expect([fromColumnValue("int", "42"), fromColumnValue("int", 7n), fromColumnValue("float", 1.5)]).toEqual([42, 7, 1.5]);
    expect(fromColumnValue("timestamp", "2024-01-02 10:00:00.000")).toBe("2024-01-02 10:00:00");
    expect(fromColumnValue("timestamp", "0000-00-00 00:00:00")).toBe("0000-00-00 00:00:00");
    expect(fromColumnValue("timestamp", new Date(2024, 0, 2, 10, 0, 0))).toBe("2024-01-02 10:00:00");
    expect(fromColumnValue("timestamp", new Date(Number.NaN))).toBe("0000-00-00 00:00:00");
    expect(fromColumnValue("json", '["a", {"b": 1}]')).toEqual(["a", { b: 1 }]);
    expect(fromColumnValue("json", "not json")).toEqual(["not json"]);
    expect(fromColumnValue("string", 5)).toBe("5");
  });

  it("writes list values of sub-tables as text", () => {
    expect([listValueText(true), listValueText(false), listValueText("x"), listValueText(3)]).toEqual(["1", "0", "x", "3"]);
  });
});
