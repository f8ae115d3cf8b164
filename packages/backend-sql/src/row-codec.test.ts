/**
 * @module row-codec.test
 * Rows to objects (class attributes only, selections, constants, value lists) and objects to rows.
 */
import { describe, expect, it } from "vitest";
import { tableMapping } from "./mapping.js";
import {
  attachValueLists,
  classReadPlan,
  keyOf,
  keyPart,
  LIST_DEFAULT_ALIAS,
  LIST_VALUE_ALIAS,
  objectToRow,
  ReadPlans,
  rowToObject,
} from "./row-codec.js";

describe("rowToObject", () => {
  const host = tableMapping("host");
  const row = {
    hostId: "pc1.dom.tld",
    type: "OpsiClient",
    description: "d",
    depotLocalUrl: "file:///x",
    isMasterDepot: 1,
    created: "2024-01-01 00:00:00",
  };

  it("produces exactly the attributes of the row's class", () => {
    const obj = rowToObject(classReadPlan(host, "OpsiClient", undefined), row);
    expect(Object.keys(obj)).toEqual([
      "type",
      "id",
      "description",
      "notes",
      "hardwareAddress",
      "ipAddress",
      "inventoryNumber",
      "systemUUID",
      "opsiHostKey",
      "oneTimePassword",
      "created",
      "lastSeen",
    ]);
    expect(obj.id).toBe("pc1.dom.tld");
    const depot = rowToObject(classReadPlan(host, "OpsiDepotserver", undefined), { ...row, type: "OpsiDepotserver" });
    expect([depot.depotLocalUrl, depot.isMasterDepot]).toEqual(["file:///x", true]);
  });

  it("reads non-selected attributes as null but always the ident", () => {
    const obj = rowToObject(classReadPlan(host, "OpsiClient", new Set(["created"])), row);
    expect([obj.id, obj.description, obj.created]).toEqual(["pc1.dom.tld", null, "2024-01-01 00:00:00"]);
  });

  it("fills unstored attributes with their fixed value", () => {
    const poc = rowToObject(classReadPlan(tableMapping("productOnClient"), "ProductOnClient", undefined), { productId: "p" });
    expect(poc.actionSequence).toBe(-1);
    const product = rowToObject(classReadPlan(tableMapping("product"), "LocalbootProduct", undefined), { productId: "p" });
    expect([product.productClassIds, product.windowsSoftwareIds]).toEqual([null, null]);
  });
});

describe("attachValueLists", () => {
  it("groups joined value rows per object, converts booleans, sorts and de-duplicates", () => {
    const config = tableMapping("config");
    const rows = [
      { configId: "u", type: "UnicodeConfig", [LIST_VALUE_ALIAS]: "b", [LIST_DEFAULT_ALIAS]: 1 },
      { configId: "b", type: "BoolConfig", [LIST_VALUE_ALIAS]: "1", [LIST_DEFAULT_ALIAS]: 1 },
      { configId: "u", type: "UnicodeConfig", [LIST_VALUE_ALIAS]: "a", [LIST_DEFAULT_ALIAS]: 0 },
      { configId: "b", type: "BoolConfig", [LIST_VALUE_ALIAS]: "0", [LIST_DEFAULT_ALIAS]: 0 },
      { configId: "u", type: "UnicodeConfig", [LIST_VALUE_ALIAS]: "a", [LIST_DEFAULT_ALIAS]: 0 },
      { configId: "e", type: "UnicodeConfig", [LIST_VALUE_ALIAS]: null, [LIST_DEFAULT_ALIAS]: null },
    ];
    const objs = attachValueLists(config, new ReadPlans(config, undefined), rows);
    expect(objs.map((o) => [o.id, o.possibleValues, o.defaultValues])).toEqual([
      ["u", ["a", "b"], ["b"]],
      ["b", [false, true], [true]],
      ["e", [], []],
    ]);
  });
});

describe("objectToRow and keys", () => {
  it("writes column values in writeColumns order with the type last", () => {
    const m = tableMapping("config");
    expect(m.writeColumns).toEqual(["configId", "description", "multiValue", "editable", "type"]);
    expect(objectToRow(m, { type: "UnicodeConfig", id: "c", description: null, multiValue: false, editable: true })).toEqual([
      "c",
      null,
      0,
      1,
      "UnicodeConfig",
    ]);
  });

  it("keys compare like MySQL's collation", () => {
    const m = tableMapping("productOnClient");
    expect(keyOf({ productId: "Prod ", clientId: "PC1.dom.tld" }, m.storageKey)).toBe(
      keyOf({ productId: "prod", clientId: "pc1.dom.tld" }, m.storageKey),
    );
    expect(keyPart(null)).not.toBe(keyPart(""));
  });
});
