/** @module methods/product-actions Action requests and installation states of products on clients, and the sequencing methods. */
import {
  addDependencies,
  BackendConfigurationError,
  BackendMissingDataError,
  forceActionRequest,
  forceHostId,
  forceProductId,
  generateSequence,
  getActionGroups,
  getClientToDepotserver,
  getObjectsWithSequence,
  getProductOrdering,
  setProductActionRequestWithDependencies,
  updateObjectsWithDependencies,
} from "@opsi-ts/core";
import type { MethodContext, MethodHandler } from "./context.js";
import { attributeList, optionalString, wireObjects } from "./wire.js";

/**
 * `getDepotId(clientId)`: the depot the client is assigned to.
 * @example await getDepotId(ctx, "pc1.dom.tld") // "depot1.dom.tld"
 */
export async function getDepotId(ctx: MethodContext, clientId: unknown): Promise<string> {
  const id = forceHostId(clientId);
  for (const assignment of await getClientToDepotserver(ctx.backend, null, [id])) {
    if (assignment.clientId === id) return assignment.depotId;
  }
  throw new BackendConfigurationError(`Failed to get depot server for client '${id}'`);
}

/** Arguments of the legacy `setProductState`. */
export interface ProductStateArgs {
  readonly productId: unknown;
  readonly objectId: unknown;
  readonly installationStatus?: unknown;
  readonly actionRequest?: unknown;
  readonly productVersion?: unknown;
  readonly packageVersion?: unknown;
  readonly lastStateChange?: unknown;
  readonly productActionProgress?: unknown;
}

/**
 * opsi's `setProductState`: resolves the client's depot, requires the product there, derives
 * `actionResult`/`actionProgress` from the request or status and upserts the ProductOnClient.
 * @example await setProductState(ctx, { productId: "firefox", objectId: "pc1.dom.tld", actionRequest: "setup" })
 */
export async function setProductState(ctx: MethodContext, args: ProductStateArgs): Promise<null> {
  const productId = forceProductId(args.productId);
  const clientId = forceHostId(args.objectId);
  let installationStatus = optionalString(args.installationStatus);
  const actionRequest = optionalString(args.actionRequest);
  let productVersion = optionalString(args.productVersion);
  let packageVersion = optionalString(args.packageVersion);
  const lastStateChange = optionalString(args.lastStateChange);
  let actionProgress = optionalString(args.productActionProgress);
  let actionResult: string | null = null;

  const depotId = await getDepotId(ctx, clientId);
  const [pod] = await ctx.backend.getObjects("productOnDepot", null, { depotId, productId });
  if (!pod) throw new BackendMissingDataError(`Product '${productId}' not found on depot '${depotId}'`);

  if (actionRequest) {
    actionProgress = "";
    if (actionRequest !== "none") actionResult = "none";
  }
  if (installationStatus) {
    actionProgress = "";
    if (installationStatus === "failed") {
      actionResult = "failed";
      installationStatus = null;
    } else if (installationStatus === "installed") {
      actionResult = "successful";
    } else if (installationStatus === "installing") {
      actionProgress = installationStatus;
      actionResult = "none";
      installationStatus = "unknown";
    }
  }
  if ((actionRequest && actionRequest !== "none") || installationStatus) {
    productVersion ??= pod.productVersion;
    packageVersion ??= pod.packageVersion;
  }
  await ctx.backend.updateObjects("productOnClient", [
    {
      productId,
      productType: pod.productType,
      clientId,
      installationStatus,
      actionRequest,
      actionProgress,
      actionResult,
      productVersion,
      packageVersion,
      modificationTime: lastStateChange,
    },
  ]);
  return null;
}

/**
 * `setProductActionRequestWithDependencies`: netboot products and `none` requests are set without
 * dependency handling (as opsi does); otherwise the request and the dependent actions are written.
 * @example await setActionRequestWithDependencies(ctx, "firefox", "pc1.dom.tld", "setup")
 */
export async function setActionRequestWithDependencies(
  ctx: MethodContext,
  productIdArg: unknown,
  clientIdArg: unknown,
  actionRequestArg: unknown,
): Promise<null> {
  const productId = forceProductId(productIdArg);
  const clientId = forceHostId(clientIdArg);
  const actionRequest = forceActionRequest(actionRequestArg);
  const depotId = await getDepotId(ctx, clientId);
  const pods = await ctx.backend.getObjects("productOnDepot", null, { depotId, productId });
  if (pods.length === 0) throw new BackendMissingDataError(`Product '${productId}' not found on depot '${depotId}'`);
  const netboot = pods.some((p) => p.productType === "NetbootProduct");
  if (netboot || actionRequest === null || actionRequest === "none") {
    return setProductState(ctx, { productId, objectId: clientId, actionRequest });
  }
  await setProductActionRequestWithDependencies(ctx.backend, productId, clientId, actionRequest);
  return null;
}

/**
 * Handlers of the product action, sequencing and ordering methods.
 * @example productActionHandlers().get("setProductActionRequest")
 */
export function productActionHandlers(): Map<string, MethodHandler> {
  const h = new Map<string, MethodHandler>();
  h.set("getDepotId", (ctx, p) => getDepotId(ctx, p.args.clientId));
  h.set("setProductState", (ctx, p) =>
    setProductState(ctx, {
      productId: p.args.productId,
      objectId: p.args.objectId,
      installationStatus: p.args.installationStatus,
      actionRequest: p.args.actionRequest,
      productVersion: p.args.productVersion,
      packageVersion: p.args.packageVersion,
      lastStateChange: p.args.lastStateChange,
      productActionProgress: p.args.productActionProgress,
    }),
  );
  h.set("setProductActionRequest", (ctx, p) =>
    setProductState(ctx, { productId: p.args.productId, objectId: p.args.clientId, actionRequest: p.args.actionRequest }),
  );
  h.set("unsetProductActionRequest", (ctx, p) =>
    setProductState(ctx, { productId: p.args.productId, objectId: p.args.clientId, actionRequest: "none" }),
  );
  h.set("setProductInstallationStatus", (ctx, p) =>
    setProductState(ctx, { productId: p.args.productId, objectId: p.args.objectId, installationStatus: p.args.installationStatus }),
  );
  h.set("setProductActionProgress", (ctx, p) =>
    setProductState(ctx, { productId: p.args.productId, objectId: p.args.hostId, productActionProgress: p.args.productActionProgress }),
  );
  h.set("setProductActionRequestWithDependencies", (ctx, p) =>
    setActionRequestWithDependencies(ctx, p.args.productId, p.args.clientId, p.args.actionRequest),
  );
  h.set("productOnClient_getObjectsWithSequence", async (ctx, p) =>
    wireObjects(ctx.backend, await getObjectsWithSequence(ctx.backend, attributeList(p.args.attributes), p.kwargs)),
  );
  h.set("productOnClient_addDependencies", async (ctx, p) =>
    wireObjects(ctx.backend, await addDependencies(ctx.backend, p.args.productOnClients)),
  );
  h.set("productOnClient_generateSequence", async (ctx, p) =>
    wireObjects(ctx.backend, await generateSequence(ctx.backend, p.args.productOnClients)),
  );
  h.set("productOnClient_updateObjectsWithDependencies", async (ctx, p) =>
    wireObjects(ctx.backend, await updateObjectsWithDependencies(ctx.backend, p.args.productOnClients)),
  );
  h.set("productOnClient_getActionGroups", async (ctx: MethodContext, p) => {
    const groups = await getActionGroups(ctx.backend, p.args.clientId);
    return groups.map((g) => ({ ...g, product_on_clients: wireObjects(ctx.backend, g.product_on_clients) }));
  });
  h.set("getProductOrdering", (ctx, p) => getProductOrdering(ctx.backend, p.args.depotId, p.args.sortAlgorithm));
  return h;
}
