/** @module methods/legacy Deprecated opsi 3.x / ext_* methods implemented as thin wrappers over the current API (their `alternative_method`). */
import {
  BackendAuthenticationError,
  BackendBadValueError,
  BackendMissingDataError,
  BackendNotImplementedError,
  forceActionRequest,
  forceBool,
  forceHardwareAddress,
  forceHostId,
  forceInstallationStatus,
  forceObjectId,
  forceProductId,
  forceProductPropertyId,
  getClientToDepotserver,
  getInterfaceDescription,
  LicenseConfigurationError,
} from "@opsi-ts/core";
import type { MethodContext, MethodHandler } from "./context.js";
import { getDepotId } from "./product-actions.js";
import { configStateGetValues, productPropertyStateGetValues } from "./state-values.js";
import { listOf, optionalString } from "./wire.js";

type Dict = Record<string, unknown>;

/** Python's `str()` of a JSON value (booleans as `True`/`False`, null as `None`). */
function pyStr(value: unknown): string {
  if (value === true) return "True";
  if (value === false) return "False";
  if (value === null || value === undefined) return "None";
  return String(value);
}

/** `YYYY-MM-DD HH:MM:SS` → `YYYYMMDDHHMMSS` (other values unchanged, null → ""). */
function compactTimestamp(value: unknown): string {
  if (value === null || value === undefined) return "";
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)$/.exec(String(value));
  return m ? m.slice(1).join("") : String(value);
}

function noneToEmpty(hash: Dict): Dict {
  return Object.fromEntries(Object.entries(hash).map(([k, v]) => [k, v ?? ""]));
}

function dateOnly(value: unknown): string {
  return value ? (String(value).split(" ")[0] ?? "") : "";
}

function productToHash(product: Dict): Dict {
  const { id, type, ...rest } = product;
  let productType: string;
  if (type === "LocalbootProduct") productType = "localboot";
  else if (type === "NetbootProduct") productType = "netboot";
  else throw new BackendBadValueError(`Unknown product type ${pyStr(type)}`);
  return noneToEmpty({ ...rest, productId: id, productType });
}

async function hostOrFail(ctx: MethodContext, hostIdArg: unknown, attributes: string[] | null = null): Promise<Dict> {
  const hostId = forceHostId(hostIdArg);
  const [host] = await ctx.backend.getObjects("host", attributes, { id: hostId });
  if (!host) throw new BackendMissingDataError(`Host '${hostId}' not found`);
  return host as unknown as Dict;
}

async function updateHost(ctx: MethodContext, hostIdArg: unknown, changes: Dict): Promise<null> {
  const host = await hostOrFail(ctx, hostIdArg);
  await ctx.backend.updateObject("host", { ...host, ...changes });
  return null;
}

async function depotIds(ctx: MethodContext, filter: Dict = {}): Promise<string[]> {
  return (await ctx.backend.getIdents("host", "str", { type: "OpsiDepotserver", ...filter })) as string[];
}

// ---------------------------------------------------------------- general config

async function getGeneralConfigHash(ctx: MethodContext, objectIdArg: unknown): Promise<Record<string, string>> {
  let objectId = objectIdArg ? forceHostId(objectIdArg) : null;
  if (objectId && (await depotIds(ctx)).includes(objectId)) objectId = null;
  if (objectId) {
    const values = (await configStateGetValues(ctx, [], [objectId], true))[objectId] ?? {};
    return Object.fromEntries(Object.entries(values).map(([id, v]) => [id, v.map(pyStr).join(",")]));
  }
  const configs = await ctx.backend.getObjects("config");
  return Object.fromEntries(configs.map((c) => [c.id, (c.defaultValues ?? []).map(pyStr).join(",")]));
}

const BOOL_VALUES = new Set(["yes", "no", "on", "off", "1", "0", "true", "false"]);

async function setGeneralConfig(ctx: MethodContext, configArg: unknown, objectIdArg: unknown): Promise<null> {
  if (typeof configArg !== "object" || configArg === null || Array.isArray(configArg)) {
    throw new BackendBadValueError("config must be a dict of config id → value");
  }
  const config = configArg as Record<string, unknown>;
  let objectId = objectIdArg ? forceHostId(objectIdArg) : null;
  if (objectId) {
    if ((await depotIds(ctx)).includes(objectId)) objectId = null;
    else if (!((await ctx.backend.getIdents("host", "str", { type: "OpsiClient", id: objectId })) as string[]).includes(objectId)) {
      throw new BackendMissingDataError(`Object '${objectId}' not found in Backend`);
    }
  }
  const known = new Set((await ctx.backend.getIdents("config", "str")) as string[]);
  for (const id of known) {
    if (!Object.hasOwn(config, id)) {
      const idents = await ctx.backend.getIdents("config", "dict", { id });
      if (idents.length > 0) await ctx.backend.deleteObjects("config", idents as Dict[]);
    }
  }
  const configs: Dict[] = [];
  const states: Dict[] = [];
  for (const [id, raw] of Object.entries(config)) {
    const value = String(raw);
    const isBool = BOOL_VALUES.has(value.toLowerCase());
    if (objectId === null || !known.has(id)) {
      configs.push(
        isBool
          ? { type: "BoolConfig", id, defaultValues: [forceBool(value)] }
          : { type: "UnicodeConfig", id, defaultValues: [value], possibleValues: [value], editable: true, multiValue: false },
      );
    }
    if (objectId !== null) states.push({ configId: id, objectId, values: [isBool ? forceBool(value) : value] });
  }
  if (configs.length > 0) await ctx.backend.createObjects("config", configs);
  if (states.length > 0) await ctx.backend.createObjects("configState", states);
  return null;
}

async function setGeneralConfigValue(ctx: MethodContext, key: unknown, value: unknown, objectId: unknown): Promise<null> {
  const hash: Record<string, unknown> = await getGeneralConfigHash(ctx, objectId);
  hash[String(key)] = value;
  return setGeneralConfig(ctx, hash, objectId);
}

async function getNetworkConfigHash(ctx: MethodContext, objectId: unknown): Promise<Record<string, string | null>> {
  const configServers = (await ctx.backend.getIdents("host", "str", { type: "OpsiConfigserver" })) as string[];
  if (configServers.length === 0) throw new BackendMissingDataError("No configserver found");
  const general = await getGeneralConfigHash(ctx, objectId);
  const depotId = general["clientconfig.depot.id"] ?? null;
  const [depot] = depotId ? await ctx.backend.getObjects("host", null, { type: "OpsiDepotserver", id: depotId }) : [];
  if (!depot) throw new BackendMissingDataError(`Depotserver '${depotId ?? ""}' not found`);
  const depotUrl = String((depot as unknown as Dict).depotRemoteUrl ?? "");
  const depotDrive = general["clientconfig.depot.drive"] ?? null;
  return {
    opsiServer: configServers[0] ?? null,
    nextBootServiceURL: general["clientconfig.configserver.url"] ?? null,
    nextBootServerType: "service",
    depotId,
    depotUrl,
    depotDrive,
    configUrl: depotUrl.replace("/install", "/pcpatch"),
    configDrive: depotDrive,
    utilsUrl: depotUrl.replace("/install", "/utils"),
    utilsDrive: depotDrive,
    winDomain: general["clientconfig.windows.domain"] ?? null,
  };
}

// ---------------------------------------------------------------- products

async function getProductHash(ctx: MethodContext, productIdArg: unknown, depotIdArg: unknown): Promise<Dict> {
  const productId = forceProductId(productIdArg);
  const depotId = optionalString(depotIdArg);
  if (!depotId) {
    const [product] = await ctx.backend.getObjects("product", null, { id: productId });
    if (!product) throw new BackendMissingDataError(`No product with id '${productId}' found`);
    return productToHash(product as unknown as Dict);
  }
  const [pod] = await ctx.backend.getObjects("productOnDepot", null, { productId, depotId });
  if (!pod) throw new BackendMissingDataError(`No product with id '${productId}' on depot '${depotId}' found`);
  const [product] = await ctx.backend.getObjects("product", null, {
    id: pod.productId,
    productVersion: pod.productVersion,
    packageVersion: pod.packageVersion,
  });
  if (!product) {
    throw new BackendMissingDataError(
      `Product with id '${pod.productId}', productVersion '${pod.productVersion}', packageVersion '${pod.packageVersion}' not found`,
    );
  }
  return productToHash(product as unknown as Dict);
}

async function getProductsHash(ctx: MethodContext, depotIdsArg: unknown): Promise<Record<string, Record<string, Dict>>> {
  const depots = listOf(depotIdsArg).length > 0 ? listOf(depotIdsArg).map(String) : await depotIds(ctx, { isMasterDepot: true });
  const products = new Map(
    (await ctx.backend.getObjects("product")).map((p) => [`${p.id};${p.productVersion};${p.packageVersion}`, p as unknown as Dict]),
  );
  const result: Record<string, Record<string, Dict>> = {};
  for (const pod of await ctx.backend.getObjects("productOnDepot", null, { depotId: depots })) {
    const product = products.get(`${pod.productId};${pod.productVersion};${pod.packageVersion}`);
    if (!product) {
      throw new BackendMissingDataError(
        `Product with id '${pod.productId}', productVersion '${pod.productVersion}', packageVersion '${pod.packageVersion}' not found`,
      );
    }
    result[pod.depotId] ??= {};
    const byDepot = result[pod.depotId];
    if (byDepot) byDepot[pod.productId] = productToHash(product);
  }
  return result;
}

async function getProductsListOfHashes(ctx: MethodContext, depotIdArg: unknown): Promise<Dict[]> {
  const depotId = optionalString(depotIdArg);
  if (!depotId) return (await ctx.backend.getObjects("product")).map((p) => productToHash(p as unknown as Dict));
  return Object.values(await getProductsHash(ctx, [depotId])).flatMap((byProduct) => Object.values(byProduct));
}

function productTypeOf(value: unknown): string | null {
  if (value === "localboot") return "LocalbootProduct";
  if (value === "netboot") return "NetbootProduct";
  return null;
}

async function getProductIdsList(ctx: MethodContext, productTypeArg: unknown, objectIdArg: unknown, statusArg: unknown): Promise<string[]> {
  const productType = productTypeOf(productTypeArg);
  const objectId = optionalString(objectIdArg);
  const installationStatus = optionalString(statusArg);
  if (objectId) {
    const host = await hostOrFail(ctx, objectId, ["id"]);
    if (host.type === "OpsiDepotserver" || host.type === "OpsiConfigserver") {
      const idents = await ctx.backend.getIdents("productOnDepot", "dict", { productType, depotId: host.id });
      return (idents as Dict[]).map((i) => String(i.productId));
    }
    const idents = await ctx.backend.getIdents("productOnClient", "dict", {
      productType,
      clientId: host.id,
      installationStatus: installationStatus ?? [],
    });
    return (idents as Dict[]).map((i) => String(i.productId));
  }
  const idents = await ctx.backend.getIdents("product", "dict", { type: productType });
  return [...new Set((idents as Dict[]).map((i) => String(i.id)))];
}

function possibleActions(product: Dict): string[] {
  const result = ["none"];
  for (const action of ["setup", "uninstall", "update", "always", "once", "custom"]) {
    if (product[`${action}Script`]) result.push(action);
  }
  return result;
}

async function productStatesHash(ctx: MethodContext, clientIdsArg: unknown, productType: string | null): Promise<Record<string, Dict[]>> {
  const result: Record<string, Dict[]> = {};
  for (const poc of await ctx.backend.getObjects("productOnClient", null, { clientId: listOf(clientIdsArg), productType })) {
    let installationStatus = poc.installationStatus;
    if (poc.actionResult === "failed") installationStatus = "failed";
    else if (installationStatus === "unknown") installationStatus = "not_installed";
    result[poc.clientId] ??= [];
    result[poc.clientId]?.push({
      lastStateChange: compactTimestamp(poc.modificationTime),
      productVersion: poc.productVersion ?? "",
      packageVersion: poc.packageVersion ?? "",
      installationStatus,
      actionRequest: poc.actionRequest,
      productActionProgress: poc.actionProgress ?? "",
      productId: poc.productId,
    });
  }
  return result;
}

async function propertyDefinitions(ctx: MethodContext, productIdArg: unknown, depotIdArg: unknown): Promise<Dict[]> {
  const productId = forceProductId(productIdArg);
  const depotId = optionalString(depotIdArg);
  const result: Dict[] = [];
  const seen = new Set<string>();
  for (const pod of (await ctx.backend.getIdents("productOnDepot", "dict", { depotId, productId })) as Dict[]) {
    const properties = await ctx.backend.getObjects("productProperty", null, {
      productId: pod.productId,
      productVersion: pod.productVersion,
      packageVersion: pod.packageVersion,
    });
    for (const prop of properties) {
      if (seen.has(prop.propertyId)) continue;
      seen.add(prop.propertyId);
      let defaults: readonly unknown[] = prop.defaultValues ?? [];
      if (depotId) {
        const [state] = await ctx.backend.getObjects("productPropertyState", null, {
          productId,
          propertyId: prop.propertyId,
          objectId: depotId,
        });
        if (state) defaults = state.values ?? [];
      }
      const possible = prop.possibleValues ?? [];
      const values = !prop.editable || possible.length > 1 ? possible.map(pyStr) : [];
      result.push({ name: prop.propertyId, description: prop.description, values, default: defaults.map(pyStr).join(",") });
    }
  }
  return result;
}

async function getProductPropertiesHash(ctx: MethodContext, productIdArg: unknown, objectIdArg: unknown): Promise<Record<string, unknown>> {
  const productId = forceProductId(productIdArg);
  const objectId = optionalString(objectIdArg);
  if (!objectId) {
    return Object.fromEntries((await propertyDefinitions(ctx, productId, null)).map((d) => [d.name, d.default]));
  }
  const id = forceObjectId(objectId);
  const values = (await productPropertyStateGetValues(ctx, [productId], [], [id], true))[id]?.[productId] ?? {};
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.map(pyStr).join(",")]));
}

/**
 * `setProductProperties(productId, properties, objectId)`: writes ProductPropertyStates; without
 * `objectId` it updates the depots that already have a state for the property.
 * @example await setProductProperties(ctx, "firefox", { lang: "de" }, "pc1.dom.tld")
 */
export async function setProductProperties(
  ctx: MethodContext,
  productIdArg: unknown,
  propertiesArg: unknown,
  objectIdArg: unknown,
): Promise<null> {
  if (typeof propertiesArg !== "object" || propertiesArg === null || Array.isArray(propertiesArg)) {
    throw new BackendBadValueError("properties must be a dict of property id → value");
  }
  const productId = forceProductId(productIdArg);
  const properties = Object.entries(propertiesArg as Dict).map(([k, v]) => [forceProductPropertyId(k), v] as const);
  const known = new Map(
    (await ctx.backend.getObjects("productProperty", null, { productId, propertyId: properties.map(([k]) => k) })).map((p) => [
      p.propertyId,
      p,
    ]),
  );
  const newValues = new Map<string, unknown[]>();
  for (const [propertyId, value] of properties) {
    const prop = known.get(propertyId);
    if (!prop) throw new BackendMissingDataError(`Property with id '${propertyId}' not found for product '${productId}'!`);
    if (prop.type === "BoolProductProperty") {
      newValues.set(propertyId, [forceBool(value)]);
    } else {
      const list = listOf(value).map(String);
      if (!prop.multiValue && list.length > 1) {
        throw new BackendBadValueError(`Property '${propertyId}' is not multivalue but new values ${JSON.stringify(list)} are!`);
      }
      newValues.set(propertyId, list);
    }
  }
  const objectId = optionalString(objectIdArg);
  let states: Dict[];
  if (objectId) {
    const id = forceObjectId(objectId);
    states = [...newValues].map(([propertyId, values]) => ({ productId, propertyId, objectId: id, values }));
  } else {
    const depots = await depotIds(ctx);
    states = (await ctx.backend.getObjects("productPropertyState", null, { productId, objectId: depots }))
      .filter((s) => newValues.has(s.propertyId))
      .map((s) => ({ ...s, values: newValues.get(s.propertyId) ?? [] }));
  }
  if (states.length > 0) await ctx.backend.createObjects("productPropertyState", states);
  return null;
}

async function createProduct(ctx: MethodContext, productType: string, a: Dict): Promise<null> {
  const type = productType === "netboot" ? "NetbootProduct" : productType === "localboot" ? "LocalbootProduct" : null;
  if (!type) throw new BackendBadValueError(`Unknown product type '${productType}'`);
  const product: Dict = {
    type,
    id: a.productId,
    name: a.name,
    productVersion: a.productVersion,
    packageVersion: a.packageVersion,
    licenseRequired: a.licenseRequired,
    setupScript: a.setupScript,
    uninstallScript: a.uninstallScript,
    updateScript: a.updateScript,
    alwaysScript: a.alwaysScript,
    onceScript: a.onceScript,
    priority: a.priority,
    description: a.description,
    advice: a.advice,
    productClassIds: a.productClassNames,
    windowsSoftwareIds: a.windowsSoftwareIds,
  };
  if (type === "NetbootProduct") product.pxeConfigTemplate = a.pxeConfigTemplate;
  await ctx.backend.createObjects("product", [product]);
  const [created] = await ctx.backend.getObjects("product", ["id", "productVersion", "packageVersion"], {
    id: forceProductId(a.productId),
    productVersion: a.productVersion,
    packageVersion: a.packageVersion,
  });
  if (!created) return null;
  const depots = listOf(a.depotIds).length > 0 ? listOf(a.depotIds).map(String) : await depotIds(ctx);
  const pods = depots.map((depotId) => ({
    productId: created.id,
    productType: type,
    productVersion: created.productVersion,
    packageVersion: created.packageVersion,
    depotId,
  }));
  if (pods.length > 0) await ctx.backend.createObjects("productOnDepot", pods);
  return null;
}

async function lockProduct(ctx: MethodContext, productId: unknown, depotIdsArg: unknown, locked: boolean): Promise<null> {
  const pods = await ctx.backend.getObjects("productOnDepot", null, { productId, depotId: listOf(depotIdsArg) });
  if (pods.length === 0) throw new BackendMissingDataError(`Product '${String(productId)}' not found on given depots`);
  await ctx.backend.updateObjects(
    "productOnDepot",
    pods.map((p) => ({ ...p, locked })),
  );
  return null;
}

// ---------------------------------------------------------------- licensing

function contractHash(contract: Dict): Dict {
  const { id, type: _type, ...rest } = contract;
  return {
    ...rest,
    conclusionDate: dateOnly(rest.conclusionDate),
    notificationDate: dateOnly(rest.notificationDate),
    expirationDate: dateOnly(rest.expirationDate),
    licenseContractId: id,
  };
}

async function softwareLicenseHash(ctx: MethodContext, license: Dict): Promise<Dict> {
  const { id, type, ...rest } = license;
  const licenseType = {
    OEMSoftwareLicense: "OEM",
    RetailSoftwareLicense: "RETAIL",
    VolumeSoftwareLicense: "VOLUME",
    ConcurrentSoftwareLicense: "CONCURRENT",
  }[String(type)];
  const licenseKeys: Record<string, string> = {};
  const licensePoolIds: string[] = [];
  for (const rel of await ctx.backend.getObjects("softwareLicenseToLicensePool", null, { softwareLicenseId: id })) {
    licensePoolIds.push(rel.licensePoolId);
    if (rel.licenseKey) licenseKeys[rel.licensePoolId] = rel.licenseKey;
  }
  return {
    ...rest,
    ...(licenseType ? { licenseType } : {}),
    expirationDate: dateOnly(rest.expirationDate),
    boundToHost: rest.boundToHost ?? "",
    softwareLicenseId: id,
    licenseKeys,
    licensePoolIds,
  };
}

async function licensePoolHash(ctx: MethodContext, pool: Dict): Promise<Dict> {
  const { id, type: _type, ...rest } = pool;
  const windowsSoftwareIds: string[] = [];
  for (const rel of await ctx.backend.getObjects("auditSoftwareToLicensePool", null, { licensePoolId: id })) {
    const [software] = await ctx.backend.getObjects("auditSoftware", ["windowsSoftwareId"], {
      name: rel.name,
      version: rel.version,
      subVersion: rel.subVersion,
      language: rel.language,
      architecture: rel.architecture,
    });
    if (software?.windowsSoftwareId) windowsSoftwareIds.push(software.windowsSoftwareId);
  }
  return { ...rest, licensePoolId: id, windowsSoftwareIds };
}

function generatedId(prefix: string, known: ReadonlySet<string>): string {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, "0");
  const now = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}_${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  for (let index = 0; ; index++) {
    const id = `${prefix}_${now}_${index}`;
    if (!known.has(id)) return id;
  }
}

// ---------------------------------------------------------------- clients

async function getClients(ctx: MethodContext): Promise<Dict[]> {
  const depotOf = new Map((await getClientToDepotserver(ctx.backend)).map((a) => [a.clientId, a.depotId]));
  return (await ctx.backend.getObjects("host", null, { type: "OpsiClient" })).map((client) => {
    const { id, type: _type, ...rest } = client as unknown as Dict;
    return noneToEmpty({
      ...rest,
      hostId: id,
      created: compactTimestamp(rest.created),
      lastSeen: compactTimestamp(rest.lastSeen),
      depotId: depotOf.get(String(id)) ?? "",
    });
  });
}

async function clientsWithProducts(ctx: MethodContext, productIdsArg: unknown, statusArg: unknown): Promise<string[]> {
  const productIds = listOf(productIdsArg).map(forceProductId);
  if (productIds.length === 0) throw new BackendBadValueError("Missing product ids");
  const filter: Dict = { productId: productIds };
  if (statusArg !== null && statusArg !== undefined) filter.installationStatus = forceInstallationStatus(statusArg);
  return [...new Set((await ctx.backend.getObjects("productOnClient", ["clientId"], filter)).map((p) => p.clientId))];
}

async function clientsWithActionRequest(ctx: MethodContext, requestsArg: unknown): Promise<string[]> {
  const requests = listOf(requestsArg)
    .map(forceActionRequest)
    .filter((r): r is string => !!r);
  if (requests.length === 0) throw new BackendBadValueError("Missing action requests");
  return [...new Set((await ctx.backend.getObjects("productOnClient", ["clientId"], { actionRequest: requests })).map((p) => p.clientId))];
}

async function clientsOnDepot(ctx: MethodContext, depotIdsArg: unknown): Promise<string[]> {
  const ids = listOf(depotIdsArg).map(forceHostId);
  if (ids.length === 0) throw new BackendBadValueError("No depotIds given");
  return (await getClientToDepotserver(ctx.backend, ids)).map((a) => a.clientId);
}

const SOFTWARE_IDENT = ["name", "version", "subVersion", "language", "architecture"] as const;

function softwareKey(row: Dict): string {
  return SOFTWARE_IDENT.map((k) => String(row[k] ?? "")).join(";");
}

async function softwareInformation(ctx: MethodContext, hostIdArg: unknown): Promise<Dict> {
  const hostId = forceHostId(hostIdArg);
  const software = new Map((await ctx.backend.getObjects("auditSoftware")).map((s) => [softwareKey(s as unknown as Dict), s]));
  const result: Dict = {};
  let scantime = "2000-01-01 00:00:00";
  for (const row of await ctx.backend.getObjects("auditSoftwareOnClient", null, { clientId: hostId })) {
    if (row.lastseen && row.lastseen > scantime) scantime = row.lastseen;
    const aus = software.get(softwareKey(row as unknown as Dict));
    if (!aus?.windowsSoftwareId) continue;
    const {
      clientId: _c,
      name: _n,
      version: _v,
      subVersion: _s,
      language: _l,
      architecture: _a,
      state: _st,
      firstseen: _f,
      lastseen: _ls,
      ...rest
    } = row as unknown as Dict;
    result[aus.windowsSoftwareId] = noneToEmpty({
      ...rest,
      softwareId: aus.windowsSoftwareId,
      displayName: aus.windowsDisplayName,
      displayVersion: aus.windowsDisplayVersion,
      installSize: aus.installSize,
    });
  }
  result.SCANPROPERTIES = { scantime };
  return result;
}

async function setSoftwareInformation(ctx: MethodContext, hostIdArg: unknown, info: unknown): Promise<null> {
  const hostId = forceHostId(hostIdArg);
  if (typeof info !== "object" || info === null || Array.isArray(info)) throw new BackendBadValueError("info must be a dict");
  const old = await ctx.backend.getIdents("auditSoftwareOnClient", "dict", { clientId: hostId });
  if (old.length > 0) await ctx.backend.deleteObjects("auditSoftwareOnClient", old as Dict[]);
  const onClientKeys = new Map(
    ["clientId", "uninstallString", "binaryName", "usageFrequency", "lastUsed"].map((k) => [k.toLowerCase(), k]),
  );
  for (const [windowsSoftwareId, value] of Object.entries(info as Dict)) {
    if (windowsSoftwareId === "SCANPROPERTIES") continue;
    const software: Dict = {
      name: "",
      version: "",
      subVersion: "",
      language: "",
      architecture: "x86",
      windowsSoftwareId,
      windowsDisplayName: "",
      windowsDisplayVersion: "",
      installSize: -1,
    };
    const onClient: Dict = { clientId: hostId, uninstallString: "", binaryName: "", usageFrequency: -1, lastUsed: null };
    for (const [key, val] of Object.entries((value ?? {}) as Dict)) {
      const lowerKey = key.toLowerCase();
      if (lowerKey === "displayname") {
        software.name = val;
        software.windowsDisplayName = val;
      } else if (lowerKey === "displayversion") {
        software.version = val;
        software.windowsDisplayVersion = val;
      } else if (lowerKey === "installsize") {
        software.installSize = val;
      } else {
        const canonical = onClientKeys.get(lowerKey);
        if (canonical) onClient[canonical] = val;
      }
    }
    software.name = software.name || windowsSoftwareId;
    for (const k of SOFTWARE_IDENT) onClient[k] = software[k];
    await ctx.backend.createObjects("auditSoftware", [software]);
    await ctx.backend.createObjects("auditSoftwareOnClient", [onClient]);
  }
  return null;
}

async function hardwareInformation(ctx: MethodContext, hostIdArg: unknown): Promise<Record<string, Dict[]>> {
  const hostId = forceHostId(hostIdArg);
  const info: Record<string, Dict[]> = {};
  let scantime = "2000-01-01 00:00:00";
  for (const row of await ctx.backend.getObjects("auditHardwareOnHost", null, { hostId, state: 1 })) {
    const { hardwareClass, hostId: _host, firstseen: _first, state: _state, lastseen, type: _type, ...data } = row as unknown as Dict;
    if (typeof lastseen === "string" && lastseen > scantime) scantime = lastseen;
    const cls = String(hardwareClass);
    info[cls] ??= [];
    info[cls]?.push({ ...data, type: "AuditHardwareOnHost" });
  }
  info.SCANPROPERTIES = [{ scantime }];
  return info;
}

/**
 * Handlers of the deprecated legacy methods opsi-ts implements.
 * @example legacyHandlers().get("getClientIDs")
 */
export function legacyHandlers(): Map<string, MethodHandler> {
  const h = new Map<string, MethodHandler>();
  // general / session
  h.set("exit", (ctx) => ctx.call("backend_exit"));
  h.set("authenticated", (ctx) => ctx.call("accessControl_authenticated"));
  h.set("userIsAdmin", async (ctx) => {
    if (await ctx.call("accessControl_userIsAdmin")) return true;
    throw new BackendAuthenticationError("User is not an admin");
  });
  h.set("userIsReadOnlyUser", (ctx) => ctx.call("accessControl_userIsReadOnlyUser"));
  h.set("getOpsiInformation_hash", (ctx) => ctx.call("backend_info"));
  h.set("getBackendInfos_listOfHashes", async () => [{}]);
  h.set("getPossibleMethods_listOfHashes", async (ctx) =>
    getInterfaceDescription({ provideDeprecated: ctx.environment.provideDeprecatedMethods })
      .filter((m) => !m.params.some((p) => p.startsWith("**")))
      .map((m) => ({ name: m.name, params: [...m.params] })),
  );
  h.set("getServiceTime", async (_ctx, p) => {
    const now = new Date();
    const utc = forceBool(p.args.utctime ?? false);
    const pad = (n: number, w = 2) => String(n).padStart(w, "0");
    const parts = utc
      ? [
          now.getUTCFullYear(),
          now.getUTCMonth() + 1,
          now.getUTCDate(),
          now.getUTCHours(),
          now.getUTCMinutes(),
          now.getUTCSeconds(),
          now.getUTCMilliseconds(),
        ]
      : [now.getFullYear(), now.getMonth() + 1, now.getDate(), now.getHours(), now.getMinutes(), now.getSeconds(), now.getMilliseconds()];
    const [y, mo, d, hh, mi, s, ms] = parts.map((n) => n ?? 0) as [number, number, number, number, number, number, number];
    return `${y}-${pad(mo)}-${pad(d)} ${pad(hh)}:${pad(mi)}:${pad(s)}.${pad(ms * 1000, 6)}`;
  });
  h.set("createOpsiBase", (ctx) => ctx.call("backend_createBase"));
  h.set("getHostId", async (ctx, p) => {
    if (!p.args.hostname) throw new BackendBadValueError("Hostname required");
    return `${String(p.args.hostname)}.${String(await ctx.call("getDomain"))}`;
  });
  // general config
  h.set("getGeneralConfig_hash", (ctx, p) => getGeneralConfigHash(ctx, p.args.objectId));
  h.set("getGeneralConfigValue", async (ctx, p) => (await getGeneralConfigHash(ctx, p.args.objectId))[String(p.args.key)] ?? null);
  h.set("setGeneralConfig", (ctx, p) => setGeneralConfig(ctx, p.args.config, p.args.objectId));
  h.set("setGeneralConfigValue", (ctx, p) => setGeneralConfigValue(ctx, p.args.key, p.args.value, p.args.objectId));
  h.set("deleteGeneralConfig", async (ctx, p) => {
    const idents = await ctx.backend.getIdents("configState", "dict", { objectId: forceObjectId(p.args.objectId) });
    if (idents.length > 0) await ctx.backend.deleteObjects("configState", idents as Dict[]);
    return null;
  });
  h.set("setNetworkConfig", async (ctx, p) => {
    const config = p.args.config as Dict | null;
    if (p.args.objectId && config && typeof config === "object" && "depotId" in config) {
      return setGeneralConfigValue(ctx, "clientconfig.depot.id", config.depotId, p.args.objectId);
    }
    throw new BackendNotImplementedError("setNetworkConfig only sets 'depotId' for a client; use the general config for other values");
  });
  h.set("getNetworkConfig_hash", (ctx, p) => getNetworkConfigHash(ctx, p.args.objectId));
  h.set("getNetworkConfigValue", async (ctx, p) => (await getNetworkConfigHash(ctx, p.args.objectId))[String(p.args.key)] ?? null);
  // groups
  h.set("getGroupIds_list", (ctx) => ctx.backend.getIdents("group", "str"));
  h.set("groupname_exists", async (ctx, p) => (await ctx.backend.getIdents("group", "str", { id: p.args.groupId })).length > 0);
  h.set("getHostGroupTree_hash", async (ctx) => {
    const groups = await ctx.backend.getObjects("group", ["id", "parentGroupId"], { type: "HostGroup" });
    const nodes = new Map<string, Dict>(groups.map((g) => [g.id, {}]));
    const roots: Dict = {};
    for (const g of groups) {
      const node = nodes.get(g.id);
      const parent = g.parentGroupId ? nodes.get(g.parentGroupId) : undefined;
      if (parent) parent[g.id] = node;
      else roots[g.id] = node;
    }
    return roots;
  });
  h.set("createGroup", async (ctx, p) => {
    await ctx.backend.createObjects("group", [
      {
        type: "HostGroup",
        id: p.args.groupId,
        description: p.args.description,
        notes: "",
        parentGroupId: optionalString(p.args.parentGroupId),
      },
    ]);
    const members = listOf(p.args.members).map((m) => ({ groupType: "HostGroup", groupId: p.args.groupId, objectId: m }));
    if (members.length > 0) await ctx.backend.createObjects("objectToGroup", members);
    return null;
  });
  h.set("deleteGroup", async (ctx, p) => {
    const idents = await ctx.backend.getIdents("group", "dict", { id: p.args.groupId });
    if (idents.length > 0) await ctx.backend.deleteObjects("group", idents as Dict[]);
    return null;
  });
  // hosts
  const deleteHost = (arg: string) => async (ctx: MethodContext, p: { args: Dict }) => {
    const idents = await ctx.backend.getIdents("host", "dict", { id: forceHostId(p.args[arg]) });
    if (idents.length > 0) await ctx.backend.deleteObjects("host", idents as Dict[]);
    return null;
  };
  h.set("deleteClient", deleteHost("clientId"));
  h.set("deleteDepot", deleteHost("depotId"));
  h.set("deleteServer", deleteHost("serverId"));
  h.set("createClient", async (ctx, p) => {
    const id = forceHostId(`${String(p.args.clientName)}.${String(p.args.domain)}`);
    await ctx.backend.createObjects("host", [
      {
        type: "OpsiClient",
        id,
        description: p.args.description,
        notes: p.args.notes,
        ipAddress: optionalString(p.args.ipAddress),
        hardwareAddress: optionalString(p.args.hardwareAddress),
      },
    ]);
    return id;
  });
  h.set("createServer", async (ctx, p) => {
    const id = forceHostId(`${String(p.args.serverName)}.${String(p.args.domain)}`);
    await ctx.backend.createObjects("host", [{ type: "OpsiConfigserver", id, description: p.args.description, notes: p.args.notes }]);
    return id;
  });
  h.set("createDepot", async (ctx, p) => {
    const id = forceHostId(`${String(p.args.depotName)}.${String(p.args.domain)}`);
    await ctx.backend.createObjects("host", [
      {
        type: "OpsiDepotserver",
        id,
        depotLocalUrl: p.args.depotLocalUrl,
        depotRemoteUrl: p.args.depotRemoteUrl,
        repositoryLocalUrl: p.args.repositoryLocalUrl,
        repositoryRemoteUrl: p.args.repositoryRemoteUrl,
        description: p.args.description,
        notes: p.args.notes,
        networkAddress: p.args.network,
        maxBandwidth: p.args.maxBandwidth,
      },
    ]);
    return id;
  });
  h.set("setHostDescription", (ctx, p) => updateHost(ctx, p.args.hostId, { description: p.args.description }));
  h.set("setHostNotes", (ctx, p) => updateHost(ctx, p.args.hostId, { notes: p.args.notes }));
  h.set("setHostInventoryNumber", (ctx, p) => updateHost(ctx, p.args.hostId, { inventoryNumber: p.args.inventoryNumber }));
  h.set("setHostLastSeen", (ctx, p) => updateHost(ctx, p.args.hostId, { lastSeen: p.args.timestamp }));
  h.set("setOpsiHostKey", (ctx, p) => updateHost(ctx, p.args.hostId, { opsiHostKey: p.args.opsiHostKey }));
  h.set("setMacAddresses", (ctx, p) => updateHost(ctx, p.args.hostId, { hardwareAddress: listOf(p.args.macs)[0] }));
  h.set("setMacAddress", (ctx, p) => updateHost(ctx, p.args.hostId, { hardwareAddress: p.args.mac }));
  h.set("getMacAddresses_list", async (ctx, p) => [String((await hostOrFail(ctx, p.args.hostId)).hardwareAddress ?? "")]);
  h.set("getMacAddress", async (ctx, p) => String((await hostOrFail(ctx, p.args.hostId)).hardwareAddress ?? ""));
  h.set("getIpAddress", async (ctx, p) => String((await hostOrFail(ctx, p.args.hostId, ["ipAddress"])).ipAddress ?? ""));
  h.set("getOpsiHostKey", async (ctx, p) => {
    if (!p.args.hostId) throw new BackendBadValueError("No host id given");
    return (await hostOrFail(ctx, p.args.hostId, ["opsiHostKey"])).opsiHostKey ?? null;
  });
  h.set("getHost_hash", async (ctx, p) => {
    const { id, type: _type, ...rest } = await hostOrFail(ctx, p.args.hostId);
    return noneToEmpty({
      ...rest,
      hostId: id,
      created: compactTimestamp(rest.created ?? ""),
      lastSeen: compactTimestamp(rest.lastSeen ?? ""),
    });
  });
  h.set("getDepot_hash", async (ctx, p) => {
    const depotId = forceHostId(p.args.depotId);
    const [depot] = await ctx.backend.getObjects("host", null, { id: depotId });
    if (!depot) throw new BackendMissingDataError(`Depot '${depotId}' not found`);
    const { type: _type, ...rest } = depot as unknown as Dict;
    return noneToEmpty({ ...rest, ip: rest.ipAddress });
  });
  h.set("getClientIdByMac", async (ctx, p) => {
    const [host] = await ctx.backend.getObjects("host", ["id"], { type: "OpsiClient", hardwareAddress: forceHardwareAddress(p.args.mac) });
    return host?.id ?? "";
  });
  h.set("getServerIds_list", (ctx) => ctx.backend.getIdents("host", "str", { type: "OpsiConfigserver" }));
  h.set("getServerId", async (ctx) => {
    const [id] = (await ctx.backend.getIdents("host", "str", { type: "OpsiConfigserver" })) as string[];
    if (!id) throw new BackendMissingDataError("No config server found");
    return id;
  });
  h.set("getDepotIds_list", (ctx) => depotIds(ctx, { isMasterDepot: true }));
  h.set("getClientIDs", (ctx) => ctx.backend.getIdents("host", "str", { type: "OpsiClient" }));
  h.set("getClients", (ctx) => getClients(ctx));
  h.set("getClientsOnDepot", (ctx, p) => clientsOnDepot(ctx, p.args.depotIds));
  h.set("getClientsWithProducts", (ctx, p) => clientsWithProducts(ctx, p.args.productIds, p.args.installationStatus));
  h.set("getClientsWithActionRequest", (ctx, p) => clientsWithActionRequest(ctx, p.args.actionRequests));
  const clientListParams = [
    "serverId",
    "depotIds",
    "groupId",
    "productId",
    "installationStatus",
    "actionRequest",
    "productVersion",
    "packageVersion",
    "hwFilter",
  ];
  h.set("getClients_listOfHashes", async (ctx, p) => {
    if (clientListParams.some((k) => p.args[k])) throw new BackendBadValueError("These parameters have been deprecated");
    return getClients(ctx);
  });
  h.set("getClientIds_list", async (ctx, p) => {
    const a = p.args;
    if (!clientListParams.some((k) => a[k])) return ctx.backend.getIdents("host", "str", { type: "OpsiClient" });
    if (listOf(a.depotIds).length > 0) return clientsOnDepot(ctx, a.depotIds);
    if (a.productId) return clientsWithProducts(ctx, a.productId, a.installationStatus || null);
    if (a.actionRequest) return clientsWithActionRequest(ctx, a.actionRequest);
    throw new BackendBadValueError("Missing parameters for mapping getClientIds_list to replacing method.");
  });
  // products
  h.set("getProduct_hash", (ctx, p) => getProductHash(ctx, p.args.productId, p.args.depotId));
  h.set("getProducts_hash", (ctx, p) => getProductsHash(ctx, p.args.depotIds));
  h.set("getProducts_listOfHashes", (ctx, p) => getProductsListOfHashes(ctx, p.args.depotId));
  h.set("getProductIds_list", (ctx, p) => getProductIdsList(ctx, p.args.productType, p.args.objectId, p.args.installationStatus));
  h.set("getLocalBootProductIds_list", (ctx, p) => getProductIdsList(ctx, "localboot", p.args.objectId, p.args.installationStatus));
  h.set("getNetBootProductIds_list", (ctx, p) => getProductIdsList(ctx, "netboot", p.args.objectId, p.args.installationStatus));
  const installable = (productType: string | null) => async (ctx: MethodContext, p: { args: Dict }) => {
    const depotId = await getDepotId(ctx, p.args.clientId);
    return (await ctx.backend.getObjects("productOnDepot", null, { depotId, productType })).map((pod) => pod.productId);
  };
  h.set("getInstallableProductIds_list", installable(null));
  h.set("getInstallableLocalBootProductIds_list", installable("LocalbootProduct"));
  h.set("getInstallableNetBootProductIds_list", installable("NetbootProduct"));
  const installed = (productType: string | null) => async (ctx: MethodContext, p: { args: Dict }) =>
    (
      await ctx.backend.getObjects("productOnClient", ["productId"], {
        clientId: p.args.objectId,
        productType,
        installationStatus: "installed",
      })
    ).map((poc) => poc.productId);
  h.set("getInstalledProductIds_list", installed(null));
  h.set("getInstalledLocalBootProductIds_list", installed("LocalbootProduct"));
  h.set("getInstalledNetBootProductIds_list", installed("NetbootProduct"));
  const provided = (productType: string) => async (ctx: MethodContext, p: { args: Dict }) =>
    (await ctx.backend.getObjects("productOnDepot", null, { depotId: p.args.depotId, productType })).map((pod) => pod.productId);
  h.set("getProvidedLocalBootProductIds_list", provided("LocalbootProduct"));
  h.set("getProvidedNetBootProductIds_list", provided("NetbootProduct"));
  h.set("getProductInstallationStatus_hash", async (ctx, p) => {
    const productId = forceProductId(p.args.productId);
    const [poc] = await ctx.backend.getObjects("productOnClient", null, { productId, clientId: p.args.objectId });
    if (!poc) return { installationStatus: "not_installed", productId };
    const hash: Dict = { ...(poc as unknown as Dict) };
    const compact = compactTimestamp(poc.modificationTime);
    if (compact !== String(poc.modificationTime ?? "")) hash.lastStateChange = compact;
    return hash;
  });
  h.set("getProductInstallationStatus_listOfHashes", async (ctx, p) => {
    const depotId = await getDepotId(ctx, p.args.objectId);
    const products = new Map<string, Dict>();
    for (const pod of await ctx.backend.getObjects("productOnDepot", null, { depotId })) {
      products.set(pod.productId, {
        lastStateChange: "",
        productVersion: pod.productVersion,
        packageVersion: pod.packageVersion,
        installationStatus: "not_installed",
        productId: pod.productId,
      });
    }
    for (const poc of await ctx.backend.getObjects("productOnClient", null, { clientId: p.args.objectId })) {
      let installationStatus = poc.installationStatus;
      if (poc.actionResult === "failed") installationStatus = "failed";
      else if (installationStatus === "unknown") installationStatus = "not_installed";
      products.set(poc.productId, {
        lastStateChange: poc.modificationTime ? compactTimestamp(poc.modificationTime) : "",
        productVersion: poc.productVersion,
        packageVersion: poc.packageVersion,
        installationStatus,
        productId: poc.productId,
      });
    }
    return [...products.values()];
  });
  h.set("getPossibleProductActions_list", async (ctx, p) => {
    if (!p.args.productId) return ["none", "setup", "uninstall", "update", "always", "once", "custom"];
    return possibleActions(await getProductHash(ctx, p.args.productId, p.args.depotId));
  });
  h.set("getPossibleProductActions_hash", async (ctx, p) => {
    let depotId = optionalString(p.args.depotId);
    if (depotId && !(await depotIds(ctx, { isMasterDepot: true })).includes(depotId)) depotId = null;
    const result: Record<string, string[]> = {};
    for (const product of await getProductsListOfHashes(ctx, depotId)) result[String(product.productId)] = possibleActions(product);
    return result;
  });
  h.set("getProductActionRequests_listOfHashes", async (ctx, p) =>
    (await ctx.backend.getObjects("productOnClient", null, { clientId: p.args.clientId })).map((poc) => ({
      productId: poc.productId,
      actionRequest: poc.actionRequest,
    })),
  );
  h.set("getProductStates_hash", (ctx, p) => productStatesHash(ctx, p.args.objectIds, null));
  h.set("getLocalBootProductStates_hash", (ctx, p) => productStatesHash(ctx, p.args.objectIds, "LocalbootProduct"));
  h.set("getNetBootProductStates_hash", (ctx, p) => productStatesHash(ctx, p.args.objectIds, "NetbootProduct"));
  h.set("getProductPropertyDefinitions_listOfHashes", (ctx, p) => propertyDefinitions(ctx, p.args.productId, p.args.depotId));
  h.set("getProductPropertyDefinitions_hash", async (ctx, p) => {
    const result: Record<string, Dict[]> = {};
    const pods = (await ctx.backend.getIdents("productOnDepot", "dict", { depotId: optionalString(p.args.depotId) })) as Dict[];
    for (const productId of new Set(pods.map((pod) => String(pod.productId)))) {
      const defs = await propertyDefinitions(ctx, productId, p.args.depotId);
      if (defs.length > 0) result[productId] = defs;
    }
    return result;
  });
  h.set("getProductProperties_hash", (ctx, p) => getProductPropertiesHash(ctx, p.args.productId, p.args.objectId));
  h.set("setProductProperties", (ctx, p) => setProductProperties(ctx, p.args.productId, p.args.properties, p.args.objectId));
  h.set("setProductProperty", (ctx, p) =>
    setProductProperties(ctx, p.args.productId, { [String(p.args.propertyId)]: p.args.value }, p.args.objectId),
  );
  h.set("createProduct", (ctx, p) => createProduct(ctx, String(p.args.productType), p.args));
  h.set("createLocalBootProduct", (ctx, p) => createProduct(ctx, "localboot", p.args));
  h.set("createNetBootProduct", (ctx, p) => createProduct(ctx, "netboot", p.args));
  h.set("lockProduct", (ctx, p) => lockProduct(ctx, p.args.productId, p.args.depotIds, true));
  h.set("unlockProduct", (ctx, p) => lockProduct(ctx, p.args.productId, p.args.depotIds, false));
  h.set("getProductLocks_hash", async (ctx, p) => {
    const result: Record<string, string[]> = {};
    for (const pod of await ctx.backend.getObjects("productOnDepot", null, { depotId: listOf(p.args.depotIds), locked: true })) {
      result[pod.productId] ??= [];
      result[pod.productId]?.push(pod.depotId);
    }
    return result;
  });
  h.set("getProductDependencies_listOfHashes", async (ctx, p) => {
    const productId = optionalString(p.args.productId);
    const depotId = optionalString(p.args.depotId);
    let deps = await ctx.backend.getObjects("productDependency", null, { productId });
    if (depotId) {
      const onDepot = new Set(
        ((await ctx.backend.getIdents("productOnDepot", "dict", { depotId })) as Dict[]).map(
          (pod) => `${String(pod.productId)};${String(pod.productVersion)};${String(pod.packageVersion)}`,
        ),
      );
      deps = deps.filter((d) => onDepot.has(`${d.productId};${d.productVersion};${d.packageVersion}`));
    }
    return deps.map((d) => ({
      productId: d.productId,
      action: d.productAction,
      requiredProductId: d.requiredProductId,
      requiredProductClassId: "",
      requiredAction: d.requiredAction ?? "",
      requiredInstallationStatus: d.requiredInstallationStatus ?? "",
      requirementType: d.requirementType ?? "",
    }));
  });
  h.set("createProductDependency", async (ctx, p) => {
    const pods = await ctx.backend.getObjects("productOnDepot", null, { productId: p.args.productId, depotId: listOf(p.args.depotIds) });
    const deps = pods.map((pod) => ({
      productId: pod.productId,
      productVersion: pod.productVersion,
      packageVersion: pod.packageVersion,
      productAction: p.args.action,
      requiredProductId: optionalString(p.args.requiredProductId),
      requiredAction: optionalString(p.args.requiredAction),
      requiredInstallationStatus: optionalString(p.args.requiredInstallationStatus),
      requirementType: optionalString(p.args.requirementType),
    }));
    if (deps.length > 0) await ctx.backend.createObjects("productDependency", deps);
    return null;
  });
  h.set("deleteProductDependency", async (ctx, p) => {
    for (const pod of await ctx.backend.getObjects("productOnDepot", null, {
      productId: p.args.productId,
      depotId: listOf(p.args.depotIds),
    })) {
      const idents = await ctx.backend.getIdents("productDependency", "dict", {
        productId: pod.productId,
        productVersion: pod.productVersion,
        packageVersion: pod.packageVersion,
        productAction: optionalString(p.args.action),
        requiredProductId: optionalString(p.args.requiredProductId),
      });
      if (idents.length > 0) await ctx.backend.deleteObjects("productDependency", idents as Dict[]);
    }
    return null;
  });
  // audit
  h.set("getHardwareInformation_hash", (ctx, p) => hardwareInformation(ctx, p.args.hostId));
  h.set("getSoftwareInformation_hash", (ctx, p) => softwareInformation(ctx, p.args.hostId));
  h.set("setSoftwareInformation", (ctx, p) => setSoftwareInformation(ctx, p.args.hostId, p.args.info));
  h.set("getSoftwareInformation_listOfHashes", async (ctx) => {
    const result: Dict[] = [];
    for (const software of await ctx.backend.getObjects("auditSoftware")) {
      const {
        windowsDisplayName,
        windowsDisplayVersion,
        type: _type,
        name: _name,
        architecture: _arch,
        language: _lang,
        version: _version,
        subVersion: _sub,
        ...rest
      } = software as unknown as Dict;
      const hash: Dict = { ...rest, displayName: windowsDisplayName, displayVersion: windowsDisplayVersion };
      hash.installSize = rest.installSize || 0;
      hash.uninstallString = "";
      hash.binaryName = "";
      const installedOn: string[] = [];
      const filter = Object.fromEntries(SOFTWARE_IDENT.map((k) => [k, (software as unknown as Dict)[k]]));
      for (const row of await ctx.backend.getObjects("auditSoftwareOnClient", null, filter)) {
        if (row.uninstallString) hash.uninstallString = row.uninstallString;
        if (row.binaryName) hash.binaryName = row.binaryName;
        installedOn.push(row.clientId);
      }
      hash.installedOn = installedOn;
      hash.installationCount = installedOn.length;
      result.push(hash);
    }
    return result;
  });
  h.set("setHardwareInformation", async (ctx, p) => {
    const hostId = forceHostId(p.args.hostId);
    const info = p.args.info;
    if (typeof info !== "object" || info === null || Array.isArray(info)) throw new BackendBadValueError("info must be a dict");
    const old = await ctx.backend.getObjects("auditHardwareOnHost", [], { hostId });
    if (old.length > 0) await ctx.backend.deleteObjects("auditHardwareOnHost", old);
    const rows: Dict[] = [];
    for (const [hardwareClass, devices] of Object.entries(info as Dict)) {
      if (hardwareClass === "SCANPROPERTIES") continue;
      for (const device of listOf(devices)) rows.push({ ...(device as Dict), hardwareClass, hostId });
    }
    if (rows.length > 0) await ctx.backend.updateObjects("auditHardwareOnHost", rows);
    return null;
  });
  h.set("deleteHardwareInformation", async (ctx, p) => {
    const rows = await ctx.backend.getObjects("auditHardwareOnHost", [], { hostId: forceHostId(p.args.hostId) });
    if (rows.length > 0) await ctx.backend.deleteObjects("auditHardwareOnHost", rows);
    return null;
  });
  h.set("deleteSoftwareInformation", async (ctx, p) => {
    const idents = await ctx.backend.getIdents("auditSoftwareOnClient", "dict", { clientId: forceHostId(p.args.hostId) });
    if (idents.length > 0) await ctx.backend.deleteObjects("auditSoftwareOnClient", idents as Dict[]);
    return null;
  });
  h.set("getSoftwareAuditDataCount", async (ctx) => {
    const software = await ctx.backend.getIdents("auditSoftware", "str");
    const onClient = await ctx.backend.getIdents("auditSoftwareOnClient", "str");
    return software.length + onClient.length;
  });
  h.set("getHardwareAuditDataCount", async (ctx) => {
    const hardware = await ctx.backend.getIdents("auditHardware", "str");
    const onHost = await ctx.backend.getIdents("auditHardwareOnHost", "str");
    return hardware.length + onHost.length;
  });
  // licensing
  h.set("getLicenseContractIds_list", (ctx) => ctx.backend.getIdents("licenseContract", "str"));
  h.set("getLicenseContract_hash", async (ctx, p) => {
    const [contract] = await ctx.backend.getObjects("licenseContract", null, { id: p.args.licenseContractId });
    if (!contract) throw new BackendMissingDataError(`License contract '${String(p.args.licenseContractId)}' does not exist`);
    return contractHash(contract as unknown as Dict);
  });
  h.set("getLicenseContracts_listOfHashes", async (ctx) =>
    (await ctx.backend.getObjects("licenseContract")).map((c) => contractHash(c as unknown as Dict)),
  );
  h.set("deleteLicenseContract", async (ctx, p) => {
    const idents = await ctx.backend.getIdents("licenseContract", "dict", { id: p.args.licenseContractId });
    if (idents.length > 0) await ctx.backend.deleteObjects("licenseContract", idents as Dict[]);
    return null;
  });
  h.set("createLicenseContract", async (ctx, p) => {
    let id = optionalString(p.args.licenseContractId);
    if (!id) id = generatedId("c", new Set((await ctx.backend.getIdents("licenseContract", "str")) as string[]));
    await ctx.backend.createObjects("licenseContract", [
      {
        id,
        notes: p.args.notes,
        partner: p.args.partner,
        conclusionDate: optionalString(p.args.conclusionDate),
        notificationDate: optionalString(p.args.notificationDate),
        expirationDate: optionalString(p.args.expirationDate),
      },
    ]);
    const [created] = (await ctx.backend.getIdents("licenseContract", "str", { id })) as string[];
    return created ?? id;
  });
  h.set("getSoftwareLicenseIds_list", async (ctx) =>
    ((await ctx.backend.getIdents("softwareLicense", "dict")) as Dict[]).map((i) => String(i.id)),
  );
  h.set("getSoftwareLicense_hash", async (ctx, p) => {
    const [license] = await ctx.backend.getObjects("softwareLicense", null, { id: p.args.softwareLicenseId });
    if (!license) throw new BackendMissingDataError(`Software license '${String(p.args.softwareLicenseId)}' does not exist`);
    return softwareLicenseHash(ctx, license as unknown as Dict);
  });
  h.set("getSoftwareLicenses_listOfHashes", async (ctx) => {
    const result: Dict[] = [];
    for (const license of await ctx.backend.getObjects("softwareLicense"))
      result.push(await softwareLicenseHash(ctx, license as unknown as Dict));
    return result;
  });
  h.set("createSoftwareLicense", async (ctx, p) => {
    const kind = String(p.args.licenseType || "volume").toLowerCase();
    const type = {
      oem: "OEMSoftwareLicense",
      retail: "RetailSoftwareLicense",
      volume: "VolumeSoftwareLicense",
      concurrent: "ConcurrentSoftwareLicense",
    }[kind];
    if (!type) throw new BackendBadValueError(`Unknown license type '${String(p.args.licenseType)}'`);
    let id = optionalString(p.args.softwareLicenseId);
    if (!id) {
      const known = ((await ctx.backend.getIdents("softwareLicense", "dict")) as Dict[]).map((i) => String(i.id));
      id = generatedId("l", new Set(known));
    }
    await ctx.backend.createObjects("softwareLicense", [
      {
        type,
        id,
        licenseContractId: p.args.licenseContractId,
        maxInstallations: p.args.maxInstallations,
        boundToHost: optionalString(p.args.boundToHost),
        expirationDate: optionalString(p.args.expirationDate),
      },
    ]);
    const [created] = (await ctx.backend.getIdents("softwareLicense", "list", { id })) as string[][];
    return created?.[0] ?? id;
  });
  h.set("deleteSoftwareLicense", async (ctx, p) => {
    if (forceBool(p.args.removeFromPools ?? false)) {
      const rels = await ctx.backend.getIdents("softwareLicenseToLicensePool", "dict", { softwareLicenseId: p.args.softwareLicenseId });
      if (rels.length > 0) await ctx.backend.deleteObjects("softwareLicenseToLicensePool", rels as Dict[]);
    }
    const idents = await ctx.backend.getIdents("softwareLicense", "dict", { id: p.args.softwareLicenseId });
    if (idents.length > 0) await ctx.backend.deleteObjects("softwareLicense", idents as Dict[]);
    return null;
  });
  h.set("getLicensePoolIds_list", (ctx) => ctx.backend.getIdents("licensePool", "str"));
  h.set("createLicensePool", async (ctx, p) => {
    let id = optionalString(p.args.licensePoolId);
    if (!id) id = generatedId("p", new Set((await ctx.backend.getIdents("licensePool", "str")) as string[]));
    await ctx.backend.createObjects("licensePool", [{ id, description: p.args.description, productIds: listOf(p.args.productIds) }]);
    const windowsSoftwareIds = listOf(p.args.windowsSoftwareIds).map(String);
    if (windowsSoftwareIds.length > 0) {
      const software = await ctx.backend.getObjects("auditSoftware", null, { windowsSoftwareId: windowsSoftwareIds });
      const rels = software.map((s) => ({
        name: s.name,
        version: s.version,
        subVersion: s.subVersion,
        language: s.language,
        architecture: s.architecture,
        licensePoolId: id,
      }));
      if (rels.length > 0) await ctx.backend.createObjects("auditSoftwareToLicensePool", rels);
    }
    const [created] = (await ctx.backend.getIdents("licensePool", "str", { id })) as string[];
    if (!created) throw new BackendMissingDataError("Failed to create license pool");
    return created;
  });
  h.set("deleteLicensePool", async (ctx, p) => {
    const poolId = p.args.licensePoolId;
    if (forceBool(p.args.deleteLicenses ?? false)) {
      for (const rel of (await ctx.backend.getIdents("softwareLicenseToLicensePool", "dict", { licensePoolId: poolId })) as Dict[]) {
        const usages = await ctx.backend.getIdents("licenseOnClient", "dict", {
          softwareLicenseId: rel.softwareLicenseId,
          licensePoolId: poolId,
        });
        if (usages.length > 0) await ctx.backend.deleteObjects("licenseOnClient", usages as Dict[]);
        const licenses = await ctx.backend.getIdents("softwareLicense", "dict", { id: rel.softwareLicenseId });
        if (licenses.length > 0) await ctx.backend.deleteObjects("softwareLicense", licenses as Dict[]);
      }
    }
    const idents = await ctx.backend.getIdents("licensePool", "dict", { id: poolId });
    if (idents.length > 0) await ctx.backend.deleteObjects("licensePool", idents as Dict[]);
    return null;
  });
  h.set("getLicensePool_hash", async (ctx, p) => {
    const [pool] = await ctx.backend.getObjects("licensePool", null, { id: p.args.licensePoolId });
    if (!pool) throw new BackendMissingDataError(`License pool '${String(p.args.licensePoolId)}' does not exist`);
    return licensePoolHash(ctx, pool as unknown as Dict);
  });
  h.set("addProductIdsToLicensePool", async (ctx, p) => {
    const [pool] = await ctx.backend.getObjects("licensePool", null, { id: p.args.licensePoolId });
    if (!pool) throw new BackendMissingDataError(`License pool '${String(p.args.licensePoolId)}' does not exist`);
    const productIds = [...new Set([...(pool.productIds ?? []), ...listOf(p.args.productIds).map(String)])];
    await ctx.backend.updateObject("licensePool", { ...pool, productIds });
    return null;
  });
  h.set("removeProductIdsFromLicensePool", async (ctx, p) => {
    const [pool] = await ctx.backend.getObjects("licensePool", null, { id: p.args.licensePoolId });
    if (!pool) throw new BackendMissingDataError(`License pool '${String(p.args.licensePoolId)}' does not exist`);
    const remove = new Set(listOf(p.args.productIds).map((v) => forceProductId(v)));
    await ctx.backend.updateObject("licensePool", { ...pool, productIds: (pool.productIds ?? []).filter((id) => !remove.has(id)) });
    return null;
  });
  h.set("addSoftwareLicenseToLicensePool", async (ctx, p) => {
    await ctx.backend.createObjects("softwareLicenseToLicensePool", [
      { softwareLicenseId: p.args.softwareLicenseId, licensePoolId: p.args.licensePoolId, licenseKey: p.args.licenseKey },
    ]);
    return null;
  });
  h.set("removeSoftwareLicenseFromLicensePool", async (ctx, p) => {
    const idents = await ctx.backend.getIdents("softwareLicenseToLicensePool", "dict", {
      softwareLicenseId: p.args.softwareLicenseId,
      licensePoolId: p.args.licensePoolId,
    });
    if (idents.length > 0) await ctx.backend.deleteObjects("softwareLicenseToLicensePool", idents as Dict[]);
    return null;
  });
  h.set("setSoftwareLicenseUsage", async (ctx, p) => {
    await ctx.backend.createObjects("licenseOnClient", [
      {
        softwareLicenseId: p.args.softwareLicenseId,
        licensePoolId: p.args.licensePoolId,
        clientId: p.args.hostId,
        licenseKey: p.args.licenseKey,
        notes: p.args.notes,
      },
    ]);
    return { hostId: p.args.hostId, softwareLicenseId: p.args.softwareLicenseId, licensePoolId: p.args.licensePoolId };
  });
  h.set("deleteAllSoftwareLicenseUsages", async (ctx, p) => {
    const idents = await ctx.backend.getIdents("licenseOnClient", "dict", { clientId: listOf(p.args.hostIds).map(forceHostId) });
    if (idents.length > 0) await ctx.backend.deleteObjects("licenseOnClient", idents as Dict[]);
    return null;
  });
  h.set("getSoftwareLicenseUsages_listOfHashes", async (ctx, p) =>
    (
      await ctx.backend.getObjects("licenseOnClient", null, {
        clientId: listOf(p.args.hostIds),
        licensePoolId: listOf(p.args.licensePoolIds),
      })
    ).map((loc) => {
      const { clientId, ...rest } = loc as unknown as Dict;
      return { ...rest, licenseKey: rest.licenseKey ?? "", notes: rest.notes ?? "", hostId: clientId };
    }),
  );
  h.set("getLicensePools_listOfHashes", async (ctx) => {
    const result: Dict[] = [];
    for (const pool of await ctx.backend.getObjects("licensePool")) result.push(await licensePoolHash(ctx, pool as unknown as Dict));
    return result;
  });
  h.set("getLicensePoolId", async (ctx, p) => {
    const productId = optionalString(p.args.productId);
    const windowsSoftwareId = optionalString(p.args.windowsSoftwareId);
    if (!productId && !windowsSoftwareId) throw new BackendBadValueError("Neither product id nor windows software id given.");
    let idents: string[] = [];
    if (productId) {
      idents = (await ctx.backend.getIdents("licensePool", "str", { productIds: forceProductId(productId) })) as string[];
    } else {
      for (const s of await ctx.backend.getObjects("auditSoftware", null, { windowsSoftwareId })) {
        const [rel] = await ctx.backend.getObjects("auditSoftwareToLicensePool", null, {
          name: s.name,
          version: s.version,
          subVersion: s.subVersion,
          language: s.language,
          architecture: s.architecture,
        });
        if (rel) idents.push(rel.licensePoolId);
      }
    }
    const what = `product id '${productId ?? ""}', windowsSoftwareId '${windowsSoftwareId ?? ""}'`;
    if (idents.length < 1) throw new LicenseConfigurationError(`No license pool for ${what} found`);
    if (idents.length > 1) throw new LicenseConfigurationError(`Multiple license pools for ${what} found`);
    return idents[0];
  });
  h.set("getLicenseStatistics_hash", async (ctx) => {
    const result: Record<string, Dict> = {};
    for (const pool of await ctx.backend.getObjects("licensePool")) {
      let licenses = 0;
      let maxInstallations: number | "infinite" = 0;
      const additionalPools = new Set<string>();
      for (const rel of await ctx.backend.getObjects("softwareLicenseToLicensePool", null, { licensePoolId: pool.id })) {
        for (const other of await ctx.backend.getObjects("softwareLicenseToLicensePool", null, {
          softwareLicenseId: rel.softwareLicenseId,
        })) {
          if (other.licensePoolId !== pool.id) additionalPools.add(other.licensePoolId);
        }
        licenses += 1;
        const [license] = await ctx.backend.getObjects("softwareLicense", ["maxInstallations"], { id: rel.softwareLicenseId });
        const allowed = license?.maxInstallations ?? 0;
        if (allowed === 0) maxInstallations = "infinite";
        else if (maxInstallations !== "infinite") maxInstallations += allowed;
      }
      const usedBy = (await ctx.backend.getObjects("licenseOnClient", ["clientId"], { licensePoolId: pool.id })).map((l) => l.clientId);
      let remaining: number | "infinite" = "infinite";
      if (maxInstallations !== "infinite") {
        remaining = maxInstallations - usedBy.length;
        if (additionalPools.size > 0) {
          remaining -= (await ctx.backend.getIdents("licenseOnClient", "str", { licensePoolId: [...additionalPools] })).length;
        }
        if (remaining < 1) remaining = 0;
      }
      result[pool.id] = { licenses, used_by: usedBy, usageCount: usedBy.length, maxInstallations, remainingInstallations: remaining };
    }
    return result;
  });
  h.set("areDepotsSynchronous", async (ctx, p) => {
    const depots = (await ctx.backend.getIdents("host", "str", { type: "OpsiDepotserver", id: listOf(p.args.depotIds) })) as string[];
    if (depots.length === 0) throw new BackendMissingDataError("No depots found");
    let last: string | null = null;
    for (const depotId of depots) {
      const idents = ((await ctx.backend.getIdents("productOnDepot", "dict", { depotId })) as Dict[])
        .map((i) => `${String(i.productId)};${String(i.productVersion)};${String(i.packageVersion)}`)
        .sort()
        .join("|");
      if (last !== null && idents !== last) return false;
      last = idents;
    }
    return true;
  });
  return h;
}
