/**
 * @module sequencing/rpc
 * The action-sequencing RPC methods (spec §4.4) on top of {@link BackendCore}: they load the depot
 * data once per call (one `getObjects` per prefix, filtered by ids), run
 * {@link sequenceClientActions} per client and shape the results like opsiconfd 4.3.
 */
import type { BackendCore } from "../backend/Backend.js";
import { getClientToDepotserver } from "../backend/depot-assignment.js";
import { BackendBadValueError, BackendMissingDataError, describeValue } from "../errors.js";
import type { Filter } from "../filter/filter.js";
import type { ProductDependency, ProductOnClient, ProductOnDepot } from "../model/classes.js";
import { forceActionRequest, forceHostId, forceProductId } from "../model/forcers.js";
import { decodeObject, decodeObjects } from "../model/object.js";
import { type SequencedActionGroup, type SequencingCatalog, type SequencingProduct, sequenceClientActions } from "./algorithm.js";
import type { ActionGroupInfo, ProductOrdering, SequencedProductOnClient } from "./types.js";

/** Product attributes the algorithm reads (ident and `type` are always loaded). */
const PRODUCT_ATTRIBUTES = [
  "priority",
  "setupScript",
  "uninstallScript",
  "updateScript",
  "alwaysScript",
  "onceScript",
  "customScript",
] as const;

/** Script order that picks the pseudo action of `getProductOrdering`. */
const ORDERING_ACTIONS = ["setup", "update", "always", "once", "custom", "uninstall"] as const;

/** The products of one depot as the algorithm needs them. */
interface DepotData {
  /** The depot's ProductOnDepots in backend order. */
  readonly productOnDepots: ProductOnDepot[];
  readonly products: Map<string, SequencingProduct>;
  readonly dependencies: Map<string, ProductDependency[]>;
}

const versionKey = (id: string, productVersion: string, packageVersion: string) => `${id};${productVersion};${packageVersion}`;

function unique<T>(values: Iterable<T>): T[] {
  return [...new Set(values)];
}

/** Loads products and dependencies of the given depots: three `getObjects` calls in all. */
async function loadDepots(backend: BackendCore, depotIds: readonly string[]): Promise<Map<string, DepotData>> {
  const result = new Map<string, DepotData>();
  if (depotIds.length === 0) return result;
  const productOnDepots = await backend.getObjects("productOnDepot", null, { depotId: [...depotIds] });
  const productIds = unique(productOnDepots.map((p) => p.productId));
  const [products, dependencies] =
    productIds.length === 0
      ? [[], []]
      : await Promise.all([
          backend.getObjects("product", PRODUCT_ATTRIBUTES, { id: productIds }),
          backend.getObjects("productDependency", null, { productId: productIds }),
        ]);
  const productByVersion = new Map(products.map((p) => [versionKey(p.id, p.productVersion, p.packageVersion), p]));
  const dependenciesByVersion = new Map<string, ProductDependency[]>();
  for (const dep of dependencies) {
    const key = versionKey(dep.productId, dep.productVersion, dep.packageVersion);
    const list = dependenciesByVersion.get(key);
    if (list) list.push(dep);
    else dependenciesByVersion.set(key, [dep]);
  }
  for (const depotId of depotIds) {
    result.set(depotId.toLowerCase(), { productOnDepots: [], products: new Map(), dependencies: new Map() });
  }
  for (const pod of productOnDepots) {
    const depot = result.get(pod.depotId.toLowerCase());
    if (!depot) continue;
    depot.productOnDepots.push(pod);
    const key = versionKey(pod.productId, pod.productVersion, pod.packageVersion);
    const product = productByVersion.get(key);
    // A ProductOnDepot without its Product makes the product unavailable, as in opsi.
    if (!product) continue;
    depot.products.set(pod.productId, product);
    depot.dependencies.set(pod.productId, dependenciesByVersion.get(key) ?? []);
  }
  return result;
}

/**
 * The catalogue of each client: its depot's products (a client that is not a known client, like the
 * depot in `getProductOrdering`, counts as its own depot, as in opsi) and its stored POCs.
 */
async function loadCatalogs(
  backend: BackendCore,
  clientIds: readonly string[],
  storedPocs?: readonly ProductOnClient[],
): Promise<Map<string, SequencingCatalog>> {
  const catalogs = new Map<string, SequencingCatalog>();
  if (clientIds.length === 0) return catalogs;
  const [assignments, stored] = await Promise.all([
    getClientToDepotserver(backend, null, [...clientIds]),
    storedPocs ?? backend.getObjects("productOnClient", null, { clientId: [...clientIds] }),
  ]);
  const depotOf = new Map(assignments.map((a) => [a.clientId, a.depotId]));
  const depots = await loadDepots(backend, unique(clientIds.map((c) => depotOf.get(c) ?? c)));
  const storedByClient = new Map<string, Map<string, ProductOnClient>>();
  for (const poc of stored) {
    let map = storedByClient.get(poc.clientId);
    if (!map) {
      map = new Map();
      storedByClient.set(poc.clientId, map);
    }
    if (!map.has(poc.productId)) map.set(poc.productId, poc);
  }
  for (const clientId of clientIds) {
    const depot = depots.get((depotOf.get(clientId) ?? clientId).toLowerCase());
    catalogs.set(clientId, {
      products: depot?.products ?? new Map(),
      dependencies: depot?.dependencies ?? new Map(),
      storedProductOnClients: storedByClient.get(clientId) ?? new Map(),
    });
  }
  return catalogs;
}

/** Groups POCs by client in order of first appearance (opsi iterates clients that way). */
function byClient(pocs: readonly ProductOnClient[]): Map<string, ProductOnClient[]> {
  const result = new Map<string, ProductOnClient[]>();
  for (const poc of pocs) {
    const list = result.get(poc.clientId);
    if (list) list.push(poc);
    else result.set(poc.clientId, [poc]);
  }
  return result;
}

/** opsi `get_product_action_groups`: the action groups per client. */
async function actionGroups(
  backend: BackendCore,
  pocs: readonly ProductOnClient[],
  storedPocs?: readonly ProductOnClient[],
): Promise<Map<string, SequencedActionGroup[]>> {
  const clients = byClient(pocs);
  const catalogs = await loadCatalogs(backend, [...clients.keys()], storedPocs);
  const result = new Map<string, SequencedActionGroup[]>();
  for (const [clientId, list] of clients) {
    const catalog = catalogs.get(clientId) ?? { products: new Map(), dependencies: new Map() };
    result.set(clientId, sequenceClientActions(clientId, list, catalog).groups);
  }
  return result;
}

function flatten(groups: Map<string, SequencedActionGroup[]>): ProductOnClient[] {
  return [...groups.values()].flatMap((list) => list.flatMap((g) => g.product_on_clients));
}

/** True if a filter selects whole clients only, so its result holds every stored POC of them. */
function selectsWholeClients(filter: Filter | null | undefined): boolean {
  if (!filter) return true;
  return Object.entries(filter).every(
    ([key, value]) => key === "clientId" || value === null || value === undefined || (Array.isArray(value) && value.length === 0),
  );
}

/**
 * `productOnClient_getObjectsWithSequence`: the stored POCs matching the filter, in computed order,
 * with `actionSequence` and a 1-based `actionGroup`; the stored `actionRequest` is kept (`none` →
 * sequence −1), POCs without one are dropped, dependency-only actions are not returned. With
 * `attributes` that do not include `actionSequence` this is plain `getObjects`.
 * @example await getObjectsWithSequence(backend, [], { clientId: "pc1.dom.tld" })
 */
export async function getObjectsWithSequence(
  backend: BackendCore,
  attributes?: readonly string[] | null,
  filter?: Filter | null,
): Promise<SequencedProductOnClient[]> {
  const restricted = attributes !== null && attributes !== undefined && attributes.length > 0;
  if (restricted && !attributes.includes("actionSequence")) return backend.getObjects("productOnClient", attributes, filter);
  const pocs = await backend.getObjects("productOnClient", restricted ? attributes : null, filter);
  const actionRequests = new Map(pocs.map((p) => [`${p.clientId};${p.productId}`, p.actionRequest]));
  const groups = await actionGroups(backend, pocs, !restricted && selectsWholeClients(filter) ? pocs : undefined);
  const result: SequencedProductOnClient[] = [];
  for (const clientGroups of groups.values()) {
    clientGroups.forEach((group, idx) => {
      for (const poc of group.product_on_clients) {
        const actionRequest = actionRequests.get(`${poc.clientId};${poc.productId}`);
        if (!actionRequest) continue;
        result.push({
          ...poc,
          actionRequest,
          actionSequence: actionRequest === "none" ? -1 : poc.actionSequence,
          actionGroup: idx + 1,
        });
      }
    });
  }
  return result;
}

/**
 * `productOnClient_addDependencies`: the given POCs plus the POCs needed to fulfil their
 * dependencies (and unchanged `none` entries), in computed order. Nothing is written.
 * @example await addDependencies(backend, [{ productId: "firefox", productType: "LocalbootProduct", clientId: "pc1.dom.tld", actionRequest: "setup" }])
 */
export async function addDependencies(backend: BackendCore, pocs: unknown): Promise<ProductOnClient[]> {
  return flatten(await actionGroups(backend, decodeObjects("productOnClient", pocs)));
}

/**
 * `productOnClient_generateSequence`: the given POCs (only their products, per client) in
 * computed order, with `actionSequence` set.
 * @example await generateSequence(backend, pocs)
 */
export async function generateSequence(backend: BackendCore, pocs: unknown): Promise<ProductOnClient[]> {
  const list = decodeObjects("productOnClient", pocs);
  const wanted = new Set(list.map((p) => `${p.clientId};${p.productId}`));
  return flatten(await actionGroups(backend, list)).filter((p) => wanted.has(`${p.clientId};${p.productId}`));
}

/**
 * `productOnClient_updateObjectsWithDependencies`: {@link addDependencies}, then
 * `productOnClient_updateObjects` of the whole result, so dependency actions are persisted.
 * @example await updateObjectsWithDependencies(backend, pocs)
 */
export async function updateObjectsWithDependencies(backend: BackendCore, pocs: unknown): Promise<ProductOnClient[]> {
  const result = await addDependencies(backend, pocs);
  if (result.length > 0) await backend.updateObjects("productOnClient", result);
  return result;
}

/**
 * `productOnClient_getActionGroups`: the action groups of the client's stored POCs; each group
 * lists only the POCs with an action other than `none`, and groups left empty are dropped.
 * @example (await getActionGroups(backend, "pc1.dom.tld")).map((g) => g.priority)
 */
export async function getActionGroups(backend: BackendCore, clientId: unknown): Promise<ActionGroupInfo[]> {
  const id = forceHostId(clientId);
  const pocs = await backend.getObjects("productOnClient", null, { clientId: id });
  const groups = (await actionGroups(backend, pocs, pocs)).get(id) ?? [];
  const result: ActionGroupInfo[] = [];
  for (const group of groups) {
    const productOnClients = group.product_on_clients.filter((p) => p.actionRequest && p.actionRequest !== "none");
    if (productOnClients.length === 0) continue;
    result.push({
      priority: group.priority,
      product_on_clients: productOnClients,
      priorities: group.priorities,
      dependencies: {},
      sort_log: group.sort_log,
    });
  }
  return result;
}

/**
 * `setProductActionRequestWithDependencies`: sets the action request on the stored POC (or a new
 * `not_installed` one) and writes it with its dependencies. Raises {@link BackendMissingDataError}
 * if the product is not on the client's depot.
 * @example await setProductActionRequestWithDependencies(backend, "firefox", "pc1.dom.tld", "setup")
 */
export async function setProductActionRequestWithDependencies(
  backend: BackendCore,
  productId: unknown,
  clientId: unknown,
  actionRequest: unknown,
): Promise<void> {
  const pid = forceProductId(productId);
  const cid = forceHostId(clientId);
  const request = forceActionRequest(actionRequest);
  const [assignment] = await getClientToDepotserver(backend, null, [cid]);
  if (!assignment) throw new BackendMissingDataError(`Failed to get depot of client '${cid}'`);
  const [pod] = await backend.getObjects("productOnDepot", null, { depotId: assignment.depotId, productId: pid });
  if (!pod) throw new BackendMissingDataError(`Product '${pid}' not found on depot '${assignment.depotId}'`);
  const [existing] = await backend.getObjects("productOnClient", null, { clientId: cid, productId: pid });
  const poc = existing
    ? { ...existing, actionRequest: request }
    : decodeObject("productOnClient", {
        productId: pid,
        productType: pod.productType,
        clientId: cid,
        installationStatus: "not_installed",
        actionRequest: request,
      });
  await updateObjectsWithDependencies(backend, [poc]);
}

/**
 * `getProductOrdering`: the depot's localboot product ids, alphabetically (`not_sorted`) and in
 * the order the algorithm gives a pseudo-client requesting the first available script of each
 * (`sorted`). `sortAlgorithm` must be unset or `"algorithm1"`, else {@link BackendBadValueError}.
 * @example (await getProductOrdering(backend, "configserver.dom.tld")).sorted
 */
export async function getProductOrdering(backend: BackendCore, depotId: unknown, sortAlgorithm?: unknown): Promise<ProductOrdering> {
  // opsi checks `if sortAlgorithm and sortAlgorithm != "algorithm1"`: falsy values pass.
  if (sortAlgorithm !== null && sortAlgorithm !== undefined && sortAlgorithm !== "" && sortAlgorithm !== "algorithm1") {
    throw new BackendBadValueError(`Invalid sort algorithm ${describeValue(sortAlgorithm)}`);
  }
  const depot = forceHostId(depotId);
  const data = (await loadDepots(backend, [depot])).get(depot);
  const productIds: string[] = [];
  const pocs: ProductOnClient[] = [];
  for (const pod of data?.productOnDepots ?? []) {
    const product = data?.products.get(pod.productId);
    if (pod.productType !== "LocalbootProduct" || product?.type !== "LocalbootProduct") continue;
    productIds.push(product.id);
    const action = ORDERING_ACTIONS.find((a) => product[`${a}Script`]);
    if (!action) continue;
    pocs.push(
      decodeObject("productOnClient", {
        productId: pod.productId,
        productType: pod.productType,
        clientId: depot,
        installationStatus: "not_installed",
        actionRequest: action,
      }),
    );
  }
  const catalog: SequencingCatalog = { products: data?.products ?? new Map(), dependencies: data?.dependencies ?? new Map() };
  const { groups } = sequenceClientActions(depot, pocs, catalog);
  return {
    not_sorted: productIds.sort(),
    sorted: groups.flatMap((g) => g.product_on_clients.map((p) => p.productId)),
  };
}
