/**
 * @module repository/updater/plan — the pure decisions of the updater (spec §3.3): filtering, newest
 * version per product, what to download and install on which depot, the installation window, autoSetup
 * eligibility and the dependency order.
 */
import { compareVersions } from "../../package/version.js";
import { type InstallationWindowConfig, inInstallationWindow } from "./config.js";
import type { AvailablePackage } from "./metadata-fetch.js";

/** What the updater is asked to do. */
export type UpdaterMode = "update" | "install" | "download" | "list";

/** The policy keys of a repository the plan needs. */
export interface RepositoryPolicy {
  readonly name: string;
  readonly includeProductIds: readonly RegExp[];
  readonly excludes: readonly RegExp[];
  readonly autoInstall: boolean;
  readonly autoUpdate: boolean;
  readonly autoSetup: boolean;
  readonly autoSetupExcludes: readonly RegExp[];
  readonly onlyDownload: boolean;
}

/** A product installed on a depot. */
export interface InstalledProduct {
  readonly productId: string;
  readonly productVersion: string;
  readonly packageVersion: string;
}

/** Input of {@link planUpdates}. */
export interface PlanInput {
  readonly mode: UpdaterMode;
  /** Every package found, in repository order. */
  readonly packages: readonly AvailablePackage[];
  /** The repositories by name. */
  readonly repositories: ReadonlyMap<string, RepositoryPolicy>;
  /** Per depot id: its installed products by id. */
  readonly installed: ReadonlyMap<string, ReadonlyMap<string, InstalledProduct>>;
  /** MD5 of the files present in the package directory, by file name (only candidates need to be listed). */
  readonly localFiles: ReadonlyMap<string, string>;
  /** Restrict to these product ids (empty = all). */
  readonly productIds?: readonly string[];
  readonly installationWindow?: InstallationWindowConfig;
  /** Default now. */
  readonly now?: Date;
  /** Download even if the same file is present (download mode). */
  readonly forceDownload?: boolean;
}

/** One package the plan handles. */
export interface PlanEntry {
  readonly package: AvailablePackage;
  /** Depots where the package is to be installed (per autoInstall/autoUpdate). */
  readonly installNeededOn: readonly string[];
  /** Installed version per depot (null = not installed). */
  readonly installedVersions: Readonly<Record<string, string | null>>;
  readonly downloadNeeded: boolean;
  /** Installation really happens (install needed, not onlyDownload, inside the window or excepted). */
  readonly install: boolean;
  /** Why an install that is needed does not happen. */
  readonly installSkippedReason: string | null;
  /** Repository wants autoSetup and the id is eligible (netboot / setupScript are checked after download). */
  readonly autoSetup: boolean;
}

/** Output of {@link planUpdates}. */
export interface UpdatePlan {
  /** Ordered: dependencies before the products that need them. */
  readonly entries: readonly PlanEntry[];
  /** Requested product ids no active repository offers. */
  readonly notFound: readonly string[];
  /** Products left out by include/exclude rules, with the repository. */
  readonly filtered: readonly { readonly productId: string; readonly repository: string; readonly reason: string }[];
}

/** Id prefixes that never get autoSetup (spec §3.3 step 6). */
export const AUTO_SETUP_EXCLUDED_PREFIXES = [
  "opsi-local-image-",
  "opsi-uefi-",
  "opsi-vhd-",
  "opsi-wim-",
  "windows10-upgrade",
  "opsi-auto-update",
  "windomain",
] as const;

/**
 * Whether a product may get autoSetup: the repository wants it, the id has none of the excluded prefixes
 * and matches none of `autoSetupExcludes`; with `product` given also: not netboot, has a setupScript.
 * @example autoSetupEligible("firefox", repo, { productType: "LocalbootProduct", setupScript: "setup.opsiscript" }) // true if repo.autoSetup
 */
export function autoSetupEligible(
  productId: string,
  repo: Pick<RepositoryPolicy, "autoSetup" | "autoSetupExcludes">,
  product?: { readonly productType: string; readonly setupScript: string | null | undefined },
): boolean {
  if (!repo.autoSetup) return false;
  if (AUTO_SETUP_EXCLUDED_PREFIXES.some((p) => productId.startsWith(p))) return false;
  if (repo.autoSetupExcludes.some((re) => re.test(productId))) return false;
  if (product === undefined) return true;
  if (product.productType.toLowerCase().includes("netboot")) return false;
  return typeof product.setupScript === "string" && product.setupScript.trim() !== "";
}

/**
 * Whether a repository's include/exclude rules let a product through (excludes win; no includes = all).
 * `install` mode ignores excludes. Returns the reason for leaving it out, or null.
 * @example filterReason("firefox", { includeProductIds: [], excludes: [/^fire/] }, "update") // "excluded by /^fire/"
 */
export function filterReason(
  productId: string,
  repo: Pick<RepositoryPolicy, "includeProductIds" | "excludes">,
  mode: UpdaterMode,
): string | null {
  if (mode !== "install") {
    const ex = repo.excludes.find((re) => re.test(productId));
    if (ex) return `excluded by ${String(ex)}`;
  }
  if (repo.includeProductIds.length > 0 && !repo.includeProductIds.some((re) => re.test(productId))) return "not in includeProductIds";
  return null;
}

/**
 * The newest version of every product (by `compareVersions`; on equal versions the earlier package,
 * i.e. the earlier repository, wins), in order of first appearance.
 * @example newestPackages(packages).map((p) => p.version)
 */
export function newestPackages(packages: readonly AvailablePackage[]): AvailablePackage[] {
  const best = new Map<string, AvailablePackage>();
  for (const p of packages) {
    const current = best.get(p.productId);
    if (current === undefined || compareVersions(p.version, current.version) > 0) best.set(p.productId, p);
  }
  return [...best.values()];
}

/**
 * Orders items so that every dependency present in the list comes before the item that needs it; items
 * are otherwise kept in their order (a dependency is moved to just before its first dependent, like
 * opsi's move-before). Cycles are broken where they close.
 * @example orderByDependencies([app, lib], (x) => x.id, (x) => x.deps) // [lib, app] if app depends on lib
 */
export function orderByDependencies<T>(items: readonly T[], id: (item: T) => string, dependencies: (item: T) => readonly string[]): T[] {
  const byId = new Map<string, T>();
  for (const item of items) if (!byId.has(id(item))) byId.set(id(item), item);
  const seen = new Set<T>();
  const out: T[] = [];
  const visit = (item: T): void => {
    if (seen.has(item)) return;
    seen.add(item);
    for (const dep of dependencies(item)) {
      const target = byId.get(dep);
      if (target !== undefined) visit(target);
    }
    out.push(item);
  };
  for (const item of items) visit(item);
  return out;
}

/**
 * Decides what to do (spec §3.3): filter by include/exclude rules, keep the newest version per product,
 * restrict to `productIds`; per package the depots needing an install (not installed and `autoInstall`,
 * or installed older and `autoUpdate`; `install` mode forces both), whether a download is needed (no
 * local file with that name and MD5), whether the install happens (not `onlyDownload`, inside the
 * installation window or in `exceptProductIds`), autoSetup; then dependency order.
 * @example const plan = planUpdates({ mode: "update", packages, repositories, installed, localFiles: new Map() })
 */
export function planUpdates(input: PlanInput): UpdatePlan {
  const { mode } = input;
  const filtered: { productId: string; repository: string; reason: string }[] = [];
  const candidates: AvailablePackage[] = [];
  for (const p of input.packages) {
    const repo = input.repositories.get(p.repository);
    if (repo === undefined) continue;
    const reason = filterReason(p.productId, repo, mode);
    if (reason === null) candidates.push(p);
    else if (!filtered.some((f) => f.productId === p.productId && f.repository === p.repository)) {
      filtered.push({ productId: p.productId, repository: p.repository, reason });
    }
  }
  let newest = newestPackages(candidates);
  const wanted = [...new Set((input.productIds ?? []).map((id) => id.toLowerCase()))];
  const notFound: string[] = [];
  if (wanted.length > 0) {
    notFound.push(...wanted.filter((id) => !newest.some((p) => p.productId === id)));
    newest = newest.filter((p) => wanted.includes(p.productId));
  }
  const now = input.now ?? new Date();
  const inWindow = input.installationWindow === undefined || inInstallationWindow(input.installationWindow, now);
  const excepted = new Set(input.installationWindow?.exceptProductIds ?? []);

  const entries: PlanEntry[] = newest.map((p) => {
    const repo = input.repositories.get(p.repository) as RepositoryPolicy;
    const autoInstall = mode === "install" || repo.autoInstall;
    const autoUpdate = mode === "install" || repo.autoUpdate;
    const installedVersions: Record<string, string | null> = {};
    const installNeededOn: string[] = [];
    for (const [depotId, products] of input.installed) {
      const installed = products.get(p.productId);
      const installedVersion = installed ? `${installed.productVersion}-${installed.packageVersion}` : null;
      installedVersions[depotId] = installedVersion;
      if (mode === "download") continue;
      const needed = installedVersion === null ? autoInstall : autoUpdate && compareVersions(p.version, installedVersion) > 0;
      if (needed) installNeededOn.push(depotId);
    }
    const local = input.localFiles.get(p.fileName);
    const samePresent = local !== undefined && p.md5 !== null && local.toLowerCase() === p.md5;
    const downloadNeeded = mode === "download" ? input.forceDownload === true || !samePresent : installNeededOn.length > 0 && !samePresent;
    let installSkippedReason: string | null = null;
    if (installNeededOn.length > 0) {
      if (repo.onlyDownload) installSkippedReason = `repository '${repo.name}' has onlyDownload`;
      else if (!inWindow && !excepted.has(p.productId)) {
        const w = input.installationWindow;
        installSkippedReason = `outside the installation window ${w?.windowStart}-${w?.windowEnd}`;
      }
    }
    const install = mode !== "download" && installNeededOn.length > 0 && installSkippedReason === null;
    return {
      package: p,
      installNeededOn,
      installedVersions,
      downloadNeeded,
      install,
      installSkippedReason,
      autoSetup: install && autoSetupEligible(p.productId, repo),
    };
  });
  const ordered = orderByDependencies(
    entries,
    (e) => e.package.productId,
    (e) => [...e.package.packageDependencies, ...e.package.productDependencies],
  );
  return { entries: ordered, notFound, filtered };
}
