/** @module test/ca-bundle.test `/ssl/ca-certs.pem` with extra CAs over HTTPS: a bundle OpenSSL loads completely (python-opsi-common ≥ 4.3.18.15 fetches it). */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, createServer, type Server } from "node:tls";
import { createServiceServer, OPSI_VERSION, registerSslRoutes, type ServiceServer, TlsManager } from "@opsi-ts/service";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpsRequest } from "./e2e-https.js";

/** Whether a TLS handshake with `port` verifies against `ca` alone. */
function verifies(port: number, ca: string): Promise<true | string> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port, ca }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", (err) => resolve(err.message));
  });
}

describe("/ssl/ca-certs.pem with extra CAs", () => {
  const dirs: string[] = [];
  let other: TlsManager;
  let main: TlsManager;
  let service: ServiceServer;
  let otherServer: Server;
  let otherPort = 0;

  beforeAll(async () => {
    for (let i = 0; i < 2; i += 1) dirs.push(await mkdtemp(join(tmpdir(), "opsi-ts-ca-bundle-")));
    const [otherDir = "", mainDir = ""] = dirs;
    other = await TlsManager.open({ dataDir: otherDir, serverId: "other.e2e-opsi.test", keyBits: 2048 });
    main = await TlsManager.open({ dataDir: mainDir, serverId: "config.e2e-opsi.test", keyBits: 2048, extraCaCertsPem: [other.caCertPem] });
    service = createServiceServer({
      tls: main.credentials,
      host: "127.0.0.1",
      port: 0,
      opsiVersion: OPSI_VERSION,
      logger: pino({ level: "silent" }),
    });
    registerSslRoutes(service.router, main);
    await service.start();
    // A TLS server whose certificate is issued by the extra CA.
    otherServer = createServer({ cert: other.credentials.cert, key: other.credentials.key }, (socket) => socket.end());
    await new Promise<void>((resolve) => otherServer.listen(0, "127.0.0.1", resolve));
    const address = otherServer.address();
    otherPort = typeof address === "object" && address ? address.port : 0;
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    await new Promise<void>((resolve) => (otherServer ? otherServer.close(() => resolve()) : resolve()));
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("serves every CA as a separate PEM block that OpenSSL loads", async () => {
    const res = await httpsRequest({ port: service.port, ca: main.caCertPem }, { method: "GET", path: "/ssl/ca-certs.pem" });
    expect(res.status).toBe(200);
    const bundle = res.text();
    // RFC 7468: encapsulation boundaries are lines of their own.
    expect(bundle.match(/^-----BEGIN CERTIFICATE-----$/gm)).toHaveLength(2);
    expect(bundle.match(/^-----END CERTIFICATE-----$/gm)).toHaveLength(2);
    expect(await verifies(service.port, bundle)).toBe(true);
    expect(await verifies(otherPort, bundle)).toBe(true);
  });
});
