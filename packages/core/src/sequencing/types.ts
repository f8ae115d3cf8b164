/**
 * @module sequencing/types
 * Result shapes of the action-sequencing RPC methods.
 */
import type { ProductOnClient } from "../model/classes.js";

/** A ProductOnClient with its computed position, as `productOnClient_getObjectsWithSequence` returns it. */
export type SequencedProductOnClient = ProductOnClient & { actionGroup?: number };

/** One action group of `productOnClient_getActionGroups` (opsi's `ActionGroup` serialisation). */
export interface ActionGroupInfo {
  priority: number;
  product_on_clients: ProductOnClient[];
  priorities: Record<string, number>;
  dependencies: Record<string, unknown>;
  sort_log: string[];
}

/** `getProductOrdering` result. */
export interface ProductOrdering {
  not_sorted: string[];
  sorted: string[];
}
