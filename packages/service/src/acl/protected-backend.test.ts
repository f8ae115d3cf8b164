/** @module acl/protected-backend.test Enforcement matrix with the default acl.conf: admin, non-admin user, client A, client B, depot. */
import { OpsiServicePermissionError } from "@opsi-ts/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHarness, type Harness, IDS, KEYS } from "../rpc/test-harness.js";
import { AccessControl } from "./access-control.js";
import { ProtectedBackend } from "./protected-backend.js";

type Dict = Record<string, unknown>;

let h: Harness;

beforeEach(async () => {
  h = await createHarness();
  await h.backend.createObjects("config", [
    { type: "UnicodeConfig", id: "cfg.a", defaultValues: ["x"] },
    { type: "UnicodeConfig", id: "cfg.b", defaultValues: ["y"] },
  ]);
  await h.backend.createObjects("configState", [
    { configId: "cfg.a", objectId: IDS.clientA, values: ["a"] },
    { configId: "cfg.a", objectId: IDS.clientB, values: ["b"] },
    { configId: "cfg.b", objectId: IDS.clientB, values: ["b2"] },
  ]);
  await h.backend.createObjects("product", [{ type: "LocalbootProduct", id: "prod", productVersion: "1.0", packageVersion: "1" }]);
  await h.backend.createObjects("productProperty", [
    {
      type: "UnicodeProductProperty",
      productId: "prod",
      productVersion: "1.0",
      packageVersion: "1",
      propertyId: "lang",
      possibleValues: ["de", "en"],
    },
  ]);
  await h.backend.createObjects("productOnClient", [
    { productId: "prod", productType: "LocalbootProduct", clientId: IDS.clientA, actionRequest: "setup" },
    { productId: "prod", productType: "LocalbootProduct", clientId: IDS.clientB, actionRequest: "none" },
  ]);
  await h.backend.createObjects("productPropertyState", [
    { productId: "prod", propertyId: "lang", objectId: IDS.clientA, values: ["de"] },
    { productId: "prod", propertyId: "lang", objectId: IDS.clientB, values: ["en"] },
  ]);
  await h.backend.createObjects("auditHardwareOnHost", [
    { hostId: IDS.clientA, hardwareClass: "COMPUTER_SYSTEM", name: "A", serialNumber: "SA" },
    { hostId: IDS.clientB, hardwareClass: "COMPUTER_SYSTEM", name: "B", serialNumber: "SB" },
  ]);
});

afterEach(() => h.cleanup());

const hostsById = async (who: Parameters<Harness["call"]>[0]) =>
  new Map(((await h.call(who, "host_getObjects", [])) as Dict[]).map((o) => [o.id, o]));

describe("host reads", () => {
  it("admin and depot see every host with its key", async () => {
    for (const who of ["admin", "depot"] as const) {
      const hosts = await hostsById(who);
      expect(hosts.size).toBe(5);
      expect(hosts.get(IDS.clientB)?.opsiHostKey).toBe(KEYS[IDS.clientB]);
      expect(hosts.get(IDS.depot)?.opsiHostKey).toBe(KEYS[IDS.depot]);
    }
  });

  it("a client sees all hosts but only its own key and personal fields", async () => {
    const hosts = await hostsById("clientA");
    expect(hosts.size).toBe(5);
    const own = hosts.get(IDS.clientA);
    expect(own).toMatchObject({ opsiHostKey: KEYS[IDS.clientA], description: "client A", notes: "notes A", inventoryNumber: "INV-A" });
    expect(own?.hardwareAddress).toBe("08:00:27:00:00:0a");
    const other = hosts.get(IDS.clientB);
    expect(other).toMatchObject({
      id: IDS.clientB,
      type: "OpsiClient",
      ident: IDS.clientB,
      opsiHostKey: null,
      oneTimePassword: null,
      description: null,
      notes: null,
      lastSeen: null,
      hardwareAddress: null,
      inventoryNumber: null,
    });
    expect(other?.created).not.toBeNull();
    expect(hosts.get(IDS.configServer)?.opsiHostKey).toBeNull();
    const clientB = await hostsById("clientB");
    expect(clientB.get(IDS.clientA)?.opsiHostKey).toBeNull();
    expect(clientB.get(IDS.clientB)?.opsiHostKey).toBe(KEYS[IDS.clientB]);
  });

  it("masks the deprecated _getHashes the same way", async () => {
    const hashes = (await h.call("clientA", "host_getHashes", [[], { id: IDS.clientB }])) as Dict[];
    expect(hashes).toHaveLength(1);
    expect(hashes[0]?.opsiHostKey).toBeNull();
    expect(hashes[0]).not.toHaveProperty("ident");
  });

  it("refuses filters on attributes the caller may not read", async () => {
    await expect(h.call("clientA", "host_getObjects", [[], { opsiHostKey: KEYS[IDS.clientB] }])).rejects.toThrow(
      new OpsiServicePermissionError("No permission for attribute opsiHostKey"),
    );
    await expect(h.call("clientA", "host_getIdents", ["str", { inventoryNumber: ["123*"] }])).rejects.toThrow(
      "No permission for attribute inventoryNumber",
    );
    expect(await h.call("clientA", "host_getIdents", ["str", { type: "OpsiClient", opsiHostKey: null }])).toEqual([
      IDS.clientA,
      IDS.clientB,
    ]);
    expect(await h.call("admin", "host_getIdents", ["str", { opsiHostKey: KEYS[IDS.clientB] }])).toEqual([IDS.clientB]);
  });

  it("denies the non-admin user everything but backend_* and the unchecked methods", async () => {
    await expect(h.call("user", "host_getObjects", [])).rejects.toThrow("No permission for method 'host_getObjects'");
    await expect(h.call("user", "configState_getValues", [])).rejects.toThrow("No permission for method 'configState_getObjects'");
    expect(await h.call("user", "backend_getSystemConfiguration", [])).toMatchObject({ log: { size_limit: 5 } });
    expect(await h.call("user", "accessControl_userIsReadOnlyUser", [])).toBe(true);
    await expect(h.call("user", "backend_deleteBase", [])).rejects.toThrow("No permission for method 'backend_deleteBase'");
  });
});

describe("self-only rules restrict rows", () => {
  it("configState and productOnClient reads return only the caller's rows", async () => {
    const statesA = (await h.call("clientA", "configState_getObjects", [])) as Dict[];
    expect(statesA.map((s) => s.ident)).toEqual([`cfg.a;${IDS.clientA}`]);
    const statesB = (await h.call("clientB", "configState_getObjects", [[], { configId: "cfg.*" }])) as Dict[];
    expect(statesB.map((s) => s.configId).sort()).toEqual(["cfg.a", "cfg.b"]);
    expect(await h.call("clientA", "configState_getObjects", [[], { objectId: IDS.clientB }])).toEqual([]);
    expect(await h.call("clientA", "productOnClient_getIdents", ["str"])).toEqual([`prod;LocalbootProduct;${IDS.clientA}`]);
    expect(await h.call("clientA", "productOnClient_getIdents", ["dict", { clientId: "*" }])).toEqual([
      { productId: "prod", productType: "LocalbootProduct", clientId: IDS.clientA },
    ]);
    expect((await h.call("admin", "configState_getObjects", [])) as Dict[]).toHaveLength(3);
  });

  it("productPropertyState reads fall under .*_get.* (all rows), its writes under self", async () => {
    expect((await h.call("clientA", "productPropertyState_getObjects", [])) as Dict[]).toHaveLength(2);
    await h.call("clientA", "productPropertyState_updateObjects", [
      [{ productId: "prod", propertyId: "lang", objectId: IDS.clientA, values: ["en"] }],
    ]);
    await expect(
      h.call("clientA", "productPropertyState_updateObjects", [
        [{ productId: "prod", propertyId: "lang", objectId: IDS.clientB, values: ["de"] }],
      ]),
    ).rejects.toThrow(`No permission for productPropertyState/objectId: ${IDS.clientB}`);
  });

  it("auditHardwareOnHost reads are not restricted, its writes are", async () => {
    const rows = (await h.call("clientA", "auditHardwareOnHost_getObjects", [])) as Dict[];
    expect(rows.map((r) => r.hostId).sort()).toEqual([IDS.clientA, IDS.clientB]);
    expect(rows.find((r) => r.hostId === IDS.clientB)?.serialNumber).toBe("SB");
    await h.call("clientA", "auditHardwareOnHost_updateObjects", [[{ hostId: IDS.clientA, hardwareClass: "COMPUTER_SYSTEM", name: "A2" }]]);
    await expect(
      h.call("clientA", "auditHardwareOnHost_updateObjects", [[{ hostId: IDS.clientB, hardwareClass: "COMPUTER_SYSTEM", name: "X" }]]),
    ).rejects.toThrow(`No permission for auditHardwareOnHost/hostId: ${IDS.clientB}`);
  });
});

describe("writes", () => {
  it("a client may update its own host only, and not create hosts", async () => {
    await h.call("clientA", "host_updateObject", [{ type: "OpsiClient", id: IDS.clientA, description: "mine" }]);
    expect((await h.backend.getObjects("host", null, { id: IDS.clientA }))[0]?.description).toBe("mine");
    await expect(h.call("clientA", "host_updateObject", [{ type: "OpsiClient", id: IDS.clientB, description: "x" }])).rejects.toThrow(
      `No permission for host/id: ${IDS.clientB}`,
    );
    await expect(h.call("clientA", "host_createObjects", [[{ type: "OpsiClient", id: "new.opsi.test" }]])).rejects.toThrow(
      "No permission for method 'host_createObjects'",
    );
    expect((await h.backend.getObjects("host", null, { id: IDS.clientB }))[0]?.description).toBe("client B");
  });

  it("a client cannot turn itself into a depot", async () => {
    await expect(h.call("clientA", "host_updateObjects", [[{ type: "OpsiConfigserver", id: IDS.clientA }]])).rejects.toThrow(
      "No permission to change the type",
    );
    expect((await h.backend.getObjects("host", null, { id: IDS.clientA }))[0]?.type).toBe("OpsiClient");
  });

  it("a client may write its own config states and POCs, never foreign ones", async () => {
    await h.call("clientA", "configState_create", ["cfg.b", IDS.clientA, ["mine"]]);
    await expect(h.call("clientA", "configState_create", ["cfg.b", IDS.clientB, ["theirs"]])).rejects.toThrow(OpsiServicePermissionError);
    await expect(
      h.call("clientB", "productOnClient_updateObject", [
        { productId: "prod", productType: "LocalbootProduct", clientId: IDS.clientA, actionRequest: "uninstall" },
      ]),
    ).rejects.toThrow(`No permission for productOnClient/clientId: ${IDS.clientA}`);
    const poc = await h.backend.getObjects("productOnClient", null, { clientId: IDS.clientA });
    expect(poc[0]?.actionRequest).toBe("setup");
  });

  it("clients may create configs (config_create.* includes opsi_client) but not delete them", async () => {
    await h.call("clientA", "config_createUnicode", ["cfg.client", "from a client"]);
    expect(await h.backend.getIdents("config", "str", { id: "cfg.client" })).toEqual(["cfg.client"]);
    await expect(h.call("clientA", "config_delete", ["cfg.client"])).rejects.toThrow("No permission for method 'config_deleteObjects'");
  });
});

describe("deletes under self", () => {
  it("skip foreign objects and keep every other host's rows (upstream flaw fixed)", async () => {
    await h.call("clientA", "configState_deleteObjects", [
      [
        { configId: "cfg.a", objectId: IDS.clientA },
        { configId: "cfg.a", objectId: IDS.clientB },
      ],
    ]);
    const left = (await h.backend.getIdents("configState", "str")).sort();
    expect(left).toEqual([`cfg.a;${IDS.clientB}`, `cfg.b;${IDS.clientB}`]);
  });

  it("raise 'No objects to delete' when only foreign objects are given", async () => {
    await expect(h.call("clientA", "configState_deleteObjects", [[{ configId: "cfg.b", objectId: IDS.clientB }]])).rejects.toThrow(
      new OpsiServicePermissionError("No objects to delete"),
    );
    await expect(h.call("clientA", "productOnClient_deleteObjects", [{ ident: `prod;LocalbootProduct;${IDS.clientB}` }])).rejects.toThrow(
      "No objects to delete",
    );
    expect(await h.backend.getIdents("productOnClient", "str", { clientId: IDS.clientB })).toHaveLength(1);
  });

  it("_delete of foreign idents is a no-op because the ident lookup is restricted", async () => {
    await h.call("clientA", "configState_delete", ["cfg.a", IDS.clientB]);
    expect(await h.backend.getIdents("configState", "str", { objectId: IDS.clientB })).toHaveLength(2);
    await h.call("clientA", "configState_delete", ["cfg.a", [IDS.clientA, IDS.clientB]]);
    expect(await h.backend.getIdents("configState", "str", { objectId: IDS.clientA })).toEqual([]);
  });

  it("admins and depots delete anything", async () => {
    await h.call("depot", "host_delete", [IDS.clientB]);
    await h.call("admin", "configState_deleteObjects", [[{ configId: "cfg.a", objectId: IDS.clientA }]]);
    expect(await h.backend.getIdents("host", "str", { type: "OpsiClient" })).toEqual([IDS.clientA]);
    expect(await h.backend.getIdents("configState", "str")).toEqual([]);
  });
});

describe("custom rules", () => {
  const identity = { kind: "client", name: IDS.clientA, hostId: IDS.clientA, isAdmin: false, isReadOnly: false, groups: [] } as const;

  it("an allow-list keeps only the listed attributes (ident and type always)", async () => {
    const acl = AccessControl.fromText("host_getObjects : opsi_client(attributes(description))");
    const view = new ProtectedBackend(h.backend, acl, identity);
    const [host] = (await view.getObjects("host", null, { id: IDS.clientB })) as unknown as Dict[];
    expect(host).toMatchObject({ id: IDS.clientB, type: "OpsiClient", description: "client B", notes: null, opsiHostKey: null });
  });

  it("a self-only rule on a prefix without a client column grants nothing", async () => {
    const acl = AccessControl.fromText("product_.* : self");
    const view = new ProtectedBackend(h.backend, acl, identity);
    await expect(view.getObjects("product")).rejects.toThrow("a 'self' rule does not apply to product objects");
    await expect(
      view.createObjects("product", [{ type: "LocalbootProduct", id: "x", productVersion: "1", packageVersion: "1" }]),
    ).rejects.toThrow(OpsiServicePermissionError);
  });

  it("self combined with another ACE keeps self-only attributes on the caller's row", async () => {
    const acl = AccessControl.fromText("configState_getObjects : self; opsi_client(attributes(configId, objectId))");
    const view = new ProtectedBackend(h.backend, acl, identity);
    const states = (await view.getObjects("configState")) as unknown as Dict[];
    expect(states).toHaveLength(3);
    expect(states.find((s) => s.objectId === IDS.clientA)?.values).toEqual(["a"]);
    expect(states.find((s) => s.objectId === IDS.clientB)?.values).toBeNull();
    await expect(view.getObjects("configState", null, { values: "b" })).rejects.toThrow("No permission for attribute values");
  });
});
