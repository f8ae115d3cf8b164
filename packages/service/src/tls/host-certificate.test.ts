import { X509Certificate } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BackendPermissionDeniedError, MemoryBackend } from "@opsi-ts/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHostCertificateIssuer } from "./host-certificate.js";
import { TlsManager } from "./TlsManager.js";

let dir: string;
let tls: TlsManager;
const backend = new MemoryBackend();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "opsi-ts-hostcert-"));
  tls = await TlsManager.open({ dataDir: dir, serverId: "opsi.test.local", keyBits: 2048 });
  await backend.host_createObjects([
    { type: "OpsiConfigserver", id: "opsi.test.local" },
    { type: "OpsiClient", id: "pc1.test.local", ipAddress: "192.168.5.5" },
    {
      type: "OpsiDepotserver",
      id: "depot1.test.local",
      ipAddress: "10.0.0.7",
      depotRemoteUrl: "smb://depot1-alias.test.local/opsi_depot",
      depotWebdavUrl: "webdavs://10.0.0.8:4447/depot",
      repositoryRemoteUrl: "webdavs://[2001:db8::7]:4447/repository",
    },
  ]);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("createHostCertificateIssuer", () => {
  const days = (pem: string) => Math.round((Date.parse(new X509Certificate(pem).validTo) - Date.now()) / 86_400_000);

  it("issues 360-day client certificates with the client's IP", async () => {
    const issue = createHostCertificateIssuer(tls, backend);
    const { certPem, keyPem } = await issue("PC1.test.local");
    const cert = new X509Certificate(certPem);
    expect(cert.verify(new X509Certificate(tls.caCertPem).publicKey)).toBe(true);
    expect(cert.checkHost("pc1.test.local")).toBe("pc1.test.local");
    expect(cert.checkIP("192.168.5.5")).toBe("192.168.5.5");
    expect(cert.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(days(certPem)).toBe(360);
    expect(keyPem).toContain("PRIVATE KEY");
  });

  it("issues 90-day depot certificates with the names from the depot URLs", async () => {
    const { certPem } = await createHostCertificateIssuer(tls, backend)("depot1.test.local");
    const cert = new X509Certificate(certPem);
    expect(cert.checkHost("depot1-alias.test.local")).toBe("depot1-alias.test.local");
    expect(cert.checkIP("10.0.0.7")).toBe("10.0.0.7");
    expect(cert.checkIP("10.0.0.8")).toBe("10.0.0.8");
    expect(cert.checkIP("2001:db8::7")).toBe("2001:db8::7");
    expect(days(certPem)).toBe(90);
  });

  it("refuses unknown hosts, bad ids and the config server", async () => {
    const issue = createHostCertificateIssuer(tls, backend);
    await expect(issue("nope.test.local")).rejects.toBeInstanceOf(BackendPermissionDeniedError);
    await expect(issue("pc*.test.local")).rejects.toBeInstanceOf(BackendPermissionDeniedError);
    await expect(issue("opsi.test.local")).rejects.toThrow(/Invalid host/);
  });
});
