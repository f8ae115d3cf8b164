/**
 * @module model/hwaudit-default
 * opsi's default hardware-audit configuration (the `opsihwaudit.conf` shipped with opsi 4.3).
 */

import { HardwareAuditConfig } from "./hwaudit-config.js";
import { DEFAULT_HARDWARE_CLASSES } from "./hwaudit-default-classes.js";
import { DEFAULT_HARDWARE_AUDIT_LOCALES } from "./hwaudit-default-locales.js";

let cached: HardwareAuditConfig | undefined;

/**
 * The default hardware-audit configuration: 37 classes of which 32 are STRUCTURAL, with `Super`
 * inheritance resolved. The instance is shared (it is immutable), so repeated calls are cheap.
 * @example defaultHardwareAuditConfig().get("NETWORK_CONTROLLER")?.deviceIdent
 */
export function defaultHardwareAuditConfig(): HardwareAuditConfig {
  cached ??= new HardwareAuditConfig(DEFAULT_HARDWARE_CLASSES);
  return cached;
}

/**
 * opsi's default hwaudit locale files (`hwaudit_<lang>.properties` text) by language code (de, en, fr).
 * @example parseProperties(defaultHardwareAuditLocales().get("en") ?? "")
 */
export function defaultHardwareAuditLocales(): ReadonlyMap<string, string> {
  return new Map(Object.entries(DEFAULT_HARDWARE_AUDIT_LOCALES));
}
