/** @module methods/host-rename `host_renameOpsiClient` and `host_renameOpsiDepotserver`: a new host id with every reference moved. */
import { rename as renameFile } from "node:fs/promises";
import { join } from "node:path";
import { type BackendCore, BackendError, BackendMissingDataError, forceHostId } from "@opsi-ts/core";
import type { MethodContext } from "./context.js";
import { LOG_TYPES } from "./general.js";

type Dict = Record<string, unknown>;

/** Replaces every element equal to `from` by `to`; null when nothing changed. */
function replaced(values: readonly unknown[] | null | undefined, from: string, to: string): unknown[] | null {
  if (!values?.some((v) => v === from)) return null;
  return values.map((v) => (v === from ? to : v));
}

/** The rows naming a host in a relationship, re-keyed to the new id. */
interface HostReferences {
  readonly objectToGroups: Dict[];
  readonly productOnClients: Dict[];
  readonly productPropertyStates: Dict[];
  readonly configStates: Dict[];
  readonly auditSoftwareOnClients: Dict[];
  readonly auditHardwareOnHosts: Dict[];
  readonly licenseOnClients: Dict[];
  readonly softwareLicenses: Dict[];
}

/** Reads every row that references `oldId` and returns copies pointing at `newId`. */
async function collectReferences(backend: BackendCore, oldId: string, newId: string): Promise<HostReferences> {
  const moved = <T extends object>(rows: readonly T[], attr: string): Dict[] => rows.map((r) => ({ ...(r as Dict), [attr]: newId }));
  const valuesMoved = (rows: readonly Dict[]): Dict[] =>
    rows.map((r) => ({ ...r, values: replaced(r.values as unknown[] | null, oldId, newId) ?? r.values }));
  return {
    objectToGroups: moved(await backend.getObjects("objectToGroup", null, { groupType: "HostGroup", objectId: oldId }), "objectId"),
    productOnClients: moved(await backend.getObjects("productOnClient", null, { clientId: oldId }), "clientId"),
    productPropertyStates: valuesMoved(moved(await backend.getObjects("productPropertyState", null, { objectId: oldId }), "objectId")),
    configStates: valuesMoved(moved(await backend.getObjects("configState", null, { objectId: oldId }), "objectId")),
    auditSoftwareOnClients: moved(await backend.getObjects("auditSoftwareOnClient", null, { clientId: oldId }), "clientId"),
    auditHardwareOnHosts: moved(await backend.getObjects("auditHardwareOnHost", null, { hostId: oldId }), "hostId"),
    licenseOnClients: moved(await backend.getObjects("licenseOnClient", null, { clientId: oldId }), "clientId"),
    softwareLicenses: moved(await backend.getObjects("softwareLicense", null, { boundToHost: oldId }), "boundToHost"),
  };
}

/** Writes the re-keyed rows (after the new host exists). */
async function writeReferences(backend: BackendCore, refs: HostReferences): Promise<void> {
  if (refs.softwareLicenses.length > 0) await backend.createObjects("softwareLicense", refs.softwareLicenses);
  if (refs.objectToGroups.length > 0) await backend.createObjects("objectToGroup", refs.objectToGroups);
  if (refs.productOnClients.length > 0) await backend.createObjects("productOnClient", refs.productOnClients);
  if (refs.productPropertyStates.length > 0) await backend.createObjects("productPropertyState", refs.productPropertyStates);
  if (refs.configStates.length > 0) await backend.createObjects("configState", refs.configStates);
  if (refs.auditSoftwareOnClients.length > 0) await backend.createObjects("auditSoftwareOnClient", refs.auditSoftwareOnClients);
  if (refs.auditHardwareOnHosts.length > 0) await backend.createObjects("auditHardwareOnHost", refs.auditHardwareOnHosts);
  if (refs.licenseOnClients.length > 0) await backend.createObjects("licenseOnClient", refs.licenseOnClients);
}

/** Moves `<logDir>/<type>/<old>.log*` to the new id (best effort: a missing file is no error). */
async function moveLogFiles(logDir: string, oldId: string, newId: string): Promise<void> {
  for (const type of Object.keys(LOG_TYPES)) {
    for (const suffix of ["", ".1", ".2", ".3", ".4", ".5"]) {
      try {
        await renameFile(join(logDir, type, `${oldId}.log${suffix}`), join(logDir, type, `${newId}.log${suffix}`));
      } catch (e: unknown) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      }
    }
  }
}

/**
 * `host_renameOpsiClient(id, newId)`: the client gets the new id; host-group memberships,
 * ProductOnClients, ProductPropertyStates, ConfigStates, software/hardware audit data,
 * LicenseOnClients, bound SoftwareLicenses and log files move with it.
 * @example await renameOpsiClient(ctx, "pc1.dom.tld", "pc2.dom.tld")
 */
export async function renameOpsiClient(ctx: MethodContext, idArg: unknown, newIdArg: unknown): Promise<null> {
  const oldId = forceHostId(idArg);
  const newId = forceHostId(newIdArg);
  const backend = ctx.backend;
  const [client] = await backend.getObjects("host", null, { type: "OpsiClient", id: oldId });
  if (!client) throw new BackendMissingDataError(`Cannot rename: client '${oldId}' not found`);
  if ((await backend.getIdents("host", "str", { id: newId })).length > 0) {
    throw new BackendError(`Cannot rename: host '${newId}' already exists`);
  }
  const refs = await collectReferences(backend, oldId, newId);
  // Deleting first frees the unique MAC and system UUID for the new host.
  await backend.deleteObjects("host", [client]);
  await backend.createObjects("host", [{ ...client, id: newId }]);
  await writeReferences(backend, refs);
  await moveLogFiles(ctx.environment.logDir, oldId, newId);
  return null;
}

/** opsiconfd's URL rewrite: the full id, else the first occurrence of the short host name. */
function changeAddress(url: string, oldId: string, newId: string): string {
  const changed = url.replaceAll(oldId, newId);
  if (changed !== url) return changed;
  const oldName = oldId.split(".")[0] ?? oldId;
  const newName = newId.split(".")[0] ?? newId;
  return url.replace(oldName, newName);
}

/**
 * `host_renameOpsiDepotserver(oldId, newId)`: the depot (or config server) gets the new id;
 * ProductOnDepots, ProductPropertyStates and ConfigStates move; product property and config
 * values/defaults naming the depot, other hosts' ConfigStates naming it (e.g. `clientconfig.depot.id`)
 * and `masterDepotId`s are rewritten; the remote URLs are adapted. A host that already has the new id
 * is deleted first (as upstream does).
 * @example await renameOpsiDepotserver(ctx, "depot1.dom.tld", "depot2.dom.tld")
 */
export async function renameOpsiDepotserver(ctx: MethodContext, oldIdArg: unknown, newIdArg: unknown): Promise<null> {
  const oldId = forceHostId(oldIdArg);
  const newId = forceHostId(newIdArg);
  const backend = ctx.backend;
  const [depot] = await backend.getObjects("host", null, { type: "OpsiDepotserver", id: oldId });
  if (!depot) throw new BackendMissingDataError(`Cannot rename: depot '${oldId}' not found`);
  const existing = await backend.getIdents("host", "dict", { id: newId });
  if (existing.length > 0) await backend.deleteObjects("host", existing as Dict[]);

  const productOnDepots = (await backend.getObjects("productOnDepot", null, { depotId: oldId })).map((p) => ({ ...p, depotId: newId }));
  const productProperties: Dict[] = [];
  for (const prop of await backend.getObjects("productProperty")) {
    const possible = replaced(prop.possibleValues, oldId, newId);
    const defaults = replaced(prop.defaultValues, oldId, newId);
    if (possible || defaults) {
      productProperties.push({ ...prop, possibleValues: possible ?? prop.possibleValues, defaultValues: defaults ?? prop.defaultValues });
    }
  }
  const configs: Dict[] = [];
  for (const config of await backend.getObjects("config")) {
    const possible = replaced(config.possibleValues, oldId, newId);
    const defaults = replaced(config.defaultValues, oldId, newId);
    if (possible || defaults) {
      configs.push({ ...config, possibleValues: possible ?? config.possibleValues, defaultValues: defaults ?? config.defaultValues });
    }
  }
  // States of other hosts naming the depot (above all `clientconfig.depot.id` of its clients).
  const foreignStates: Dict[] = [];
  for (const state of await backend.getObjects("configState")) {
    if (state.objectId === oldId) continue;
    const values = replaced(state.values, oldId, newId);
    if (values) foreignStates.push({ ...state, values });
  }
  const masterOf = (await backend.getObjects("host", ["id", "masterDepotId"], { type: "OpsiDepotserver", masterDepotId: oldId }))
    .filter((h) => h.id !== oldId)
    .map((h) => ({ type: h.type, id: h.id, masterDepotId: newId }));
  const refs = await collectReferences(backend, oldId, newId);

  const depotRec = depot as unknown as Dict;
  if (depotRec.hardwareAddress || depotRec.systemUUID) {
    // The MAC and system UUID are unique: release them before the new host takes them over.
    await backend.createObjects("host", [{ ...depotRec, hardwareAddress: null, systemUUID: null }]);
  }
  const renamed: Dict = { ...depotRec, id: newId };
  for (const key of ["repositoryRemoteUrl", "depotRemoteUrl", "depotWebdavUrl", "workbenchRemoteUrl"]) {
    const url = depotRec[key];
    if (typeof url === "string" && url) renamed[key] = changeAddress(url, oldId, newId);
  }
  if (depotRec.masterDepotId === oldId) renamed.masterDepotId = newId;
  await backend.createObjects("host", [renamed]);
  if (productOnDepots.length > 0) await backend.createObjects("productOnDepot", productOnDepots);
  if (productProperties.length > 0) await backend.updateObjects("productProperty", productProperties);
  if (configs.length > 0) await backend.updateObjects("config", configs);
  await writeReferences(backend, refs);
  if (foreignStates.length > 0) await backend.updateObjects("configState", foreignStates);
  if (masterOf.length > 0) await backend.updateObjects("host", masterOf);
  await backend.deleteObjects("host", [{ type: depotRec.type, id: oldId }]);
  await moveLogFiles(ctx.environment.logDir, oldId, newId);
  return null;
}
