/**
 * @module model/audit-hardware
 * Decoding of the schema-driven AuditHardware / AuditHardwareOnHost objects: attribute coercion by
 * SQL type, lowercase-key fallback, hardware id normalisation and per-class idents.
 */
import { BackendBadValueError } from "../errors.js";
import type { AuditHardware, AuditHardwareOnHost } from "./classes.js";
import {
  forceAuditState,
  forceFloat,
  forceHardwareDeviceId,
  forceHardwareVendorId,
  forceHostId,
  forceInt,
  forceOpsiTimestamp,
  forceString,
} from "./forcers.js";
import type { HardwareAuditConfig } from "./hwaudit-config.js";

/** Coerces one value by its configured SQL type (`varchar(n)` strip+truncate, `*int*`, `double`). */
export function coerceHardwareValue(type: string, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (type.startsWith("varchar")) {
    let s: string;
    try {
      s = forceString(value).trim();
    } catch {
      return null;
    }
    const size = Number(/\((\d+)\)/.exec(type)?.[1]);
    if (Number.isFinite(size) && s.length > size) s = s.slice(0, size).trim();
    return s;
  }
  if (type.includes("int")) {
    try {
      return forceInt(value);
    } catch {
      return null;
    }
  }
  if (type === "double") {
    try {
      return forceFloat(value);
    } catch {
      return null;
    }
  }
  return value;
}

const HARDWARE_ID_ATTRIBUTES: ReadonlyArray<[string, (v: unknown) => string]> = [
  ["vendorId", forceHardwareVendorId],
  ["subsystemVendorId", forceHardwareVendorId],
  ["deviceId", forceHardwareDeviceId],
  ["subsystemDeviceId", forceHardwareDeviceId],
];

function hardwareAttributes(
  input: Record<string, unknown>,
  attributes: ReadonlyMap<string, string> | undefined,
  skip: ReadonlySet<string>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (attributes) {
    for (const [name, type] of attributes) {
      let value = input[name];
      if (value === undefined) value = input[name.toLowerCase()];
      out[name] = coerceHardwareValue(type, value);
    }
  } else {
    // Unknown class: keep everything (strings stripped), like opsi without a config entry.
    for (const [k, v] of Object.entries(input)) {
      if (skip.has(k)) continue;
      out[k] = typeof v === "string" ? v.trim() : v;
    }
  }
  for (const [name, force] of HARDWARE_ID_ATTRIBUTES) {
    const v = out[name];
    if (v) {
      try {
        out[name] = force(v);
      } catch (err: unknown) {
        throw new BackendBadValueError(`Bad value for attribute '${name}' of ${String(input.hardwareClass)}: ${(err as Error).message}`);
      }
    }
  }
  return out;
}

function hardwareClassOf(input: Record<string, unknown>, what: string): string {
  const hc = input.hardwareClass;
  if (hc === null || hc === undefined || hc === "") {
    throw new BackendBadValueError(`Bad value for attribute 'hardwareClass' of ${what}: missing required attribute`);
  }
  return forceString(hc);
}

const AH_SKIP = new Set(["type", "ident", "hardwareClass"]);
const AHOH_SKIP = new Set(["type", "ident", "hardwareClass", "hostId", "firstseen", "lastseen", "state"]);

/** Decodes an AuditHardware dict (attributes outside the class's g-scope are dropped). */
export function decodeAuditHardware(input: Record<string, unknown>, config: HardwareAuditConfig | undefined): AuditHardware {
  const hardwareClass = hardwareClassOf(input, "AuditHardware");
  const cls = config?.get(hardwareClass);
  return { type: "AuditHardware", hardwareClass, ...hardwareAttributes(input, cls?.deviceAttributes, AH_SKIP) };
}

/** Decodes an AuditHardwareOnHost dict (attributes outside the class are dropped). */
export function decodeAuditHardwareOnHost(input: Record<string, unknown>, config: HardwareAuditConfig | undefined): AuditHardwareOnHost {
  const hardwareClass = hardwareClassOf(input, "AuditHardwareOnHost");
  const cls = config?.get(hardwareClass);
  const field = <T>(name: string, force: (v: unknown) => T): T | null => {
    const v = input[name];
    if (v === null || v === undefined) return null;
    try {
      return force(v);
    } catch (err: unknown) {
      throw new BackendBadValueError(`Bad value for attribute '${name}' of AuditHardwareOnHost: ${(err as Error).message}`);
    }
  };
  const hostId = field("hostId", forceHostId);
  if (hostId === null)
    throw new BackendBadValueError("Bad value for attribute 'hostId' of AuditHardwareOnHost: missing required attribute");
  return {
    type: "AuditHardwareOnHost",
    hardwareClass,
    hostId,
    firstseen: field("firstseen", forceOpsiTimestamp),
    lastseen: field("lastseen", forceOpsiTimestamp),
    state: field("state", forceAuditState),
    ...hardwareAttributes(input, cls?.allAttributes, AHOH_SKIP),
  };
}

/** Ident attributes of a hardware object (hardwareClass[, hostId] + sorted class attributes). */
export function hardwareIdentAttributes(
  obj: { type: "AuditHardware" | "AuditHardwareOnHost"; hardwareClass: string; [k: string]: unknown },
  config: HardwareAuditConfig | undefined,
): string[] {
  const cls = config?.get(obj.hardwareClass);
  const fixedKeys = obj.type === "AuditHardware" ? ["hardwareClass"] : ["hardwareClass", "hostId"];
  let attrs: readonly string[];
  if (cls) attrs = obj.type === "AuditHardware" ? cls.deviceIdent : cls.hostIdent;
  else {
    const skip = obj.type === "AuditHardware" ? AH_SKIP : AHOH_SKIP;
    attrs = Object.keys(obj)
      .filter((k) => !skip.has(k))
      .sort();
  }
  return [...fixedKeys, ...attrs];
}
