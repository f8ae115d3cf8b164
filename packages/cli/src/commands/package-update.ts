/**
 * @module commands/package-update — `opsi package update [ids...]`: opsi-package-updater. Reads the
 * updater configuration and repositories, downloads into the package directory and installs on the depots
 * of an opsi service (upload to each depot's `/repository` unless the same MD5 is there, `depot_installPackage`).
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { BackendMissingDataError } from "@opsi-ts/core";
import {
  DEFAULT_UPDATER_CONFIG_FILE,
  loadUpdaterConfig,
  md5File,
  type PropertyDefaultValues,
  type RepositoryConfig,
  runUpdater,
  type UpdaterConfig,
  type UpdaterDepot,
  type UpdaterLogLevel,
  type UpdaterMode,
  type UpdaterResult,
  type UpdaterSourceDepots,
} from "@opsi-ts/depot";
import { type Command, Option } from "commander";
import type { CliIo } from "../io.js";
import { addConnectionOptions, type ConnectionOptions, openServiceConnection, type ServiceConnection } from "../service-connection.js";
import { uploadFile, uploadProgress } from "../upload.js";
import { closeTargets, type DepotTarget, depotList, targetDepots } from "./package-remote.js";

/** Thrown after a run that collected errors; `exitCode` is 2 like opsi-package-updater's. */
export class UpdaterErrors extends Error {
  override readonly name = "UpdaterErrors";
  readonly exitCode = 2;
}

interface UpdateOptions extends ConnectionOptions {
  readonly mode: UpdaterMode;
  readonly config?: string;
  readonly repoDir?: string;
  readonly packageDir?: string;
  readonly repo?: string;
  readonly useInactiveRepository?: boolean;
  readonly depots?: string;
  readonly force?: boolean;
  readonly repos?: boolean;
  readonly json?: boolean;
  readonly verbose?: boolean;
}

function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter((v): v is Record<string, unknown> => typeof v === "object" && v !== null) : [];
}

function str(value: unknown): string {
  return typeof value === "string" ? value : value === null || value === undefined ? "" : String(value);
}

async function remoteMd5(target: DepotTarget, fileName: string): Promise<string | null> {
  try {
    const md5 = await target.conn.client.call("depot_getMD5Sum", [fileName]);
    return typeof md5 === "string" ? md5.toLowerCase() : null;
  } catch {
    // Not in the depot's repository yet (opsi answers with an error for a missing file).
    return null;
  }
}

async function localMd5(file: string): Promise<string> {
  const side = await readFile(`${file}.md5`, "utf8").catch(() => "");
  const m = /^\s*([0-9a-fA-F]{32})/.exec(side);
  return m?.[1]?.toLowerCase() ?? (await md5File(file));
}

/**
 * A depot of the service as the updater sees it: object data from the config server (`main`), files and
 * `depot_*` calls on the depot's own service (`target`).
 * @example const depot = serviceDepot(conn, target, io);
 */
export function serviceDepot(main: ServiceConnection, target: DepotTarget, io: CliIo): UpdaterDepot {
  const depotId = target.depotId;
  return {
    id: depotId,
    async installedProducts() {
      return records(await main.client.call("productOnDepot_getObjects", [[], { depotId }])).map((pod) => ({
        productId: str(pod.productId),
        productVersion: str(pod.productVersion),
        packageVersion: str(pod.packageVersion),
      }));
    },
    async propertyDefaults(productId) {
      const states = records(await main.client.call("productPropertyState_getObjects", [[], { productId, objectId: depotId }]));
      return Object.fromEntries(states.map((s) => [str(s.propertyId), Array.isArray(s.values) ? s.values : []]));
    },
    async install(file: string, propertyDefaultValues: PropertyDefaultValues) {
      const name = basename(file);
      if ((await remoteMd5(target, name)) !== (await localMd5(file))) {
        for (const upload of [name, `${name}.md5`, `${name}.zsync`]) {
          const path = resolve(file, "..", upload);
          if (upload !== name && !existsSync(path)) continue;
          const progress = uploadProgress(io.stderr, `Uploading ${upload} to ${depotId}`);
          try {
            await uploadFile(target.conn, path, new URL(`/repository/${encodeURIComponent(upload)}`, target.conn.url), progress.update);
          } finally {
            progress.done();
          }
        }
      }
      await target.conn.client.call("depot_installPackage", [name, false, propertyDefaultValues]);
    },
    async setupWhereInstalled(productIds) {
      const clients = records(await main.client.call("configState_getClientToDepotserver", [[depotId]]))
        .filter((r) => r.depotId === depotId)
        .map((r) => str(r.clientId));
      if (clients.length === 0 || productIds.length === 0) return [];
      const pocs = records(
        await main.client.call("productOnClient_getObjects", [
          [],
          { productId: [...productIds], clientId: clients, productType: "LocalbootProduct", installationStatus: "installed" },
        ]),
      );
      if (pocs.length === 0) return [];
      await main.client.call("productOnClient_updateObjects", [pocs.map((p) => ({ ...p, actionRequest: "setup" }))]);
      return pocs.map((p) => ({ productId: str(p.productId), clientId: str(p.clientId) }));
    },
  };
}

/** Repositories with `opsiDepotId`: that depot's `repositoryRemoteUrl`, read as the local depot (its id and host key). */
function serviceSourceDepots(main: ServiceConnection, localDepotId: string): UpdaterSourceDepots {
  return {
    async repository(depotId) {
      const hosts = records(await main.client.call("host_getObjects", [[], { id: [depotId, localDepotId] }]));
      const source = hosts.find((h) => h.id === depotId);
      const local = hosts.find((h) => h.id === localDepotId);
      if (!source) throw new BackendMissingDataError(`Depot '${depotId}' (opsiDepotId) not found`);
      const remote = str(source.repositoryRemoteUrl);
      if (!remote) throw new BackendMissingDataError(`Depot '${depotId}' has no repositoryRemoteUrl`);
      return {
        baseUrl: remote.replace(/^webdavs:/i, "https:").replace(/^webdav:/i, "http:"),
        username: localDepotId,
        password: str(local?.opsiHostKey),
      };
    },
    async propertyDefaults(depotId, productId) {
      const states = records(await main.client.call("productPropertyState_getObjects", [[], { productId, objectId: depotId }]));
      return Object.fromEntries(states.map((s) => [str(s.propertyId), Array.isArray(s.values) ? s.values : []]));
    },
    async acquireTransferSlot(depotId, slotId) {
      const slot = (await main.client.call("depot_acquireTransferSlot", [depotId, localDepotId, slotId, "opsi_package_updater"])) as Record<
        string,
        unknown
      >;
      const num = (v: unknown) => (typeof v === "number" ? v : null);
      return {
        slot_id: typeof slot.slot_id === "string" ? slot.slot_id : null,
        retry_after: num(slot.retry_after),
        retention: num(slot.retention),
      };
    },
    async releaseTransferSlot(depotId, slotId) {
      await main.client.call("depot_releaseTransferSlot", [depotId, localDepotId, slotId, "opsi_package_updater"]);
    },
  };
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = (rows[0] ?? []).map((_c, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return `${rows.map((r) => r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i] ?? 0) : c)).join("  ")).join("\n")}\n`;
}

/**
 * The text table of `--mode list`: product, available version, repository, the installed version on each
 * depot and the action an update run would take.
 * @example io.stdout.write(updateListTable(result, ["depot1.example.org"]))
 */
export function updateListTable(result: UpdaterResult, depotIds: readonly string[]): string {
  if (result.plan.entries.length === 0) return "No packages available\n";
  const rows = [["PRODUCT", "AVAILABLE", "REPOSITORY", ...depotIds, "ACTION"]];
  for (const e of result.plan.entries) {
    const action = e.installNeededOn.length === 0 ? "-" : e.install ? `install on ${e.installNeededOn.length}` : "download only";
    rows.push([
      e.package.productId,
      e.package.version,
      e.package.repository,
      ...depotIds.map((d) => e.installedVersions[d] ?? "-"),
      action,
    ]);
  }
  return table(rows);
}

/**
 * The text table of `--mode list --repos`: every configured repository.
 * @example io.stdout.write(repositoryTable(config))
 */
export function repositoryTable(config: UpdaterConfig): string {
  if (config.repositories.length === 0) return "No repositories configured\n";
  return table([
    ["REPOSITORY", "ACTIVE", "URL", "DESCRIPTION"],
    ...config.repositories.map((r) => [
      r.name,
      r.active ? "yes" : "no",
      r.baseUrl ?? `opsiDepotId ${r.opsiDepotId ?? ""}`,
      r.description || "-",
    ]),
  ]);
}

/**
 * A repository as JSON for `--mode list --repos --json` (regexes as strings, the password masked).
 * @example repositoryJson(config.repositories[0]).excludes // ["/^win10$/"]
 */
export function repositoryJson(r: RepositoryConfig): Record<string, unknown> {
  return {
    ...r,
    includeProductIds: r.includeProductIds.map(String),
    excludes: r.excludes.map(String),
    autoSetupExcludes: r.autoSetupExcludes.map(String),
    password: r.password ? "***" : "",
  };
}

/**
 * The `--json` summary of a run.
 * @example io.stdout.write(JSON.stringify(updateSummary(result)))
 */
export function updateSummary(result: UpdaterResult): Record<string, unknown> {
  return {
    mode: result.mode,
    repositories: result.repositories,
    packages: result.plan.entries.map((e) => ({
      productId: e.package.productId,
      version: e.package.version,
      repository: e.package.repository,
      installedVersions: e.installedVersions,
      installNeededOn: e.installNeededOn,
      downloadNeeded: e.downloadNeeded,
      install: e.install,
      installSkippedReason: e.installSkippedReason,
    })),
    downloaded: result.downloaded,
    installed: result.installed,
    skipped: result.skipped,
    setup: result.setup,
    errors: result.errors,
    exitCode: result.exitCode,
  };
}

function summaryLine(result: UpdaterResult): string {
  if (result.mode === "download") {
    return result.downloaded.length === 0 ? "Nothing to download\n" : `${result.downloaded.length} package(s) downloaded\n`;
  }
  if (result.downloaded.length === 0 && result.installed.length === 0 && result.skipped.length === 0 && result.errors.length === 0) {
    return "All products are up to date\n";
  }
  const parts = [`${result.downloaded.length} downloaded`, `${result.installed.length} installed`];
  if (result.setup.length > 0) parts.push(`${result.setup.length} client product(s) set to setup`);
  if (result.skipped.length > 0) parts.push(`${result.skipped.length} not installed`);
  if (result.errors.length > 0) parts.push(`${result.errors.length} error(s)`);
  return `${parts.join(", ")}\n`;
}

async function loadConfig(options: UpdateOptions, io: CliIo): Promise<UpdaterConfig> {
  const configFile =
    options.config !== undefined
      ? resolve(io.cwd, options.config)
      : existsSync(DEFAULT_UPDATER_CONFIG_FILE)
        ? DEFAULT_UPDATER_CONFIG_FILE
        : null;
  return loadUpdaterConfig({
    configFile,
    ...(options.repoDir === undefined ? {} : { repositoryConfigDir: resolve(io.cwd, options.repoDir) }),
    ...(options.packageDir === undefined ? {} : { packageDir: resolve(io.cwd, options.packageDir) }),
  });
}

/**
 * Adds `update` to the `package` group.
 * @example registerPackageUpdateCommand(pkg, io); // opsi package update --mode list -u admin
 */
export function registerPackageUpdateCommand(pkg: Command, io: CliIo): void {
  addConnectionOptions(
    pkg
      .command("update")
      .description(
        "opsi-package-updater: download new packages from the configured repositories and install them on the depots (exit code 2 if errors were collected)",
      )
      .argument("[ids...]", "only these products")
      .addOption(
        new Option(
          "--mode <mode>",
          "update: newer versions per autoInstall/autoUpdate; install: every available package; download: only download; list: show what update would do",
        )
          .choices(["update", "install", "download", "list"])
          .default("update"),
      )
      .option("--config <file>", `updater config (default ${DEFAULT_UPDATER_CONFIG_FILE} if it exists, else built-in defaults)`)
      .option("--repo-dir <dir>", "directory of the *.repo files (default: [general] repositoryConfigDir)")
      .option("--package-dir <dir>", "local package directory (default: [general] packageDir)")
      .option("--repo <name>", "use only this repository")
      .option("--use-inactive-repository", "allow --repo to name an inactive repository")
      .option("--depots <ids>", "comma-separated depot ids (default: the config server's own depot)")
      .option("--force", "download mode: download even if the same file is present")
      .option("--repos", "list mode: list the configured repositories (no service needed)")
      .option("--json", "print a JSON summary on stdout")
      .option("-v, --verbose", "print progress details on stderr"),
  )
    .addHelpText(
      "after",
      "\nExamples:\n  opsi package update -u adminuser\n  opsi package update firefox --mode install --depots depot1.example.org\n  opsi package update --mode download --package-dir /tmp/pkgs\n  opsi package update --mode list --repos",
    )
    .action(async (ids: string[], _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<UpdateOptions>();
      const config = await loadConfig(options, io);
      for (const warning of config.warnings) io.stderr.write(`Warning: ${warning}\n`);
      if (options.mode === "list" && options.repos) {
        io.stdout.write(options.json ? `${JSON.stringify(config.repositories.map(repositoryJson), null, 2)}\n` : repositoryTable(config));
        return;
      }
      const requested = depotList(options.depots);
      const needsService = options.mode !== "download";
      const conn = needsService ? await openServiceConnection(options, io) : null;
      const targets: DepotTarget[] = [];
      const bars = new Map<string, ReturnType<typeof uploadProgress>>();
      const log = (level: UpdaterLogLevel, message: string): void => {
        if (level === "warning") io.stderr.write(`Warning: ${message}\n`);
        else if (level === "notice" && !options.json) io.stdout.write(`${message}\n`);
        else if (options.verbose && (level === "info" || level === "debug")) io.stderr.write(`${message}\n`);
      };
      let result: UpdaterResult;
      try {
        if (conn) targets.push(...(await targetDepots(conn, requested)));
        const first = targets[0];
        result = await runUpdater({
          config,
          mode: options.mode,
          productIds: ids,
          ...(options.repo === undefined ? {} : { repoName: options.repo }),
          useInactiveRepository: options.useInactiveRepository === true,
          forceDownload: options.force === true,
          depots: conn ? targets.map((t) => serviceDepot(conn, t, io)) : [],
          ...(conn && first ? { sourceDepots: serviceSourceDepots(conn, first.depotId) } : {}),
          log,
          onProgress: (event) => {
            if (event.phase === "start") bars.set(event.fileName, uploadProgress(io.stderr, `Downloading ${event.fileName}`));
            const bar = bars.get(event.fileName);
            if (event.phase === "progress") bar?.update(event.bytes, event.total ?? event.bytes);
            if (event.phase === "end") {
              bar?.done();
              bars.delete(event.fileName);
            }
          },
        });
      } finally {
        for (const bar of bars.values()) bar.done();
        if (conn) await closeTargets(targets, conn);
      }
      if (options.json) io.stdout.write(`${JSON.stringify(updateSummary(result), null, 2)}\n`);
      else if (options.mode === "list")
        io.stdout.write(
          updateListTable(
            result,
            targets.map((t) => t.depotId),
          ),
        );
      else io.stdout.write(summaryLine(result));
      if (result.errors.length > 0) {
        throw new UpdaterErrors(`${result.errors.length} error(s): ${result.errors.map((e) => e.message).join("; ")}`);
      }
    });
}
