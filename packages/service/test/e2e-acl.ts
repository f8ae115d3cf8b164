/** @module test/e2e-acl End-to-end tests of opsi's default acl.conf through real RPC calls (spec §4.7, §6 facts 18–19). */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { asDict, asDicts, type Dict, type E2eServer, SERVER_ID, type TestHost, uid } from "./e2e-env.js";

/** Fields the default ACL hides from other clients (`opsi_client(attributes(!…))`). */
const PERSONAL_FIELDS = ["opsiHostKey", "oneTimePassword", "description", "lastSeen", "notes", "hardwareAddress", "inventoryNumber"];

interface Pair {
  readonly a: TestHost;
  readonly b: TestHost;
  readonly productId: string;
  readonly configId: string;
}

function poc(productId: string, clientId: string, extra: Dict = {}): Dict {
  return { type: "ProductOnClient", productId, productType: "LocalbootProduct", clientId, ...extra };
}

/** Registers the ACL tests. */
export function aclSuite(env: E2eServer): void {
  /** Two clients with personal fields, a product with a POC each and a config with a state each. */
  const seedPair = async (): Promise<Pair> => {
    const personal = (n: string): Dict => ({
      description: `desc ${n}`,
      notes: `notes ${n}`,
      hardwareAddress: ["02", ...[...randomBytes(5)].map((x) => x.toString(16).padStart(2, "0"))].join(":"),
      inventoryNumber: `INV-${n}`,
      lastSeen: "2024-05-01 10:00:00",
      oneTimePassword: `otp-${n}-${Date.now()}`,
      ipAddress: n === "a" ? "10.1.2.1" : "10.1.2.2",
    });
    const a = await env.createClient(personal("a"));
    const b = await env.createClient(personal("b"));
    const productId = uid("acl-prod");
    const configId = uid("acl.config");
    const backend = env.cs.backend;
    await backend.createObjects("product", [{ type: "LocalbootProduct", id: productId, productVersion: "1.0", packageVersion: "1" }]);
    await backend.createObjects("productOnClient", [
      poc(productId, a.id, { installationStatus: "installed" }),
      poc(productId, b.id, { installationStatus: "installed" }),
    ]);
    await backend.createObjects("config", [
      { type: "UnicodeConfig", id: configId, possibleValues: [], defaultValues: ["default"], editable: true },
    ]);
    await backend.createObjects("configState", [
      { type: "ConfigState", configId, objectId: a.id, values: ["value a"] },
      { type: "ConfigState", configId, objectId: b.id, values: ["value b"] },
    ]);
    return { a, b, productId, configId };
  };

  const expectDenied = async (caller: ReturnType<E2eServer["host"]>, method: string, params: unknown, message?: string) => {
    const { error } = await env.call(caller, method, params);
    expect(error, method).toMatchObject({ class: "OpsiServicePermissionError" });
    if (message) expect(error?.message).toContain(message);
  };

  describe("ACL (default acl.conf)", () => {
    it("lets a client read all hosts, but personal fields and keys only of itself", async () => {
      const { a, b } = await seedPair();
      const ids = [a.id, b.id, env.depot.id, SERVER_ID];
      for (const method of ["host_getObjects", "host_getHashes"]) {
        const hosts = asDicts(await env.result(env.host(a), method, [[], { id: ids }]));
        const byId = new Map(hosts.map((h) => [h.id, h]));
        expect([...byId.keys()].sort()).toEqual([...ids].sort());
        const own = asDict(byId.get(a.id));
        expect(own).toMatchObject({ opsiHostKey: a.key, description: "desc a", notes: "notes a", inventoryNumber: "INV-a" });
        expect(own.hardwareAddress).toMatch(/^02(:[0-9a-f]{2}){5}$/);
        expect(own.lastSeen).toEqual(expect.any(String));
        const otherClient = asDict(byId.get(b.id));
        for (const field of PERSONAL_FIELDS) expect(otherClient[field], `${b.id} ${field}`).toBeNull();
        // Depots and the config server have no lastSeen/oneTimePassword; the rest is hidden as well.
        for (const id of [env.depot.id, SERVER_ID]) {
          const server = asDict(byId.get(id));
          expect(server.opsiHostKey, `${id} opsiHostKey`).toBeNull();
          for (const field of PERSONAL_FIELDS.filter((f) => f in server)) expect(server[field], `${id} ${field}`).toBeNull();
        }
        // Fields outside the deny list stay readable.
        expect(asDict(byId.get(b.id)).ipAddress).toBe("10.1.2.2");
        expect(asDict(byId.get(env.depot.id)).depotRemoteUrl).toBe("smb://depot/opsi_depot");
      }
      expect(await env.result(env.host(a), "host_getIdents", ["str", { id: [a.id, b.id] }])).toEqual(expect.arrayContaining([a.id, b.id]));
      // The admin sees everything (the masking is per caller, not in the data).
      const adminView = asDicts(await env.result(env.admin, "host_getObjects", [[], { id: b.id }]));
      expect(adminView[0]).toMatchObject({ opsiHostKey: b.key, description: "desc b" });
    });

    it("refuses a client's filter on attributes it may not read", async () => {
      const { a, b } = await seedPair();
      await expectDenied(env.host(a), "host_getObjects", [[], { opsiHostKey: b.key }], "opsiHostKey");
      await expectDenied(env.host(a), "host_getObjects", [[], { description: "desc b" }], "description");
      expect(asDicts(await env.result(env.host(a), "host_getObjects", [[], { ipAddress: "10.1.2.2" }])).map((h) => h.id)).toContain(b.id);
    });

    it("limits a client's ProductOnClient and ConfigState reads to its own rows", async () => {
      const { a, b, productId, configId } = await seedPair();
      const pocs = asDicts(await env.result(env.host(a), "productOnClient_getObjects", [[], { productId }]));
      expect(pocs.map((p) => p.clientId)).toEqual([a.id]);
      expect(await env.result(env.host(a), "productOnClient_getObjects", [[], { productId, clientId: b.id }])).toEqual([]);
      expect(await env.result(env.host(a), "productOnClient_getIdents", ["str", { productId }])).toEqual([
        `${productId};LocalbootProduct;${a.id}`,
      ]);
      const states = asDicts(await env.result(env.host(a), "configState_getObjects", [[], { configId }]));
      expect(states.map((s) => [s.objectId, s.values])).toEqual([[a.id, ["value a"]]]);
      expect(await env.result(env.host(a), "configState_getObjects", [[], { configId, objectId: b.id }])).toEqual([]);

      expect(asDicts(await env.result(env.admin, "productOnClient_getObjects", [[], { productId }]))).toHaveLength(2);
      expect(asDicts(await env.result(env.host(b), "configState_getObjects", [[], { configId }])).map((s) => s.objectId)).toEqual([b.id]);
    });

    it("lets a client update its own host, POCs and config states but not another client's", async () => {
      const { a, b, productId, configId } = await seedPair();
      const asA = env.host(a);
      expect(await env.result(asA, "host_updateObject", [{ type: "OpsiClient", id: a.id, description: "changed by a" }])).toBeNull();
      expect((await env.storedHost(a.id)).description).toBe("changed by a");
      await expectDenied(asA, "host_updateObject", [{ type: "OpsiClient", id: b.id, description: "changed by a" }]);
      await expectDenied(asA, "host_updateObjects", [[{ type: "OpsiClient", id: b.id, notes: "changed by a" }]]);
      expect((await env.storedHost(b.id)).description).toBe("desc b");
      await expectDenied(asA, "host_updateObject", [{ type: "OpsiDepotserver", id: a.id }]);

      expect(await env.result(asA, "productOnClient_updateObjects", [[poc(productId, a.id, { actionRequest: "setup" })]])).toBeNull();
      await expectDenied(asA, "productOnClient_updateObjects", [[poc(productId, b.id, { actionRequest: "uninstall" })]]);
      await expectDenied(asA, "productOnClient_createObjects", [[poc(productId, b.id, { actionRequest: "uninstall" })]]);
      const stored = await env.cs.backend.getObjects("productOnClient", [], { productId });
      expect(Object.fromEntries(stored.map((p) => [p.clientId, p.actionRequest]))).toEqual({ [a.id]: "setup", [b.id]: "none" });

      expect(
        await env.result(asA, "configState_updateObjects", [[{ type: "ConfigState", configId, objectId: a.id, values: ["new a"] }]]),
      ).toBeNull();
      await expectDenied(asA, "configState_updateObjects", [[{ type: "ConfigState", configId, objectId: b.id, values: ["new b"] }]]);
      await expectDenied(asA, "configState_deleteObjects", [[{ type: "ConfigState", configId, objectId: b.id }]], "No objects to delete");
      const states = await env.cs.backend.getObjects("configState", [], { configId });
      expect(Object.fromEntries(states.map((s) => [s.objectId, s.values]))).toEqual({ [a.id]: ["new a"], [b.id]: ["value b"] });
    });

    it("skips other clients' objects when a client deletes", async () => {
      const { a, b, productId } = await seedPair();
      expect(await env.result(env.host(a), "productOnClient_deleteObjects", [[poc(productId, a.id), poc(productId, b.id)]])).toBeNull();
      const left = await env.cs.backend.getObjects("productOnClient", [], { productId });
      expect(left.map((p) => p.clientId)).toEqual([b.id]);
      await expectDenied(env.host(a), "productOnClient_deleteObjects", [[poc(productId, b.id)]], "No objects to delete");
      expect(await env.cs.backend.getIdents("productOnClient", "str", { productId })).toHaveLength(1);
    });

    it("lets a client read every ProductPropertyState but write only its own", async () => {
      const { a, b, productId } = await seedPair();
      const backend = env.cs.backend;
      await backend.createObjects("productProperty", [
        {
          type: "UnicodeProductProperty",
          productId,
          productVersion: "1.0",
          packageVersion: "1",
          propertyId: "lang",
          possibleValues: ["de", "en", "fr"],
          defaultValues: ["de"],
          editable: false,
          multiValue: false,
        },
      ]);
      const state = (objectId: string, value: string): Dict => ({
        type: "ProductPropertyState",
        productId,
        propertyId: "lang",
        objectId,
        values: [value],
      });
      await backend.createObjects("productPropertyState", [state(a.id, "de"), state(b.id, "en")]);
      const read = asDicts(await env.result(env.host(a), "productPropertyState_getObjects", [[], { productId }]));
      expect(Object.fromEntries(read.map((r) => [r.objectId, r.values]))).toEqual({ [a.id]: ["de"], [b.id]: ["en"] });
      expect(await env.result(env.host(a), "productPropertyState_updateObjects", [[state(a.id, "fr")]])).toBeNull();
      await expectDenied(env.host(a), "productPropertyState_updateObjects", [[state(b.id, "fr")]]);
      const stored = await backend.getObjects("productPropertyState", [], { productId });
      expect(Object.fromEntries(stored.map((r) => [r.objectId, r.values]))).toEqual({ [a.id]: ["fr"], [b.id]: ["en"] });
    });

    it("lets a client read every host's hardware audit but write only its own, and obsolete only its own software audit", async () => {
      const { a, b } = await seedPair();
      const board = (hostId: string, serialNumber: string): Dict => ({
        type: "AuditHardwareOnHost",
        hardwareClass: "BASE_BOARD",
        hostId,
        name: "board",
        vendor: "ACME",
        product: "E2E",
        serialNumber,
      });
      await env.cs.backend.createObjects("auditHardwareOnHost", [board(b.id, `sn-${b.id}`)]);
      expect(await env.result(env.host(a), "auditHardwareOnHost_createObjects", [[board(a.id, `sn-${a.id}`)]])).toBeNull();
      await expectDenied(env.host(a), "auditHardwareOnHost_createObjects", [[board(b.id, "forged")]]);
      const rows = asDicts(await env.result(env.host(a), "auditHardwareOnHost_getObjects", [[], { hostId: [a.id, b.id] }]));
      expect(rows.map((r) => [r.hostId, r.serialNumber]).sort()).toEqual(
        [
          [a.id, `sn-${a.id}`],
          [b.id, `sn-${b.id}`],
        ].sort(),
      );
      expect(await env.result(env.host(a), "auditSoftwareOnClient_setObsolete", [a.id])).toBeNull();
      await expectDenied(env.host(a), "auditSoftwareOnClient_setObsolete", [b.id]);
    });

    it("does not let a client create or delete hosts, nor delete configs (but create them)", async () => {
      const { a, b } = await seedPair();
      const asA = env.host(a);
      await expectDenied(asA, "host_deleteObjects", [[{ type: "OpsiClient", id: b.id }]], "No permission for method 'host_deleteObjects'");
      await expectDenied(asA, "host_deleteObjects", [[{ type: "OpsiClient", id: a.id }]]);
      await expectDenied(asA, "host_delete", [b.id]);
      await expectDenied(asA, "host_createOpsiClient", [`${uid("new")}.e2e-opsi.test`]);
      expect(await env.cs.backend.getIdents("host", "str", { id: [a.id, b.id] })).toHaveLength(2);

      const configId = uid("client.created");
      expect(await env.result(asA, "config_createObjects", [[{ type: "UnicodeConfig", id: configId, defaultValues: ["x"] }]])).toBeNull();
      await expectDenied(asA, "config_deleteObjects", [[{ type: "UnicodeConfig", id: configId }]]);
      expect(await env.cs.backend.getIdents("config", "str", { id: configId })).toEqual([configId]);
    });

    it("gives a depot server logged in with its host key admin rights", async () => {
      const { a, b, productId } = await seedPair();
      const depot = env.host(env.depot);
      const hosts = asDicts(await env.result(depot, "host_getObjects", [[], { id: [a.id, b.id] }]));
      expect(Object.fromEntries(hosts.map((h) => [h.id, h.opsiHostKey]))).toEqual({ [a.id]: a.key, [b.id]: b.key });
      expect(asDicts(await env.result(depot, "productOnClient_getObjects", [[], { productId }]))).toHaveLength(2);

      const newId = `${uid("by-depot")}.e2e-opsi.test`;
      expect(await env.result(depot, "host_createOpsiClient", [newId, null, "made by depot"])).toBeNull();
      expect((await env.storedHost(newId)).description).toBe("made by depot");
      expect(await env.result(depot, "host_updateObject", [{ type: "OpsiClient", id: b.id, notes: "depot was here" }])).toBeNull();
      expect((await env.storedHost(b.id)).notes).toBe("depot was here");
      expect(await env.result(depot, "host_deleteObjects", [[{ type: "OpsiClient", id: newId }]])).toBeNull();
      expect(await env.cs.backend.getIdents("host", "str", { id: newId })).toEqual([]);
      expect(asDicts(await env.result(depot, "config_getObjects", [[], { id: "clientconfig.depot.id" }]))).toHaveLength(1);
    });

    it("forces configState_getValues of a client to the client itself", async () => {
      const { a, b, configId } = await seedPair();
      expect(await env.result(env.host(a), "configState_getValues", [[configId], [b.id]])).toEqual({ [a.id]: { [configId]: ["value a"] } });
      expect(await env.result(env.host(a), "configState_getValues", [[configId], [a.id, b.id], false])).toEqual({
        [a.id]: { [configId]: ["value a"] },
      });
      expect(await env.result(env.admin, "configState_getValues", [[configId], [a.id, b.id]])).toEqual({
        [a.id]: { [configId]: ["value a"] },
        [b.id]: { [configId]: ["value b"] },
      });
    });

    it("lets a client write and read only its own log files", async () => {
      const { a, b } = await seedPair();
      const asA = env.host(a);
      expect(await env.result(asA, "log_write", ["instlog", "line 1\n", a.id, false])).toBeNull();
      expect(await env.result(asA, "log_write", ["instlog", "line 2\n", a.id, true])).toBeNull();
      expect(await env.result(asA, "log_read", ["instlog", a.id])).toBe("line 1\nline 2\n");
      await expectDenied(asA, "log_write", ["instlog", "forged\n", b.id, false]);
      await expectDenied(asA, "log_read", ["instlog", b.id]);
      expect(await env.result(env.host(env.depot), "log_read", ["instlog", a.id])).toBe("line 1\nline 2\n");
      expect(await env.result(env.admin, "log_read", ["instlog", b.id])).toBe("");
    });
  });
}
