/** @module methods/not-implemented The methods whose capability opsi-ts does not have yet, each answering `BackendNotImplementedError` naming what is missing. */
import { BackendNotImplementedError, RPC_METHODS } from "@opsi-ts/core";
import type { MethodHandler } from "./context.js";

/** Capability per method-name prefix (first match wins). */
const CAPABILITY_BY_PREFIX: readonly (readonly [string, string])[] = [
  ["dhcpd_", "DHCP server integration"],
  ["opsipxeconfd_", "opsipxeconfd (netboot) integration"],
  ["service_", "service administration (health check, backup, app state, configuration)"],
  ["SSHCommand_", "configed server commands (SSH command store)"],
  ["driver_", "driver integration"],
  ["updateWIMConfig", "reading WIM images of a depot"],
  ["getKioskProductInfosForClient", "the opsi kiosk (software on demand)"],
  ["getDepotSelectionAlgorithm", "dynamic depot selection"],
  ["config_updateMessageOfTheDay", "message of the day (message bus)"],
  ["user_updateMultiFactorAuth", "multi-factor authentication (TOTP)"],
  ["licenseOnClient_getOrCreateObject", "automatic license assignment"],
  ["getAndAssignSoftwareLicenseKey", "automatic license assignment"],
  ["getOrCreateSoftwareLicenseUsage_hash", "automatic license assignment"],
  ["getLicenseKey", "automatic license assignment"],
  ["deleteSoftwareLicenseUsage", "automatic license assignment"],
  ["getMD5Sum", "depot file access"],
  ["getDiskSpaceUsage", "depot file access"],
];

/**
 * The sentence a not-implemented method answers with, e.g. "dhcpd_updateHost needs DHCP server
 * integration, not available in this opsi-ts build".
 * @example notImplementedMessage("dhcpd_updateHost")
 */
export function notImplementedMessage(method: string): string {
  if (method === "setRights") {
    return "setRights runs opsi-set-rights through sudo on any path; opsi-ts does not expose it";
  }
  const capability = CAPABILITY_BY_PREFIX.find(([prefix]) => method.startsWith(prefix))?.[1];
  if (capability) return `${method} needs ${capability}, not available in this opsi-ts build`;
  const alternative = RPC_METHODS.get(method)?.alternativeMethod;
  return alternative
    ? `${method} is not available in this opsi-ts build; use ${alternative}`
    : `${method} is not available in this opsi-ts build`;
}

/**
 * The handler of a method without implementation: always `BackendNotImplementedError`.
 * @example await notImplementedHandler("dhcpd_updateHost")(ctx, params) // throws
 */
export function notImplementedHandler(method: string): MethodHandler {
  const message = notImplementedMessage(method);
  return async () => {
    throw new BackendNotImplementedError(message);
  };
}
