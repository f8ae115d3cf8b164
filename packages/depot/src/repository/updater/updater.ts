/**
 * @module repository/updater/updater — `runUpdater`, the orchestration of opsi-package-updater: discover
 * the repositories, plan, download, install on the depots (through {@link UpdaterDepot}), autoSetup.
 * Errors of one repository, package or depot are collected; the others go on (exit code 2 if any).
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { OpsiError } from "@opsi-ts/core";
import { readPackageInfo } from "../../package/archive.js";
import { md5File } from "../../side-files/md5.js";
import { assertRepositoryUsable, type RepositoryConfig, type UpdaterConfig } from "./config.js";
import { type DownloadResult, downloadPackage, type UpdaterLogLevel } from "./download.js";
import { UpdaterConfigError } from "./errors.js";
import { basicAuthHeaders, createUpdaterFetch, type UpdaterFetch } from "./http.js";
import { acquireUpdaterLock } from "./lock.js";
import { type AvailablePackage, fetchRepositoryPackages, type RepositoryLocation } from "./metadata-fetch.js";
import { autoSetupEligible, type InstalledProduct, type PlanEntry, planUpdates, type UpdatePlan, type UpdaterMode } from "./plan.js";

/** Property default values by property id, as `depot_installPackage` takes them. */
export type PropertyDefaultValues = Record<string, unknown[]>;

/** A depot the updater installs on (the CLI implements it over JSON-RPC). */
export interface UpdaterDepot {
  readonly id: string;
  /** The products installed on the depot (`productOnDepot`). */
  installedProducts(): Promise<readonly InstalledProduct[]>;
  /** Property defaults from this depot's `productPropertyState`s of the product. */
  propertyDefaults(productId: string): Promise<PropertyDefaultValues>;
  /** Makes the local package file available to the depot and installs it (`depot_installPackage`). */
  install(packageFile: string, propertyDefaultValues: PropertyDefaultValues): Promise<void>;
  /** Sets `actionRequest=setup` on the localboot `productOnClient`s with status `installed` of this depot's clients; returns them. */
  setupWhereInstalled(productIds: readonly string[]): Promise<readonly { productId: string; clientId: string }[]>;
}

/** Access to other depots, for repositories with `opsiDepotId`. */
export interface UpdaterSourceDepots {
  /** The depot's repository URL (`repositoryRemoteUrl`) and the credentials to read it. */
  repository(depotId: string): Promise<{ baseUrl: string; username: string; password: string }>;
  /** Property defaults of the product on that depot (`inheritProductProperties`). */
  propertyDefaults(depotId: string, productId: string): Promise<PropertyDefaultValues>;
  /**
   * `depot_acquireTransferSlot(depotId, <local depot>, slotId, "opsi_package_updater")`: the slot as the
   * service answers it (`retry_after` set when the depot is busy). Optional; without it no slot is taken.
   */
  acquireTransferSlot?(depotId: string, slotId: string | null): Promise<TransferSlotAnswer>;
  releaseTransferSlot?(depotId: string, slotId: string): Promise<void>;
}

/** The parts of a transfer-slot answer the updater uses. */
export interface TransferSlotAnswer {
  readonly slot_id: string | null;
  readonly retry_after: number | null;
  readonly retention: number | null;
}

/** How long to wait for a transfer slot, in all (default 1 hour). */
const SLOT_WAIT_LIMIT_MS = 3_600_000;

/**
 * Holds a transfer slot on `depotId` while `work` runs (spec §3.3 step 4): waits while the depot answers
 * `retry_after`, renews every `retention − 10` s (at least every second) and releases at the end.
 */
async function withTransferSlot<T>(
  source: UpdaterSourceDepots,
  depotId: string,
  work: () => Promise<T>,
  log: (level: UpdaterLogLevel, message: string) => void,
  sleep: (ms: number) => Promise<void>,
): Promise<T> {
  const acquire = source.acquireTransferSlot?.bind(source);
  if (!acquire) return work();
  const started = Date.now();
  let answer = await acquire(depotId, null);
  while (answer.retry_after !== null || answer.slot_id === null) {
    const wait = Math.max(1, answer.retry_after ?? 1) * 1000;
    if (Date.now() - started + wait > SLOT_WAIT_LIMIT_MS)
      throw new UpdaterConfigError(`No transfer slot on depot '${depotId}' within an hour`);
    log("notice", `Depot '${depotId}' has no free transfer slot, retrying in ${Math.round(wait / 1000)} s`);
    await sleep(wait);
    answer = await acquire(depotId, null);
  }
  const slotId = answer.slot_id;
  const every = Math.max(1, (answer.retention ?? 60) - 10) * 1000;
  const timer = setInterval(() => {
    acquire(depotId, slotId).catch((e: unknown) => log("warning", `Renewing the transfer slot on '${depotId}' failed: ${message(e)}`));
  }, every);
  timer.unref();
  log("info", `Transfer slot ${slotId} acquired on depot '${depotId}'`);
  try {
    return await work();
  } finally {
    clearInterval(timer);
    await source
      .releaseTransferSlot?.(depotId, slotId)
      .catch((e: unknown) => log("warning", `Releasing the transfer slot failed: ${message(e)}`));
  }
}

/** A progress event of a download. */
export interface UpdaterProgress {
  readonly phase: "start" | "progress" | "end";
  readonly productId: string;
  readonly fileName: string;
  readonly bytes: number;
  readonly total: number | null;
}

/** Options of {@link runUpdater}. */
export interface RunUpdaterOptions {
  readonly config: UpdaterConfig;
  readonly mode: UpdaterMode;
  /** Restrict to these products (default all). */
  readonly productIds?: readonly string[];
  /** Use only this repository. */
  readonly repoName?: string;
  /** Allow `repoName` to name an inactive repository. */
  readonly useInactiveRepository?: boolean;
  /** Download mode: download even if the same file is present. */
  readonly forceDownload?: boolean;
  /** The depots to install on (update/install) or to show (list). */
  readonly depots?: readonly UpdaterDepot[];
  readonly sourceDepots?: UpdaterSourceDepots;
  /** One fetch for every repository (e.g. the global `fetch`); wins over `fetchFor`. */
  readonly fetch?: UpdaterFetch;
  /** A fetch per repository (default {@link createUpdaterFetch} with the repository's TLS settings and `[general] timeout`). */
  readonly fetchFor?: (repo: RepositoryConfig) => UpdaterFetch | Promise<UpdaterFetch>;
  readonly onProgress?: (event: UpdaterProgress) => void;
  readonly log?: (level: UpdaterLogLevel, message: string) => void;
  /** For the installation window (default now). */
  readonly now?: Date;
  /** Tries per download (default 3). */
  readonly downloadAttempts?: number;
  /** Waiting for a transfer slot (default `setTimeout`). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** An error collected during a run. */
export interface UpdaterError {
  readonly repository?: string;
  readonly productId?: string;
  readonly depotId?: string;
  readonly message: string;
}

/** What {@link runUpdater} did. */
export interface UpdaterResult {
  readonly mode: UpdaterMode;
  /** The repositories that were read. */
  readonly repositories: readonly string[];
  readonly plan: UpdatePlan;
  readonly downloaded: readonly {
    readonly productId: string;
    readonly version: string;
    readonly fileName: string;
    readonly verified: boolean;
    readonly resumedAt: readonly number[];
  }[];
  readonly installed: readonly { readonly depotId: string; readonly productId: string; readonly version: string }[];
  readonly skipped: readonly { readonly productId: string; readonly reason: string }[];
  readonly setup: readonly { readonly depotId: string; readonly productId: string; readonly clientId: string }[];
  readonly errors: readonly UpdaterError[];
  /** 0, or 2 if errors were collected. */
  readonly exitCode: 0 | 2;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function message(e: unknown): string {
  if (e instanceof OpsiError) return e.detail || e.message;
  return e instanceof Error ? e.message : String(e);
}

/**
 * The repositories a run uses: the active ones, or only `repoName` (which must exist, and be active
 * unless `useInactiveRepository`). Repositories with `opsiDepotId` come last.
 * @example selectRepositories(config, "uib-windows", false)
 */
export function selectRepositories(config: UpdaterConfig, repoName?: string, useInactiveRepository = false): RepositoryConfig[] {
  let repos: RepositoryConfig[];
  if (repoName !== undefined) {
    const repo = config.repositories.find((r) => r.name === repoName);
    if (!repo) {
      const known = config.repositories.map((r) => r.name).join(", ") || "none";
      throw new UpdaterConfigError(`Repository '${repoName}' not found (repositories: ${known})`);
    }
    if (!repo.active && !useInactiveRepository) {
      throw new UpdaterConfigError(
        `Repository '${repoName}' is not active (${repo.file} [${repo.section}]); use --use-inactive-repository`,
      );
    }
    assertRepositoryUsable(repo);
    repos = [{ ...repo, active: true }];
  } else {
    repos = config.repositories.filter((r) => r.active);
  }
  return [...repos.filter((r) => r.opsiDepotId === null), ...repos.filter((r) => r.opsiDepotId !== null)];
}

async function defaultFetch(repo: RepositoryConfig, timeoutSeconds: number): Promise<UpdaterFetch> {
  const read = async (path: string, key: string): Promise<string | undefined> => {
    if (!path) return undefined;
    try {
      return await readFile(path, "utf8");
    } catch (e: unknown) {
      throw new UpdaterConfigError(`${repo.file}: [${repo.section}] ${key}: cannot read '${path}': ${message(e)}`);
    }
  };
  const cert = await read(repo.authCertFile, "authcertfile");
  const key = await read(repo.authKeyFile, "authkeyfile");
  return createUpdaterFetch({
    verifyCert: repo.verifyCert,
    timeoutMs: timeoutSeconds * 1000,
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
  });
}

/**
 * Runs the updater. `list` only reads; the other modes take the package directory lock, download what
 * the plan needs and (update/install) install it on every depot that needs it, then set `setup` for
 * autoSetup products. An unknown `repoName` or a running updater throw; everything else is collected in
 * `errors` (exit code 2).
 * @example const result = await runUpdater({ config: await loadUpdaterConfig(), mode: "update", depots: [depot] })
 */
export async function runUpdater(options: RunUpdaterOptions): Promise<UpdaterResult> {
  const { config, mode } = options;
  const log = options.log ?? (() => {});
  const packageDir = config.general.packageDir;
  const repos = selectRepositories(config, options.repoName, options.useInactiveRepository);
  if (repos.length === 0) log("warning", "No active repository configured");
  const lock = mode === "list" ? null : await acquireUpdaterLock(packageDir);
  try {
    return await run(options, repos, packageDir, log);
  } finally {
    await lock?.release();
  }
}

async function run(
  options: RunUpdaterOptions,
  repos: readonly RepositoryConfig[],
  packageDir: string,
  log: (level: UpdaterLogLevel, message: string) => void,
): Promise<UpdaterResult> {
  const { config, mode } = options;
  const errors: UpdaterError[] = [];
  const fetchers = new Map<string, UpdaterFetch>();
  const locations = new Map<string, RepositoryLocation>();
  const packages: AvailablePackage[] = [];

  for (const repo of repos) {
    try {
      if (repo.proxy !== "" && repo.proxy !== "system")
        log("warning", `Repository '${repo.name}': proxy ${repo.proxy} is not supported, connecting directly`);
      const fetch = options.fetch ?? (options.fetchFor ? await options.fetchFor(repo) : await defaultFetch(repo, config.general.timeout));
      let location: RepositoryLocation;
      if (repo.opsiDepotId !== null) {
        if (!options.sourceDepots) throw new UpdaterConfigError(`Repository '${repo.name}': opsiDepotId needs a service connection`);
        const source = await options.sourceDepots.repository(repo.opsiDepotId);
        location = {
          name: repo.name,
          baseUrl: source.baseUrl.replace(/\/+$/, ""),
          dirs: ["/"],
          username: source.username,
          password: source.password,
        };
      } else {
        location = { name: repo.name, baseUrl: repo.baseUrl ?? "", dirs: repo.dirs, username: repo.username, password: repo.password };
      }
      const found = await fetchRepositoryPackages(location, { fetch, log });
      log("info", `Repository '${repo.name}': ${found.packages.length} package(s)`);
      fetchers.set(repo.name, fetch);
      locations.set(repo.name, location);
      packages.push(...found.packages);
    } catch (e: unknown) {
      log("error", `Repository '${repo.name}': ${message(e)}`);
      errors.push({ repository: repo.name, message: message(e) });
    }
  }

  const depots = options.depots ?? [];
  const installed = new Map<string, Map<string, InstalledProduct>>();
  for (const depot of depots) {
    installed.set(depot.id, new Map((await depot.installedProducts()).map((p) => [p.productId, p])));
  }
  const localFiles = await localMd5s(packageDir, new Set(packages.map((p) => p.fileName)));
  const plan = planUpdates({
    mode,
    packages,
    repositories: new Map(repos.map((r) => [r.name, r])),
    installed,
    localFiles,
    ...(options.productIds ? { productIds: options.productIds } : {}),
    installationWindow: config.installation,
    ...(options.now ? { now: options.now } : {}),
    ...(options.forceDownload ? { forceDownload: true } : {}),
  });
  for (const id of plan.notFound) {
    log("error", `Product '${id}' not found in the repositories`);
    errors.push({ productId: id, message: `Product '${id}' not found in the repositories` });
  }
  const result = {
    mode,
    repositories: repos.map((r) => r.name),
    plan,
    downloaded: [] as UpdaterResult["downloaded"][number][],
    installed: [] as UpdaterResult["installed"][number][],
    skipped: [] as UpdaterResult["skipped"][number][],
    setup: [] as UpdaterResult["setup"][number][],
    errors,
  };
  if (mode === "list") return { ...result, exitCode: errors.length > 0 ? 2 : 0 };

  const failed = new Set<string>();
  for (const entry of plan.entries) {
    if (!entry.downloadNeeded) continue;
    const p = entry.package;
    const location = locations.get(p.repository);
    const fetch = fetchers.get(p.repository);
    if (!location || !fetch) continue;
    const repo = repos.find((r) => r.name === p.repository);
    try {
      const run = () => download(entry, location, fetch, packageDir, options, log);
      const done =
        repo?.opsiDepotId && options.sourceDepots
          ? await withTransferSlot(options.sourceDepots, repo.opsiDepotId, run, log, options.sleep ?? defaultSleep)
          : await run();
      result.downloaded.push({
        productId: p.productId,
        version: p.version,
        fileName: p.fileName,
        verified: done.verified,
        resumedAt: done.resumedAt,
      });
      log("notice", `Downloaded ${p.fileName} from repository '${p.repository}'`);
    } catch (e: unknown) {
      failed.add(p.productId);
      log("error", message(e));
      errors.push({ repository: p.repository, productId: p.productId, message: message(e) });
    }
  }

  if (mode === "update" || mode === "install") await installAll(plan.entries, failed, depots, repos, options, packageDir, result, log);
  return { ...result, exitCode: errors.length > 0 ? 2 : 0 };
}

async function localMd5s(packageDir: string, names: ReadonlySet<string>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const files = await readdir(packageDir).catch(() => [] as string[]);
  for (const name of files) if (names.has(name)) out.set(name, await md5File(join(packageDir, name)));
  return out;
}

async function download(
  entry: PlanEntry,
  location: RepositoryLocation,
  fetch: UpdaterFetch,
  packageDir: string,
  options: RunUpdaterOptions,
  log: (level: UpdaterLogLevel, message: string) => void,
): Promise<DownloadResult> {
  const p = entry.package;
  const progress = (phase: UpdaterProgress["phase"], bytes: number, total: number | null) =>
    options.onProgress?.({ phase, productId: p.productId, fileName: p.fileName, bytes, total });
  progress("start", 0, p.size);
  let last = { bytes: 0, total: p.size };
  try {
    return await downloadPackage({
      url: p.url,
      packageDir,
      fileName: p.fileName,
      productId: p.productId,
      md5: p.md5,
      size: p.size,
      fetch,
      headers: basicAuthHeaders(location.username ?? "", location.password ?? ""),
      onProgress: (bytes, total) => {
        last = { bytes, total };
        progress("progress", bytes, total);
      },
      log,
      ...(options.downloadAttempts === undefined ? {} : { attempts: options.downloadAttempts }),
    });
  } finally {
    progress("end", last.bytes, last.total);
  }
}

async function installAll(
  entries: readonly PlanEntry[],
  failed: ReadonlySet<string>,
  depots: readonly UpdaterDepot[],
  repos: readonly RepositoryConfig[],
  options: RunUpdaterOptions,
  packageDir: string,
  result: {
    installed: UpdaterResult["installed"][number][];
    skipped: UpdaterResult["skipped"][number][];
    setup: UpdaterResult["setup"][number][];
    errors: UpdaterError[];
  },
  log: (level: UpdaterLogLevel, message: string) => void,
): Promise<void> {
  const setupByDepot = new Map<string, string[]>();
  for (const entry of entries) {
    const p = entry.package;
    if (entry.installSkippedReason !== null) {
      log("notice", `Not installing ${p.productId} ${p.version}: ${entry.installSkippedReason}`);
      result.skipped.push({ productId: p.productId, reason: entry.installSkippedReason });
      continue;
    }
    if (!entry.install || failed.has(p.productId)) continue;
    const repo = repos.find((r) => r.name === p.repository);
    const file = join(packageDir, p.fileName);
    let setupWanted = false;
    if (entry.autoSetup && repo) {
      try {
        const info = await readPackageInfo(file);
        setupWanted = autoSetupEligible(p.productId, repo, {
          productType: info.control.product.type,
          setupScript: info.control.product.setupScript,
        });
      } catch (e: unknown) {
        log("warning", `${p.fileName}: cannot read the package for autoSetup: ${message(e)}`);
      }
    }
    for (const depotId of entry.installNeededOn) {
      const depot = depots.find((d) => d.id === depotId);
      if (!depot) continue;
      try {
        const defaults =
          repo?.inheritProductProperties && repo.opsiDepotId !== null && options.sourceDepots
            ? await options.sourceDepots.propertyDefaults(repo.opsiDepotId, p.productId)
            : await depot.propertyDefaults(p.productId);
        log("notice", `Installing ${p.productId} ${p.version} on ${depotId}`);
        await depot.install(file, defaults);
        result.installed.push({ depotId, productId: p.productId, version: p.version });
        if (setupWanted) setupByDepot.set(depotId, [...(setupByDepot.get(depotId) ?? []), p.productId]);
      } catch (e: unknown) {
        const text = `Installing ${p.productId} ${p.version} on ${depotId} failed: ${message(e)}`;
        log("error", text);
        result.errors.push({ repository: p.repository, productId: p.productId, depotId, message: text });
      }
    }
  }
  for (const [depotId, productIds] of setupByDepot) {
    const depot = depots.find((d) => d.id === depotId);
    if (!depot) continue;
    try {
      const rows = await depot.setupWhereInstalled(productIds);
      for (const row of rows) result.setup.push({ depotId, ...row });
      log(
        rows.length > 0 ? "notice" : "info",
        `autoSetup on ${depotId}: ${rows.length} client product(s) set to setup (${productIds.join(", ")})`,
      );
    } catch (e: unknown) {
      const text = `autoSetup of ${productIds.join(", ")} on ${depotId} failed: ${message(e)}`;
      log("error", text);
      result.errors.push({ depotId, message: text });
    }
  }
}
