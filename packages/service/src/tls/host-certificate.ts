/**
 * @module tls/host-certificate
 * `host_getTLSCertificate` support: looks the host up and issues a certificate with the names
 * opsiconfd puts in (host id, localhost, loopback, the host's IP, a depot's URL host names).
 */
import { type Backend, BackendPermissionDeniedError, forceHostId } from "@opsi-ts/core";
import { normalizeIpAddress } from "../http/ip-network.js";
import type { TlsManager } from "./TlsManager.js";

/** Issues `{ certPem, keyPem }` for a host id; the shape of `ServiceEnvironment.issueHostCertificate`. */
export type HostCertificateIssuer = (hostId: string) => Promise<{ certPem: string; keyPem: string }>;

const DEPOT_URL_FIELDS = ["depotRemoteUrl", "depotWebdavUrl", "repositoryRemoteUrl", "workbenchRemoteUrl"] as const;

/**
 * Builds the issuer behind `host_getTLSCertificate`: only OpsiClient and OpsiDepotserver hosts
 * (not the config server), client certificates valid 360 days, depot certificates 90 days.
 * Permission checks (admin or the host itself) belong to the RPC method.
 * @example const env = { ..., issueHostCertificate: createHostCertificateIssuer(tls, backend) };
 */
export function createHostCertificateIssuer(
  tls: TlsManager,
  backend: Backend,
  options: { clientCertValidDays?: number } = {},
): HostCertificateIssuer {
  return async (hostId: string) => {
    let id: string;
    try {
      id = forceHostId(hostId);
    } catch {
      throw new BackendPermissionDeniedError(`Invalid host: ${hostId}`);
    }
    const hosts = (await backend.host_getObjects([], { id })).filter((h) => h.id === id);
    const host = hosts[0];
    if (!host || (host.type !== "OpsiClient" && host.type !== "OpsiDepotserver")) {
      throw new BackendPermissionDeniedError(`Invalid host: ${hostId}`);
    }
    const ipAddresses: string[] = [];
    const hostnames: string[] = [];
    const ip = host.ipAddress ? normalizeIpAddress(host.ipAddress) : undefined;
    if (ip) ipAddresses.push(ip);
    if (host.type === "OpsiDepotserver") {
      for (const field of DEPOT_URL_FIELDS) {
        const url = host[field];
        if (!url) continue;
        let name: string;
        try {
          name = new URL(url).hostname.replace(/^\[(.*)\]$/, "$1");
        } catch {
          continue;
        }
        if (!name) continue;
        const asIp = normalizeIpAddress(name);
        if (asIp) ipAddresses.push(asIp);
        else hostnames.push(name.toLowerCase());
      }
    }
    return tls.issueHostCertificate(id, {
      validDays: host.type === "OpsiClient" ? (options.clientCertValidDays ?? 360) : tls.serverCertValidDays,
      hostnames,
      ipAddresses,
    });
  };
}
