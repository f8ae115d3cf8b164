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
    // The opsi CA PEM has no trailing newline: without a separator the next BEGIN line would be glued
    // to its END line and OpenSSL would silently load only the first CA.
    const bundle = source.caCertsPem.map((cert, i, all) => (i < all.length - 1 && !cert.endsWith("\n") ? `${cert}\n` : cert)).join("");
    ctx.send(200, bundle, { ...pem, "content-disposition": 'attachment; filename="ca-certs.pem"' });
  });
}
