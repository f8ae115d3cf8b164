/**
 * @module wake-on-lan
 * Wake-on-LAN as opsiconfd's `hostControl_start` does it (spec agent-boot-depot-cli §5): the magic packet
 * (6 × `FF` + 16 × the MAC address) sent as UDP broadcast to the ports of the best-matching network of
 * `broadcastAddresses` (longest prefix containing the host's IP; all networks when none matches or the IP is unknown).
 */
import { createSocket } from "node:dgram";
import { BackendBadValueError, forceHardwareAddress } from "@opsi-ts/core";

/** `{ "<network-cidr>": { "<broadcast-ip>": [ports] } }` as in `hostcontrol.conf`. */
export type BroadcastAddresses = Readonly<Record<string, Readonly<Record<string, readonly number[]>>>>;

/** opsiconfd's default `broadcastAddresses`. */
export const DEFAULT_BROADCAST_ADDRESSES: BroadcastAddresses = { "0.0.0.0/0": { "255.255.255.255": [7, 9, 12287] } };

/** One UDP destination. */
export interface BroadcastTarget {
  readonly address: string;
  readonly ports: readonly number[];
}

/**
 * The magic packet of a MAC address (any notation opsi accepts: `aa:bb:..`, `aa-bb-..`, `aabb..`).
 * @example magicPacket("00:11:22:33:44:55").length // 102
 */
export function magicPacket(mac: string): Buffer {
  let normalized: string;
  try {
    normalized = forceHardwareAddress(mac);
  } catch {
    throw new BackendBadValueError(`Invalid hardware address '${mac}'`);
  }
  if (!normalized) throw new BackendBadValueError(`Invalid hardware address '${mac}'`);
  const bytes = Buffer.from(normalized.replace(/:/g, ""), "hex");
  if (bytes.length !== 6) throw new BackendBadValueError(`Invalid hardware address '${mac}'`);
  return Buffer.concat([Buffer.alloc(6, 0xff), ...Array.from({ length: 16 }, () => bytes)]);
}

function ipv4ToInt(ip: string): number | null {
  const parts = ip.split(".");
  if (parts.length !== 4) return null;
  let value = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    value = value * 256 + n;
  }
  return value;
}

function parseNetwork(cidr: string): { base: number; prefix: number } | null {
  const [ip, len] = cidr.split("/");
  const base = ipv4ToInt(ip ?? "");
  const prefix = len === undefined ? 32 : Number(len);
  if (base === null || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return null;
  return { base, prefix };
}

function contains(network: { base: number; prefix: number }, ip: number): boolean {
  if (network.prefix === 0) return true;
  const mask = (0xffffffff << (32 - network.prefix)) >>> 0;
  return (network.base & mask) >>> 0 === (ip & mask) >>> 0;
}

/**
 * The broadcast destinations for a host: those of the longest network prefix containing `ipAddress`, or of all
 * networks when none contains it (or the address is unknown). Invalid networks are ignored.
 * @example broadcastTargets("10.1.2.3", { "10.1.0.0/16": { "10.1.255.255": [9] } }) // [{ address: "10.1.255.255", ports: [9] }]
 */
export function broadcastTargets(
  ipAddress: string | null | undefined,
  addresses: BroadcastAddresses = DEFAULT_BROADCAST_ADDRESSES,
): BroadcastTarget[] {
  const networks = Object.entries(addresses)
    .map(([cidr, targets]) => ({ network: parseNetwork(cidr), targets }))
    .filter(
      (n): n is { network: { base: number; prefix: number }; targets: Readonly<Record<string, readonly number[]>> } => n.network !== null,
    );
  const ip = ipAddress ? ipv4ToInt(ipAddress) : null;
  const matching = ip === null ? [] : networks.filter((n) => contains(n.network, ip)).sort((a, b) => b.network.prefix - a.network.prefix);
  const chosen = matching.length > 0 ? [matching[0] as (typeof networks)[number]] : networks;
  const out: BroadcastTarget[] = [];
  for (const { targets } of chosen) for (const [address, ports] of Object.entries(targets)) out.push({ address, ports: [...ports] });
  return out;
}

/**
 * Sends `data` as UDP broadcast to every address and port (`network_sendBroadcast`, Wake-on-LAN).
 * @example await sendBroadcast([{ address: "255.255.255.255", ports: [9] }], magicPacket(mac));
 */
export async function sendBroadcast(targets: readonly BroadcastTarget[], data: Uint8Array): Promise<void> {
  const socket = createSocket("udp4");
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(0, () => {
        socket.off("error", reject);
        socket.setBroadcast(true);
        resolve();
      });
    });
    for (const { address, ports } of targets) {
      for (const port of ports) {
        if (!Number.isInteger(port) || port < 1 || port > 65535) throw new BackendBadValueError(`Invalid port ${port} for ${address}`);
        await new Promise<void>((resolve, reject) => socket.send(data, port, address, (err) => (err ? reject(err) : resolve())));
      }
    }
  } finally {
    socket.close();
  }
}

/**
 * Wakes a host: its magic packet to the broadcast targets of its network.
 * @example await wakeOnLan({ hardwareAddress: "00:11:22:33:44:55", ipAddress: "10.1.2.3" }, broadcastAddresses);
 */
export async function wakeOnLan(
  host: { readonly hardwareAddress: string; readonly ipAddress?: string | null },
  addresses: BroadcastAddresses = DEFAULT_BROADCAST_ADDRESSES,
): Promise<BroadcastTarget[]> {
  const packet = magicPacket(host.hardwareAddress);
  const targets = broadcastTargets(host.ipAddress, addresses);
  await sendBroadcast(targets, packet);
  return targets;
}
