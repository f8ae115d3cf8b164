/**
 * @module backend/Backend
 * The `Backend` interface: a generic core (prefix + operation) that every storage implements, and
 * the opsi-named methods (`host_getObjects`, `productOnClient_updateObjects`, ...) derived from it.
 */
import type { Filter } from "../filter/filter.js";
import type { HardwareAuditConfig } from "../model/hwaudit-config.js";
import type { Ident, IdentReturnType } from "../model/object.js";
import type { ObjectPrefix, PrefixObject } from "../model/registry.js";

/** Input accepted by write methods: a typed object or a plain dict in wire form (`type` optional). */
export type ObjectInput<P extends ObjectPrefix> = PrefixObject<P> | Readonly<Record<string, unknown>>;

/** One object or a list, as opsi's `*_createObjects(objs)` accepts. */
export type ObjectsInput<P extends ObjectPrefix> = ObjectInput<P> | readonly ObjectInput<P>[];

/**
 * The seven CRUD operations over one prefix, with opsi 4.3 semantics:
 * - `insertObject`: `setDefaults()` then upsert overwriting **all** attributes (null → NULL);
 * - `updateObject`: update of the non-null attributes of an existing object; no-op if missing;
 * - `createObjects`: `insertObject` for each, atomically;
 * - `updateObjects`: upsert of the non-null attributes, creating missing objects without defaults;
 * - `getObjects`: objects matching the filter; `attributes` limits what is loaded (ident and
 *   `type` always, aggregated value lists always);
 * - `getIdents`: idents in the requested shape;
 * - `deleteObjects`: by ident, with opsi's cascades.
 */
export interface BackendCore {
  /** The hardware-audit configuration driving AuditHardware/AuditHardwareOnHost. */
  readonly hardwareAudit: HardwareAuditConfig | undefined;
  insertObject<P extends ObjectPrefix>(prefix: P, obj: ObjectInput<P>): Promise<void>;
  updateObject<P extends ObjectPrefix>(prefix: P, obj: ObjectInput<P>): Promise<void>;
  createObjects<P extends ObjectPrefix>(prefix: P, objs: ObjectsInput<P>): Promise<void>;
  updateObjects<P extends ObjectPrefix>(prefix: P, objs: ObjectsInput<P>): Promise<void>;
  getObjects<P extends ObjectPrefix>(prefix: P, attributes?: readonly string[] | null, filter?: Filter | null): Promise<PrefixObject<P>[]>;
  getIdents<P extends ObjectPrefix>(prefix: P, returnType?: IdentReturnType | null, filter?: Filter | null): Promise<Ident[]>;
  deleteObjects<P extends ObjectPrefix>(prefix: P, objs: ObjectsInput<P>): Promise<void>;
  /** Releases resources (connections, files). */
  close(): Promise<void>;
}

/** The opsi-named CRUD methods for all 22 prefixes. */
export type BackendCrud = {
  [P in ObjectPrefix as `${P}_insertObject`]: (obj: ObjectInput<P>) => Promise<void>;
} & {
  [P in ObjectPrefix as `${P}_updateObject`]: (obj: ObjectInput<P>) => Promise<void>;
} & {
  [P in ObjectPrefix as `${P}_createObjects`]: (objs: ObjectsInput<P>) => Promise<void>;
} & {
  [P in ObjectPrefix as `${P}_updateObjects`]: (objs: ObjectsInput<P>) => Promise<void>;
} & {
  [P in ObjectPrefix as `${P}_getObjects`]: (attributes?: readonly string[] | null, filter?: Filter | null) => Promise<PrefixObject<P>[]>;
} & {
  [P in ObjectPrefix as `${P}_getIdents`]: (returnType?: IdentReturnType | null, filter?: Filter | null) => Promise<Ident[]>;
} & {
  [P in ObjectPrefix as `${P}_deleteObjects`]: (objs: ObjectsInput<P>) => Promise<void>;
};

/** CRUD operation names. */
export const CRUD_OPERATIONS = [
  "insertObject",
  "updateObject",
  "createObjects",
  "updateObjects",
  "getObjects",
  "getIdents",
  "deleteObjects",
] as const;
