/** @module depot/install — `depot_installPackage` / `depot_uninstallPackage`: installing `.opsi` packages on a depot (opsi 4.3 sequence). */
import { access, constants, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import {
  type Backend,
  BackendBadValueError,
  BackendError,
  BackendReferentialIntegrityError,
  BackendTemporaryError,
  BackendUnaccomplishableError,
  type BoolProductProperty,
  forceBool,
  forceProductId as forceProductIdValue,
  type ProductDependency,
  type UnicodeProductProperty,
} from "@opsi-ts/core";
import { extractPackage } from "../package/archive.js";
import type { PackageControl } from "../package/control.js";
import { compareVersionsCondition } from "../package/version.js";
import { createPackageContentFile } from "../side-files/content-file.js";
import { runPackageScript } from "./scripts.js";
import { copyServerData, defaultBootDir, type ServerDataTargets } from "./server-data.js";
import { createStagingDir, removeProductDir, swapProductDir } from "./swap.js";

export { PackageScriptError } from "./scripts.js";
export { type RecoveryReport, recoverInterruptedInstalls } from "./swap.js";

/** Options of {@link installPackage}. */
export interface InstallPackageOptions {
  readonly depotId: string;
  /** The depot directory holding one directory per product (opsi: `/var/lib/opsi/depot`). */
  readonly depotDir: string;
  /** The `.opsi` file. */
  readonly packageFile: string;
  /** Ignore a locked ProductOnDepot and unmet package dependencies. */
  readonly force?: boolean;
  /** Values of the depot's ProductPropertyStates per property id (null → []); missing ids get the package defaults. */
  readonly propertyDefaultValues?: Readonly<Record<string, readonly unknown[] | null>>;
  /** Install the package under this product id. */
  readonly forceProductId?: string;
  /** Where to extract (default: a staging directory inside `depotDir`, so the final move is a rename). */
  readonly tempDir?: string;
  /** Where SERVER_DATA goes; `false` skips it. */
  readonly serverDataTargets?: ServerDataTargets | false;
  /** Run preinst/postinst (default true). */
  readonly runScripts?: boolean;
  /** preinst/postinst timeout in ms (default 600 000). */
  readonly scriptTimeoutMs?: number;
  /** Do not write `<productId>.files`. */
  readonly suppressPackageContentFileGeneration?: boolean;
  /** `OPSI_SERVER_VERSION` for the scripts. */
  readonly opsiServerVersion?: string;
}

/** Result of {@link installPackage}. */
export interface InstallPackageResult {
  readonly productId: string;
  readonly productType: "LocalbootProduct" | "NetbootProduct";
  readonly productVersion: string;
  readonly packageVersion: string;
  /** `<pv>-<pkv>` of the ProductOnDepot before, or null. */
  readonly previousVersion: string | null;
  /** Output of preinst and postinst. */
  readonly scriptOutput: string;
}

/** Options of {@link uninstallPackage}. */
export interface UninstallPackageOptions {
  readonly depotId: string;
  readonly depotDir: string;
  readonly productId: string;
  /** Ignore a lock and products in use. */
  readonly force?: boolean;
  /** Delete the product directory (default true). */
  readonly deleteFiles?: boolean;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

function renameProduct(control: PackageControl, id: string): PackageControl {
  const productId = forceProductIdValue(id);
  return {
    ...control,
    product: { ...control.product, id: productId },
    productProperties: control.productProperties.map((p) => ({ ...p, productId })),
    productDependencies: control.productDependencies.map((d) => ({ ...d, productId })),
  };
}

async function checkPackageDependencies(backend: Backend, depotId: string, control: PackageControl): Promise<void> {
  if (control.packageDependencies.length === 0) return;
  const pods = await backend.productOnDepot_getObjects(null, {
    depotId,
    productId: control.packageDependencies.map((d) => d.package),
  });
  const missing: string[] = [];
  for (const dep of control.packageDependencies) {
    const pod = pods.find((p) => p.productId === dep.package);
    const wanted = dep.version === null ? dep.package : `${dep.package} (${dep.condition ?? "=="} ${dep.version})`;
    if (!pod) {
      missing.push(`${wanted}: not installed`);
    } else if (dep.version !== null) {
      const have = `${pod.productVersion}-${pod.packageVersion}`;
      if (!compareVersionsCondition(have, dep.condition ?? "==", dep.version)) missing.push(`${wanted}: installed is ${have}`);
    }
  }
  if (missing.length > 0) {
    throw new BackendUnaccomplishableError(`Unfulfilled package dependencies on depot '${depotId}': ${missing.join("; ")}`);
  }
}

type PackageProperty = UnicodeProductProperty | BoolProductProperty;

const depIdent = (d: ProductDependency): string => `${d.productAction}\u0000${d.requiredProductId}`;

/** The depot value of a property: the requested values (filtered for non-editable properties) or the package default. */
function depotValues(property: PackageProperty, requested: Readonly<Record<string, readonly unknown[] | null>>): unknown[] {
  const fallback = [...(property.defaultValues ?? [])];
  if (!Object.hasOwn(requested, property.propertyId)) return fallback;
  const values = [...(requested[property.propertyId] ?? [])];
  const possible = property.possibleValues ?? [];
  if (!property.editable && possible.length > 0) {
    const kept = values.filter((v) => possible.some((p) => p === v || String(p) === String(v)));
    return kept.length > 0 ? kept : fallback;
  }
  return values;
}

async function syncObjects(
  backend: Backend,
  depotId: string,
  control: PackageControl,
  requested: Readonly<Record<string, readonly unknown[] | null>>,
): Promise<void> {
  const { id: productId, productVersion, packageVersion } = control.product;
  const same = { productId, productVersion, packageVersion };
  // ProductDependency: create the package's, delete the obsolete ones of this version.
  if (control.productDependencies.length > 0) await backend.productDependency_createObjects(control.productDependencies);
  const wantedDeps = new Set(control.productDependencies.map(depIdent));
  const staleDeps = (await backend.productDependency_getObjects(null, same)).filter((d) => !wantedDeps.has(depIdent(d)));
  if (staleDeps.length > 0) await backend.productDependency_deleteObjects(staleDeps);
  // ProductProperty: the same.
  if (control.productProperties.length > 0) await backend.productProperty_createObjects(control.productProperties);
  const wantedProps = new Set(control.productProperties.map((p) => p.propertyId));
  const staleProps = (await backend.productProperty_getObjects(null, same)).filter((p) => !wantedProps.has(p.propertyId));
  if (staleProps.length > 0) await backend.productProperty_deleteObjects(staleProps);
  // ProductPropertyStates: the depot's are replaced; states of properties no version has any more go.
  const depotStates = await backend.productPropertyState_getObjects(null, { productId, objectId: depotId });
  if (depotStates.length > 0) await backend.productPropertyState_deleteObjects(depotStates);
  const known = new Set((await backend.productProperty_getObjects(["propertyId"], { productId })).map((p) => p.propertyId));
  const orphans = (await backend.productPropertyState_getObjects(null, { productId })).filter((s) => !known.has(s.propertyId));
  if (orphans.length > 0) await backend.productPropertyState_deleteObjects(orphans);
  const states = control.productProperties.map((p) => ({
    type: "ProductPropertyState",
    productId,
    propertyId: p.propertyId,
    objectId: depotId,
    values: depotValues(p, requested),
  }));
  if (states.length > 0) await backend.productPropertyState_createObjects(states);
}

function coerceClientValue(property: PackageProperty, value: unknown): unknown {
  if (property.type === "BoolProductProperty") {
    try {
      return forceBool(value);
    } catch {
      return undefined;
    }
  }
  const possible = property.possibleValues ?? [];
  const text = String(value);
  return possible.find((p) => p === text) ?? possible.find((p) => String(p).toLowerCase() === text.toLowerCase());
}

async function cleanUp(backend: Backend, depotId: string, control: PackageControl): Promise<void> {
  const productId = control.product.id;
  // Product versions no ProductOnDepot references any more.
  const used = new Set(
    (await backend.productOnDepot_getObjects(null, { productId })).map((p) => `${p.productVersion}-${p.packageVersion}`),
  );
  const unused = (await backend.product_getObjects(null, { id: productId })).filter(
    (p) => !used.has(`${p.productVersion}-${p.packageVersion}`),
  );
  if (unused.length > 0) await backend.product_deleteObjects(unused);
  // Client states of non-editable properties: keep valid values, delete empty ones.
  const fixed = control.productProperties.filter((p) => !p.editable && (p.possibleValues ?? []).length > 0);
  if (fixed.length === 0) return;
  const clientIds = (await backend.configState_getClientToDepotserver(depotId)).map((c) => c.clientId);
  if (clientIds.length === 0) return;
  const states = await backend.productPropertyState_getObjects(null, {
    productId,
    propertyId: fixed.map((p) => p.propertyId),
    objectId: clientIds,
  });
  const update: Record<string, unknown>[] = [];
  const remove: typeof states = [];
  for (const state of states) {
    const property = fixed.find((p) => p.propertyId === state.propertyId);
    if (!property) continue;
    const values = (state.values ?? []).map((v) => coerceClientValue(property, v)).filter((v) => v !== undefined);
    const unique = [...new Set(values)];
    if (unique.length === 0) remove.push(state);
    else if (JSON.stringify(unique) !== JSON.stringify(state.values ?? [])) update.push({ ...state, values: unique });
  }
  if (remove.length > 0) await backend.productPropertyState_deleteObjects(remove);
  if (update.length > 0) await backend.productPropertyState_updateObjects(update);
}

/**
 * Installs a `.opsi` package on a depot like opsi 4.3's `depot_installPackage`: Product, locked
 * ProductOnDepot, package dependencies, preinst, CLIENT_DATA atomically into `<depotDir>/<id>`,
 * SERVER_DATA, dependencies and properties, the depot's property states, postinst, `<id>.files`,
 * unlock, clean-up. Any failure raises BackendError "Failed to install package …" (the cause is
 * kept); after the lock the product stays locked and, until the swap, the previous files are intact.
 * @example await installPackage(backend, { depotId: "depot.dom.tld", depotDir: "/var/lib/opsi/depot", packageFile: "/var/lib/opsi/repository/hwaudit_4.3-1.opsi" })
 */
export async function installPackage(backend: Backend, options: InstallPackageOptions): Promise<InstallPackageResult> {
  const { depotId, depotDir, packageFile } = options;
  const force = options.force ?? false;
  let staging: string | null = null;
  try {
    await access(packageFile, constants.R_OK).catch((e: unknown) => {
      throw new BackendBadValueError(`Package file '${packageFile}' is not readable: ${errorText(e)}`);
    });
    staging = await createStagingDir(options.tempDir ?? depotDir);
    let control = (await extractPackage(packageFile, staging)).control;
    if (options.forceProductId) control = renameProduct(control, options.forceProductId);
    const product = control.product;
    const productId = product.id;
    const clientData = join(staging, "CLIENT_DATA");
    await access(clientData).catch(() => {
      throw new BackendBadValueError(`Package '${packageFile}' has no CLIENT_DATA`);
    });

    const [oldPod] = await backend.productOnDepot_getObjects(null, { productId, depotId });
    await backend.product_createObjects(product);
    if (oldPod?.locked && !force) {
      throw new BackendTemporaryError(`Product '${productId}' currently locked on depot '${depotId}', use argument 'force' to ignore`);
    }
    const pod = {
      type: "ProductOnDepot",
      productId,
      productType: product.type,
      productVersion: product.productVersion,
      packageVersion: product.packageVersion,
      depotId,
      locked: true,
    };
    await backend.productOnDepot_createObjects(pod);
    const others = (await backend.productOnDepot_getObjects(null, { productId, depotId })).filter(
      (p) => p.productVersion !== product.productVersion || p.packageVersion !== product.packageVersion,
    );
    if (others.length > 0) await backend.productOnDepot_deleteObjects(others);

    if (!force) await checkPackageDependencies(backend, depotId, control);

    const targets = options.serverDataTargets || undefined;
    const bootDir = targets?.bootDir || (await defaultBootDir(targets ? (targets.root ?? "/") : "/"));
    const env: Record<string, string> = {
      PRODUCT_ID: productId,
      PRODUCT_TYPE: product.type,
      PRODUCT_VERSION: product.productVersion,
      PACKAGE_VERSION: product.packageVersion,
      CLIENT_DATA_DIR: join(depotDir, productId),
      TMP_DIR: staging,
      OPSI_SERVER_VERSION: options.opsiServerVersion ?? "4.3.0.0",
      DEPOT_ID: depotId,
      OLD_PRODUCT_VERSION: oldPod?.productVersion ?? "",
      OLD_PACKAGE_VERSION: oldPod?.packageVersion ?? "",
      BOOT_DIR: bootDir,
    };
    let scriptOutput = "";
    const runScript = async (name: "preinst" | "postinst"): Promise<void> => {
      if (options.runScripts === false) return;
      const path = join(staging ?? "", "OPSI", name);
      const present = await access(path)
        .then(() => true)
        .catch(() => false);
      if (!present) return;
      scriptOutput += await runPackageScript(path, {
        env,
        ...(options.scriptTimeoutMs === undefined ? {} : { timeoutMs: options.scriptTimeoutMs }),
      });
    };

    await runScript("preinst");
    await swapProductDir(depotDir, productId, clientData);
    if (options.serverDataTargets !== false) {
      await copyServerData(join(staging, "SERVER_DATA"), { ...(options.serverDataTargets ?? {}), bootDir });
    }
    await syncObjects(backend, depotId, control, options.propertyDefaultValues ?? {});
    await runScript("postinst");
    if (product.type === "LocalbootProduct" && !options.suppressPackageContentFileGeneration) {
      await createPackageContentFile(join(depotDir, productId));
    }
    await backend.productOnDepot_updateObject({ ...pod, locked: false });
    await cleanUp(backend, depotId, control);
    return {
      productId,
      productType: product.type,
      productVersion: product.productVersion,
      packageVersion: product.packageVersion,
      previousVersion: oldPod ? `${oldPod.productVersion}-${oldPod.packageVersion}` : null,
      scriptOutput,
    };
  } catch (e: unknown) {
    throw new BackendError(`Failed to install package '${packageFile}' on depot '${depotId}': ${errorText(e)}`, { cause: e });
  } finally {
    if (staging !== null) await rm(staging, { recursive: true, force: true });
  }
}

/**
 * Uninstalls a product from a depot like opsi 4.3's `depot_uninstallPackage`: checks products in use
 * (config `allow_to_remove_package_in_use`, default true: their action requests are reset), refuses
 * a missing or locked ProductOnDepot (unless `force`), locks, deletes the product directory
 * (case-insensitive, crash-safe) and the ProductOnDepot. Product, dependency and property objects stay.
 * @example await uninstallPackage(backend, { depotId: "depot.dom.tld", depotDir: "/var/lib/opsi/depot", productId: "hwaudit" })
 */
export async function uninstallPackage(backend: Backend, options: UninstallPackageOptions): Promise<void> {
  const { depotId, depotDir } = options;
  const productId = forceProductIdValue(options.productId);
  const force = options.force ?? false;
  const [config] = await backend.config_getObjects(null, { id: "allow_to_remove_package_in_use" });
  const allowInUse = config?.defaultValues?.length ? forceBool(config.defaultValues[0]) : true;
  const clientIds = (await backend.configState_getClientToDepotserver(depotId)).map((c) => c.clientId);
  if (clientIds.length > 0) {
    const pocs = (await backend.productOnClient_getObjects(null, { productId, clientId: clientIds })).filter(
      (p) => p.installationStatus === "installed" || (p.actionRequest !== null && p.actionRequest !== "none"),
    );
    if (pocs.length > 0) {
      if (allowInUse) {
        const requested = pocs.filter((p) => p.actionRequest !== null && p.actionRequest !== "none");
        if (requested.length > 0) await backend.productOnClient_updateObjects(requested.map((p) => ({ ...p, actionRequest: "none" })));
      } else if (!force) {
        throw new BackendReferentialIntegrityError(
          `Product '${productId}' currently installed on ${pocs.length} clients connected to depot '${depotId}'`,
        );
      }
    }
  }
  const [pod] = await backend.productOnDepot_getObjects(null, { productId, depotId });
  if (!pod) throw new BackendBadValueError(`Product '${productId}' is not installed on depot '${depotId}'`);
  if (pod.locked && !force) {
    throw new BackendTemporaryError(`Product '${productId}' currently locked on depot '${depotId}', use argument 'force' to ignore`);
  }
  await backend.productOnDepot_updateObject({ ...pod, locked: true });
  if (options.deleteFiles ?? true) {
    const names = await readdir(depotDir).catch(() => [] as string[]);
    for (const name of names) if (name.toLowerCase() === productId) await removeProductDir(depotDir, name);
  }
  await backend.productOnDepot_deleteObjects(pod);
}
