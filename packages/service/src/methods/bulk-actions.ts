/** @module methods/bulk-actions The deprecated ext_admin_tasks and ext_group_actions methods and the legacy product property definitions. */
import {
  BackendBadValueError,
  BackendMissingDataError,
  forceActionRequest,
  forceBool,
  forceHostId,
  forceProductId,
  getClientToDepotserver,
} from "@opsi-ts/core";
import type { MethodContext, MethodHandler } from "./context.js";
import { setActionRequestWithDependencies, setProductState } from "./product-actions.js";
import { listOf } from "./wire.js";

type Dict = Record<string, unknown>;
type ScriptKind = "setupScript" | "updateScript" | "uninstallScript";

async function clientsByDepot(ctx: MethodContext, clientIds?: readonly string[]): Promise<Map<string, Set<string>>> {
  const result = new Map<string, Set<string>>();
  for (const a of await getClientToDepotserver(ctx.backend, null, clientIds ? [...clientIds] : null)) {
    let set = result.get(a.depotId);
    if (!set) {
      set = new Set();
      result.set(a.depotId, set);
    }
    set.add(a.clientId);
  }
  return result;
}

async function productsOrFail(ctx: MethodContext, productId: string) {
  const products = await ctx.backend.getObjects("product", null, { id: productId });
  if (products.length === 0) throw new BackendMissingDataError(`No product with id '${productId}'`);
  return products;
}

/** Clients (among `candidates`) whose depot holds a version of the product that has `script`. */
async function clientsWithScript(
  ctx: MethodContext,
  productId: string,
  script: ScriptKind,
  candidates: ReadonlySet<string> | null,
): Promise<Set<string>> {
  const byDepot = await clientsByDepot(ctx);
  const result = new Set<string>();
  for (const product of await productsOrFail(ctx, productId)) {
    if (!product[script]) continue;
    const pods = await ctx.backend.getObjects("productOnDepot", null, {
      productId: product.id,
      productVersion: product.productVersion,
      packageVersion: product.packageVersion,
    });
    for (const pod of pods) {
      for (const clientId of byDepot.get(pod.depotId) ?? []) if (!candidates || candidates.has(clientId)) result.add(clientId);
    }
  }
  return result;
}

async function clientsWithOutdatedProduct(ctx: MethodContext, productIdArg: unknown): Promise<string[]> {
  const productId = forceProductId(productIdArg);
  const outdated = new Set<string>();
  for (const [depotId, clientIds] of await clientsByDepot(ctx)) {
    if (clientIds.size === 0) continue;
    for (const pod of await ctx.backend.getObjects("productOnDepot", null, { productId, depotId })) {
      for (const poc of await ctx.backend.getObjects("productOnClient", null, { clientId: [...clientIds], productId: pod.productId })) {
        if (!poc.installationStatus || ["not_installed", "none", "unknown"].includes(poc.installationStatus)) continue;
        if (poc.productVersion !== pod.productVersion || poc.packageVersion !== pod.packageVersion) outdated.add(poc.clientId);
      }
    }
  }
  return [...outdated].sort();
}

async function setWhereOutdated(
  ctx: MethodContext,
  actionRequestArg: unknown,
  productIdArg: unknown,
  withDependencies: boolean,
): Promise<string[]> {
  const productId = forceProductId(productIdArg);
  const actionRequest = forceActionRequest(actionRequestArg);
  await productsOrFail(ctx, productId);
  const clients = await clientsWithOutdatedProduct(ctx, productId);
  for (const clientId of clients) {
    if (withDependencies) await setActionRequestWithDependencies(ctx, productId, clientId, actionRequest);
    else await setProductState(ctx, { productId, objectId: clientId, actionRequest });
  }
  return clients;
}

async function installedOn(ctx: MethodContext, productId: string, filter: Dict): Promise<Set<string>> {
  return new Set((await ctx.backend.getObjects("productOnClient", ["clientId"], { productId, ...filter })).map((p) => p.clientId));
}

/** setupWhereNotInstalled / updateWhereInstalled / uninstallWhereInstalled: `setProductActionRequest` per client. */
async function requestWhere(
  ctx: MethodContext,
  productIdArg: unknown,
  action: "setup" | "update" | "uninstall",
  mode: "notInstalled" | "installed",
): Promise<string[]> {
  const productId = forceProductId(productIdArg);
  await productsOrFail(ctx, productId);
  const script: ScriptKind = `${action}Script`;
  let clients: Set<string>;
  if (mode === "installed") {
    const installed = await installedOn(ctx, productId, { installationStatus: "installed" });
    clients = installed.size === 0 ? new Set() : await clientsWithScript(ctx, productId, script, installed);
  } else {
    clients = await clientsWithScript(ctx, productId, script, null);
    if (clients.size > 0) {
      for (const id of await installedOn(ctx, productId, { clientId: [...clients], installationStatus: "installed" })) clients.delete(id);
    }
  }
  const sorted = [...clients].sort();
  for (const clientId of sorted) await setProductState(ctx, { productId, objectId: clientId, actionRequest: action });
  return sorted;
}

/** setupWhereInstalled / setupWhereFailed: `setup` upserted directly on the POCs. */
async function setupWhere(ctx: MethodContext, productIdArg: unknown, filter: Dict): Promise<string[]> {
  const productId = forceProductId(productIdArg);
  const products = await productsOrFail(ctx, productId);
  const candidates = await installedOn(ctx, productId, filter);
  if (candidates.size === 0) return [];
  const clients = [...(await clientsWithScript(ctx, productId, "setupScript", candidates))].sort();
  const productType = products[products.length - 1]?.type;
  if (clients.length > 0) {
    await ctx.backend.updateObjects(
      "productOnClient",
      clients.map((clientId) => ({ productId, productType, clientId, actionRequest: "setup" })),
    );
  }
  return clients;
}

async function hostGroupMembers(ctx: MethodContext, groupId: unknown): Promise<string[]> {
  return (await ctx.backend.getObjects("objectToGroup", null, { groupId, groupType: "HostGroup" })).map((o) => o.objectId);
}

async function setActionRequestOnClients(
  ctx: MethodContext,
  clients: readonly string[],
  productId: string,
  actionRequest: unknown,
): Promise<void> {
  const existing = await ctx.backend.getObjects("productOnClient", null, { clientId: [...clients], productId });
  const missing = new Set(clients);
  for (const poc of existing) missing.delete(poc.clientId);
  if (existing.length > 0) {
    await ctx.backend.updateObjects(
      "productOnClient",
      existing.map((p) => ({ ...p, actionRequest })),
    );
  }
  if (missing.size > 0) {
    const [product] = await ctx.backend.getObjects("product", ["id"], { id: productId });
    if (!product) throw new BackendMissingDataError(`No product with id '${productId}'`);
    await ctx.backend.createObjects(
      "productOnClient",
      [...missing].map((clientId) => ({ productId, productType: product.type, clientId, actionRequest })),
    );
  }
}

async function setActionRequestForGroup(
  ctx: MethodContext,
  hostGroupId: unknown,
  productIds: readonly string[],
  actionRequest: unknown,
): Promise<null> {
  const byDepot = await clientsByDepot(ctx, await hostGroupMembers(ctx, hostGroupId));
  for (const productId of productIds) {
    for (const [depotId, clients] of byDepot) {
      if ((await ctx.backend.getIdents("productOnDepot", "str", { productId, depotId })).length === 0) {
        throw new BackendMissingDataError(`Product '${productId}' not found on depot server '${depotId}'`);
      }
      await setActionRequestOnClients(ctx, [...clients], productId, actionRequest);
    }
  }
  return null;
}

async function createPropertyDefinition(ctx: MethodContext, a: Dict): Promise<null> {
  const productId = forceProductId(a.productId);
  const possibleValues = listOf(a.possibleValues);
  const depots = (await ctx.backend.getIdents("host", "str", { type: "OpsiDepotserver", id: listOf(a.depotIds) })) as string[];
  if (depots.length === 0) return null;
  const defaultValues = a.defaultValue ? [a.defaultValue] : [];
  const properties: Dict[] = [];
  const states: Dict[] = [];
  const created = new Set<string>();
  for (const pod of await ctx.backend.getObjects("productOnDepot", null, { productId, depotId: depots })) {
    const key = `${pod.productVersion};${pod.packageVersion}`;
    if (created.has(key)) continue;
    created.add(key);
    properties.push({
      type: "UnicodeProductProperty",
      productId: pod.productId,
      productVersion: pod.productVersion,
      packageVersion: pod.packageVersion,
      propertyId: a.name,
      description: a.description,
      possibleValues,
      defaultValues,
      editable: possibleValues.length === 0,
      multiValue: false,
    });
    for (const depotId of depots) states.push({ productId: pod.productId, propertyId: a.name, objectId: depotId, values: defaultValues });
  }
  if (properties.length > 0) await ctx.backend.createObjects("productProperty", properties);
  if (states.length > 0) await ctx.backend.createObjects("productPropertyState", states);
  return null;
}

async function deletePropertyDefinitions(ctx: MethodContext, productId: unknown, propertyId: unknown, depotIds: unknown): Promise<null> {
  const properties = [];
  for (const pod of await ctx.backend.getObjects("productOnDepot", null, { productId, depotId: listOf(depotIds) })) {
    properties.push(
      ...(await ctx.backend.getObjects("productProperty", null, {
        productId: pod.productId,
        productVersion: pod.productVersion,
        packageVersion: pod.packageVersion,
        propertyId,
      })),
    );
  }
  if (properties.length > 0) await ctx.backend.deleteObjects("productProperty", properties);
  return null;
}

/**
 * Handlers of the ext_admin_tasks, ext_group_actions, ext_wan and legacy product-property-definition methods.
 * Results that upstream returns as Python sets are sorted lists.
 * @example bulkActionHandlers().get("setupWhereNotInstalled")
 */
export function bulkActionHandlers(): Map<string, MethodHandler> {
  const h = new Map<string, MethodHandler>();
  h.set("getClientsWithOutdatedProduct", (ctx, p) => clientsWithOutdatedProduct(ctx, p.args.productId));
  h.set("setActionRequestWhereOutdated", (ctx, p) => setWhereOutdated(ctx, p.args.actionRequest, p.args.productId, false));
  h.set("setActionRequestWhereOutdatedWithDependencies", (ctx, p) => setWhereOutdated(ctx, p.args.actionRequest, p.args.productId, true));
  h.set("setupWhereNotInstalled", (ctx, p) => requestWhere(ctx, p.args.productId, "setup", "notInstalled"));
  h.set("updateWhereInstalled", (ctx, p) => requestWhere(ctx, p.args.productId, "update", "installed"));
  h.set("uninstallWhereInstalled", (ctx, p) => requestWhere(ctx, p.args.productId, "uninstall", "installed"));
  h.set("setupWhereInstalled", (ctx, p) => setupWhere(ctx, p.args.productId, { installationStatus: "installed" }));
  h.set("setupWhereFailed", (ctx, p) => setupWhere(ctx, p.args.productId, { actionResult: "failed" }));
  h.set("setProductActionRequestForHostGroup", (ctx, p) =>
    setActionRequestForGroup(ctx, p.args.hostGroupId, [forceProductId(p.args.productId)], p.args.actionRequest),
  );
  h.set("setProductActionRequestForProductGroup", async (ctx, p) => {
    const productIds = (
      await ctx.backend.getObjects("objectToGroup", null, { groupType: "ProductGroup", groupId: p.args.productGroupId })
    ).map((o) => o.objectId);
    return setActionRequestForGroup(ctx, p.args.hostGroupId, productIds, p.args.actionRequest);
  });
  h.set("setProductPropertyForHostGroup", async (ctx, p) => {
    const clients = await hostGroupMembers(ctx, p.args.groupId);
    const values = listOf(p.args.propertyValue);
    const existing = await ctx.backend.getObjects("productPropertyState", null, {
      objectId: clients,
      productId: p.args.productId,
      propertyId: p.args.propertyId,
    });
    const missing = new Set(clients);
    for (const s of existing) missing.delete(s.objectId);
    if (existing.length > 0) {
      await ctx.backend.updateObjects(
        "productPropertyState",
        existing.map((s) => ({ ...s, values })),
      );
    }
    if (missing.size > 0) {
      await ctx.backend.createObjects(
        "productPropertyState",
        [...missing].map((objectId) => ({ productId: p.args.productId, propertyId: p.args.propertyId, objectId, values })),
      );
    }
    return null;
  });
  h.set("getPossibleImagefileValuesForHostGroup", async (ctx, p) => {
    const clients = await hostGroupMembers(ctx, p.args.groupId);
    const imageClients = new Map<string, Set<string>>();
    const states = await ctx.backend.getObjects("productPropertyState", null, {
      objectId: clients,
      productId: "opsi-local-image-restore",
      propertyId: "imagefiles_list",
    });
    for (const state of states) {
      for (const value of state.values ?? []) {
        // Upstream works around lists stored as one comma-separated string.
        for (const image of String(value).split(",")) {
          let set = imageClients.get(image);
          if (!set) {
            set = new Set();
            imageClients.set(image, set);
          }
          set.add(state.objectId);
        }
      }
    }
    const all = new Set(clients);
    return [...imageClients].filter(([, set]) => set.size === all.size && [...set].every((c) => all.has(c))).map(([image]) => image);
  });
  h.set("group_rename", async (ctx, p) => {
    const oldId = String(p.args.oldGroupId ?? "");
    const newId = String(p.args.newGroupId ?? "");
    if ((await ctx.backend.getIdents("group", "str", { id: newId })).length > 0)
      throw new BackendBadValueError(`Group '${newId}' already exists`);
    const [old] = await ctx.backend.getObjects("group", null, { id: oldId });
    if (!old) throw new BackendMissingDataError(`Old group '${oldId}' does not exist`);
    await ctx.backend.createObjects("group", [
      { type: "HostGroup", id: newId, description: old.description, notes: old.notes, parentGroupId: old.parentGroupId },
    ]);
    const children = await ctx.backend.getObjects("group", null, { parentGroupId: oldId });
    for (const child of children) await ctx.backend.updateObject("group", { ...child, parentGroupId: newId });
    const members = await ctx.backend.getObjects("objectToGroup", null, { groupId: oldId });
    if (members.length > 0) {
      await ctx.backend.createObjects(
        "objectToGroup",
        members.map((m) => ({ ...m, groupId: newId })),
      );
      await ctx.backend.deleteObjects("objectToGroup", members);
    }
    const idents = await ctx.backend.getIdents("group", "dict", { id: oldId });
    if (idents.length > 0) await ctx.backend.deleteObjects("group", idents as Dict[]);
    return null;
  });
  h.set("createProductPropertyDefinition", (ctx, p) => createPropertyDefinition(ctx, p.args));
  h.set("deleteProductPropertyDefinition", (ctx, p) => deletePropertyDefinitions(ctx, p.args.productId, p.args.name, p.args.depotIds));
  h.set("deleteProductPropertyDefinitions", (ctx, p) => deletePropertyDefinitions(ctx, p.args.productId, null, p.args.depotIds));
  h.set("changeWANConfig", async (ctx, p) => {
    const enabled = forceBool(p.args.boolean);
    const states = listOf(p.args.clientIds)
      .map(forceHostId)
      .flatMap((objectId) => [
        { configId: "opsiclientd.event_gui_startup.active", objectId, values: [!enabled] },
        { configId: "opsiclientd.event_gui_startup{user_logged_in}.active", objectId, values: [!enabled] },
        { configId: "opsiclientd.event_net_connection.active", objectId, values: [enabled] },
        { configId: "opsiclientd.event_timer.active", objectId, values: [enabled] },
      ]);
    if (states.length > 0) await ctx.backend.createObjects("configState", states);
    return null;
  });
  h.set("setWindowsSoftwareIdsToLicensePool", async (ctx, p) => {
    const [poolId] = (await ctx.backend.getIdents("licensePool", "str", { id: p.args.licensePoolId })) as string[];
    if (!poolId) throw new BackendMissingDataError(`License pool '${String(p.args.licensePoolId)}' does not exist`);
    const old = await ctx.backend.getIdents("auditSoftwareToLicensePool", "dict", { licensePoolId: poolId });
    if (old.length > 0) await ctx.backend.deleteObjects("auditSoftwareToLicensePool", old as Dict[]);
    const ids = listOf(p.args.windowsSoftwareIds).map(String);
    const software = ids.length === 0 ? [] : await ctx.backend.getObjects("auditSoftware", null, { windowsSoftwareId: ids });
    const rels = software.map((s) => ({
      name: s.name,
      version: s.version,
      subVersion: s.subVersion,
      language: s.language,
      architecture: s.architecture,
      licensePoolId: poolId,
    }));
    if (rels.length > 0) await ctx.backend.createObjects("auditSoftwareToLicensePool", rels);
    return null;
  });
  return h;
}
