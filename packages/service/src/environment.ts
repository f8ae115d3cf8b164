/**
 * @module environment
 * What RPC methods need to know about the server they run in.
 */
import type { HardwareAuditConfig } from "@opsi-ts/core";

/** Server facts and locations available to RPC method implementations. */
export interface ServiceEnvironment {
  /** FQDN of this config server (its OpsiConfigserver host id). */
  readonly serverId: string;
  /** Version advertised in `Server: opsiconfd <version> (opsi-ts)` and `backend_info`. */
  readonly opsiVersion: string;
  /** PEM of the opsi CA certificate (`getOpsiCACert`). */
  readonly caCertPem: string;
  /** All trusted CA certificates as PEM (`getCACerts`). */
  readonly caCertsPem: readonly string[];
  /** Directory of client log files (`log_write`/`log_read`): `<dir>/<type>/<objectId>.log`. */
  readonly logDir: string;
  /** Depot directory (`/var/lib/opsi/depot`): one directory per installed product, served as `/depot`. */
  readonly depotDir: string;
  /** Package repository (`/var/lib/opsi/repository`): `.opsi` files to install, served as `/repository`. */
  readonly repositoryDir: string;
  /** Workbench (`/var/lib/opsi/workbench`): package sources to build, served as `/workbench`. */
  readonly workbenchDir: string;
  /** Public folder (`/var/lib/opsi/public`), served read-only and without authentication as `/public`. */
  readonly publicDir: string;
  /** Hardware-audit configuration and its locale labels (`auditHardware_getConfig`). */
  readonly hardwareAudit: HardwareAuditConfig;
  /** `hwaudit_<lang>.properties` contents by language code (at least `en`). */
  readonly hardwareAuditLocales: ReadonlyMap<string, string>;
  /** Whether deprecated methods are served (`provide-deprecated-methods`, default true). */
  readonly provideDeprecatedMethods: boolean;
  /**
   * Issues a TLS certificate + key for a host, signed by the opsi CA (`host_getTLSCertificate`);
   * returns both as PEM.
   */
  issueHostCertificate(hostId: string): Promise<{ certPem: string; keyPem: string }>;
}
