/**
 * @module testing/suites/groups
 * Group specifics: HostGroup and ProductGroup may share an id (stored key is type + id while the
 * ident is the id only), ObjectToGroup group types.
 */
import { expect, it } from "vitest";
import { type Dict, expectBadValue, type GetBackend } from "../assertions.js";
import { CLIENT_ID, hostGroup, objectToGroup, PRODUCT_ID, productGroup } from "../fixtures.js";

/**
 * Registers the group tests.
 * @example describe("groups", () => groupsSuite(() => backend))
 */
export function groupsSuite(getBackend: GetBackend): void {
  it("a HostGroup and a ProductGroup may share an id", async () => {
    const b = getBackend();
    await b.group_createObjects([
      hostGroup({ id: "shared", description: "hosts" }),
      productGroup({ id: "shared", description: "products" }),
    ]);
    const groups = (await b.group_getObjects()) as Dict[];
    expect(groups.map((g) => [g.type, g.id, g.description]).sort()).toEqual([
      ["HostGroup", "shared", "hosts"],
      ["ProductGroup", "shared", "products"],
    ]);
    expect(await b.group_getIdents("str")).toEqual(["shared", "shared"]);
    expect(((await b.group_getObjects([], { type: "ProductGroup" })) as Dict[]).map((g) => g.description)).toEqual(["products"]);
  });

  it("insertObject of a HostGroup does not overwrite the ProductGroup with the same id", async () => {
    const b = getBackend();
    await b.group_insertObject(productGroup({ id: "shared", description: "products" }));
    await b.group_insertObject(hostGroup({ id: "shared", description: "hosts" }));
    await b.group_insertObject(hostGroup({ id: "shared", description: "hosts again" }));
    const groups = (await b.group_getObjects()) as Dict[];
    expect(groups.map((g) => [g.type, g.description]).sort()).toEqual([
      ["HostGroup", "hosts again"],
      ["ProductGroup", "products"],
    ]);
  });

  it("an abstract Group without concrete type cannot be stored", async () => {
    await expectBadValue(getBackend().group_insertObject({ id: "plain" }), "Group");
    expect(await getBackend().group_getObjects()).toEqual([]);
  });

  it("normalises group ids and group types", async () => {
    const b = getBackend();
    await b.group_createObjects([hostGroup({ id: "Clients A", parentGroupId: "ROOT" }), productGroup({ id: "shared" })]);
    await b.objectToGroup_createObjects([
      objectToGroup({ groupType: "hostgroup", groupId: "CLIENTS A", objectId: CLIENT_ID.toUpperCase() }),
      objectToGroup({ groupType: "PRODUCTGROUP", groupId: "shared", objectId: "Prod-A" }),
    ]);
    const groups = (await b.group_getObjects([], { type: "HostGroup" })) as Dict[];
    expect(groups.map((g) => [g.id, g.parentGroupId])).toEqual([["clients a", "root"]]);
    expect(((await b.objectToGroup_getIdents("str")) as string[]).sort()).toEqual([
      `HostGroup;clients a;${CLIENT_ID}`,
      `ProductGroup;shared;${PRODUCT_ID}`,
    ]);
  });

  it("ObjectToGroup members of a HostGroup and a ProductGroup with the same id are distinct", async () => {
    const b = getBackend();
    await b.group_createObjects([hostGroup({ id: "shared" }), productGroup({ id: "shared" })]);
    await b.objectToGroup_createObjects([
      objectToGroup({ groupId: "shared", objectId: CLIENT_ID }),
      objectToGroup({ groupType: "ProductGroup", groupId: "shared", objectId: PRODUCT_ID }),
    ]);
    const host = (await b.objectToGroup_getObjects([], { groupType: "HostGroup" })) as Dict[];
    expect(host.map((o) => o.objectId)).toEqual([CLIENT_ID]);
    const product = (await b.objectToGroup_getObjects([], { groupType: "ProductGroup", groupId: "shared" })) as Dict[];
    expect(product.map((o) => o.objectId)).toEqual([PRODUCT_ID]);
  });
}
