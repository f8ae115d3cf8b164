/** @module commands/package-remote — `opsi package list|install|uninstall`: packages on the depots of an opsi service. */
import { stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { BackendBadValueError, BackendMissingDataError } from "@opsi-ts/core";
import { type PackageInfo, readPackageInfo } from "@opsi-ts/depot";
import type { Command } from "commander";
import { UsageError } from "../errors.js";
import type { CliIo } from "../io.js";
import {
  addConnectionOptions,
  type ConnectionOptions,
  connectService,
  openServiceConnection,
  type ServiceConnection,
} from "../service-connection.js";
import { uploadFile, uploadProgress } from "../upload.js";

/** One row of `opsi package list --json`. */
export interface DepotPackageRow {
  readonly depotId: string;
  readonly productId: string;
  readonly productType: string;
  readonly productVersion: string;
  readonly packageVersion: string;
  readonly locked: boolean;
  readonly name: string | null;
}

function field(value: Record<string, unknown>, key: string): string {
  const v = value[key];
  return typeof v === "string" ? v : v === null || v === undefined ? "" : String(v);
}

function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter((v): v is Record<string, unknown> => typeof v === "object" && v !== null) : [];
}

/**
 * Joins `productOnDepot` objects with the names of their products (matched by id and versions), sorted by
 * depot and product.
 * @example depotPackageRows(productOnDepots, products)[0] // { depotId: "depot1", productId: "hwaudit", ... }
 */
export function depotPackageRows(productOnDepots: unknown, products: unknown): DepotPackageRow[] {
  const names = new Map<string, string | null>();
  for (const p of records(products)) {
    const name = p.name;
    names.set(
      `${field(p, "id")};${field(p, "productVersion")};${field(p, "packageVersion")}`,
      typeof name === "string" && name !== "" ? name : null,
    );
  }
  return records(productOnDepots)
    .map((pod) => {
      const productId = field(pod, "productId");
      const productVersion = field(pod, "productVersion");
      const packageVersion = field(pod, "packageVersion");
      return {
        depotId: field(pod, "depotId"),
        productId,
        productType: field(pod, "productType"),
        productVersion,
        packageVersion,
        locked: pod.locked === true,
        name: names.get(`${productId};${productVersion};${packageVersion}`) ?? null,
      };
    })
    .sort((a, b) => a.depotId.localeCompare(b.depotId) || a.productId.localeCompare(b.productId));
}

/**
 * A text table (depot, product, version, locked, name) of package rows, or a note if there are none.
 * @example io.stdout.write(depotPackageTable(rows))
 */
export function depotPackageTable(rows: readonly DepotPackageRow[]): string {
  if (rows.length === 0) return "No packages installed on any depot\n";
  const table = [
    ["DEPOT", "PRODUCT", "VERSION", "LOCKED", "NAME"],
    ...rows.map((r) => [r.depotId, r.productId, `${r.productVersion}-${r.packageVersion}`, r.locked ? "yes" : "no", r.name ?? "-"]),
  ];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...table.map((row) => (row[i] ?? "").length)));
  return `${table.map((row) => row.map((cell, i) => (i < widths.length ? cell.padEnd(widths[i] ?? 0) : cell)).join("  ")).join("\n")}\n`;
}

/**
 * Parses `--properties k=v ...` against a package's properties: values are comma-separated, bool
 * properties take `true`/`false`, an empty value means no default; unknown ids are a {@link UsageError}.
 * @example propertyDefaultValues(["lang=de,en", "silent=true"], info) // { lang: ["de", "en"], silent: [true] }
 */
export function propertyDefaultValues(pairs: readonly string[], info: PackageInfo): Record<string, unknown[]> {
  const result: Record<string, unknown[]> = {};
  const properties = new Map(info.control.productProperties.map((p) => [p.propertyId, p]));
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--properties expects <id>=<value>[,<value>...], got '${pair}'`);
    const id = pair.slice(0, eq);
    const property = properties.get(id);
    if (!property) {
      const known = [...properties.keys()].join(", ") || "none";
      throw new UsageError(`Package ${info.control.product.id} has no property '${id}' (properties: ${known})`);
    }
    const raw = pair.slice(eq + 1);
    const values = raw === "" ? [] : raw.split(",");
    if (property.type === "BoolProductProperty") {
      result[id] = values.map((v) => {
        if (v.toLowerCase() === "true") return true;
        if (v.toLowerCase() === "false") return false;
        throw new UsageError(`Property '${id}' is a bool property: use true or false, got '${v}'`);
      });
    } else {
      result[id] = values;
    }
  }
  return result;
}

/**
 * Parses `--depots a,b` (trimmed, lowercased, unique); undefined when the option is absent.
 * @example depotList("Depot1.example.org, depot2.example.org") // ["depot1.example.org", "depot2.example.org"]
 */
export function depotList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const ids = value
    .split(",")
    .map((v) => v.trim().toLowerCase())
    .filter((v) => v !== "");
  if (ids.length === 0) throw new UsageError("--depots needs at least one depot id");
  return [...new Set(ids)];
}

/** A depot to work on and the connection that reaches its service. */
export interface DepotTarget {
  readonly depotId: string;
  readonly conn: ServiceConnection;
}

/**
 * The depots named by `--depots` (default: the connected config server's own depot), each with a connection
 * to its service: the connected server for its own depot, else the host and port of the depot's
 * `repositoryRemoteUrl` with the same credentials and trust.
 * @example const targets = await targetDepots(conn, depotList(options.depots));
 */
export async function targetDepots(conn: ServiceConnection, requested: string[] | undefined): Promise<DepotTarget[]> {
  const servers = records(await conn.client.call("host_getObjects", [["id"], { type: "OpsiConfigserver" }]));
  const own = typeof servers[0]?.id === "string" ? servers[0].id : undefined;
  if (requested === undefined) {
    if (own === undefined) throw new BackendMissingDataError("The service has no config server host; name the depots with --depots");
    return [{ depotId: own, conn }];
  }
  const hosts = records(
    await conn.client.call("host_getObjects", [
      ["id", "repositoryRemoteUrl"],
      { type: ["OpsiConfigserver", "OpsiDepotserver"], id: requested },
    ]),
  );
  return requested.map((depotId) => {
    const host = hosts.find((h) => h.id === depotId);
    if (!host) throw new BackendMissingDataError(`Depot '${depotId}' not found`);
    if (depotId === own) return { depotId, conn };
    const remote = typeof host.repositoryRemoteUrl === "string" ? host.repositoryRemoteUrl : "";
    let url: URL;
    try {
      url = new URL(remote.replace(/^webdavs:/, "https:").replace(/^webdav:/, "http:"));
    } catch {
      throw new BackendBadValueError(`Depot '${depotId}' has no usable repositoryRemoteUrl ('${remote}')`);
    }
    return { depotId, conn: connectService({ ...conn, url: url.origin }) };
  });
}

/**
 * Closes the connections of `targets` other than `main`, then `main`.
 * @example await closeTargets(targets, conn)
 */
export async function closeTargets(targets: readonly DepotTarget[], main: ServiceConnection): Promise<void> {
  for (const t of targets) if (t.conn !== main) await t.conn.close().catch(() => {});
  await main.close();
}

interface InstallOptions extends ConnectionOptions {
  readonly depots?: string;
  readonly properties?: string[];
  readonly force?: boolean;
}

interface UninstallOptions extends ConnectionOptions {
  readonly depots?: string;
  readonly force?: boolean;
  readonly keepFiles?: boolean;
}

/**
 * Adds the server commands of the `package` group (`list`, `install`, `uninstall`) to it.
 * @example registerPackageServiceCommands(pkg, io); // opsi package list --url https://opsi:4447 -u admin
 */
export function registerPackageServiceCommands(pkg: Command, io: CliIo): void {
  addConnectionOptions(
    pkg
      .command("list")
      .description("list the packages installed on the depots of an opsi service (depot, product, version, locked)")
      .option("--json", "print a JSON list of {depotId, productId, productType, productVersion, packageVersion, locked, name}"),
  ).action(async (_options: unknown, command: Command) => {
    const options = command.optsWithGlobals<ConnectionOptions & { json?: boolean }>();
    const conn = await openServiceConnection(options, io);
    try {
      const productOnDepots = await conn.client.call("productOnDepot_getObjects", [[], {}]);
      const products = await conn.client.call("product_getObjects", [["id", "productVersion", "packageVersion", "name"], {}]);
      const rows = depotPackageRows(productOnDepots, products);
      io.stdout.write(options.json ? `${JSON.stringify(rows, null, 2)}\n` : depotPackageTable(rows));
    } finally {
      await conn.close();
    }
  });

  addConnectionOptions(
    pkg
      .command("install")
      .description(
        "upload a package to the repository of each depot's service (PUT /repository/<name>) and install it there (depot_installPackage)",
      )
      .argument("<file>", "the .opsi file")
      .option("--depots <ids>", "comma-separated depot ids (default: the config server's own depot)")
      .option("--properties <id=values...>", "default values of product properties, comma-separated (bool properties: true/false)")
      .option("-f, --force", "install even if the product is locked on a depot or the package is broken"),
  )
    .addHelpText(
      "after",
      "\nExample:\n  opsi package install firefox_128.0-1.opsi --depots depot1.example.org --properties lang=de,en -u adminuser",
    )
    .action(async (file: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<InstallOptions>();
      const path = resolve(io.cwd, file);
      const fileInfo = await stat(path).catch(() => null);
      if (!fileInfo?.isFile()) throw new BackendMissingDataError(`Package file '${path}' not found`);
      const requested = depotList(options.depots);
      const info = await readPackageInfo(path);
      const defaults = propertyDefaultValues(options.properties ?? [], info);
      const { product } = info.control;
      const name = basename(path);
      const conn = await openServiceConnection(options, io);
      const targets: DepotTarget[] = [];
      try {
        targets.push(...(await targetDepots(conn, requested)));
        for (const { depotId, conn: depot } of targets) {
          const progress = uploadProgress(io.stderr, `Uploading ${name} to ${depotId}`);
          try {
            await uploadFile(depot, path, new URL(`/repository/${encodeURIComponent(name)}`, depot.url), progress.update);
          } finally {
            progress.done();
          }
          await depot.client.call("depot_installPackage", [name, options.force === true, defaults]);
          io.stdout.write(`Installed ${product.id} ${product.productVersion}-${product.packageVersion} on ${depotId}\n`);
        }
      } finally {
        await closeTargets(targets, conn);
      }
    });

  addConnectionOptions(
    pkg
      .command("uninstall")
      .description("uninstall a product from depots (depot_uninstallPackage)")
      .argument("<id>", "the product id")
      .option("--depots <ids>", "comma-separated depot ids (default: the config server's own depot)")
      .option("-f, --force", "uninstall even if the product is locked on a depot")
      .option("--keep-files", "keep the product's files in the depot share"),
  ).action(async (productId: string, _options: unknown, command: Command) => {
    const options = command.optsWithGlobals<UninstallOptions>();
    const requested = depotList(options.depots);
    const conn = await openServiceConnection(options, io);
    const targets: DepotTarget[] = [];
    try {
      targets.push(...(await targetDepots(conn, requested)));
      for (const { depotId, conn: depot } of targets) {
        await depot.client.call("depot_uninstallPackage", [productId, options.force === true, options.keepFiles !== true]);
        io.stdout.write(`Uninstalled ${productId} from ${depotId}\n`);
      }
    } finally {
      await closeTargets(targets, conn);
    }
  });
}
