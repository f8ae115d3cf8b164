/**
 * @module backend/memory/select
 * Filter evaluation over a {@link Table}: exact-match conditions on indexed attributes are
 * answered from the most selective index, the remaining conditions are checked per candidate.
 */
import type { FilterCondition, ParsedFilter } from "../../filter/filter.js";
import { conditionMatches, exactValues } from "../../filter/match.js";
import { keyPart } from "./keys.js";
import type { Row, Table } from "./table.js";

/** How a selection is answered: from an index (with its keys) or by a full scan. */
export interface SelectionPlan {
  /** The index used, or undefined for a full scan. */
  readonly index?: string;
  /** The index keys looked up. */
  readonly keys: readonly string[];
  /** Conditions still to check on each candidate. */
  readonly residual: readonly FilterCondition[];
  /** Number of candidate rows. */
  readonly candidates: number;
}

/**
 * Chooses the most selective usable index: a condition whose alternatives are all exact string
 * values (eq terms or an IN list) on an indexed attribute. Numeric operands are not index-safe
 * (MySQL compares a string column with a number numerically), so they force other plans.
 * @example planSelection(table, parseFilter("productOnClient", { clientId: "pc1.dom.tld" }).conditions)
 */
export function planSelection(table: Table, conditions: readonly FilterCondition[]): SelectionPlan {
  let best: { condition: FilterCondition; keys: string[]; count: number } | undefined;
  for (const condition of conditions) {
    if (!table.hasIndex(condition.attribute)) continue;
    const values = exactValues(condition);
    if (!values?.every((v) => typeof v === "string")) continue;
    const keys = [...new Set(values.map(keyPart))];
    let count = 0;
    for (const k of keys) count += table.lookup(condition.attribute, k)?.size ?? 0;
    if (!best || count < best.count) best = { condition, keys, count };
    if (count === 0) break;
  }
  if (!best) return { keys: [], residual: conditions, candidates: table.size };
  const chosen = best.condition;
  return { index: chosen.attribute, keys: best.keys, residual: conditions.filter((c) => c !== chosen), candidates: best.count };
}

function matchesAll(conditions: readonly FilterCondition[], row: Row): boolean {
  for (const c of conditions) if (!conditionMatches(c, row)) return false;
  return true;
}

/**
 * The rows of a table matching a parsed filter (optionally only some of its conditions).
 * @example selectRows(tables.productOnClient, parseFilter("productOnClient", { clientId: "pc1.dom.tld" }))
 */
export function selectRows(table: Table, filter: ParsedFilter | readonly FilterCondition[]): Row[] {
  const conditions = "conditions" in filter ? filter.conditions : filter;
  const plan = planSelection(table, conditions);
  const out: Row[] = [];
  if (plan.index === undefined) {
    for (const row of table.values()) if (matchesAll(plan.residual, row)) out.push(row);
    return out;
  }
  for (const k of plan.keys) {
    const bucket = table.lookup(plan.index, k);
    if (!bucket) continue;
    for (const row of bucket.values()) if (matchesAll(plan.residual, row)) out.push(row);
  }
  return out;
}

/**
 * Rows of an index bucket (exact key), e.g. all ProductOnClients of a client.
 * @example rowsByIndex(tables.productOnClient, "clientId", "pc1.dom.tld")
 */
export function rowsByIndex(table: Table, index: string, value: unknown): Row[] {
  const bucket = table.lookup(index, keyPart(value));
  return bucket ? [...bucket.values()] : [];
}
