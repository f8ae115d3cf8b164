/** @module methods/handlers The registry of all RPC method implementations, by opsi method name. */
import { RPC_METHODS } from "@opsi-ts/core";
import { auditHandlers } from "./audit.js";
import { bulkActionHandlers } from "./bulk-actions.js";
import type { MethodHandler } from "./context.js";
import { crudHandlers } from "./crud.js";
import { depotHandlers } from "./depot.js";
import { generalHandlers } from "./general.js";
import { hostHandlers } from "./host.js";
import { hostControlHandlers } from "./host-control.js";
import { legacyHandlers } from "./legacy.js";
import { logHandlers } from "./logs.js";
import { notImplementedHandler } from "./not-implemented.js";
import { productActionHandlers } from "./product-actions.js";
import { stateValueHandlers } from "./state-values.js";
import { transferSlotHandlers } from "./transfer-slots.js";
import { userHandlers } from "./users.js";

function buildImplemented(): ReadonlyMap<string, MethodHandler> {
  const result = new Map<string, MethodHandler>();
  for (const group of [
    crudHandlers(),
    generalHandlers(),
    stateValueHandlers(),
    productActionHandlers(),
    hostHandlers(),
    logHandlers(),
    userHandlers(),
    auditHandlers(),
    legacyHandlers(),
    bulkActionHandlers(),
    depotHandlers(),
    transferSlotHandlers(),
    hostControlHandlers(),
  ]) {
    for (const [name, handler] of group) {
      if (!RPC_METHODS.has(name)) throw new Error(`handler for unknown RPC method '${name}'`);
      if (result.has(name)) throw new Error(`two handlers for RPC method '${name}'`);
      result.set(name, handler);
    }
  }
  return result;
}

/** The methods opsi-ts implements (every name is one of the 490 RPC methods). */
export const IMPLEMENTED_METHODS: ReadonlyMap<string, MethodHandler> = buildImplemented();

/** Every RPC method: its implementation or a `BackendNotImplementedError` naming the missing capability. */
export const METHOD_HANDLERS: ReadonlyMap<string, MethodHandler> = new Map(
  [...RPC_METHODS.keys()].map((name) => [name, IMPLEMENTED_METHODS.get(name) ?? notImplementedHandler(name)]),
);

/**
 * Names of the methods that answer `BackendNotImplementedError`, sorted.
 * @example notImplementedMethods().includes("dhcpd_updateHost") // true
 */
export function notImplementedMethods(): string[] {
  return [...RPC_METHODS.keys()].filter((name) => !IMPLEMENTED_METHODS.has(name)).sort();
}
