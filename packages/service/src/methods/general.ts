/** @module methods/general The general methods: `backend_*`, `accessControl_*`, `getDomain`, CA certificates, licensing info, `sleep`. */
import { forceBool, forceFloat, getInterfaceDescription } from "@opsi-ts/core";
import type { MethodContext, MethodHandler } from "./context.js";

/** Log types of `log_write`/`log_read` (value: whether reading needs an objectId). */
export const LOG_TYPES: Readonly<Record<string, boolean>> = {
  bootimage: true,
  clientconnect: true,
  instlog: true,
  opsiconfd: false,
  userlogin: true,
  winpe: true,
};

/** The opsi modules (python-opsi-common `OPSI_MODULE_IDS`); opsi-ts reports every one available. */
export const OPSI_MODULE_IDS: readonly string[] = [
  "directory-connector",
  "dynamic_depot",
  "install_by_shutdown",
  "license_management",
  "linux_agent",
  "local_imaging",
  "macos_agent",
  "monitoring",
  "mysql_backend",
  "os_install_by_wlan",
  "roaming_profiles",
  "scalability1",
  "secureboot",
  "swondemand",
  "treeview",
  "uefi",
  "userroles",
  "vista",
  "wim-capture",
  "win-vhd",
  "vpn",
];

/** Modules opsi lists as obsolete. */
export const OPSI_OBSOLETE_MODULE_IDS: readonly string[] = ["dynamic_depot", "treeview", "vista"];

/** opsi's "unlimited" client number. */
const UNLIMITED_CLIENTS = 999_999_999;

/**
 * Marker result of `backend_exit`: the transport must delete the caller's session and send `null`.
 * It serialises to `null` with `JSON.stringify`.
 */
export class EndSession {
  toJSON(): null {
    return null;
  }
}

/** The one {@link EndSession} instance `backend_exit` returns. */
export const END_SESSION: EndSession = new EndSession();

/**
 * Whether an RPC result asks the transport to end the session (`backend_exit`, `exit`).
 * @example if (isEndSession(result)) await sessions.delete(sessionId);
 */
export function isEndSession(value: unknown): value is EndSession {
  return value instanceof EndSession;
}

function today(): string {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Per-module state as opsiconfd's `OpsiLicensePool.get_modules()` reports a free module. */
function moduleStates(): Record<string, { available: boolean; state: string; license_ids: string[]; client_number: number }> {
  return Object.fromEntries(
    OPSI_MODULE_IDS.map((id) => [id, { available: true, state: "free", license_ids: [], client_number: UNLIMITED_CLIENTS }]),
  );
}

async function clientNumbers(ctx: MethodContext): Promise<Record<string, number>> {
  const clients = await ctx.internal.getIdents("host", "str", { type: "OpsiClient" });
  const installed = await ctx.internal.getObjects("productOnClient", ["productId", "clientId"], {
    productId: ["opsi-mac-client-agent", "opsi-linux-client-agent"],
    installationStatus: "installed",
  });
  const macos = new Set(installed.filter((p) => p.productId === "opsi-mac-client-agent").map((p) => p.clientId));
  const linux = new Set(installed.filter((p) => p.productId === "opsi-linux-client-agent").map((p) => p.clientId));
  const windows = clients.length - new Set([...macos, ...linux]).size;
  return { macos: macos.size, linux: linux.size, windows, inactive: 0, all: clients.length };
}

/**
 * `backend_getLicensingInfo`: the shape configed and opsi-cli parse, with every module available and
 * unlimited (opsi-ts has no licence gate).
 */
async function licensingInfo(ctx: MethodContext, licenses: boolean, legacyModules: boolean, dates: boolean): Promise<unknown> {
  const modules = moduleStates();
  const info: Record<string, unknown> = {
    client_numbers: await clientNumbers(ctx),
    known_modules: [...OPSI_MODULE_IDS],
    obsolete_modules: [...OPSI_OBSOLETE_MODULE_IDS],
    available_modules: [...OPSI_MODULE_IDS],
    modules,
    licenses_checksum: "0",
    config: {
      client_limit_warning_percent: 95,
      client_limit_warning_absolute: 5,
      client_limit_warning_days: 30,
      disable_warning_for_modules: [],
    },
  };
  if (licenses) info.licenses = [];
  if (legacyModules) info.legacy_modules = null;
  if (dates) info.dates = { [today()]: { modules: moduleStates() } };
  return info;
}

/**
 * `backend_info`: opsi's legacy modules view, every module valid. `signature` is "0" (there is no
 * uib signature; "0" parses as hex and as decimal in clients that read it).
 */
function backendInfo(ctx: MethodContext): unknown {
  const modules: Record<string, unknown> = { valid: true };
  for (const id of OPSI_MODULE_IDS) modules[id] = true;
  modules.customer = "opsi-ts";
  modules.expires = "never";
  modules.signature = "0";
  return { opsiVersion: ctx.environment.opsiVersion, modules, realmodules: {} };
}

async function getDomain(ctx: MethodContext): Promise<string> {
  const address = ctx.caller.clientAddress;
  if (address && address !== "127.0.0.1" && address !== "::1") {
    try {
      const name = await ctx.settings.reverseLookup(address);
      if (name && (name.match(/\./g) ?? []).length >= 2) return name.split(".").slice(1).join(".");
    } catch (e: unknown) {
      // Reverse DNS failing is normal; the server's own domain is the answer then.
      void e;
    }
  }
  return ctx.environment.serverId.split(".").slice(1).join(".");
}

/**
 * Handlers of the general methods.
 * @example generalHandlers().get("backend_info")
 */
export function generalHandlers(): Map<string, MethodHandler> {
  const h = new Map<string, MethodHandler>();
  h.set("backend_info", async (ctx) => backendInfo(ctx));
  h.set("backend_getLicensingInfo", async (ctx, p) =>
    licensingInfo(ctx, forceBool(p.args.licenses ?? false), forceBool(p.args.legacy_modules ?? false), forceBool(p.args.dates ?? false)),
  );
  h.set("backend_getInterface", async (ctx) => getInterfaceDescription({ provideDeprecated: ctx.environment.provideDeprecatedMethods }));
  h.set("backend_getSystemConfiguration", async (ctx) => ({
    log: {
      size_limit: ctx.settings.logLimits.maxLogSizeMb,
      keep_rotated: ctx.settings.logLimits.keepRotatedLogs,
      types: Object.keys(LOG_TYPES),
    },
  }));
  h.set("backend_createBase", async () => null);
  h.set("backend_deleteBase", async () => null);
  h.set("backend_exit", async () => END_SESSION);
  h.set("backend_setOptions", async () => null);
  h.set("backend_getOptions", async () => ({}));
  // The dispatcher only runs for authenticated callers.
  h.set("accessControl_authenticated", async () => true);
  h.set("accessControl_userIsAdmin", async (ctx) => ctx.identity.isAdmin);
  h.set("accessControl_userIsReadOnlyUser", async (ctx) => ctx.identity.isReadOnly);
  h.set("accessControl_getUserGroups", async (ctx) => [...ctx.identity.groups]);
  h.set("getDomain", getDomain);
  h.set("getOpsiCACert", async (ctx) => ctx.environment.caCertPem);
  h.set("getCACerts", async (ctx) => ctx.environment.caCertsPem.map((pem) => (pem.endsWith("\n") ? pem : `${pem}\n`)).join(""));
  h.set("sleep", async (_ctx, p) => {
    const seconds = forceFloat(p.args.seconds ?? 0);
    // Capped so a test helper cannot pin a request for long.
    const ms = Math.min(Math.max(seconds, 0), 300) * 1000;
    await new Promise((resolve) => setTimeout(resolve, ms));
    return null;
  });
  return h;
}
