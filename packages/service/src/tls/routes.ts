/**
 * @module tls/routes
 * The public CA download routes `/ssl/opsi-ca-cert.pem` and `/ssl/ca-certs.pem`.
 */
import type { Router } from "../http/router.js";

/** Where the routes get the current PEMs (read on every request, so renewals are served at once). */
export interface SslRouteSource {
  readonly caCertPem: string;
  readonly caCertsPem: readonly string[];
}

/**
 * Registers `GET /ssl/opsi-ca-cert.pem` (the opsi CA) and `GET /ssl/ca-certs.pem` (all trusted CAs).
 * @example registerSslRoutes(server.router, tls);
 */
export function registerSslRoutes(router: Router, source: SslRouteSource): void {
  const pem = { "content-type": "application/x-pem-file" };
  router.get("/ssl/opsi-ca-cert.pem", (ctx) => {
    ctx.send(200, source.caCertPem, { ...pem, "content-disposition": 'attachment; filename="opsi-ca-cert.pem"' });
  });
  router.get("/ssl/ca-certs.pem", (ctx) => {
    ctx.send(200, source.caCertsPem.join(""), { ...pem, "content-disposition": 'attachment; filename="ca-certs.pem"' });
  });
}
