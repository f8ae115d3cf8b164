/** @module package/version.test */
import { BackendBadValueError } from "@opsi-ts/core";
import { describe, expect, it } from "vitest";
import {
  compareProductVersions,
  compareVersions,
  compareVersionsCondition,
  legacyVersionKey,
  packageFileName,
  parsePackageFileName,
} from "./version.js";

describe("compareVersions", () => {
  it.each([
    ["1.0", "1.0.1", -1],
    ["1.0a", "1.0", -1],
    ["10", "9", 1],
    ["4.3.2.1", "4.3.10", -1],
    ["1.0", "1.0.0", 0],
    ["1.10-1", "1.9-3", 1],
    ["4.3.0.26-1", "4.3.0.3-2", 1],
    ["2.0a-1", "2.0-1", -1],
    ["1.0rc1", "1.0c1", 0],
    ["1.0dev1", "1.0a1", -1],
    ["1.0-1~custom", "1.0-1", 0],
    ["1.0-2", "1.0-10", -1],
    ["1.0", "1.0-1", -1],
    ["1.0B", "1.0b", 0],
  ])("%s vs %s = %i", (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected);
    expect(compareVersions(b, a)).toBe(-expected || 0);
  });

  it("builds the legacy key", () => {
    expect(legacyVersionKey("1.0a")).toEqual(["00000001", "*a", "*final"]);
    expect(legacyVersionKey("1.0-1")).toEqual(["00000001", "*final-", "00000001", "*final"]);
  });

  it("compares product and package versions together", () => {
    expect(
      compareProductVersions({ productVersion: "4.3.10", packageVersion: "1" }, { productVersion: "4.3.2.1", packageVersion: "9" }),
    ).toBe(1);
    expect(
      compareProductVersions({ productVersion: "42.0", packageVersion: "1337" }, { productVersion: "42.0", packageVersion: "1337" }),
    ).toBe(0);
  });

  it("evaluates conditions and rejects bad input", () => {
    expect(compareVersionsCondition("202301-1", ">=", "202301-1")).toBe(true);
    expect(compareVersionsCondition("1.0", "<", "1.0.1")).toBe(true);
    expect(compareVersionsCondition("1.0", "=", "1.0.0")).toBe(true);
    expect(() => compareVersionsCondition("1.0", "!=", "1.0")).toThrow(/condition '!='/);
    expect(() => compareVersionsCondition("1_0", "<", "1.0")).toThrow(BackendBadValueError);
  });
});

describe("package file names", () => {
  it("formats and parses", () => {
    expect(packageFileName({ productId: "hwaudit", productVersion: "4.3", packageVersion: "1", customName: null })).toBe(
      "hwaudit_4.3-1.opsi",
    );
    expect(parsePackageFileName("/x/my_prod_1.0-2~acme.opsi")).toEqual({
      productId: "my_prod",
      productVersion: "1.0",
      packageVersion: "2",
      customName: "acme",
    });
  });

  it("rejects bad names", () => {
    expect(() => parsePackageFileName("nounderscore.opsi")).toThrow(/Bad package file name/);
    expect(() => packageFileName({ productId: "Bad", productVersion: "1", packageVersion: "1", customName: null })).toThrow(/product id/);
    expect(() => packageFileName({ productId: "a", productVersion: "1", packageVersion: "1", customName: "x-y" })).toThrow(/custom name/);
  });
});
