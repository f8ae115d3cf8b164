/**
 * @module model/forcers
 * opsi's value normalisers (`opsicommon.types.force*`): each takes any JSON value and returns the
 * normalised value or throws {@link BackendBadValueError} with opsi's message.
 */
import { BackendBadValueError, describeValue } from "../errors.js";

function bad(what: string, value: unknown): never {
  throw new BackendBadValueError(`${what}: ${describeValue(value)}`);
}

/** Wraps a scalar in a list; lists are copied (`forceList`). */
export function forceList(value: unknown): unknown[] {
  if (Array.isArray(value)) return [...value];
  if (value instanceof Set) return [...value];
  return [value];
}

/**
 * `forceUnicode`: strings pass, numbers and booleans are stringified the way Python prints them.
 * Objects and arrays are rejected (opsi would store their Python repr, which is never wanted).
 */
export function forceString(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (typeof value === "boolean") return value ? "True" : "False";
  return bad("Not a string", value);
}

/** `forceUnicodeLower`. */
export function forceStringLower(value: unknown): string {
  return forceString(value).toLowerCase();
}

/** `forceUnicodeList`. */
export function forceStringList(value: unknown): string[] {
  return forceList(value).map(forceString);
}

/** `forceBool`: true/yes/on/1 and false/no/off/0 (any case), otherwise Python truthiness. */
export function forceBool(value: unknown): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "string") {
    if (value.length <= 5) {
      const low = value.toLowerCase();
      if (low === "true" || low === "yes" || low === "on" || low === "1") return true;
      if (low === "false" || low === "no" || low === "off" || low === "0") return false;
    }
    return value.length > 0;
  }
  if (value === null || value === undefined) return false;
  if (typeof value === "number") return value !== 0 && !Number.isNaN(value);
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value).length > 0;
  return Boolean(value);
}

/** `forceBoolList`. */
export function forceBoolList(value: unknown): boolean[] {
  return forceList(value).map(forceBool);
}

const INT_STRING = /^\s*[+-]?\d+\s*$/;

/** `forceInt`: integers, integral strings, floats truncated toward zero, booleans as 0/1. */
export function forceInt(value: unknown): number {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) bad("Bad int value", value);
    return Math.trunc(value);
  }
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string" && INT_STRING.test(value)) return Number.parseInt(value, 10);
  return bad("Bad int value", value);
}

/** `forceUnsignedInt`: the absolute value of {@link forceInt}. */
export function forceUnsignedInt(value: unknown): number {
  return Math.abs(forceInt(value));
}

/** `forceFloat`. */
export function forceFloat(value: unknown): number {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value);
    if (Number.isFinite(n)) return n;
  }
  return bad("Bad float value", value);
}

const OPSI_TIMESTAMP = /^(\d{4})-?(\d{2})-?(\d{2})\s?(\d{2}):?(\d{2}):?(\d{2})\.?\d*$/;
const OPSI_DATE = /^(\d{4})-?(\d{2})-?(\d{2})$/;

/** The zero timestamp opsi uses for "never". */
export const ZERO_TIMESTAMP = "0000-00-00 00:00:00";

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** Formats a Date as an opsi timestamp in local time. */
export function formatTimestamp(date: Date): string {
  return `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())} ${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
}

/** The current local time as an opsi timestamp (`opsicommon.utils.timestamp()`). */
export function timestamp(): string {
  return formatTimestamp(new Date());
}

/** `forceOpsiTimestamp`: falsy → zero timestamp; `YYYY-MM-DD HH:MM:SS` with optional separators. */
export function forceOpsiTimestamp(value: unknown): string {
  if (value === null || value === undefined || value === "" || value === 0 || value === false) {
    return ZERO_TIMESTAMP;
  }
  if (value instanceof Date) return formatTimestamp(value);
  const text = forceString(value);
  const m = OPSI_TIMESTAMP.exec(text);
  if (m) return `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}`;
  const d = OPSI_DATE.exec(text);
  if (d) return `${d[1]}-${d[2]}-${d[3]} 00:00:00`;
  return bad("Bad opsi timestamp", text);
}

const OBJECT_ID = /^[a-z0-9][a-z0-9-_. ]*$/;
const FQDN = /^[a-z0-9][a-z0-9-]{0,63}\.((\w+-+)|(\w+\.))*\w{1,63}\.\w{2,16}\.?$/;

/** `forceObjectId`: lowercased, stripped, `^[a-z0-9][a-z0-9-_. ]*$`. */
export function forceObjectId(value: unknown): string {
  const v = forceStringLower(value).trim();
  if (!OBJECT_ID.test(v)) bad("Bad object id", v);
  return v;
}

/** `forceHostId` (= `forceFqdn`): a lowercased FQDN with at least three labels; trailing dot removed. */
export function forceHostId(value: unknown): string {
  const v = forceObjectId(value);
  if (!FQDN.test(v)) bad("Bad fqdn", v);
  return v.endsWith(".") ? v.slice(0, -1) : v;
}

const HARDWARE_ADDRESS = /^([0-9a-f]{2})[:-]?([0-9a-f]{2})[:-]?([0-9a-f]{2})[:-]?([0-9a-f]{2})[:-]?([0-9a-f]{2})[:-]?([0-9a-f]{2})$/;

/** `forceHardwareAddress`: MAC → `aa:bb:cc:dd:ee:ff`; the empty string stays empty. */
export function forceHardwareAddress(value: unknown): string {
  const v = forceStringLower(value);
  if (!v) return v;
  const m = HARDWARE_ADDRESS.exec(v);
  if (!m) bad("Invalid hardware address", v);
  return m.slice(1, 7).join(":");
}

function parseIPv4(text: string): number[] | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    // Python's ipaddress rejects leading zeros (ambiguous octal) and empty octets.
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p.startsWith("0"))) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

function parseIPv6(input: string): { hextets: number[]; scope: string } | null {
  let text = input;
  let scope = "";
  const pct = text.indexOf("%");
  if (pct >= 0) {
    scope = text.slice(pct + 1);
    text = text.slice(0, pct);
    if (!scope || scope.includes("%") || scope.includes("/")) return null;
  }
  if (!text.includes(":")) return null;
  const lastColon = text.lastIndexOf(":");
  const last = text.slice(lastColon + 1);
  if (last.includes(".")) {
    // An embedded IPv4 tail ("::ffff:1.2.3.4") becomes two hex groups.
    const v4 = parseIPv4(last);
    if (!v4) return null;
    const hi = (((v4[0] as number) << 8) | (v4[1] as number)).toString(16);
    const lo = (((v4[2] as number) << 8) | (v4[3] as number)).toString(16);
    text = `${text.slice(0, lastColon + 1)}${hi}:${lo}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parseGroups = (s: string): number[] | null => {
    if (s === "") return [];
    const groups = s.split(":");
    const out: number[] = [];
    for (const g of groups) {
      if (!/^[0-9a-f]{1,4}$/i.test(g)) return null;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const head = parseGroups(halves[0] ?? "");
  if (!head) return null;
  if (halves.length === 2) {
    const rest = parseGroups(halves[1] ?? "");
    if (!rest) return null;
    const fill = 8 - head.length - rest.length;
    if (fill < 1) return null;
    return { hextets: [...head, ...new Array<number>(fill).fill(0), ...rest], scope };
  }
  if (head.length !== 8) return null;
  return { hextets: head, scope };
}

function compressIPv6(hextets: number[]): string {
  let bestStart = -1;
  let bestLen = 0;
  let curStart = -1;
  let curLen = 0;
  hextets.forEach((h, i) => {
    if (h === 0) {
      if (curStart < 0) curStart = i;
      curLen++;
      if (curLen > bestLen) {
        bestLen = curLen;
        bestStart = curStart;
      }
    } else {
      curStart = -1;
      curLen = 0;
    }
  });
  const hex = hextets.map((h) => h.toString(16));
  if (bestLen > 1) {
    const left = hex.slice(0, bestStart).join(":");
    const right = hex.slice(bestStart + bestLen).join(":");
    return `${left}::${right}`;
  }
  return hex.join(":");
}

/** `forceIPAddress`: compressed IPv4/IPv6; an IPv4-mapped IPv6 address becomes plain IPv4. */
export function forceIPAddress(value: unknown): string {
  if (typeof value !== "string") return bad("Invalid ip address", value);
  const v4 = parseIPv4(value);
  if (v4) return v4.join(".");
  const v6 = parseIPv6(value);
  if (!v6) return bad("Invalid ip address", value);
  const h = v6.hextets;
  if (h.slice(0, 5).every((x) => x === 0) && h[5] === 0xffff && !v6.scope) {
    const a = h[6] as number;
    const b = h[7] as number;
    return `${a >> 8}.${a & 0xff}.${b >> 8}.${b & 0xff}`;
  }
  return compressIPv6(h) + (v6.scope ? `%${v6.scope}` : "");
}

function prefixFromMask(mask: number[]): number | null {
  let bits = 0;
  let seenZero = false;
  for (const octet of mask) {
    for (let i = 7; i >= 0; i--) {
      const bit = (octet >> i) & 1;
      if (bit && seenZero) return null;
      if (bit) bits++;
      else seenZero = true;
    }
  }
  return bits;
}

/** `forceNetworkAddress`: `ip_network(x).compressed` (strict: host bits set is an error). */
export function forceNetworkAddress(value: unknown): string {
  if (typeof value !== "string") return bad("Invalid network address", value);
  const [addr = "", prefixText, ...extra] = value.split("/");
  if (extra.length > 0) return bad("Invalid network address", value);
  const v4 = parseIPv4(addr);
  if (v4) {
    let prefix = 32;
    if (prefixText !== undefined) {
      if (/^\d{1,2}$/.test(prefixText)) prefix = Number(prefixText);
      else {
        const mask = parseIPv4(prefixText);
        const p = mask ? prefixFromMask(mask) : null;
        if (p === null) return bad("Invalid network address", value);
        prefix = p;
      }
      if (prefix > 32) return bad("Invalid network address", value);
    }
    const ip = (((v4[0] as number) << 24) | ((v4[1] as number) << 16) | ((v4[2] as number) << 8) | (v4[3] as number)) >>> 0;
    const hostMask = prefix === 32 ? 0 : (0xffffffff >>> prefix) >>> 0;
    if ((ip & hostMask) !== 0) return bad("Invalid network address (host bits set)", value);
    return `${v4.join(".")}/${prefix}`;
  }
  const v6 = parseIPv6(addr);
  if (!v6 || v6.scope) return bad("Invalid network address", value);
  let prefix = 128;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > 128) return bad("Invalid network address", value);
    prefix = Number(prefixText);
  }
  for (let bit = prefix; bit < 128; bit++) {
    const group = v6.hextets[Math.floor(bit / 16)] as number;
    if ((group >> (15 - (bit % 16))) & 1) return bad("Invalid network address (host bits set)", value);
  }
  return `${compressIPv6(v6.hextets)}/${prefix}`;
}

const UUID_HEX = /^[0-9a-f]{32}$/;

/** `forceUUIDString`: canonical lowercase `8-4-4-4-12` (braces, `urn:uuid:` and plain hex accepted). */
export function forceUUIDString(value: unknown): string {
  let v = forceString(value).trim().toLowerCase();
  if (v.startsWith("urn:uuid:")) v = v.slice(9);
  if (v.startsWith("{") && v.endsWith("}")) v = v.slice(1, -1);
  const hex = v.replace(/-/g, "");
  if (!UUID_HEX.test(hex) || (v.includes("-") && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(v))) {
    return bad("Bad uuid", value);
  }
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const URL_PREFIX = /^[a-z0-9]+:\/\/[/a-zA-Z0-9@:%._+~#?&=[\]]+/;

/** `forceUrl`: must start with `scheme://` and a plausible host/path. */
export function forceUrl(value: unknown): string {
  const v = forceString(value);
  if (!URL_PREFIX.test(v)) bad("Bad url", v);
  return v;
}

const OPSI_HOST_KEY = /^[0-9a-f]{32}$/;

/** `forceOpsiHostKey`: 32 lowercase hex digits. */
export function forceOpsiHostKey(value: unknown): string {
  const v = forceStringLower(value);
  if (!OPSI_HOST_KEY.test(v)) bad("Bad opsi host key", v);
  return v;
}

const PRODUCT_VERSION = /^[a-zA-Z0-9.]{1,32}$/;
const PACKAGE_VERSION = /^[a-zA-Z0-9.]{1,16}$/;
const PRODUCT_ID = /^[a-z0-9-_.]{1,128}$/;

/** `forceProductVersion`: `[a-zA-Z0-9.]{1,32}`, case kept. */
export function forceProductVersion(value: unknown): string {
  const v = forceString(value);
  if (!PRODUCT_VERSION.test(v)) bad("Bad product version", v);
  return v;
}

/** `forcePackageVersion`: `[a-zA-Z0-9.]{1,16}`. */
export function forcePackageVersion(value: unknown): string {
  const v = forceString(value);
  if (!PACKAGE_VERSION.test(v)) bad("Bad package version", v);
  return v;
}

/** `forceProductId`: an object id matching `[a-z0-9-_.]{1,128}`. */
export function forceProductId(value: unknown): string {
  const v = forceObjectId(value);
  if (!PRODUCT_ID.test(v)) bad("Bad product id", v);
  return v;
}

/** `forceProductIdList`. */
export function forceProductIdList(value: unknown): string[] {
  return forceList(value).map(forceProductId);
}

/** `forceProductType`: `LocalbootProduct` or `NetbootProduct`. */
export function forceProductType(value: unknown): "LocalbootProduct" | "NetbootProduct" {
  const low = forceStringLower(value);
  if (low === "localboot" || low === "localbootproduct") return "LocalbootProduct";
  if (low === "netboot" || low === "netbootproduct") return "NetbootProduct";
  return bad("Unknown product type", value);
}

const NON_SPACE = /^\S+$/;

/** `forceProductPropertyId`: lowercased, no whitespace. */
export function forceProductPropertyId(value: unknown): string {
  const v = forceStringLower(value);
  if (!NON_SPACE.test(v)) bad("Bad product property id", v);
  return v;
}

/** `forceConfigId`: lowercased, no whitespace. */
export function forceConfigId(value: unknown): string {
  const v = forceStringLower(value);
  if (!NON_SPACE.test(v)) bad("Bad config id", v);
  return v;
}

/** `forceProductPropertyType`. */
export function forceProductPropertyType(value: unknown): "UnicodeProductProperty" | "BoolProductProperty" {
  const low = forceStringLower(value);
  if (low === "unicode" || low === "unicodeproductproperty") return "UnicodeProductProperty";
  if (low === "bool" || low === "boolproductproperty") return "BoolProductProperty";
  return bad("Unknown product property type", value);
}

/** `forceProductPriority`: an int clamped to [-100, 100]. */
export function forceProductPriority(value: unknown): number {
  return Math.min(100, Math.max(-100, forceInt(value)));
}

/** `forceProductTargetConfiguration`: installed, always, forbidden, undefined or "". */
export function forceProductTargetConfiguration(value: unknown): string {
  const v = forceStringLower(value);
  if (v && !["installed", "always", "forbidden", "undefined"].includes(v)) bad("Bad product target configuration", v);
  return v;
}

/** Installation status vocabulary. */
export const INSTALLATION_STATUSES = ["installed", "not_installed", "unknown"] as const;

/** `forceInstallationStatus`: installed, not_installed, unknown or "". */
export function forceInstallationStatus(value: unknown): string {
  const v = forceStringLower(value);
  if (v && !(INSTALLATION_STATUSES as readonly string[]).includes(v)) bad("Bad installation status", v);
  return v;
}

/** Action request vocabulary. */
export const ACTION_REQUESTS = ["setup", "uninstall", "update", "always", "once", "custom", "none"] as const;

/** `forceActionRequest`: lowercased; `undefined` → null; one of {@link ACTION_REQUESTS} or "". */
export function forceActionRequest(value: unknown): string | null {
  const v = forceStringLower(value);
  if (!v) return v;
  if (v === "undefined") return null;
  if (!(ACTION_REQUESTS as readonly string[]).includes(v)) bad("Bad action request", v);
  return v;
}

/** `forceActionResult`: failed, successful, none; falsy → null. */
export function forceActionResult(value: unknown): string | null {
  const v = forceStringLower(value);
  if (!v) return null;
  if (!["failed", "successful", "none"].includes(v)) bad("Bad action result", v);
  return v;
}

/** `forceRequirementType`: before, after; falsy → null. */
export function forceRequirementType(value: unknown): string | null {
  const v = forceStringLower(value);
  if (!v) return null;
  if (v !== "before" && v !== "after") bad("Bad requirement type", v);
  return v;
}

/** `forceGroupType`: `HostGroup` or `ProductGroup`. */
export function forceGroupType(value: unknown): "HostGroup" | "ProductGroup" {
  const low = forceStringLower(value);
  if (low === "hostgroup") return "HostGroup";
  if (low === "productgroup") return "ProductGroup";
  return bad("Unknown group type", value);
}

const GROUP_ID = /^[a-z0-9][a-z0-9-_. ]*$/;

/** `forceGroupId`. */
export function forceGroupId(value: unknown): string {
  const v = forceObjectId(value);
  if (!GROUP_ID.test(v)) bad("Bad group id", v);
  return v;
}

const LICENSE_ID = /^[a-z0-9][a-z0-9-_. :]*$/;

/** `forceLicenseContractId`. */
export function forceLicenseContractId(value: unknown): string {
  const v = forceStringLower(value);
  if (!LICENSE_ID.test(v)) bad("Bad license contract id", v);
  return v;
}

/** `forceSoftwareLicenseId`. */
export function forceSoftwareLicenseId(value: unknown): string {
  const v = forceStringLower(value);
  if (!LICENSE_ID.test(v)) bad("Bad software license id", v);
  return v;
}

/** `forceLicensePoolId`. */
export function forceLicensePoolId(value: unknown): string {
  const v = forceStringLower(value);
  if (!LICENSE_ID.test(v)) bad("Bad license pool id", v);
  return v;
}

const USER_ID = /^[a-z0-9\-_.@\\]{1,64}$/;

/** `forceUserId`: lowercased `[a-z0-9-_.@\\]{1,64}`. */
export function forceUserId(value: unknown): string {
  const v = forceStringLower(value);
  if (!USER_ID.test(v)) bad("Bad user id", v);
  return v;
}

/** `forceAuditState`: 0 or 1. */
export function forceAuditState(value: unknown): number {
  const v = forceInt(value);
  if (v !== 0 && v !== 1) bad("Bad audit state value", value);
  return v;
}

const LANGUAGE_CODE = /^([a-z]{2,3})[-_]?([a-z]{4})?[-_]?([a-z]{2})?$/;

/** `forceLanguageCode`: `ll[-Script][-CC]`, e.g. `de-DE`, `zh-Hans-CN`. */
export function forceLanguageCode(value: unknown): string {
  const v = forceStringLower(value);
  const m = LANGUAGE_CODE.exec(v);
  if (!m) return bad("Bad language code", v);
  let out = m[1] as string;
  if (m[2]) out += `-${m[2].charAt(0).toUpperCase()}${m[2].slice(1)}`;
  if (m[3]) out += `-${m[3].toUpperCase()}`;
  return out;
}

/** `forceArchitecture`: x86 or x64. */
export function forceArchitecture(value: unknown): string {
  const v = forceStringLower(value);
  if (v !== "x86" && v !== "x64") bad("Bad architecture", v);
  return v;
}

const HARDWARE_ID = /^[a-fA-F0-9]{4}$/;

/** `forceHardwareVendorId`: 4 hex digits, uppercased. */
export function forceHardwareVendorId(value: unknown): string {
  const v = forceString(value).toUpperCase();
  if (!HARDWARE_ID.test(v)) bad("Bad hardware vendor id", v);
  return v;
}

/** `forceHardwareDeviceId`: 4 hex digits, uppercased. */
export function forceHardwareDeviceId(value: unknown): string {
  const v = forceString(value).toUpperCase();
  if (!HARDWARE_ID.test(v)) bad("Bad hardware device id", v);
  return v;
}

/** Generates a random opsi host key (32 hex digits), like `secrets.token_hex(16)`. */
export function generateOpsiHostKey(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
