/** @module methods/state-values Effective values: `configState_getValues` (config default → depot → client) and `productPropertyState_getValues` (depot beneath client). */
import { type BoundParams, DEPOT_CONFIG_ID, forceBool, forceObjectId, getClientToDepotserver } from "@opsi-ts/core";
import type { MethodContext, MethodHandler } from "./context.js";
import { listOf } from "./wire.js";

type ConfigValues = Record<string, Record<string, unknown[]>>;
type PropertyValues = Record<string, Record<string, Record<string, unknown[]>>>;

function stringList(value: unknown): string[] {
  return listOf(value)
    .filter((v) => v !== null && v !== undefined && v !== "")
    .map(String);
}

function objectIdList(value: unknown): string[] {
  return stringList(value).map(forceObjectId);
}

function copyValues(values: readonly unknown[] | null | undefined): unknown[] {
  return values ? [...values] : [];
}

/**
 * `configState_getValues(config_ids, object_ids, with_defaults)` → `{objectId: {configId: values}}`.
 * With defaults: Config default, then the ConfigState of the client's depot
 * (`clientconfig.depot.id`; the config server's if the client has none), then the host's own state.
 * A client caller always gets its own values only. Depot and config-server states are read without
 * the caller's row restriction (as upstream does), everything else through the caller's ACL.
 * @example await configStateGetValues(ctx, ["clientconfig.depot.drive"], ["pc1.dom.tld"], true)
 */
export async function configStateGetValues(
  ctx: MethodContext,
  configIdsArg: unknown,
  objectIdsArg: unknown,
  withDefaultsArg: unknown,
): Promise<ConfigValues> {
  // Upstream runs no ACL check here; without this one a non-admin user could read every state.
  ctx.require("configState_getObjects");
  const configIds = stringList(configIdsArg);
  let objectIds = objectIdList(objectIdsArg);
  if (ctx.identity.kind === "client") objectIds = [(ctx.identity.hostId ?? ctx.identity.name).toLowerCase()];
  const withDefaults = forceBool(withDefaultsArg ?? true);
  const res: ConfigValues = {};
  if (withDefaults) {
    const configs = await ctx.backend.getObjects("config", ["id", "defaultValues"], { id: configIds });
    const hostIds = (await ctx.backend.getIdents("host", "str", { id: objectIds })) as string[];
    for (const hostId of hostIds) {
      res[hostId] = Object.fromEntries(configs.map((c) => [c.id, copyValues(c.defaultValues)]));
    }
    const depotStates = await ctx.internal.getObjects("configState", null, { objectId: objectIds, configId: DEPOT_CONFIG_ID });
    const depotOf = new Map(depotStates.map((s) => [s.objectId, typeof s.values?.[0] === "string" ? (s.values[0] as string) : null]));
    const configServerId = ctx.environment.serverId.toLowerCase();
    const depotIds = [...new Set([...depotOf.values()].filter((d): d is string => !!d)), configServerId];
    const depotValues = new Map<string, Map<string, unknown[]>>();
    for (const state of await ctx.internal.getObjects("configState", null, { configId: configIds, objectId: depotIds })) {
      let map = depotValues.get(state.objectId);
      if (!map) {
        map = new Map();
        depotValues.set(state.objectId, map);
      }
      map.set(state.configId, copyValues(state.values));
    }
    for (const hostId of hostIds) {
      const depotId = depotOf.get(hostId) ?? null;
      const inherited = depotId ? depotValues.get(depotId) : depotValues.get(configServerId);
      const target = res[hostId];
      if (!inherited || !target) continue;
      for (const [configId, values] of inherited) target[configId] = copyValues(values);
    }
  }
  for (const state of await ctx.internal.getObjects("configState", null, { configId: configIds, objectId: objectIds })) {
    res[state.objectId] ??= {};
    const target = res[state.objectId];
    if (target) target[state.configId] = copyValues(state.values);
  }
  return res;
}

/**
 * `productPropertyState_getValues(product_ids, property_ids, object_ids, with_defaults)` →
 * `{objectId: {productId: {propertyId: values}}}`: with defaults, each host starts from its depot's
 * ProductPropertyStates; the host's own states override them.
 * @example await productPropertyStateGetValues(ctx, ["firefox"], [], ["pc1.dom.tld"], true)
 */
export async function productPropertyStateGetValues(
  ctx: MethodContext,
  productIdsArg: unknown,
  propertyIdsArg: unknown,
  objectIdsArg: unknown,
  withDefaultsArg: unknown,
): Promise<PropertyValues> {
  const productIds = stringList(productIdsArg);
  const propertyIds = stringList(propertyIdsArg);
  const objectIds = objectIdList(objectIdsArg);
  const withDefaults = forceBool(withDefaultsArg ?? true);
  const res: PropertyValues = {};
  const put = (objectId: string, productId: string, propertyId: string, values: readonly unknown[] | null) => {
    res[objectId] ??= {};
    const byProduct = res[objectId];
    if (!byProduct) return;
    byProduct[productId] ??= {};
    const byProperty = byProduct[productId];
    if (byProperty) byProperty[propertyId] = copyValues(values);
  };
  if (withDefaults) {
    const assignments = await getClientToDepotserver(ctx.backend, null, objectIds, true);
    const depotOf = new Map(assignments.map((a) => [a.clientId, a.depotId]));
    const depotIds = [...new Set(depotOf.values())];
    const depotStates =
      depotIds.length === 0
        ? []
        : await ctx.backend.getObjects("productPropertyState", null, {
            productId: productIds,
            propertyId: propertyIds,
            objectId: depotIds,
          });
    for (const hostId of (await ctx.backend.getIdents("host", "str", { id: objectIds })) as string[]) {
      res[hostId] = {};
      const depotId = depotOf.get(hostId);
      if (!depotId) continue;
      // Copied per host: upstream shares the depot's dicts between clients (a value leak).
      for (const s of depotStates) if (s.objectId === depotId) put(hostId, s.productId, s.propertyId, s.values);
    }
  }
  for (const s of await ctx.backend.getObjects("productPropertyState", null, {
    productId: productIds,
    propertyId: propertyIds,
    objectId: objectIds,
  })) {
    put(s.objectId, s.productId, s.propertyId, s.values);
  }
  return res;
}

/**
 * Handlers of the two `_getValues` methods and `configState_getClientToDepotserver`.
 * @example stateValueHandlers().get("configState_getValues")
 */
export function stateValueHandlers(): Map<string, MethodHandler> {
  const h = new Map<string, MethodHandler>();
  h.set("configState_getValues", (ctx, p: BoundParams) =>
    configStateGetValues(ctx, p.args.config_ids, p.args.object_ids, p.args.with_defaults),
  );
  h.set("productPropertyState_getValues", (ctx, p) =>
    productPropertyStateGetValues(ctx, p.args.product_ids, p.args.property_ids, p.args.object_ids, p.args.with_defaults),
  );
  h.set("configState_getClientToDepotserver", async (ctx, p) =>
    getClientToDepotserver(ctx.backend, p.args.depotIds, p.args.clientIds, p.args.masterOnly ?? true, p.args.productIds),
  );
  return h;
}
