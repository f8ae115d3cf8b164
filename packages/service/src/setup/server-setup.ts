/**
 * @module setup/server-setup
 * First-start and every-start setup of a config server's data: its own OpsiConfigserver host object and
 * opsi's default configs (opsiconfd `setup_configs`), idempotent.
 */
import { type Backend, forceHostId } from "@opsi-ts/core";
import { OPSI_MODULE_IDS } from "../methods/general.js";

/** Inputs of {@link ensureServerSetup}. */
export interface ServerSetupOptions {
  /** FQDN of the config server (its host id). */
  readonly serverId: string;
  /** External service URL (`https://<fqdn>:4447`), the default of `clientconfig.configserver.url`. */
  readonly externalUrl: string;
  /** IP address of the server, if known. */
  readonly ipAddress?: string;
  /** Network of the server (`10.0.0.0/24`), if known. */
  readonly networkAddress?: string;
}

/** What {@link ensureServerSetup} changed. */
export interface ServerSetupReport {
  readonly createdServerHost: boolean;
  readonly createdConfigs: readonly string[];
  readonly removedConfigs: readonly string[];
}

/**
 * A host name usable as opsi host id: the given name if it is an FQDN with at least three labels,
 * else `<name>.opsi-ts.local` (opsi requires `host.domain.tld`).
 * @example serverIdFromHostname("vm") // "vm.opsi-ts.local"
 */
export function serverIdFromHostname(hostname: string): string {
  const name = hostname.trim().toLowerCase().replace(/\.$/, "");
  try {
    return forceHostId(name);
  } catch {
    const label =
      name
        .split(".")[0]
        ?.replace(/[^a-z0-9-]/g, "-")
        .replace(/^-+/, "") || "opsi";
    return forceHostId(`${label}.opsi-ts.local`);
  }
}

type ConfigInput = Record<string, unknown>;

const unicode = (
  id: string,
  description: string,
  possibleValues: unknown[],
  defaultValues: unknown[],
  editable: boolean,
  multiValue: boolean,
) => ({
  type: "UnicodeConfig",
  id,
  description,
  possibleValues,
  defaultValues,
  editable,
  multiValue,
});
const bool = (id: string, description: string, value: boolean) => ({ type: "BoolConfig", id, description, defaultValues: [value] });

const DRIVE_LETTERS = [..."abcdefghijklmnopqrstuvwxyz"].map((l) => `${l}:`);

/** The default configs created when missing, in opsiconfd's order. */
function defaultConfigs(): ConfigInput[] {
  return [
    bool("clientconfig.depot.dynamic", "Use dynamic depot selection", false),
    unicode(
      "clientconfig.depot.selection_mode",
      "Depot selection mode.",
      ["master_and_latency", "latency", "network_address", "network_address_best_match", "random"],
      ["network_address"],
      false,
      false,
    ),
    unicode("clientconfig.depot.drive", "Drive letter for depot share", [...DRIVE_LETTERS, "dynamic"], ["p:"], false, false),
    unicode(
      "clientconfig.depot.protocol",
      "Protocol to use when mounting an depot share on the client",
      ["cifs", "webdav"],
      ["cifs"],
      false,
      false,
    ),
    unicode(
      "clientconfig.depot.protocol.netboot",
      "Protocol to use when mounting an depot share in netboot environment",
      ["cifs", "webdav"],
      ["cifs"],
      false,
      false,
    ),
    unicode("clientconfig.depot.user", "User for depot share", [], ["pcpatch"], true, false),
    unicode("clientconfig.windows.domain", "Windows domain", [], [], true, false),
    bool("opsiclientd.global.verify_server_cert", "Verify opsi server TLS certificates", true),
    bool(
      "opsiclientd.global.install_opsi_ca_into_os_store",
      "Automatically install opsi CA into operating systems certificate store",
      true,
    ),
    bool("opsiclientd.config_service.permanent_connection", "Client should keep a permanent connection to the opsi messagebus", true),
    bool("opsiclientd.event_timer.active", "Activate the timer event of opsiclientd", false),
    bool("opsiclientd.event_gui_startup.active", "Activate the gui_startup event of opsiclientd", true),
    bool("opsiclientd.event_gui_startup{user_logged_in}.active", "Activate the gui_startup event when a user is logged in", true),
    unicode(
      "opsiclientd.global.max_log_transfer_size",
      "Maximum size of log files transferred to the server (MB)",
      ["5"],
      ["5"],
      true,
      false,
    ),
    unicode(
      "opsi-linux-bootimage.append",
      "Extra options to append to kernel command line",
      [
        "acpi=off",
        "irqpoll",
        "noapic",
        "pci=nomsi",
        "vga=normal",
        "reboot=b",
        "mem=2G",
        "nomodeset",
        "ramdisk_size=2097152",
        "dhclienttimeout=N",
      ],
      [""],
      true,
      true,
    ),
    bool("license-management.use", "Activate license management", false),
    bool("software-on-demand.active", "Activate software-on-demand", false),
    unicode(
      "software-on-demand.product-group-ids",
      "Product group ids containing products which are allowed to be installed on demand",
      ["software-on-demand"],
      ["software-on-demand"],
      true,
      true,
    ),
    unicode(
      "licensing.disable_warning_for_modules",
      "Disable licensing warnings for these modules.",
      [...OPSI_MODULE_IDS],
      [],
      false,
      true,
    ),
    unicode("licensing.client_limit_warning_percent", "Warn when this license utilization is reached.", ["95"], ["95"], true, false),
    unicode(
      "licensing.client_limit_warning_absolute",
      "Warn when the number of available licenses reaches this value.",
      ["5"],
      ["5"],
      true,
      false,
    ),
    unicode(
      "licensing.client_limit_warning_days",
      "Number of days from which warning is given before the licensing reaches a problematic state.",
      ["30"],
      ["30"],
      true,
      false,
    ),
    unicode(
      "opsiconfd.transfer.slots_opsiclientd_product_sync",
      "Maximum number of concurrent product sync transfers per depot",
      ["100"],
      ["100"],
      true,
      false,
    ),
  ];
}

/** Configs opsiconfd removes on setup. */
function isObsoleteConfig(id: string): boolean {
  return id.endsWith(".product.cache.outdated") || id === "product_sort_algorithm" || id === "clientconfig.dhcpd.filename";
}

/**
 * Ensures the config server's own `OpsiConfigserver` object and opsi's default configs exist
 * (`clientconfig.configserver.url` gains the external URL, `clientconfig.depot.id` lists all depots with the
 * config server as default); existing configs keep their values. Safe to run on every start.
 * @example await ensureServerSetup(backend, { serverId: "opsi.example.org", externalUrl: "https://opsi.example.org:4447" })
 */
export async function ensureServerSetup(backend: Backend, options: ServerSetupOptions): Promise<ServerSetupReport> {
  const serverId = forceHostId(options.serverId);
  let createdServerHost = false;
  const [existing] = await backend.host_getObjects(["id"], { id: serverId });
  if (!existing) {
    await backend.host_createObjects([
      {
        type: "OpsiConfigserver",
        id: serverId,
        depotLocalUrl: "file:///var/lib/opsi/depot",
        depotRemoteUrl: `smb://${serverId}/opsi_depot`,
        depotWebdavUrl: `webdavs://${serverId}:4447/depot`,
        repositoryLocalUrl: "file:///var/lib/opsi/repository",
        repositoryRemoteUrl: `webdavs://${serverId}:4447/repository`,
        workbenchLocalUrl: "file:///var/lib/opsi/workbench",
        workbenchRemoteUrl: `smb://${serverId}/opsi_workbench`,
        ipAddress: options.ipAddress ?? null,
        networkAddress: options.networkAddress ?? null,
        maxBandwidth: 0,
        isMasterDepot: true,
        description: "opsi config server",
      },
    ]);
    createdServerHost = true;
  }

  const configIds = new Set((await backend.config_getIdents("str")) as string[]);
  const depotIds = (await backend.host_getIdents("str", { type: "OpsiDepotserver" })) as string[];
  const create: ConfigInput[] = [];

  const [urlConfig] = await backend.config_getObjects([], { id: "clientconfig.configserver.url" });
  const possible = [...((urlConfig?.possibleValues as string[] | null) ?? [])];
  const defaults = [...((urlConfig?.defaultValues as string[] | null) ?? [])];
  if (!urlConfig || !possible.includes(options.externalUrl) || !defaults.includes(options.externalUrl)) {
    if (!possible.includes(options.externalUrl)) possible.unshift(options.externalUrl);
    if (!defaults.includes(options.externalUrl) && defaults.length === 0) defaults.push(options.externalUrl);
    create.push(unicode("clientconfig.configserver.url", "URL(s) of opsi config service(s) to use", possible, defaults, true, true));
  }
  // The depot list is refreshed on every start, the default stays the config server.
  create.push(unicode("clientconfig.depot.id", "ID of the opsi depot to use", depotIds, [serverId], false, false));
  for (const config of defaultConfigs()) {
    if (!configIds.has(String(config.id))) create.push(config);
  }
  await backend.config_createObjects(create);

  const removed = [...configIds].filter(isObsoleteConfig);
  if (removed.length > 0) await backend.config_deleteObjects(removed.map((id) => ({ id })));
  return {
    createdServerHost,
    createdConfigs: create.map((c) => String(c.id)).filter((id) => !configIds.has(id)),
    removedConfigs: removed,
  };
}
