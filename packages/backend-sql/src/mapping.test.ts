/**
 * @module mapping.test
 * The object ↔ table mapping covers every attribute of every stored class, maps `id` to the
 * opsi column names and keys rows like opsi's primary/unique keys.
 */
import { classAttributes, OBJECT_PREFIXES, PREFIXES } from "@opsi-ts/core";
import { describe, expect, it } from "vitest";
import {
  classOfRow,
  isHardwarePrefix,
  isNumericKind,
  prefixOfTable,
  storageKeyHasType,
  tableMapping,
  UNSTORED_ATTRIBUTES,
  valueKind,
} from "./mapping.js";

const TABLE_PREFIXES = OBJECT_PREFIXES.filter((p) => !isHardwarePrefix(p)) as Exclude<
  (typeof OBJECT_PREFIXES)[number],
  "auditHardware" | "auditHardwareOnHost"
>[];

describe("tableMapping", () => {
  it("stores every attribute of every storable class in a column, a value list, or not at all on purpose", () => {
    for (const prefix of TABLE_PREFIXES) {
      const m = tableMapping(prefix);
      const listed = new Set([m.valueList?.attribute, m.valueList?.defaultAttribute]);
      for (const cls of PREFIXES[prefix].storableClasses) {
        for (const attr of classAttributes(cls)) {
          const stored = m.byAttribute.has(attr) || listed.has(attr) || UNSTORED_ATTRIBUTES.has(attr);
          expect(stored, `${cls}.${attr}`).toBe(true);
        }
      }
    }
  });

  it("maps id to the opsi column of each table", () => {
    const ids = Object.fromEntries(
      TABLE_PREFIXES.filter((p) => tableMapping(p).byAttribute.has("id")).map((p) => [p, tableMapping(p).byAttribute.get("id")?.column]),
    );
    expect(ids).toEqual({
      host: "hostId",
      user: "userId",
      config: "configId",
      group: "groupId",
      product: "productId",
      licenseContract: "licenseContractId",
      softwareLicense: "softwareLicenseId",
      licensePool: "licensePoolId",
    });
  });

  it("keys rows like opsi's tightest primary/unique key", () => {
    const key = (p: (typeof TABLE_PREFIXES)[number]) => tableMapping(p).storageKey.map((c) => c.column);
    expect(key("productOnClient")).toEqual(["productId", "clientId"]);
    expect(key("productOnDepot")).toEqual(["productId", "depotId"]);
    expect(key("softwareLicense")).toEqual(["softwareLicenseId"]);
    expect(key("group")).toEqual(["groupId"]);
    expect(storageKeyHasType("group")).toBe(true);
    expect(storageKeyHasType("host")).toBe(false);
  });

  it("knows the type column, the value sub-tables and the value kinds", () => {
    expect(tableMapping("host").hasType).toBe(true);
    expect(tableMapping("user").hasType).toBe(false);
    expect(tableMapping("productOnClient").writeColumns).not.toContain("actionSequence");
    expect(tableMapping("config").valueList?.table.name).toBe("CONFIG_VALUE");
    expect(tableMapping("productProperty").valueList?.keyColumns).toEqual(["productId", "productVersion", "packageVersion", "propertyId"]);
    expect(tableMapping("licensePool").valueList?.valueColumn).toBe("productId");
    expect(tableMapping("configState").byAttribute.get("values")?.kind).toBe("json");
    expect(tableMapping("host").byAttribute.get("isMasterDepot")?.kind).toBe("bool");
    expect(tableMapping("host").byAttribute.get("description")?.maxLength).toBe(100);
    expect(tableMapping("auditSoftwareOnClient").byAttribute.get("state")?.kind).toBe("int");
  });
});

describe("helpers", () => {
  it("classOfRow picks the stored class, the single class, or the base class", () => {
    expect(classOfRow("host", "OpsiDepotserver")).toBe("OpsiDepotserver");
    expect(classOfRow("host", null)).toBe("Host");
    expect(classOfRow("auditSoftware", "whatever")).toBe("AuditSoftware");
    expect(classOfRow("config", "ProductGroup")).toBe("Config");
  });

  it("valueKind and isNumericKind follow the column types", () => {
    expect(valueKind({ kind: "tinyint", width: 4 })).toBe("int");
    expect(valueKind({ kind: "double" })).toBe("float");
    expect([isNumericKind("bool"), isNumericKind("timestamp"), isNumericKind("json")]).toEqual([true, false, false]);
  });

  it("prefixOfTable finds the prefix of a table", () => {
    expect(prefixOfTable("SOFTWARE_CONFIG")).toBe("auditSoftwareOnClient");
    expect(prefixOfTable("CONFIG_VALUE")).toBeUndefined();
  });
});
