/**
 * @module http/client-address
 * The client address of a request: the TCP peer, or the last `X-Forwarded-For` entry when the peer
 * is a trusted proxy (`trusted-proxies`, default localhost).
 */
import type { IncomingMessage } from "node:http";
import { type IpNetworkList, normalizeIpAddress } from "./ip-network.js";

/**
 * Resolves `{ clientAddress, peerAddress }`. A forwarded value that is not an IP address is ignored.
 * @example resolveClientAddress(req, new IpNetworkList(["127.0.0.1/32"])).clientAddress
 */
export function resolveClientAddress(req: IncomingMessage, trustedProxies: IpNetworkList): { clientAddress: string; peerAddress: string } {
  const raw = req.socket.remoteAddress ?? "";
  const peerAddress = normalizeIpAddress(raw) ?? raw;
  let clientAddress = peerAddress;
  if (trustedProxies.size > 0 && trustedProxies.contains(peerAddress)) {
    const header = req.headers["x-forwarded-for"];
    const value = Array.isArray(header) ? header.join(",") : header;
    if (value) {
      const last = value.split(",").pop()?.trim() ?? "";
      const forwarded = normalizeIpAddress(last);
      if (forwarded) clientAddress = forwarded;
    }
  }
  return { clientAddress, peerAddress };
}
