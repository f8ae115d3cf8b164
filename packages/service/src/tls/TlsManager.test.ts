import { X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, createServer, type Server } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { certificateSans, splitPemCertificates } from "./certificates.js";
import { TlsManager } from "./TlsManager.js";

const SERVER_ID = "opsi.test.local";
const DAY = 86_400_000;

let dir: string;
let tls: TlsManager;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "opsi-ts-tls-"));
  tls = await TlsManager.open({ dataDir: dir, serverId: SERVER_ID, hostnames: ["opsi-alias.test.local"], ipAddresses: ["10.1.2.3"] });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function handshake(server: Server, host: string, ca: string, servername?: string): Promise<string | undefined> {
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("not listening");
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: address.port, ca: [ca], servername }, () => {
      const cn = socket.getPeerCertificate().subject?.CN;
      socket.end();
      resolve(typeof cn === "string" ? cn : undefined);
    });
    socket.on("error", reject);
  });
}

describe("TlsManager", () => {
  it("creates the four files with private modes for keys", async () => {
    expect((await stat(tls.paths.caKey)).mode & 0o777).toBe(0o600);
    expect((await stat(tls.paths.serverKey)).mode & 0o777).toBe(0o600);
    expect((await stat(tls.paths.caCert)).mode & 0o777).toBe(0o644);
    expect(await readFile(tls.paths.caCert, "utf8")).toBe(tls.caCertPem);
    expect(await readFile(tls.paths.serverCert, "utf8")).toBe(tls.serverCertPem);
  });

  it("builds an RSA-4096 CA valid for 730 days with the opsi subject", () => {
    const ca = new X509Certificate(tls.caCertPem);
    expect(ca.ca).toBe(true);
    expect(ca.subject.split("\n")).toEqual(
      expect.arrayContaining(["CN=opsi CA", "O=uib", "OU=opsi@test.local", "C=DE", "emailAddress=opsi@test.local"]),
    );
    expect(ca.publicKey.asymmetricKeyDetails?.modulusLength).toBe(4096);
    const days = (Date.parse(ca.validTo) - Date.now()) / DAY;
    expect(days).toBeGreaterThan(729);
    expect(days).toBeLessThan(731);
    expect(ca.verify(ca.publicKey)).toBe(true);
  });

  it("issues a 90-day server certificate that verifies against the CA and carries the names", () => {
    const ca = new X509Certificate(tls.caCertPem);
    const cert = new X509Certificate(tls.serverCertPem);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.checkHost(SERVER_ID)).toBe(SERVER_ID);
    expect(cert.checkHost("opsi")).toBe("opsi");
    expect(cert.checkHost("localhost")).toBe("localhost");
    expect(cert.checkHost("opsi-alias.test.local")).toBe("opsi-alias.test.local");
    expect(cert.checkHost("other.test.local")).toBeUndefined();
    expect(cert.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(cert.checkIP("::1")).toBe("::1");
    expect(cert.checkIP("10.1.2.3")).toBe("10.1.2.3");
    expect(cert.subject.split("\n")).toContain(`CN=${SERVER_ID}`);
    const days = (Date.parse(cert.validTo) - Date.now()) / DAY;
    expect(days).toBeGreaterThan(89);
    expect(days).toBeLessThan(91);
    expect(cert.keyUsage).toEqual(expect.arrayContaining(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]));
  });

  it("completes a real TLS handshake with the CA as the only trust anchor", async () => {
    const server = createServer({ cert: tls.credentials.cert, key: tls.credentials.key }, (s) => s.end());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      expect(await handshake(server, "127.0.0.1", tls.caCertPem)).toBe(SERVER_ID);
      expect(await handshake(server, "127.0.0.1", tls.caCertPem, "localhost")).toBe(SERVER_ID);
      expect(await handshake(server, "127.0.0.1", tls.caCertPem, SERVER_ID)).toBe(SERVER_ID);
      // A different trust anchor must fail.
      const other = await mkdtemp(join(tmpdir(), "opsi-ts-tls-other-"));
      try {
        const foreign = await TlsManager.open({ dataDir: other, serverId: "x.other.local", keyBits: 2048 });
        await expect(handshake(server, "127.0.0.1", foreign.caCertPem)).rejects.toThrow();
      } finally {
        await rm(other, { recursive: true, force: true });
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("loads existing files without renewing", async () => {
    const again = await TlsManager.open({
      dataDir: dir,
      serverId: SERVER_ID,
      hostnames: ["opsi-alias.test.local"],
      ipAddresses: ["10.1.2.3"],
    });
    expect(again.caCertPem).toBe(tls.caCertPem);
    expect(again.serverCertPem).toBe(tls.serverCertPem);
    expect(await again.check()).toEqual({ caCreated: false, caRenewed: false, serverCertRenewed: false });
  });

  it("re-creates the server certificate when its names change", async () => {
    const again = await TlsManager.open({
      dataDir: dir,
      serverId: SERVER_ID,
      hostnames: ["new-name.test.local"],
      ipAddresses: ["10.1.2.3"],
    });
    expect(again.serverCertPem).not.toBe(tls.serverCertPem);
    expect(again.serverKeyPem).not.toBe(tls.serverKeyPem);
    expect(again.caCertPem).toBe(tls.caCertPem);
    expect(certificateSans(again.serverCertPem).dnsNames).toContain("new-name.test.local");
    expect(certificateSans(again.serverCertPem).dnsNames).not.toContain("opsi-alias.test.local");
    expect(await readFile(tls.paths.serverCert, "utf8")).toBe(again.serverCertPem);
  });

  it("renews when due: the server cert within 30 days of expiry, the CA with the same key", async () => {
    const before = await TlsManager.open({
      dataDir: dir,
      serverId: SERVER_ID,
      hostnames: ["new-name.test.local"],
      ipAddresses: ["10.1.2.3"],
    });
    const oldServerCert = new X509Certificate(before.serverCertPem);
    const later = Date.now() + 61 * DAY;
    const renewed = await TlsManager.open({
      dataDir: dir,
      serverId: SERVER_ID,
      hostnames: ["new-name.test.local"],
      ipAddresses: ["10.1.2.3"],
      clock: () => later,
    });
    expect(renewed.serverCertPem).not.toBe(before.serverCertPem);
    expect(renewed.caCertPem).not.toBe(before.caCertPem);
    const newCa = new X509Certificate(renewed.caCertPem);
    expect(newCa.publicKey.export({ type: "spki", format: "pem" })).toBe(
      new X509Certificate(before.caCertPem).publicKey.export({ type: "spki", format: "pem" }),
    );
    // Certificates issued under the old CA certificate still verify: same key, same subject.
    expect(oldServerCert.verify(newCa.publicKey)).toBe(true);
    expect(oldServerCert.checkIssued(newCa)).toBe(true);
    const days = (Date.parse(new X509Certificate(renewed.serverCertPem).validTo) - later) / DAY;
    expect(Math.round(days)).toBe(90);
  });

  it("issues host certificates for clients", async () => {
    const { certPem, keyPem } = await tls.issueHostCertificate("Client1.test.local", { ipAddresses: ["192.168.1.20"] });
    const cert = new X509Certificate(certPem);
    const ca = new X509Certificate(tls.caCertPem);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkHost("client1.test.local")).toBe("client1.test.local");
    expect(cert.checkIP("192.168.1.20")).toBe("192.168.1.20");
    expect(cert.subject.split("\n")).toContain("CN=client1.test.local");
    expect(keyPem).toContain("BEGIN PRIVATE KEY");
    const { createPrivateKey } = await import("node:crypto");
    expect(cert.checkPrivateKey(createPrivateKey(keyPem))).toBe(true);
    const days = (Date.parse(cert.validTo) - Date.now()) / DAY;
    expect(Math.round(days)).toBe(360);
  });

  it("serves the CA and extra CAs as the trusted list", async () => {
    const m = await TlsManager.open({
      dataDir: dir,
      serverId: SERVER_ID,
      extraCaCertsPem: [tls.caCertPem + tls.caCertPem],
      hostnames: ["new-name.test.local"],
      ipAddresses: ["10.1.2.3"],
    });
    expect(m.caCertsPem).toHaveLength(3);
    expect(splitPemCertificates(m.caCertsPem.join(""))).toHaveLength(3);
  });

  it("stores an encrypted CA key when a passphrase is configured", async () => {
    const d = await mkdtemp(join(tmpdir(), "opsi-ts-tls-pw-"));
    try {
      const m = await TlsManager.open({ dataDir: d, serverId: "pw.test.local", keyBits: 2048, caKeyPassphrase: "secret" });
      const keyFile = await readFile(m.paths.caKey, "utf8");
      expect(keyFile).toContain("ENCRYPTED PRIVATE KEY");
      const again = await TlsManager.open({ dataDir: d, serverId: "pw.test.local", keyBits: 2048, caKeyPassphrase: "secret" });
      expect(again.caCertPem).toBe(m.caCertPem);
      await expect(TlsManager.open({ dataDir: d, serverId: "pw.test.local", keyBits: 2048, caKeyPassphrase: "wrong" })).rejects.toThrow();
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });
});
