/** @module methods/crud The CRUD family of all 22 object prefixes (spec §2.4): `_insertObject` … `_deleteObjects`, `_getHashes`, `_create`, `_delete` and the special creators. */
import {
  type BoundParams,
  forceProductPropertyType,
  OBJECT_PREFIXES,
  type ObjectPrefix,
  parseIdentReturnType,
  RPC_METHODS,
} from "@opsi-ts/core";
import type { MethodContext, MethodHandler } from "./context.js";
import { attributeList, hashObjects, wireObjects } from "./wire.js";

/** The first positional argument (the object or object list of the write methods). */
function firstArg(params: BoundParams): unknown {
  return params.positional[0];
}

/** Named arguments plus `**kwargs` as one object dict (`_create` style), with a fixed `type` if given. */
function objectFromParams(params: BoundParams, type?: string | null): Record<string, unknown> {
  const obj: Record<string, unknown> = { ...params.kwargs, ...params.args };
  if (type) obj.type = type;
  else delete obj.type;
  return obj;
}

async function createFromParams(ctx: MethodContext, prefix: ObjectPrefix, params: BoundParams, type?: string | null): Promise<null> {
  await ctx.backend.createObjects(prefix, [objectFromParams(params, type)]);
  return null;
}

/** `_delete`: idents matching the arguments (each a value, list or wildcard), then `_deleteObjects`. */
async function deleteByParams(ctx: MethodContext, prefix: ObjectPrefix, params: BoundParams): Promise<null> {
  if (prefix === "auditHardware" || prefix === "auditHardwareOnHost") {
    // Upstream turns None into []: for hardware filters null would mean "empty or NULL".
    const filter: Record<string, unknown> = {};
    for (const [key, value] of Object.entries({ ...params.kwargs, ...params.args })) filter[key] = value ?? [];
    const objects = await ctx.backend.getObjects(prefix, [], filter);
    if (objects.length > 0) await ctx.backend.deleteObjects(prefix, objects);
    return null;
  }
  const idents = await ctx.backend.getIdents(prefix, "dict", { ...params.args });
  if (idents.length > 0) await ctx.backend.deleteObjects(prefix, idents as Record<string, unknown>[]);
  return null;
}

/** Classes created by the special creators. */
const SPECIAL_CREATORS: Readonly<Record<string, readonly [ObjectPrefix, string]>> = {
  host_createOpsiClient: ["host", "OpsiClient"],
  host_createOpsiDepotserver: ["host", "OpsiDepotserver"],
  host_createOpsiConfigserver: ["host", "OpsiConfigserver"],
  group_createHostGroup: ["group", "HostGroup"],
  config_createUnicode: ["config", "UnicodeConfig"],
  config_createBool: ["config", "BoolConfig"],
  productProperty_createUnicode: ["productProperty", "UnicodeProductProperty"],
  productProperty_createBool: ["productProperty", "BoolProductProperty"],
  softwareLicense_createRetail: ["softwareLicense", "RetailSoftwareLicense"],
  softwareLicense_createOEM: ["softwareLicense", "OEMSoftwareLicense"],
  softwareLicense_createVolume: ["softwareLicense", "VolumeSoftwareLicense"],
  softwareLicense_createConcurrent: ["softwareLicense", "ConcurrentSoftwareLicense"],
};

function crudHandler(prefix: ObjectPrefix, operation: string): MethodHandler | undefined {
  switch (operation) {
    case "insertObject":
      return async (ctx, params) => {
        await ctx.backend.insertObject(prefix, firstArg(params) as Record<string, unknown>);
        return null;
      };
    case "updateObject":
      return async (ctx, params) => {
        await ctx.backend.updateObject(prefix, firstArg(params) as Record<string, unknown>);
        return null;
      };
    case "createObjects":
      return async (ctx, params) => {
        await ctx.backend.createObjects(prefix, firstArg(params) as Record<string, unknown>[]);
        return null;
      };
    case "updateObjects":
      return async (ctx, params) => {
        await ctx.backend.updateObjects(prefix, firstArg(params) as Record<string, unknown>[]);
        return null;
      };
    case "getObjects":
      return async (ctx, params) =>
        wireObjects(ctx.backend, await ctx.backend.getObjects(prefix, attributeList(params.args.attributes), params.kwargs));
    case "getHashes":
      return async (ctx, params) => hashObjects(await ctx.backend.getObjects(prefix, attributeList(params.args.attributes), params.kwargs));
    case "getIdents":
      return async (ctx, params) => ctx.backend.getIdents(prefix, parseIdentReturnType(params.args.returnType), params.kwargs);
    case "deleteObjects":
      return async (ctx, params) => {
        await ctx.backend.deleteObjects(prefix, firstArg(params) as Record<string, unknown>[]);
        return null;
      };
    case "create":
      if (prefix === "productProperty") {
        return (ctx, params) => {
          const type = params.args.type;
          return createFromParams(
            ctx,
            prefix,
            params,
            type === null || type === undefined || type === "" ? null : forceProductPropertyType(type),
          );
        };
      }
      return (ctx, params) => createFromParams(ctx, prefix, params);
    case "delete":
      return (ctx, params) => deleteByParams(ctx, prefix, params);
    default:
      return undefined;
  }
}

/**
 * Handlers of every CRUD method opsi has (only names present in the RPC interface are created):
 * the seven operations, `_getHashes`, `_create`, `_delete` and the special creators.
 * @example crudHandlers().get("host_getObjects")
 */
export function crudHandlers(): Map<string, MethodHandler> {
  const handlers = new Map<string, MethodHandler>();
  for (const prefix of OBJECT_PREFIXES) {
    for (const operation of [
      "insertObject",
      "updateObject",
      "createObjects",
      "updateObjects",
      "getObjects",
      "getHashes",
      "getIdents",
      "deleteObjects",
      "create",
      "delete",
    ]) {
      const name = `${prefix}_${operation}`;
      if (!RPC_METHODS.has(name)) continue;
      const handler = crudHandler(prefix, operation);
      if (handler) handlers.set(name, handler);
    }
  }
  for (const [name, [prefix, type]] of Object.entries(SPECIAL_CREATORS)) {
    if (!RPC_METHODS.has(name)) continue;
    handlers.set(name, (ctx, params) => createFromParams(ctx, prefix, params, type));
  }
  return handlers;
}
