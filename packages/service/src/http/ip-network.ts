/**
 * @module http/ip-network
 * IP address normalisation and CIDR network lists (`networks`, `admin-networks`, `trusted-proxies`,
 * maintenance `address_exceptions`). IPv4-mapped IPv6 addresses count as IPv4, like opsiconfd.
 */
import { isIPv4, isIPv6 } from "node:net";

/** A parsed address: 4 bytes for IPv4, 16 bytes for IPv6. */
interface ParsedIp {
  readonly bytes: Uint8Array;
}

function parseV4(text: string): Uint8Array | undefined {
  if (!isIPv4(text)) return undefined;
  return Uint8Array.from(text.split(".").map((p) => Number(p)));
}

function parseV6(text: string): Uint8Array | undefined {
  let s = text.split("%")[0] ?? "";
  if (!isIPv6(s)) return undefined;
  const tail: number[] = [];
  if (s.includes(".")) {
    const idx = s.lastIndexOf(":");
    const v4 = parseV4(s.slice(idx + 1));
    if (!v4) return undefined;
    tail.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
    s = s.slice(0, idx + 1);
    if (!s.endsWith("::")) s = s.slice(0, -1);
  }
  const [left = "", right] = s.split("::");
  const leftGroups = left ? left.split(":") : [];
  const rightGroups = right ? right.split(":") : [];
  const fill = right === undefined ? 0 : 8 - tail.length - leftGroups.length - rightGroups.length;
  const groups = [...leftGroups, ...Array.from({ length: Math.max(fill, 0) }, () => "0"), ...rightGroups];
  const values = [...groups.map((g) => Number.parseInt(g, 16)), ...tail];
  if (values.length !== 8 || values.some((v) => Number.isNaN(v) || v < 0 || v > 0xffff)) return undefined;
  const bytes = new Uint8Array(16);
  values.forEach((v, i) => {
    bytes[i * 2] = v >> 8;
    bytes[i * 2 + 1] = v & 0xff;
  });
  return bytes;
}

function isV4Mapped(bytes: Uint8Array): boolean {
  if (bytes.length !== 16) return false;
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

function parse(text: string): ParsedIp | undefined {
  const trimmed = text.trim().replace(/^\[(.*)\]$/, "$1");
  const v4 = parseV4(trimmed);
  if (v4) return { bytes: v4 };
  const v6 = parseV6(trimmed);
  if (!v6) return undefined;
  return { bytes: isV4Mapped(v6) ? v6.slice(12) : v6 };
}

function formatV6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  // RFC 5952: compress the longest run (length >= 2) of zero groups, the first on a tie.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  const left = hex.slice(0, bestStart).join(":");
  const right = hex.slice(bestStart + bestLen).join(":");
  return `${left}::${right}`;
}

function format(ip: ParsedIp): string {
  return ip.bytes.length === 4 ? Array.from(ip.bytes).join(".") : formatV6(ip.bytes);
}

/**
 * Normalises an IP address: IPv4 dotted quad, IPv6 compressed lowercase (RFC 5952), IPv4-mapped IPv6
 * unmapped, brackets and zone ids removed. Returns `undefined` for anything that is not an address.
 * @example normalizeIpAddress("::ffff:10.1.2.3") // "10.1.2.3"
 */
export function normalizeIpAddress(text: string): string | undefined {
  const ip = parse(text);
  return ip ? format(ip) : undefined;
}

/**
 * True for 127.0.0.0/8 and ::1 (also IPv4-mapped).
 * @example isLoopbackAddress("::ffff:127.0.0.1") // true
 */
export function isLoopbackAddress(address: string): boolean {
  const ip = parse(address);
  if (!ip) return false;
  if (ip.bytes.length === 4) return ip.bytes[0] === 127;
  return ip.bytes.every((b, i) => (i === 15 ? b === 1 : b === 0));
}

/** One CIDR network. */
export interface IpNetwork {
  /** Normalised `address/prefix` with host bits cleared. */
  readonly cidr: string;
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

/**
 * Parses `addr/prefix` or a single address (/32 resp. /128). Host bits are cleared. Throws a
 * `TypeError` naming the bad value.
 * @example parseIpNetwork("10.1.2.3/8").cidr // "10.0.0.0/8"
 */
export function parseIpNetwork(text: string): IpNetwork {
  const [addr = "", prefixText, extra] = text.trim().split("/");
  const ip = parse(addr);
  const max = ip?.bytes.length === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!ip || extra !== undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > max || prefixText === "") {
    throw new TypeError(`Invalid network: '${text}'`);
  }
  const bytes = ip.bytes.slice();
  for (let bit = prefix; bit < max; bit++) {
    const index = bit >> 3;
    bytes[index] = (bytes[index] ?? 0) & ~(0x80 >> (bit & 7));
  }
  return { cidr: `${format({ bytes })}/${prefix}`, bytes, prefix };
}

function networkContains(net: IpNetwork, ip: ParsedIp): boolean {
  if (net.bytes.length !== ip.bytes.length) return false;
  const full = net.prefix >> 3;
  for (let i = 0; i < full; i++) if (net.bytes[i] !== ip.bytes[i]) return false;
  const rest = net.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((ip.bytes[full] ?? 0) & mask) === ((net.bytes[full] ?? 0) & mask);
}

/**
 * An immutable list of networks with a membership test. Invalid entries throw at construction, so
 * a bad config value fails at start instead of silently allowing or denying.
 * @example new IpNetworkList(["10.0.0.0/8", "::1"]).contains("10.2.3.4") // true
 */
export class IpNetworkList {
  readonly networks: readonly IpNetwork[];

  constructor(networks: Iterable<string>) {
    const seen = new Map<string, IpNetwork>();
    for (const text of networks) {
      const net = parseIpNetwork(text);
      if (!seen.has(net.cidr)) seen.set(net.cidr, net);
    }
    this.networks = [...seen.values()];
  }

  /** Number of networks. */
  get size(): number {
    return this.networks.length;
  }

  /** Normalised CIDR strings, de-duplicated, in input order. */
  toStrings(): string[] {
    return this.networks.map((n) => n.cidr);
  }

  /** Whether `address` lies in one of the networks (false for non-addresses). */
  contains(address: string): boolean {
    const ip = parse(address);
    if (!ip) return false;
    return this.networks.some((n) => networkContains(n, ip));
  }
}
