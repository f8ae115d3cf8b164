/** @module sequencing/rpc.test */
import { beforeEach, describe, expect, it } from "vitest";
import type { BackendCore } from "../backend/Backend.js";
import { MemoryBackend } from "../backend/MemoryBackend.js";
import { BackendBadValueError, BackendMissingDataError } from "../errors.js";
import type { ProductOnClient } from "../model/classes.js";
import type { ObjectPrefix } from "../model/registry.js";
import {
  addDependencies,
  generateSequence,
  getActionGroups,
  getObjectsWithSequence,
  getProductOrdering,
  setProductActionRequestWithDependencies,
  updateObjectsWithDependencies,
} from "./rpc.js";

const CONFIGSERVER = "config.test.local";
const DEPOT2 = "depot2.test.local";
const CLIENT1 = "client1.test.local";
const CLIENT2 = "client2.test.local";

type Dict = Record<string, unknown>;

const product = (id: string, priority: number, scripts: string[], extra: Dict = {}): Dict => ({
  type: "LocalbootProduct",
  id,
  productVersion: "1.0",
  packageVersion: "1",
  priority,
  ...Object.fromEntries(scripts.map((s) => [`${s}Script`, `${s}.opsiscript`])),
  ...extra,
});

const pod = (productId: string, depotId: string, productVersion = "1.0", productType = "LocalbootProduct"): Dict => ({
  productId,
  productType,
  productVersion,
  packageVersion: "1",
  depotId,
});

const dependency = (productId: string, requiredProductId: string, extra: Dict): Dict => ({
  productId,
  productVersion: "1.0",
  packageVersion: "1",
  productAction: "setup",
  requiredProductId,
  ...extra,
});

const poc = (productId: string, clientId: string, extra: Dict = {}): Dict => ({
  productId,
  productType: "LocalbootProduct",
  clientId,
  ...extra,
});

/**
 * Config server with base (90), lib, app, tool (−10), cleanup (uninstall script only) and a netboot
 * product; depot2 carries app 2.0 whose setup needs tool after it. client2 uses depot2.
 * app 1.0 setup needs lib before and base installed before.
 */
async function setup(): Promise<MemoryBackend> {
  const backend = new MemoryBackend();
  await backend.createObjects("host", [
    { type: "OpsiConfigserver", id: CONFIGSERVER },
    { type: "OpsiDepotserver", id: DEPOT2 },
    { type: "OpsiClient", id: CLIENT1 },
    { type: "OpsiClient", id: CLIENT2 },
  ]);
  await backend.createObjects("config", [{ type: "UnicodeConfig", id: "clientconfig.depot.id", defaultValues: [CONFIGSERVER] }]);
  await backend.createObjects("configState", [{ configId: "clientconfig.depot.id", objectId: CLIENT2, values: [DEPOT2] }]);
  await backend.createObjects("product", [
    product("base", 90, ["setup", "uninstall"]),
    product("lib", 0, ["setup", "uninstall"]),
    product("app", 0, ["setup", "uninstall"]),
    product("app", 0, ["setup", "uninstall"], { productVersion: "2.0" }),
    product("tool", -10, ["setup", "uninstall"]),
    product("cleanup", 0, ["uninstall"]),
    { ...product("win10", 50, ["setup"]), type: "NetbootProduct" },
  ]);
  await backend.createObjects("productOnDepot", [
    ...["base", "lib", "app", "tool", "cleanup"].map((id) => pod(id, CONFIGSERVER)),
    pod("win10", CONFIGSERVER, "1.0", "NetbootProduct"),
    ...["base", "lib", "tool"].map((id) => pod(id, DEPOT2)),
    pod("app", DEPOT2, "2.0"),
  ]);
  await backend.createObjects("productDependency", [
    dependency("app", "lib", { requiredAction: "setup", requirementType: "before" }),
    dependency("app", "base", { requiredInstallationStatus: "installed", requirementType: "before" }),
    { ...dependency("app", "tool", { requiredAction: "setup", requirementType: "after" }), productVersion: "2.0" },
  ]);
  return backend;
}

/** Counts `getObjects` calls per prefix. */
function counting(backend: BackendCore): { backend: BackendCore; calls: Map<ObjectPrefix, number> } {
  const calls = new Map<ObjectPrefix, number>();
  const proxy = new Proxy(backend, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop !== "getObjects" || typeof value !== "function") return value;
      return (prefix: ObjectPrefix, ...args: unknown[]) => {
        calls.set(prefix, (calls.get(prefix) ?? 0) + 1);
        return Reflect.apply(value, target, [prefix, ...args]);
      };
    },
  });
  return { backend: proxy, calls };
}

const summary = (pocs: readonly ProductOnClient[]) => pocs.map((p) => `${p.productId}:${p.actionRequest}:${p.actionSequence}`);

let backend: MemoryBackend;
beforeEach(async () => {
  backend = await setup();
});

describe("getObjectsWithSequence", () => {
  it("returns the stored POCs in computed order with actionSequence and a 1-based actionGroup", async () => {
    await backend.createObjects("productOnClient", [
      poc("tool", CLIENT1, { actionRequest: "setup" }),
      poc("app", CLIENT1, { actionRequest: "setup" }),
      poc("base", CLIENT1, { installationStatus: "not_installed", actionRequest: "none" }),
    ]);
    const result = await getObjectsWithSequence(backend, [], { clientId: CLIENT1 });
    // base (90) is needed for app: group 1 (priority 90) = base, lib, app; tool (−10) is group 2.
    // lib is a dependency-only action: computed (sequence 1) but not returned; base keeps "none".
    expect(result.map((p) => [p.productId, p.actionRequest, p.actionSequence, p.actionGroup])).toEqual([
      ["base", "none", -1, 1],
      ["app", "setup", 2, 1],
      ["tool", "setup", 3, 2],
    ]);
    expect(result[1]).toMatchObject({ type: "ProductOnClient", clientId: CLIENT1, installationStatus: "not_installed" });
  });

  it("keeps the stored actionRequest even when the computed action differs", async () => {
    // base is installed and requested for uninstall; app's "base installed" dependency is fulfilled
    // but its setup action still wins: opsi computes base: none, the stored uninstall is returned.
    await backend.createObjects("productOnClient", [
      poc("base", CLIENT1, { installationStatus: "installed", actionRequest: "uninstall" }),
      poc("app", CLIENT1, { actionRequest: "setup" }),
    ]);
    const result = await getObjectsWithSequence(backend, null, { clientId: CLIENT1 });
    // Group: base (90, non-required setup with the POC), lib (sequence 0), app (sequence 1).
    expect(result.map((p) => [p.productId, p.actionRequest, p.actionSequence])).toEqual([
      ["base", "uninstall", -1],
      ["app", "setup", 1],
    ]);
  });

  it("drops stored POCs whose actionRequest is empty", async () => {
    await backend.createObjects("productOnClient", [
      poc("tool", CLIENT1, { actionRequest: "" }),
      poc("lib", CLIENT1, { actionRequest: "setup" }),
    ]);
    const stored = await backend.getObjects("productOnClient", null, { clientId: CLIENT1, productId: "tool" });
    expect(stored[0]?.actionRequest ?? "").toBe("");
    const result = await getObjectsWithSequence(backend, [], { clientId: CLIENT1 });
    expect(result.map((p) => p.productId)).toEqual(["lib"]);
  });

  it("sequences every client against its own depot's product versions", async () => {
    await backend.createObjects("productOnClient", [
      poc("app", CLIENT2, { actionRequest: "setup" }),
      poc("tool", CLIENT2, { actionRequest: "none" }),
      poc("app", CLIENT1, { actionRequest: "setup" }),
      poc("lib", CLIENT1, { actionRequest: "none" }),
    ]);
    const result = await getObjectsWithSequence(backend);
    const of = (clientId: string) =>
      result.filter((p) => p.clientId === clientId).map((p) => `${p.productId}:${p.actionRequest}:${p.actionSequence}`);
    // depot2's app 2.0 needs tool after it; tool's stored "none" is kept, its computed setup is sequence 1.
    expect(of(CLIENT2)).toEqual(["app:setup:0", "tool:none:-1"]);
    // app 1.0 on the config server needs lib and base before it.
    expect(of(CLIENT1)).toEqual(["lib:none:-1", "app:setup:2"]);
  });

  it("behaves like getObjects when attributes do not include actionSequence", async () => {
    await backend.createObjects("productOnClient", [
      poc("tool", CLIENT1, { actionRequest: "setup" }),
      poc("app", CLIENT1, { actionRequest: "setup" }),
    ]);
    const plain = await backend.getObjects("productOnClient", ["actionRequest"], { clientId: CLIENT1 });
    const result = await getObjectsWithSequence(backend, ["actionRequest"], { clientId: CLIENT1 });
    expect(result).toEqual(plain);
    expect(result.some((p) => "actionGroup" in p)).toBe(false);
    const sequenced = await getObjectsWithSequence(backend, ["actionRequest", "actionSequence"], { clientId: CLIENT1 });
    expect(sequenced.map((p) => [p.productId, p.actionSequence, p.actionGroup])).toEqual([
      ["app", 2, 1],
      ["tool", 3, 2],
    ]);
  });

  it("reads depot data with one getObjects per prefix", async () => {
    await backend.createObjects("productOnClient", [
      poc("app", CLIENT1, { actionRequest: "setup" }),
      poc("app", CLIENT2, { actionRequest: "setup" }),
    ]);
    const { backend: counted, calls } = counting(backend);
    await getObjectsWithSequence(counted, [], { clientId: [CLIENT1, CLIENT2] });
    for (const prefix of ["product", "productDependency", "productOnDepot", "productOnClient"] as const) expect(calls.get(prefix)).toBe(1);
  });
});

describe("addDependencies / generateSequence / updateObjectsWithDependencies", () => {
  it("addDependencies accepts a single dict and returns the expanded, ordered list without writing", async () => {
    const result = await addDependencies(backend, poc("app", CLIENT1, { actionRequest: "setup" }));
    expect(summary(result)).toEqual(["base:setup:0", "lib:setup:1", "app:setup:2"]);
    expect(result[0]).toMatchObject({ type: "ProductOnClient", clientId: CLIENT1, productType: "LocalbootProduct" });
    expect(await backend.getObjects("productOnClient")).toEqual([]);
  });

  it("addDependencies checks fulfilment against stored POCs and keeps unchanged none entries", async () => {
    await backend.createObjects("productOnClient", [poc("base", CLIENT1, { installationStatus: "installed", actionRequest: "none" })]);
    const result = await addDependencies(backend, [
      poc("app", CLIENT1, { actionRequest: "setup" }),
      poc("tool", CLIENT1, { actionRequest: "none" }),
    ]);
    // base is fulfilled (not output); both groups have priority 0, and app's group was merged last.
    expect(summary(result)).toEqual(["tool:none:-1", "lib:setup:0", "app:setup:1"]);
  });

  it("rejects invalid POCs", async () => {
    await expect(addDependencies(backend, [{ productId: "app", clientId: CLIENT1 }])).rejects.toThrow(BackendBadValueError);
  });

  it("generateSequence returns only the given products, per client, in computed order", async () => {
    const result = await generateSequence(backend, [
      poc("tool", CLIENT1, { actionRequest: "setup" }),
      poc("app", CLIENT1, { actionRequest: "setup" }),
      poc("app", CLIENT2, { actionRequest: "setup" }),
    ]);
    expect(result.map((p) => `${p.clientId}:${p.productId}:${p.actionSequence}`)).toEqual([
      `${CLIENT1}:app:2`,
      `${CLIENT1}:tool:3`,
      `${CLIENT2}:app:0`,
    ]);
  });

  it("updateObjectsWithDependencies persists the dependency actions", async () => {
    await backend.createObjects("productOnClient", [poc("app", CLIENT2, { installationStatus: "installed", actionRequest: "none" })]);
    const result = await updateObjectsWithDependencies(backend, [poc("app", CLIENT2, { actionRequest: "setup" })]);
    expect(summary(result)).toEqual(["app:setup:0", "tool:setup:1"]);
    const stored = await backend.getObjects("productOnClient", null, { clientId: CLIENT2 });
    const byId = Object.fromEntries(stored.map((p) => [p.productId, p]));
    expect(byId.app).toMatchObject({ actionRequest: "setup", installationStatus: "installed" });
    expect(byId.tool).toMatchObject({ actionRequest: "setup", installationStatus: "not_installed", productType: "LocalbootProduct" });
  });
});

describe("getActionGroups", () => {
  it("returns the groups with opsi's fields, only POCs with an action, and drops empty groups", async () => {
    await backend.createObjects("productOnClient", [
      poc("cleanup", CLIENT1, { actionRequest: "none" }),
      poc("tool", CLIENT1, { actionRequest: "setup" }),
      poc("app", CLIENT1, { actionRequest: "setup" }),
    ]);
    const groups = await getActionGroups(backend, CLIENT1.toUpperCase());
    expect(groups.map((g) => g.priority)).toEqual([90, -10]);
    expect(groups.map((g) => Object.keys(g).sort())).toEqual([
      ["dependencies", "priorities", "priority", "product_on_clients", "sort_log"],
      ["dependencies", "priorities", "priority", "product_on_clients", "sort_log"],
    ]);
    expect(groups[0]?.product_on_clients.map((p) => `${p.productId}:${p.actionRequest}:${p.actionSequence}`)).toEqual([
      "base:setup:0",
      "lib:setup:1",
      "app:setup:2",
    ]);
    expect(groups[0]?.priorities).toEqual({ base: 90, lib: 0, app: 0 });
    expect(groups[0]?.dependencies).toEqual({});
    expect(groups[0]?.sort_log[0]).toBe("Ordered by priority, productId and actionRequest: base:setup(90), app:setup(0), lib:setup(0)");
    expect(groups[1]?.product_on_clients.map((p) => p.productId)).toEqual(["tool"]);
  });

  it("returns an empty list for a client without POCs", async () => {
    expect(await getActionGroups(backend, CLIENT2)).toEqual([]);
  });
});

describe("setProductActionRequestWithDependencies", () => {
  it("creates a not_installed POC and writes the required dependencies", async () => {
    await setProductActionRequestWithDependencies(backend, "app", CLIENT1, "setup");
    const stored = await backend.getObjects("productOnClient", null, { clientId: CLIENT1 });
    expect(stored.map((p) => `${p.productId}:${p.actionRequest}:${p.installationStatus}`).sort()).toEqual([
      "app:setup:not_installed",
      "base:setup:not_installed",
      "lib:setup:not_installed",
    ]);
  });

  it("updates the existing POC and does not write fulfilled dependencies", async () => {
    await backend.createObjects("productOnClient", [
      poc("app", CLIENT1, { installationStatus: "installed", productVersion: "1.0", packageVersion: "1", actionRequest: "none" }),
      poc("base", CLIENT1, { installationStatus: "installed", actionRequest: "none" }),
    ]);
    const before = await backend.getObjects("productOnClient", null, { clientId: CLIENT1, productId: "base" });
    await setProductActionRequestWithDependencies(backend, "APP", CLIENT1, "setup");
    const stored = await backend.getObjects("productOnClient", null, { clientId: CLIENT1 });
    const byId = Object.fromEntries(stored.map((p) => [p.productId, p]));
    expect(byId.app).toMatchObject({ actionRequest: "setup", installationStatus: "installed", productVersion: "1.0" });
    expect(byId.lib).toMatchObject({ actionRequest: "setup" });
    expect(byId.base).toEqual(before[0]);
  });

  it("raises BackendMissingDataError if the product is not on the client's depot", async () => {
    // cleanup exists on the config server only; client2 uses depot2.
    await expect(setProductActionRequestWithDependencies(backend, "cleanup", CLIENT2, "uninstall")).rejects.toThrow(
      BackendMissingDataError,
    );
    await expect(setProductActionRequestWithDependencies(backend, "missing", CLIENT1, "setup")).rejects.toThrow(BackendMissingDataError);
    expect(await backend.getObjects("productOnClient")).toEqual([]);
  });

  it("rejects an invalid action request", async () => {
    await expect(setProductActionRequestWithDependencies(backend, "app", CLIENT1, "explode")).rejects.toThrow(BackendBadValueError);
  });
});

describe("getProductOrdering", () => {
  it("lists the depot's localboot products alphabetically and in computed order", async () => {
    const ordering = await getProductOrdering(backend, CONFIGSERVER);
    expect(ordering.not_sorted).toEqual(["app", "base", "cleanup", "lib", "tool"]);
    // Every product gets its first script: cleanup → uninstall (priority 0 negated stays 0).
    // app needs base (90) and lib: one group of priority 90; tool (−10) last.
    expect(ordering.sorted).toEqual(["base", "lib", "app", "cleanup", "tool"]);
  });

  it("uses the depot's product versions", async () => {
    const ordering = await getProductOrdering(backend, DEPOT2, "algorithm1");
    expect(ordering.not_sorted).toEqual(["app", "base", "lib", "tool"]);
    // app 2.0 needs tool after it: app, tool form one group of priority −10 (no positive priority).
    expect(ordering.sorted).toEqual(["base", "lib", "app", "tool"]);
  });

  it("accepts only an unset sort algorithm or algorithm1", async () => {
    await expect(getProductOrdering(backend, CONFIGSERVER, null)).resolves.toBeDefined();
    await expect(getProductOrdering(backend, CONFIGSERVER, "algorithm2")).rejects.toThrow(BackendBadValueError);
  });

  it("returns empty lists for an unknown depot", async () => {
    expect(await getProductOrdering(backend, "nodepot.test.local")).toEqual({ not_sorted: [], sorted: [] });
  });
});
