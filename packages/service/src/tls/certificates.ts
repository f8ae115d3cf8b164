/**
 * @module tls/certificates
 * X.509 certificates of the opsi CA with @peculiar/x509 over node's WebCrypto: the self-signed CA
 * certificate, certificates it issues (server, depots, clients), and SAN/validity inspection.
 */
import "reflect-metadata";
import { type KeyObject, X509Certificate as NodeX509Certificate, randomBytes, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { normalizeIpAddress } from "../http/ip-network.js";
import { spkiDer, toSigningKey } from "./keys.js";

const provider = webcrypto as unknown as NonNullable<Parameters<typeof x509.X509CertificateGenerator.create>[1]>;
const DAY_MS = 86_400_000;
/** Certificates start one hour in the past so clients with a slightly slow clock accept them. */
const BACKDATE_MS = 3_600_000;

/** Distinguished-name fields used by opsi certificates. */
export interface CertificateSubject {
  readonly CN: string;
  readonly C?: string;
  readonly ST?: string;
  readonly L?: string;
  readonly O?: string;
  readonly OU?: string;
  /** emailAddress */
  readonly E?: string;
}

function toJsonName(subject: CertificateSubject): x509.JsonName {
  const order = ["C", "ST", "L", "O", "OU", "CN", "E"] as const;
  const name: x509.JsonName = [];
  for (const key of order) {
    const value = subject[key];
    if (value) name.push({ [key]: [value] });
  }
  return name;
}

function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x10;
  return bytes.toString("hex");
}

/** Options of {@link createCaCertificate}. */
export interface CaCertificateOptions {
  readonly subject: CertificateSubject;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly validDays: number;
  readonly now: number;
}

/**
 * Creates a self-signed CA certificate (BasicConstraints CA with path length 0, keyCertSign and
 * cRLSign, SHA-256) and returns it as PEM.
 * @example const pem = await createCaCertificate({ subject: { CN: "opsi CA" }, privateKey, publicKey, validDays: 730, now: Date.now() });
 */
export async function createCaCertificate(options: CaCertificateOptions): Promise<string> {
  const spki = spkiDer(options.publicKey);
  const name = toJsonName(options.subject);
  const ski = await x509.SubjectKeyIdentifierExtension.create(spki, false, provider);
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialNumber(),
      subject: name,
      issuer: name,
      notBefore: new Date(options.now - BACKDATE_MS),
      notAfter: new Date(options.now + options.validDays * DAY_MS),
      publicKey: spki,
      signingKey: await toSigningKey(options.privateKey),
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
          true,
        ),
        ski,
        await x509.AuthorityKeyIdentifierExtension.create(spki, false, provider),
      ],
    },
    provider,
  );
  return cert.toString("pem");
}

/** Options of {@link issueCertificate}. */
export interface IssueCertificateOptions {
  readonly subject: CertificateSubject;
  /** Public key of the new certificate. */
  readonly publicKey: KeyObject;
  readonly caCertPem: string;
  readonly caPrivateKey: KeyObject;
  readonly validDays: number;
  readonly now: number;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
}

/**
 * Issues an end-entity certificate signed by the CA: digitalSignature, nonRepudiation,
 * keyEncipherment; serverAuth, clientAuth, codeSigning, emailProtection; the given SANs.
 * @example const pem = await issueCertificate({ subject: { CN: "srv.dom.tld" }, publicKey, caCertPem, caPrivateKey, validDays: 90, now: Date.now(), dnsNames: ["srv.dom.tld"], ipAddresses: ["127.0.0.1"] });
 */
export async function issueCertificate(options: IssueCertificateOptions): Promise<string> {
  const ca = new x509.X509Certificate(options.caCertPem);
  const spki = spkiDer(options.publicKey);
  const sans: x509.JsonGeneralNames = [
    ...options.dnsNames.map((value) => ({ type: "dns" as const, value })),
    ...options.ipAddresses.map((value) => ({ type: "ip" as const, value })),
  ];
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialNumber(),
      subject: toJsonName(options.subject),
      issuer: ca.subjectName,
      notBefore: new Date(options.now - BACKDATE_MS),
      notAfter: new Date(options.now + options.validDays * DAY_MS),
      publicKey: spki,
      signingKey: await toSigningKey(options.caPrivateKey),
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation | x509.KeyUsageFlags.keyEncipherment,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([
          x509.ExtendedKeyUsage.serverAuth,
          x509.ExtendedKeyUsage.clientAuth,
          x509.ExtendedKeyUsage.codeSigning,
          x509.ExtendedKeyUsage.emailProtection,
        ]),
        new x509.SubjectAlternativeNameExtension(sans),
        await x509.SubjectKeyIdentifierExtension.create(spki, false, provider),
        await x509.AuthorityKeyIdentifierExtension.create(ca.publicKey, false, provider),
      ],
    },
    provider,
  );
  return cert.toString("pem");
}

/** Subject alternative names of a certificate, IPs normalised. */
export interface CertificateSans {
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
}

/**
 * Reads the SANs of a PEM certificate.
 * @example certificateSans(pem).dnsNames // ["srv.dom.tld", "srv", "localhost"]
 */
export function certificateSans(pem: string): CertificateSans {
  const cert = new x509.X509Certificate(pem);
  const ext = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const item of ext?.names.items ?? []) {
    if (item.type === "dns") dnsNames.push(item.value.toLowerCase());
    else if (item.type === "ip") ipAddresses.push(normalizeIpAddress(item.value) ?? item.value);
  }
  return { dnsNames, ipAddresses };
}

/**
 * Remaining validity of a PEM certificate in whole days (negative when expired).
 * @example remainingDays(pem, Date.now()) // 89
 */
export function remainingDays(pem: string, now: number): number {
  const cert = new NodeX509Certificate(pem);
  return Math.floor((Date.parse(cert.validTo) - now) / DAY_MS);
}

/**
 * Splits a PEM bundle into single certificate PEMs.
 * @example splitPemCertificates(bundle).length // 2
 */
export function splitPemCertificates(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)?.map((pem) => `${pem}\n`) ?? [];
}
