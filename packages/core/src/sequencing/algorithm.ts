/**
 * @module sequencing/algorithm
 * opsi 4.3 product action sequencing for one client (`get_product_action_groups`, spec §4.2): seed
 * actions, expand dependencies, keep one action per product, build and order action groups. Pure,
 * synchronous and browser-safe. The in-group dependency sort is replaceable: {@link stableGroupOrder}
 * (default) satisfies every acyclic before/after constraint, {@link opsiSinglePassOrder} reproduces
 * opsi's single move pass, which can leave constraints violated.
 */
import { BackendBadValueError } from "../errors.js";
import type { ProductOnClient } from "../model/classes.js";
import type { ActionGroupInfo } from "./types.js";

/** Rank of an action when several compete and as last sort key (opsi `ACTION_REQUEST_PRIO`). */
export const ACTION_REQUEST_PRIO: Readonly<Record<string, number>> = Object.freeze({
  setup: 1,
  update: 2,
  always: 3,
  once: 4,
  custom: 5,
  uninstall: 6,
  none: 7,
});

/** The Product fields sequencing reads, for the version installed on the client's depot. */
export interface SequencingProduct {
  readonly id: string;
  /** Class name (`LocalbootProduct`, `NetbootProduct`); becomes the productType of added POCs. */
  readonly type: string;
  readonly productVersion: string;
  readonly packageVersion: string;
  readonly priority?: number | null;
  readonly setupScript?: string | null;
  readonly uninstallScript?: string | null;
  readonly updateScript?: string | null;
  readonly alwaysScript?: string | null;
  readonly onceScript?: string | null;
  readonly customScript?: string | null;
}

/** The ProductDependency fields sequencing reads. */
export interface SequencingDependency {
  readonly productAction: string | null;
  readonly requiredProductId: string;
  readonly requiredProductVersion?: string | null;
  readonly requiredPackageVersion?: string | null;
  readonly requiredAction?: string | null;
  readonly requiredInstallationStatus?: string | null;
  readonly requirementType?: string | null;
}

/** What the algorithm knows about the client's depot and the client's stored state. */
export interface SequencingCatalog {
  /** Products available on the depot (a ProductOnDepot with a matching Product), by product id. */
  readonly products: ReadonlyMap<string, SequencingProduct>;
  /** Dependencies of the depot version of each product, by product id, in backend order. */
  readonly dependencies: ReadonlyMap<string, readonly SequencingDependency[]>;
  /** The client's ProductOnClients from the database, by product id (for fulfilment checks). */
  readonly storedProductOnClients?: ReadonlyMap<string, ProductOnClient>;
}

/** Requirement types that order actions; `""` (no type) only adds the action. */
type RequirementKey = "before" | "after" | "";

/** One product action while sequencing (opsi's `Action`); exposed for group-order strategies. */
export interface SequencingAction {
  readonly productId: string;
  readonly productType: ProductOnClient["productType"];
  readonly action: string;
  /** Product priority, negated for `uninstall`. */
  readonly priority: number;
  required: boolean;
  productOnClient: ProductOnClient | null;
  /** Actions that required this one, in discovery order. */
  readonly fromActions: SequencingAction[];
  /** Actions this one requires, by requirement type. */
  readonly dependentActions: Record<RequirementKey, SequencingAction[]>;
}

/** An ordering constraint between two products of one group: `earlier` must run before `later`. */
export interface OrderConstraint {
  readonly earlier: string;
  readonly later: string;
  /** `before`: `later` requires `earlier` before it; `after`: `earlier` requires `later` after it. */
  readonly requirementType: "before" | "after";
}

/** Result of an in-group order strategy. */
export interface GroupOrder {
  readonly order: SequencingAction[];
  /** Constraints deliberately dropped to break cycles (each also logged in the sort log). */
  readonly ignored: OrderConstraint[];
}

/**
 * Orders one group's actions, given in base order (−priority, productId, action rank). Appends
 * human-readable lines to `sortLog`.
 */
export type GroupOrderStrategy = (baseOrder: readonly SequencingAction[], sortLog: string[]) => GroupOrder;

/** One action group as computed (opsi `ProductActionGroup` plus the constraints it was sorted by). */
export interface SequencedActionGroup extends ActionGroupInfo {
  /** The before/after constraints between this group's actions (not part of opsi's wire format). */
  constraints: OrderConstraint[];
  /** Constraints dropped to break cycles (not part of opsi's wire format). */
  ignoredConstraints: OrderConstraint[];
}

/** Result of {@link sequenceClientActions}. */
export interface ClientSequence {
  readonly groups: SequencedActionGroup[];
  /** Dependencies that were skipped because the required product lacks the needed script. */
  readonly warnings: string[];
}

/** Options of {@link sequenceClientActions}. */
export interface SequencingOptions {
  /** In-group dependency sort; default {@link stableGroupOrder}. */
  readonly groupOrder?: GroupOrderStrategy;
}

const REQUIREMENT_TYPES = ["before", "after"] as const;

function rank(action: string): number {
  return ACTION_REQUEST_PRIO[action] ?? 8;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** opsi's base key (−priority, productId, action rank). */
function compareBase(a: SequencingAction, b: SequencingAction): number {
  return b.priority - a.priority || compareStrings(a.productId, b.productId) || rank(a.action) - rank(b.action);
}

function label(a: SequencingAction): string {
  return `${a.productId}:${a.action}`;
}

function describeOrder(actions: readonly SequencingAction[]): string {
  return actions.map((a) => `${label(a)}(${a.priority})`).join(", ");
}

function scriptOf(product: SequencingProduct, action: string): string | null | undefined {
  switch (action) {
    case "setup":
      return product.setupScript;
    case "uninstall":
      return product.uninstallScript;
    case "update":
      return product.updateScript;
    case "always":
      return product.alwaysScript;
    case "once":
      return product.onceScript;
    case "custom":
      return product.customScript;
    default:
      // opsi has no `<action>Script` for other actions (e.g. "none"): treated as missing.
      return null;
  }
}

function productTypeOf(product: SequencingProduct): ProductOnClient["productType"] {
  return product.type === "NetbootProduct" ? "NetbootProduct" : "LocalbootProduct";
}

function actionPriority(product: SequencingProduct, action: string | null): number {
  const priority = product.priority ?? 0;
  // `0 - p` instead of `-p` so that priority 0 stays +0.
  return action === "uninstall" ? 0 - priority : priority;
}

function newAction(
  productId: string,
  productType: ProductOnClient["productType"],
  action: string,
  priority: number,
  required: boolean,
  productOnClient: ProductOnClient | null,
): SequencingAction {
  return {
    productId,
    productType,
    action,
    priority,
    required,
    productOnClient,
    fromActions: [],
    dependentActions: { before: [], after: [], "": [] },
  };
}

function sameAction(a: SequencingAction, b: SequencingAction): boolean {
  return a.productId === b.productId && a.action === b.action;
}

/** opsi's version check: passes if either side is unset or both are equal. */
function versionMatches(required: string | null | undefined, actual: string | null | undefined): boolean {
  return !required || !actual || required === actual;
}

function requirementKey(type: string | null | undefined): RequirementKey {
  return type === "before" || type === "after" ? type : "";
}

interface GroupBuild {
  priority: number;
  actions: SequencingAction[];
}

/** opsi `ActionGroup.add_action`: the group priority is the max positive, else the min negative. */
function addToGroup(group: GroupBuild, action: SequencingAction): void {
  group.actions.push(action);
  if (!action.required) return;
  const max = Math.max(group.priority, action.priority);
  const min = Math.min(group.priority, action.priority);
  if (max > 0) group.priority = max;
  else if (min < 0) group.priority = min;
}

/** Per-client state of the sorter (opsi's `ActionSorter`). */
class ActionSorter {
  /** `unsorted[productId][action]`, both in insertion order. */
  readonly unsorted = new Map<string, Map<string, SequencingAction>>();
  readonly warnings: string[] = [];
  private readonly currentPocs = new Map<string, ProductOnClient>();

  constructor(
    private readonly clientId: string,
    private readonly catalog: SequencingCatalog,
    inputPocs: readonly ProductOnClient[],
  ) {
    for (const poc of inputPocs) if (!this.currentPocs.has(poc.productId)) this.currentPocs.set(poc.productId, poc);
  }

  /** Step 1: one action per input POC whose product is on the depot. */
  seed(poc: ProductOnClient): void {
    const product = this.catalog.products.get(poc.productId);
    if (!product) return;
    const action = poc.actionRequest || "none";
    const required = !(poc.actionRequest === null || poc.actionRequest === "" || poc.actionRequest === "none");
    const seeded = newAction(poc.productId, poc.productType, action, actionPriority(product, poc.actionRequest), required, poc);
    this.actionsOf(poc.productId).set(action, seeded);
  }

  /** Step 2 for one seeded action; `path` is shared by the whole recursion tree and never popped. */
  expand(action: SequencingAction, path: Set<string>): void {
    path.add(action.productId);
    const product = this.catalog.products.get(action.productId);
    if (!product) return;
    for (const dep of this.catalog.dependencies.get(product.id) ?? []) {
      if (dep.productAction !== action.action || path.has(dep.requiredProductId)) continue;
      const depProduct = this.catalog.products.get(dep.requiredProductId);
      if (
        !depProduct ||
        (dep.requiredProductVersion && depProduct.productVersion !== dep.requiredProductVersion) ||
        (dep.requiredPackageVersion && depProduct.packageVersion !== dep.requiredPackageVersion)
      ) {
        continue;
      }

      let requiredAction = dep.requiredAction;
      let required = true;
      if (!requiredAction) {
        const status = dep.requiredInstallationStatus;
        if (status === "installed") requiredAction = "setup";
        else if (status === "not_installed") requiredAction = "uninstall";
        else {
          throw new BackendBadValueError(
            `Invalid requiredInstallationStatus '${status ?? ""}' in dependency of '${product.id}' on '${dep.requiredProductId}'`,
          );
        }
        const poc = this.currentPoc(depProduct.id);
        required = !(
          status === poc.installationStatus &&
          versionMatches(dep.requiredProductVersion, poc.productVersion) &&
          versionMatches(dep.requiredPackageVersion, poc.packageVersion)
        );
      }

      if (required && !scriptOf(depProduct, requiredAction)) {
        this.warnings.push(
          `Dependency of ${label(action)} on ${depProduct.id} cannot be fulfilled because product ${depProduct.id} is missing a ${requiredAction}Script`,
        );
        continue;
      }

      const actions = this.actionsOf(depProduct.id);
      let depAction = actions.get(requiredAction);
      if (depAction) {
        if (!depAction.required) depAction.required = required;
        if (!depAction.fromActions.some((a) => sameAction(a, action))) depAction.fromActions.push(action);
      } else {
        depAction = newAction(
          depProduct.id,
          productTypeOf(depProduct),
          requiredAction,
          actionPriority(depProduct, requiredAction),
          required,
          null,
        );
        depAction.fromActions.push(action);
        actions.set(requiredAction, depAction);
      }

      const dependents = action.dependentActions[requirementKey(dep.requirementType)];
      if (!dependents.some((a) => sameAction(a, depAction))) dependents.push(depAction);
      this.expand(depAction, path);
    }
  }

  /** Step 3: the lowest action rank wins the product's POC; every other action becomes non-required. */
  selectActions(): void {
    for (const actions of this.unsorted.values()) {
      if (actions.size <= 1) continue;
      const list = [...actions.values()];
      const poc = list.find((a) => a.productOnClient)?.productOnClient ?? null;
      list.sort((a, b) => rank(a.action) - rank(b.action) || a.fromActions.length - b.fromActions.length);
      const [winner, ...others] = list;
      if (winner) winner.productOnClient = poc;
      for (const other of others) {
        other.required = false;
        other.productOnClient = null;
      }
    }
  }

  /** Steps 4 and 5: connected components over required before/after dependencies, then filled. */
  buildGroups(): GroupBuild[] {
    let productGroups: Set<string>[] = [];
    for (const [productId, actions] of this.unsorted) {
      const ids = new Set([productId]);
      for (const action of actions.values()) {
        if (!action.required) continue;
        for (const type of REQUIREMENT_TYPES) for (const dep of action.dependentActions[type]) ids.add(dep.productId);
      }
      const merged = new Set<number>();
      for (const id of [...ids]) {
        productGroups.forEach((group, idx) => {
          if (!group.has(id)) return;
          for (const other of group) ids.add(other);
          merged.add(idx);
        });
      }
      // The merged group goes to the end; untouched groups keep their positions.
      productGroups = productGroups.filter((_, idx) => !merged.has(idx));
      productGroups.push(ids);
    }

    const groups: GroupBuild[] = [];
    for (const ids of productGroups) {
      const group: GroupBuild = { priority: 0, actions: [] };
      for (const productId of ids) {
        const actions = this.unsorted.get(productId);
        if (!actions) continue;
        let added = false;
        let withPoc: SequencingAction | null = null;
        for (const action of actions.values()) {
          if (action.required) {
            addToGroup(group, action);
            added = true;
          } else if (action.productOnClient) {
            withPoc = action;
          }
        }
        if (!added && withPoc) addToGroup(group, withPoc);
      }
      if (group.actions.length > 0) groups.push(group);
    }
    return groups;
  }

  private actionsOf(productId: string): Map<string, SequencingAction> {
    let actions = this.unsorted.get(productId);
    if (!actions) {
      actions = new Map();
      this.unsorted.set(productId, actions);
    }
    return actions;
  }

  /** The POC used for fulfilment checks: input list, else database, else a default `not_installed`. */
  private currentPoc(productId: string): Pick<ProductOnClient, "installationStatus" | "productVersion" | "packageVersion"> {
    return (
      this.currentPocs.get(productId) ??
      this.catalog.storedProductOnClients?.get(productId) ?? {
        installationStatus: "not_installed",
        productVersion: null,
        packageVersion: null,
      }
    );
  }

  /** Output POC of an action (opsi `Action.get_product_on_client`). */
  productOnClientOf(action: SequencingAction): ProductOnClient {
    const actionRequest = action.required ? action.action : "none";
    if (action.productOnClient) return { ...action.productOnClient, actionRequest };
    return {
      type: "ProductOnClient",
      productId: action.productId,
      productType: action.productType,
      clientId: this.clientId,
      targetConfiguration: null,
      installationStatus: null,
      actionRequest,
      lastAction: null,
      actionProgress: null,
      actionResult: null,
      productVersion: null,
      packageVersion: null,
      modificationTime: null,
      actionSequence: -1,
    };
  }
}

interface IndexedConstraint {
  readonly earlier: number;
  readonly later: number;
  readonly requirementType: "before" | "after";
}

/** The before/after constraints between the given actions (only required dependents inside the list). */
function collectConstraints(actions: readonly SequencingAction[]): IndexedConstraint[] {
  const index = new Map<SequencingAction, number>();
  actions.forEach((a, i) => {
    index.set(a, i);
  });
  const constraints: IndexedConstraint[] = [];
  actions.forEach((action, i) => {
    for (const dep of action.dependentActions.before) {
      const j = index.get(dep);
      if (dep.required && j !== undefined && j !== i) constraints.push({ earlier: j, later: i, requirementType: "before" });
    }
    for (const dep of action.dependentActions.after) {
      const j = index.get(dep);
      if (dep.required && j !== undefined && j !== i) constraints.push({ earlier: i, later: j, requirementType: "after" });
    }
  });
  return constraints;
}

function toProductConstraint(actions: readonly SequencingAction[], c: IndexedConstraint): OrderConstraint {
  return {
    earlier: actions[c.earlier]?.productId ?? "",
    later: actions[c.later]?.productId ?? "",
    requirementType: c.requirementType,
  };
}

const PENDING = 0;
const PLACING = 1;
const PLACED = 2;

/**
 * The default in-group sort: a stable topological sort that starts from the base order and moves
 * only what a constraint requires, with opsi's move semantics. Walking the base order,
 * - an action with an unplaced `after`-type predecessor ("A needs D after" makes A the predecessor
 *   of D) is deferred and placed right behind its last predecessor;
 * - any other action first places its unplaced predecessors (depth-first, in base order), so a
 *   `before` dependency is pulled in front of the product that needs it.
 * Every acyclic constraint set is satisfied. Cycle rule: a predecessor that is still being placed
 * further up the current depth-first chain closes a cycle; that one constraint ("predecessor before
 * current") is dropped and recorded in `ignored` and the sort log. So in a simple cycle the action
 * through which the walk enters it is placed after the cycle's other members (A needs B before,
 * B needs A before, base a, b → b, a, like opsi). Actions still deferred after the walk (waiting
 * only on a cycle) are then placed in base order the same way. Every constraint that is not
 * dropped holds. Deterministic; O(n + constraints) plus sorting of released actions.
 * @example stableGroupOrder(baseOrderedActions, []).order.map((a) => a.productId)
 */
export function stableGroupOrder(baseOrder: readonly SequencingAction[], sortLog: string[]): GroupOrder {
  const n = baseOrder.length;
  const constraints = collectConstraints(baseOrder);
  if (constraints.length === 0) return { order: [...baseOrder], ignored: [] };

  // Distinct predecessors per action (ascending base index), flagged if any constraint is `after`.
  const predecessorFlags: Map<number, boolean>[] = Array.from({ length: n }, () => new Map());
  const successors: number[][] = Array.from({ length: n }, () => []);
  for (const c of constraints) {
    const preds = predecessorFlags[c.later];
    if (!preds) continue;
    const known = preds.get(c.earlier);
    if (known === undefined) successors[c.earlier]?.push(c.later);
    preds.set(c.earlier, (known ?? false) || c.requirementType === "after");
  }
  const predecessors = predecessorFlags.map((m) => [...m.keys()].sort((a, b) => a - b));
  const remaining = predecessors.map((p) => p.length);
  const state = new Array<number>(n).fill(PENDING);
  const deferred = new Array<boolean>(n).fill(false);
  const order: SequencingAction[] = [];
  const ignored: OrderConstraint[] = [];
  let moved = false;

  const at = (i: number): SequencingAction => {
    const action = baseOrder[i];
    if (!action) throw new RangeError(`No action at ${i}`);
    return action;
  };

  const place = (v: number): void => {
    state[v] = PLACING;
    deferred[v] = false;
    for (const u of predecessors[v] ?? []) {
      if (state[u] === PLACED) continue;
      if (state[u] === PLACING) {
        const dropped = constraints.filter((c) => c.earlier === u && c.later === v).map((c) => toProductConstraint(baseOrder, c));
        ignored.push(...dropped);
        sortLog.push(`Circular dependency: ignoring constraint ${label(at(u))} before ${label(at(v))}`);
        continue;
      }
      sortLog.push(`Moving ${label(at(u))} (#${u}) before ${label(at(v))} (#${v})`);
      moved = true;
      place(u);
    }
    state[v] = PLACED;
    order.push(at(v));
    const released: number[] = [];
    for (const w of successors[v] ?? []) {
      const left = (remaining[w] ?? 0) - 1;
      remaining[w] = left;
      if (left === 0 && deferred[w] && state[w] === PENDING) released.push(w);
    }
    released.sort((a, b) => a - b);
    for (const w of released) {
      if (state[w] !== PENDING) continue;
      sortLog.push(`Moving ${label(at(w))} (#${w}) after ${label(at(v))} (#${v})`);
      moved = true;
      place(w);
    }
  };

  const waitsForAfter = (v: number): boolean => {
    const flags = predecessorFlags[v];
    if (!flags) return false;
    for (const [u, isAfter] of flags) if (isAfter && state[u] !== PLACED) return true;
    return false;
  };

  for (let v = 0; v < n; v++) {
    if (state[v] !== PENDING) continue;
    if (waitsForAfter(v)) deferred[v] = true;
    else place(v);
  }
  // Only actions waiting on a cycle are left; placing them pulls (and breaks) the rest.
  for (let v = 0; v < n; v++) if (state[v] === PENDING) place(v);

  if (moved || ignored.length > 0) sortLog.push(`Order after dependency sort: ${describeOrder(order)}`);
  return { order, ignored };
}

/** Python `list.pop(i)` (negative indexes count from the end). */
function pyPop<T>(list: T[], i: number): T | undefined {
  const idx = i < 0 ? list.length + i : i;
  if (idx < 0 || idx >= list.length) return undefined;
  return list.splice(idx, 1)[0];
}

/** Python `list.insert(i, x)` (negative indexes count from the end, clamped). */
function pyInsert<T>(list: T[], i: number, item: T): void {
  const idx = i < 0 ? Math.max(0, list.length + i) : Math.min(i, list.length);
  list.splice(idx, 0, item);
}

/**
 * opsi 4.3's in-group sort (step 6.3) reproduced faithfully, including its flaws: exactly one move
 * pass, every requester in `from_actions` regardless of requirement type, and position −1 (Python
 * list semantics) for products outside the group. Used as baseline in tests and benchmarks only.
 * @example opsiSinglePassOrder(baseOrderedActions, []).order.map((a) => a.productId)
 */
export function opsiSinglePassOrder(baseOrder: readonly SequencingAction[], sortLog: string[]): GroupOrder {
  const actions = [...baseOrder];
  const dependents: Record<"before" | "after", SequencingAction[]> = { before: [], after: [] };
  for (const action of actions) {
    for (const type of REQUIREMENT_TYPES) {
      for (const dep of action.dependentActions[type]) if (dep.required && !dependents[type].includes(dep)) dependents[type].push(dep);
    }
  }
  dependents.before.sort(compareBase);
  dependents.after.sort((a, b) => a.priority - b.priority || compareStrings(a.productId, b.productId) || rank(a.action) - rank(b.action));

  for (const type of REQUIREMENT_TYPES) {
    for (const dep of dependents[type]) {
      for (const from of dep.fromActions) {
        let posPrd = -1;
        let posDep = -1;
        for (let idx = 0; idx < actions.length; idx++) {
          const productId = actions[idx]?.productId;
          if (productId === from.productId) posPrd = idx;
          else if (productId === dep.productId) posDep = idx;
          if (posPrd > -1 && posDep > -1) break;
        }
        if (!((type === "before" && posDep > posPrd) || (type === "after" && posDep < posPrd))) continue;
        sortLog.push(`Sort run #1: Moving ${label(dep)} (#${posDep}) ${type} ${label(from)} (#${posPrd})`);
        const item = pyPop(actions, posDep);
        if (item) pyInsert(actions, posPrd, item);
      }
    }
  }
  sortLog.push(`Order after sort run #1: ${describeOrder(actions)}`);
  return { order: actions, ignored: [] };
}

/**
 * Sequences one client's product actions (opsi 4.3 `get_product_action_groups`, spec §4.2) and
 * returns the ordered action groups. POCs of products that are not on the depot are skipped.
 * Throws {@link BackendBadValueError} only for a dependency with neither `requiredAction` nor a
 * valid `requiredInstallationStatus`, like opsi.
 * @example
 * const { groups } = sequenceClientActions("pc1.dom.tld", pocs, { products, dependencies });
 * groups.flatMap((g) => g.product_on_clients.map((p) => `${p.productId}:${p.actionRequest}`));
 */
export function sequenceClientActions(
  clientId: string,
  productOnClients: readonly ProductOnClient[],
  catalog: SequencingCatalog,
  options: SequencingOptions = {},
): ClientSequence {
  const groupOrder = options.groupOrder ?? stableGroupOrder;
  const sorter = new ActionSorter(clientId, catalog, productOnClients);
  for (const poc of productOnClients) sorter.seed(poc);
  // A snapshot of the seeded products; their action maps are read live, as opsi does.
  for (const actions of [...sorter.unsorted.values()]) {
    for (const action of actions.values()) sorter.expand(action, new Set());
  }
  sorter.selectActions();

  const sorted = sorter.buildGroups().map((group) => {
    const sortLog: string[] = [];
    const base = [...group.actions].sort(compareBase);
    sortLog.push(`Ordered by priority, productId and actionRequest: ${describeOrder(base)}`);
    const constraints = collectConstraints(base).map((c) => toProductConstraint(base, c));
    const { order, ignored } = groupOrder(base, sortLog);
    return { priority: group.priority, order, sortLog, constraints, ignored };
  });
  // Array.prototype.sort is stable: equal priorities keep input / merge order.
  sorted.sort((a, b) => b.priority - a.priority);

  let actionSequence = 0;
  const groups: SequencedActionGroup[] = [];
  for (const group of sorted) {
    const productOnClients: ProductOnClient[] = [];
    const priorities: [string, number][] = [];
    for (const action of group.order) {
      if (!action.required && !action.productOnClient) continue;
      priorities.push([action.productId, action.priority]);
      const poc = sorter.productOnClientOf(action);
      poc.actionSequence = action.required && action.action !== "none" ? actionSequence++ : -1;
      productOnClients.push(poc);
    }
    if (productOnClients.length === 0) continue;
    groups.push({
      priority: group.priority,
      product_on_clients: productOnClients,
      // fromEntries defines own properties, so an id like "__proto__" stays a plain key.
      priorities: Object.fromEntries(priorities),
      dependencies: {},
      sort_log: group.sortLog,
      constraints: group.constraints,
      ignoredConstraints: group.ignored,
    });
  }
  return { groups, warnings: sorter.warnings };
}
