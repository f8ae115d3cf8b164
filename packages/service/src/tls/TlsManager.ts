/**
 * @module tls/TlsManager
 * The opsi CA and the server certificate under `<dataDir>/tls`: created on first start, loaded on
 * every start, renewed when due (CA re-issued with the same key; server certificate re-created with
 * a new key when it expires within 30 days or its names changed), and host certificates for depots
 * and clients (`host_getTLSCertificate`).
 */
import { X509Certificate } from "node:crypto";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import pino, { type Logger } from "pino";
import { isLoopbackAddress, normalizeIpAddress } from "../http/ip-network.js";
import type { TlsCredentials } from "../http/server.js";
import { readFileIfExists, writeFileAtomic } from "./atomic-file.js";
import {
  type CertificateSubject,
  certificateSans,
  createCaCertificate,
  issueCertificate,
  remainingDays,
  splitPemCertificates,
} from "./certificates.js";
import { exportPrivateKeyPem, generateRsaKeyPair, loadRsaKeyPair, type RsaKeyPair } from "./keys.js";

/** Options of {@link TlsManager.open}. */
export interface TlsManagerOptions {
  /** Data directory; files live in `<dataDir>/tls`. */
  readonly dataDir: string;
  /** FQDN of this server (its host id); the server certificate's CN. */
  readonly serverId: string;
  /** Extra DNS names for the server certificate (`ssl-server-cert-sans`). */
  readonly hostnames?: readonly string[];
  /** Extra IP addresses for the server certificate. */
  readonly ipAddresses?: readonly string[];
  /** Also put the non-loopback, non-link-local interface addresses into the certificate (default false). */
  readonly includeInterfaceAddresses?: boolean;
  /** Overrides of the CA subject (default `C=DE, ST=RP, L=MAINZ, O=uib, OU=opsi@<domain>, CN=opsi CA, E=opsi@<domain>`). */
  readonly caSubject?: Partial<CertificateSubject>;
  /** CA validity (default 730 days). */
  readonly caValidDays?: number;
  /** Re-issue the CA (same key) when at most this many days remain (default 700, like opsiconfd). */
  readonly caRenewDays?: number;
  /** Server and depot certificate validity (default 90 days). */
  readonly serverCertValidDays?: number;
  /** Re-create the server certificate when at most this many days remain (default 30). */
  readonly serverCertRenewDays?: number;
  /** Client certificate validity (default 360 days). */
  readonly clientCertValidDays?: number;
  /** RSA key size (default 4096). */
  readonly keyBits?: number;
  /** Passphrase of the CA key file (default: unencrypted, protected by mode 0600). */
  readonly caKeyPassphrase?: string;
  /** More trusted CA certificates (PEM) served at `/ssl/ca-certs.pem` and by `getCACerts`. */
  readonly extraCaCertsPem?: readonly string[];
  readonly logger?: Logger;
  /** Clock in ms (default `Date.now`). */
  readonly clock?: () => number;
}

/** Options of {@link TlsManager.issueHostCertificate}. */
export interface HostCertificateOptions {
  /** Validity in days (default: the client validity, 360). */
  readonly validDays?: number;
  /** DNS names in addition to the host id and `localhost`. */
  readonly hostnames?: readonly string[];
  /** IP addresses in addition to 127.0.0.1 and ::1. */
  readonly ipAddresses?: readonly string[];
}

/** What {@link TlsManager.check} renewed. */
export interface TlsCheckResult {
  readonly caCreated: boolean;
  readonly caRenewed: boolean;
  readonly serverCertRenewed: boolean;
}

/** Paths of the four files. */
export interface TlsPaths {
  readonly caCert: string;
  readonly caKey: string;
  readonly serverCert: string;
  readonly serverKey: string;
}

function uniq(values: Iterable<string>): string[] {
  return [...new Set(values)];
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

function interfaceAddresses(): string[] {
  const result: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) {
      const addr = normalizeIpAddress(info.address);
      if (!addr || isLoopbackAddress(addr) || addr.startsWith("fe80")) continue;
      result.push(addr);
    }
  }
  return result;
}

/**
 * Owns the opsi CA and the server certificate.
 * @example
 * const tls = await TlsManager.open({ dataDir: "/var/lib/opsi-ts", serverId: "opsi.example.org" });
 * const server = createServiceServer({ tls: tls.credentials, opsiVersion: "4.3.24.1" });
 * tls.startAutoRenewal((creds) => server.setTlsCredentials(creds));
 */
export class TlsManager {
  readonly paths: TlsPaths;
  private readonly options: TlsManagerOptions;
  private readonly log: Logger;
  private readonly clock: () => number;
  private caKey: RsaKeyPair | undefined;
  private caPem = "";
  private serverPem = "";
  private serverKeyPemValue = "";
  private timer: NodeJS.Timeout | undefined;

  private constructor(options: TlsManagerOptions) {
    this.options = options;
    this.log = options.logger ?? pino({ level: "silent" });
    this.clock = options.clock ?? Date.now;
    const dir = join(options.dataDir, "tls");
    this.paths = {
      caCert: join(dir, "opsi-ca-cert.pem"),
      caKey: join(dir, "opsi-ca-key.pem"),
      serverCert: join(dir, "opsiconfd-cert.pem"),
      serverKey: join(dir, "opsiconfd-key.pem"),
    };
  }

  /**
   * Loads CA and server certificate from disk, creating or renewing what is missing or due.
   * @example const tls = await TlsManager.open({ dataDir, serverId: "opsi.dom.tld" });
   */
  static async open(options: TlsManagerOptions): Promise<TlsManager> {
    const manager = new TlsManager(options);
    await manager.check();
    return manager;
  }

  /** The opsi CA certificate (PEM). */
  get caCertPem(): string {
    return this.caPem;
  }

  /** All trusted CA certificates: the opsi CA first, then the configured extra ones. */
  get caCertsPem(): string[] {
    return [this.caPem, ...(this.options.extraCaCertsPem ?? []).flatMap((pem) => splitPemCertificates(pem))];
  }

  /** The server certificate (PEM). */
  get serverCertPem(): string {
    return this.serverPem;
  }

  /** The server key (PKCS#8 PEM). */
  get serverKeyPem(): string {
    return this.serverKeyPemValue;
  }

  /** Server credentials for {@link createServiceServer}; the self-signed CA is not sent in the chain. */
  get credentials(): TlsCredentials {
    return { cert: this.serverPem, key: this.serverKeyPemValue };
  }

  /** DNS names and IPs the server certificate must carry. */
  desiredServerSans(): { dnsNames: string[]; ipAddresses: string[] } {
    const id = this.options.serverId.toLowerCase();
    const short = id.split(".")[0] ?? id;
    const dnsNames = uniq([id, short, "localhost", ...(this.options.hostnames ?? []).map((h) => h.toLowerCase())]);
    const ips = ["127.0.0.1", "::1", ...(this.options.ipAddresses ?? [])];
    if (this.options.includeInterfaceAddresses) ips.push(...interfaceAddresses());
    const ipAddresses = uniq(
      ips.map((ip) => {
        const normalized = normalizeIpAddress(ip);
        if (!normalized) throw new TypeError(`Invalid IP address for the server certificate: '${ip}'`);
        return normalized;
      }),
    );
    return { dnsNames, ipAddresses };
  }

  private get domain(): string {
    return this.options.serverId.toLowerCase().split(".").slice(1).join(".");
  }

  private caSubject(): CertificateSubject {
    const mail = `opsi@${this.domain}`;
    return { C: "DE", ST: "RP", L: "MAINZ", O: "uib", OU: mail, CN: "opsi CA", E: mail, ...this.options.caSubject };
  }

  private hostSubject(cn: string): CertificateSubject {
    const mail = `opsi@${this.domain}`;
    return { CN: cn, OU: mail, E: mail };
  }

  /**
   * Checks CA and server certificate and renews what is due; safe to call any time.
   * @example const { serverCertRenewed } = await tls.check();
   */
  async check(): Promise<TlsCheckResult> {
    const ca = await this.ensureCa();
    const serverCertRenewed = await this.ensureServerCert(ca.created);
    return { caCreated: ca.created, caRenewed: ca.renewed, serverCertRenewed };
  }

  private async ensureCa(): Promise<{ created: boolean; renewed: boolean }> {
    const opts = this.options;
    const keyPem = await readFileIfExists(this.paths.caKey);
    const now = this.clock();
    if (!keyPem) {
      this.log.info("Creating opsi CA");
      this.caKey = await generateRsaKeyPair(opts.keyBits ?? 4096);
      await writeFileAtomic(this.paths.caKey, exportPrivateKeyPem(this.caKey.privateKey, opts.caKeyPassphrase), 0o600);
      await this.issueCa(now);
      return { created: true, renewed: false };
    }
    this.caKey = loadRsaKeyPair(keyPem, opts.caKeyPassphrase);
    const certPem = await readFileIfExists(this.paths.caCert);
    let reason: string | undefined;
    if (!certPem) {
      reason = "CA certificate missing";
    } else {
      try {
        const cert = new X509Certificate(certPem);
        if (!cert.checkPrivateKey(this.caKey.privateKey)) reason = "CA certificate does not match the CA key";
        else if (remainingDays(certPem, now) <= (opts.caRenewDays ?? 700)) reason = "CA certificate due for renewal";
        else if (!cert.subject.split("\n").includes(`CN=${this.caSubject().CN}`)) {
          this.log.warn({ subject: cert.subject }, "The CA common name differs from the configured one; delete the CA to change it");
        }
      } catch (e: unknown) {
        reason = `CA certificate unreadable: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    if (reason || !certPem) {
      this.log.info({ reason }, "Re-issuing opsi CA certificate with the existing key");
      await this.issueCa(now);
      return { created: false, renewed: true };
    }
    this.caPem = certPem;
    return { created: false, renewed: false };
  }

  private async issueCa(now: number): Promise<void> {
    const key = this.requireCaKey();
    this.caPem = await createCaCertificate({
      subject: this.caSubject(),
      privateKey: key.privateKey,
      publicKey: key.publicKey,
      validDays: this.options.caValidDays ?? 730,
      now,
    });
    await writeFileAtomic(this.paths.caCert, this.caPem, 0o644);
  }

  private requireCaKey(): RsaKeyPair {
    if (!this.caKey) throw new Error("opsi CA key not loaded");
    return this.caKey;
  }

  private async serverCertProblem(certPem: string | undefined, keyPem: string | undefined): Promise<string | undefined> {
    if (!certPem || !keyPem) return "server certificate or key missing";
    try {
      const cert = new X509Certificate(certPem);
      const key = loadRsaKeyPair(keyPem);
      if (!cert.checkPrivateKey(key.privateKey)) return "server certificate does not match its key";
      if (!cert.verify(this.requireCaKey().publicKey) || !cert.checkIssued(new X509Certificate(this.caPem))) {
        return "server certificate not issued by the opsi CA";
      }
      if (remainingDays(certPem, this.clock()) <= (this.options.serverCertRenewDays ?? 30)) return "server certificate due for renewal";
      if (!cert.subject.split("\n").includes(`CN=${this.options.serverId.toLowerCase()}`)) return "server common name changed";
      const have = certificateSans(certPem);
      const want = this.desiredServerSans();
      if (!sameSet(have.dnsNames, want.dnsNames) || !sameSet(have.ipAddresses, want.ipAddresses)) return "server names changed";
    } catch (e: unknown) {
      return `server certificate unreadable: ${e instanceof Error ? e.message : String(e)}`;
    }
    return undefined;
  }

  private async ensureServerCert(force: boolean): Promise<boolean> {
    const certPem = await readFileIfExists(this.paths.serverCert);
    const keyPem = await readFileIfExists(this.paths.serverKey);
    const problem = force ? "new CA" : await this.serverCertProblem(certPem, keyPem);
    if (!problem && certPem && keyPem) {
      this.serverPem = certPem;
      this.serverKeyPemValue = keyPem;
      return false;
    }
    this.log.info({ reason: problem }, "Creating server certificate");
    const sans = this.desiredServerSans();
    // A fresh key pair on every re-creation, in case the old key leaked (like opsiconfd).
    const key = await generateRsaKeyPair(this.options.keyBits ?? 4096);
    const cert = await issueCertificate({
      subject: this.hostSubject(this.options.serverId.toLowerCase()),
      publicKey: key.publicKey,
      caCertPem: this.caPem,
      caPrivateKey: this.requireCaKey().privateKey,
      validDays: this.options.serverCertValidDays ?? 90,
      now: this.clock(),
      dnsNames: sans.dnsNames,
      ipAddresses: sans.ipAddresses,
    });
    await writeFileAtomic(this.paths.serverKey, key.privateKeyPem, 0o600);
    await writeFileAtomic(this.paths.serverCert, cert, 0o644);
    this.serverPem = cert;
    this.serverKeyPemValue = key.privateKeyPem;
    return true;
  }

  /**
   * Issues a certificate + key for a depot or client, signed by the opsi CA. SANs: the host id,
   * `localhost`, 127.0.0.1, ::1 and the given extras.
   * @example const { certPem, keyPem } = await tls.issueHostCertificate("client1.dom.tld");
   */
  async issueHostCertificate(hostId: string, options: HostCertificateOptions = {}): Promise<{ certPem: string; keyPem: string }> {
    const id = hostId.toLowerCase();
    const key = await generateRsaKeyPair(this.options.keyBits ?? 4096);
    const ipAddresses = uniq(
      ["127.0.0.1", "::1", ...(options.ipAddresses ?? [])].map((ip) => normalizeIpAddress(ip)).filter((ip): ip is string => !!ip),
    );
    const certPem = await issueCertificate({
      subject: this.hostSubject(id),
      publicKey: key.publicKey,
      caCertPem: this.caPem,
      caPrivateKey: this.requireCaKey().privateKey,
      validDays: options.validDays ?? this.options.clientCertValidDays ?? 360,
      now: this.clock(),
      dnsNames: uniq([id, "localhost", ...(options.hostnames ?? []).map((h) => h.toLowerCase())]),
      ipAddresses,
    });
    return { certPem, keyPem: key.privateKeyPem };
  }

  /** Validity of depot certificates (the server validity, default 90 days). */
  get serverCertValidDays(): number {
    return this.options.serverCertValidDays ?? 90;
  }

  /**
   * Runs {@link check} every `intervalMs` (default one day, like opsiconfd) and hands new server
   * credentials to `onServerCertRenewed`. Errors are logged; the timer does not keep the process alive.
   * @example tls.startAutoRenewal((creds) => server.setTlsCredentials(creds));
   */
  startAutoRenewal(onServerCertRenewed: (credentials: TlsCredentials) => void, intervalMs = 86_400_000): void {
    this.stopAutoRenewal();
    this.timer = setInterval(() => {
      this.check()
        .then((result) => {
          if (result.serverCertRenewed) onServerCertRenewed(this.credentials);
        })
        .catch((e: unknown) => this.log.error({ err: e }, "TLS renewal check failed"));
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops the renewal timer. */
  stopAutoRenewal(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
