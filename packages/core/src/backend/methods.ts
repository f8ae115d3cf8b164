/**
 * @module backend/methods
 * Installs the opsi-named backend methods on a class implementing {@link BackendCore}, so every
 * storage (memory, MySQL, SQLite) exposes the same `Backend` surface.
 */
import type { Filter } from "../filter/filter.js";
import type { ProductOnClient } from "../model/classes.js";
import { OBJECT_PREFIXES } from "../model/registry.js";
import {
  addDependencies,
  generateSequence,
  getActionGroups,
  getObjectsWithSequence,
  getProductOrdering,
  setProductActionRequestWithDependencies,
  updateObjectsWithDependencies,
} from "../sequencing/rpc.js";
import type { ActionGroupInfo, ProductOrdering, SequencedProductOnClient } from "../sequencing/types.js";
import { type BackendCore, type BackendCrud, CRUD_OPERATIONS } from "./Backend.js";
import { type ClientToDepot, getClientToDepotserver } from "./depot-assignment.js";

/** Non-CRUD methods built on top of {@link BackendCore}. */
export interface BackendExtensions {
  configState_getClientToDepotserver(
    depotIds?: unknown,
    clientIds?: unknown,
    masterOnly?: unknown,
    productIds?: unknown,
  ): Promise<ClientToDepot[]>;
  productOnClient_getObjectsWithSequence(
    attributes?: readonly string[] | null,
    filter?: Filter | null,
  ): Promise<SequencedProductOnClient[]>;
  productOnClient_addDependencies(productOnClients: unknown): Promise<ProductOnClient[]>;
  productOnClient_generateSequence(productOnClients: unknown): Promise<ProductOnClient[]>;
  productOnClient_updateObjectsWithDependencies(productOnClients: unknown): Promise<ProductOnClient[]>;
  productOnClient_getActionGroups(clientId: unknown): Promise<ActionGroupInfo[]>;
  setProductActionRequestWithDependencies(productId: unknown, clientId: unknown, actionRequest: unknown): Promise<void>;
  getProductOrdering(depotId: unknown, sortAlgorithm?: unknown): Promise<ProductOrdering>;
}

/** The full backend surface: generic core, opsi-named CRUD methods and extensions. */
export type Backend = BackendCore & BackendCrud & BackendExtensions;

/**
 * Adds the opsi-named methods to a class prototype; the class only implements {@link BackendCore}.
 * Declare `interface MyBackend extends BackendCrud, BackendExtensions {}` next to the class.
 * @example installBackendMethods(MemoryBackend)
 */
export function installBackendMethods(cls: { prototype: BackendCore }): void {
  const proto = cls.prototype as unknown as Record<string, unknown>;
  for (const prefix of OBJECT_PREFIXES) {
    for (const op of CRUD_OPERATIONS) {
      proto[`${prefix}_${op}`] = function (this: BackendCore, ...args: unknown[]) {
        return (this[op] as (...a: unknown[]) => Promise<unknown>).call(this, prefix, ...args);
      };
    }
  }
  const ext: BackendExtensions = {
    configState_getClientToDepotserver(this: BackendCore, depotIds, clientIds, masterOnly, productIds) {
      return getClientToDepotserver(this, depotIds, clientIds, masterOnly ?? true, productIds);
    },
    productOnClient_getObjectsWithSequence(this: BackendCore, attributes, filter) {
      return getObjectsWithSequence(this, attributes, filter);
    },
    productOnClient_addDependencies(this: BackendCore, pocs) {
      return addDependencies(this, pocs);
    },
    productOnClient_generateSequence(this: BackendCore, pocs) {
      return generateSequence(this, pocs);
    },
    productOnClient_updateObjectsWithDependencies(this: BackendCore, pocs) {
      return updateObjectsWithDependencies(this, pocs);
    },
    productOnClient_getActionGroups(this: BackendCore, clientId) {
      return getActionGroups(this, clientId);
    },
    setProductActionRequestWithDependencies(this: BackendCore, productId, clientId, actionRequest) {
      return setProductActionRequestWithDependencies(this, productId, clientId, actionRequest);
    },
    getProductOrdering(this: BackendCore, depotId, sortAlgorithm) {
      return getProductOrdering(this, depotId, sortAlgorithm);
    },
  };
  Object.assign(proto, ext);
}
