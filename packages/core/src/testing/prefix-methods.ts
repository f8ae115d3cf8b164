/**
 * @module testing/prefix-methods
 * Access to the opsi-named CRUD methods of one prefix (`host_getObjects`, ...) with loose input
 * types, so the suite can drive all 22 prefixes from tables and send invalid input on purpose.
 */
import type { Backend } from "../backend/methods.js";
import type { Filter } from "../filter/filter.js";
import type { Ident } from "../model/object.js";
import type { ObjectPrefix } from "../model/registry.js";
import type { Dict } from "./assertions.js";

/** The seven opsi-named CRUD methods of one prefix. */
export interface PrefixMethods {
  insertObject(obj: unknown): Promise<void>;
  updateObject(obj: unknown): Promise<void>;
  createObjects(objs: unknown): Promise<void>;
  updateObjects(objs: unknown): Promise<void>;
  getObjects(attributes?: readonly string[] | null, filter?: Filter | null): Promise<Dict[]>;
  getIdents(returnType?: unknown, filter?: Filter | null): Promise<Ident[]>;
  deleteObjects(objs: unknown): Promise<void>;
}

type AnyMethod = (...args: unknown[]) => Promise<unknown>;

/**
 * The opsi-named methods `<prefix>_<operation>` of a backend; fails if one is missing.
 * @example await methodsOf(backend, "productOnClient").getIdents("dict")
 */
export function methodsOf(backend: Backend, prefix: ObjectPrefix): PrefixMethods {
  const table = backend as unknown as Record<string, unknown>;
  const bind = (op: string): AnyMethod => {
    const fn = table[`${prefix}_${op}`];
    if (typeof fn !== "function") throw new Error(`backend has no method ${prefix}_${op}`);
    return (...args: unknown[]) => (fn as AnyMethod).apply(backend, args);
  };
  return {
    insertObject: bind("insertObject") as PrefixMethods["insertObject"],
    updateObject: bind("updateObject") as PrefixMethods["updateObject"],
    createObjects: bind("createObjects") as PrefixMethods["createObjects"],
    updateObjects: bind("updateObjects") as PrefixMethods["updateObjects"],
    getObjects: bind("getObjects") as PrefixMethods["getObjects"],
    getIdents: bind("getIdents") as PrefixMethods["getIdents"],
    deleteObjects: bind("deleteObjects") as PrefixMethods["deleteObjects"],
  };
}
