/**
 * @module backend/depot-assignment
 * `configState_getClientToDepotserver`: which depot serves which client (`clientconfig.depot.id`),
 * with the config server as fallback and optional alternative depots.
 */
import { BackendMissingDataError } from "../errors.js";
import { forceBool, forceHostId, forceList, forceProductId } from "../model/forcers.js";
import type { BackendCore } from "./Backend.js";

/** One row of `configState_getClientToDepotserver`. */
export interface ClientToDepot {
  depotId: string;
  clientId: string;
  alternativeDepotIds: string[];
}

/** The config id holding a client's depot. */
export const DEPOT_CONFIG_ID = "clientconfig.depot.id";

function idList(value: unknown, force: (v: unknown) => string): string[] {
  if (value === null || value === undefined) return [];
  return forceList(value)
    .filter((v) => v !== null && v !== undefined && v !== "")
    .map(force);
}

/**
 * Resolves the depot of each client: the client's `clientconfig.depot.id` ConfigState, else the
 * config default, else the config server. With `masterOnly=false`, alternative depots are the
 * other depots whose products (restricted to `productIds` if given) have identical versions.
 * @example await getClientToDepotserver(backend, null, ["pc1.dom.tld"])
 */
export async function getClientToDepotserver(
  backend: BackendCore,
  depotIds?: unknown,
  clientIds?: unknown,
  masterOnly: unknown = true,
  productIds?: unknown,
): Promise<ClientToDepot[]> {
  const wantedDepots = new Set(idList(depotIds, forceHostId));
  const clients = idList(clientIds, forceHostId);
  const products = idList(productIds, forceProductId);
  const master = forceBool(masterOnly);

  const depots = await backend.getObjects("host", ["id", "isMasterDepot"], { type: "OpsiDepotserver" });
  const depotIdSet = new Set(depots.map((d) => d.id));
  const configServer = depots.find((d) => d.type === "OpsiConfigserver")?.id;

  const [config] = await backend.getObjects("config", null, { id: DEPOT_CONFIG_ID });
  const defaultDepot = (config?.defaultValues?.[0] as string | undefined) ?? configServer;

  const clientFilter = clients.length > 0 ? { id: clients, type: "OpsiClient" } : { type: "OpsiClient" };
  const clientHosts = await backend.getObjects("host", ["id"], clientFilter);
  const states = await backend.getObjects("configState", null, {
    configId: DEPOT_CONFIG_ID,
    objectId: clients.length > 0 ? clients : null,
  });
  const stateByClient = new Map(states.map((s) => [s.objectId, s.values?.[0] as string | undefined]));

  let podsByDepot: Map<string, string> | undefined;
  const signature = async (): Promise<Map<string, string>> => {
    if (podsByDepot) return podsByDepot;
    const pods = await backend.getObjects("productOnDepot", ["productId", "productVersion", "packageVersion", "depotId"], {
      productId: products.length > 0 ? products : null,
    });
    const byDepot = new Map<string, string[]>();
    for (const p of pods) {
      const list = byDepot.get(p.depotId) ?? [];
      list.push(`${p.productId};${p.productVersion};${p.packageVersion}`);
      byDepot.set(p.depotId, list);
    }
    podsByDepot = new Map([...byDepot].map(([d, l]) => [d, l.sort().join("|")]));
    return podsByDepot;
  };

  const result: ClientToDepot[] = [];
  for (const client of clientHosts) {
    const depotId = stateByClient.get(client.id) ?? defaultDepot;
    if (!depotId) {
      throw new BackendMissingDataError(`No depot for client '${client.id}' and no config server to fall back to`);
    }
    if (wantedDepots.size > 0 && !wantedDepots.has(depotId)) continue;
    const alternativeDepotIds: string[] = [];
    if (!master && depotIdSet.has(depotId)) {
      const sig = await signature();
      const own = sig.get(depotId) ?? "";
      for (const d of depots) {
        if (d.id !== depotId && (sig.get(d.id) ?? "") === own) alternativeDepotIds.push(d.id);
      }
    }
    result.push({ depotId, clientId: client.id, alternativeDepotIds });
  }
  return result;
}
