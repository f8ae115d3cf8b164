/**
 * @module validation.test
 * Length checks against varchar columns and validation of attribute selections.
 */
import { BackendBadValueError, defaultHardwareAuditConfig } from "@opsi-ts/core";
import { describe, expect, it } from "vitest";
import { tableMapping } from "./mapping.js";
import { checkLengths, selectedAttributes } from "./validation.js";

describe("checkLengths", () => {
  const columns = tableMapping("host").columns;

  it("accepts values that fit and names attribute and limit otherwise", () => {
    expect(() => checkLengths(columns, { id: "pc.dom.tld", description: "x".repeat(100) }, "OpsiClient")).not.toThrow();
    expect(() => checkLengths(columns, { description: "x".repeat(101) }, "OpsiClient")).toThrow(BackendBadValueError);
    expect(() => checkLengths(columns, { description: "x".repeat(101) }, "OpsiClient")).toThrow(
      /'description' of OpsiClient .*101 characters.*at most 100/,
    );
  });

  it("counts characters, not UTF-16 code units", () => {
    expect(() => checkLengths(columns, { description: "😀".repeat(100) }, "OpsiClient")).not.toThrow();
    expect(() => checkLengths(columns, { description: "😀".repeat(101) }, "OpsiClient")).toThrow(BackendBadValueError);
  });
});

describe("selectedAttributes", () => {
  const config = defaultHardwareAuditConfig();

  it("loads everything for null and []", () => {
    expect(selectedAttributes("host", null, config)).toBeUndefined();
    expect(selectedAttributes("host", [], config)).toBeUndefined();
  });

  it("returns the selection and accepts attributes of any class of the prefix and type", () => {
    expect(selectedAttributes("host", ["depotLocalUrl", "type"], config)).toEqual(new Set(["depotLocalUrl", "type"]));
  });

  it("rejects unknown names and non-lists", () => {
    expect(() => selectedAttributes("host", ["hostId"], config)).toThrow(/'hostId'/);
    expect(() => selectedAttributes("host", "id" as never, config)).toThrow(BackendBadValueError);
  });

  it("validates hardware attributes but always loads everything", () => {
    expect(selectedAttributes("auditHardwareOnHost", ["macAddress", "hostId"], config)).toBeUndefined();
    expect(() => selectedAttributes("auditHardware", ["macAddress"], config)).toThrow(BackendBadValueError);
  });
});
