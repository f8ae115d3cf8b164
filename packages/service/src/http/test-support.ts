/**
 * @module http/test-support
 * Helpers for the HTTPS tests of the service kit (not exported from the package): a CA + server
 * certificate in a temp directory, an HTTPS request function trusting only that CA, raw TLS sockets.
 */
import { mkdtemp, rm } from "node:fs/promises";
import type { IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { TlsManager } from "../tls/TlsManager.js";

/** A generated CA + server certificate for tests. */
export interface TestTls {
  readonly dir: string;
  readonly tls: TlsManager;
  cleanup(): Promise<void>;
}

/**
 * Creates a temp data dir with an opsi CA and a server certificate for `serverId` (RSA-4096: about
 * one second, so create it once per test file).
 * @example const { tls, cleanup } = await createTestTls();
 */
export async function createTestTls(serverId = "opsi.test.local"): Promise<TestTls> {
  const dir = await mkdtemp(join(tmpdir(), "opsi-ts-service-"));
  const tls = await TlsManager.open({ dataDir: dir, serverId });
  return { dir, tls, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A finished HTTPS response. */
export interface TestResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  json(): unknown;
}

/** Options of {@link fetchTls}. */
export interface FetchTlsOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** Send the body chunked (no content-length). */
  readonly chunked?: boolean;
}

/**
 * One HTTPS request on a fresh connection to 127.0.0.1, trusting only `ca`.
 * @example const res = await fetchTls(server.port, tls.caCertPem, "/auth/login", { method: "POST", body: "{}" });
 */
export function fetchTls(port: number, ca: string, path: string, options: FetchTlsOptions = {}): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined && !options.chunked) headers["content-length"] = String(Buffer.byteLength(options.body));
    const req = httpsRequest({ host: "127.0.0.1", port, path, method: options.method ?? "GET", headers, ca: [ca], agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/**
 * Opens a TLS socket, writes `payload`, and collects what the server sends until it closes the
 * connection or `waitMs` pass.
 * @example const { data, closed } = await rawTlsExchange(port, ca, "GET / HTTP/1.1\r\n", 3000);
 */
export function rawTlsExchange(
  port: number,
  ca: string,
  payload: string,
  waitMs: number,
): Promise<{ data: string; closed: boolean; elapsedMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let data = "";
    let done = false;
    const socket = connect({ host: "127.0.0.1", port, ca: [ca] }, () => socket.write(payload));
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ data, closed, elapsedMs: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on("data", (chunk: Buffer) => {
      data += chunk.toString("utf8");
    });
    socket.on("end", () => finish(true));
    socket.on("close", () => finish(true));
    socket.on("error", (err) => (done ? undefined : data ? finish(true) : reject(err)));
  });
}

/**
 * CN of the certificate the server presents on a new connection.
 * @example await peerCommonName(server.port, tls.caCertPem) // "opsi.test.local"
 */
export function peerCommonName(port: number, ca: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, ca: [ca] }, () => {
      const cn = socket.getPeerCertificate().subject?.CN;
      socket.destroy();
      resolve(typeof cn === "string" ? cn : undefined);
    });
    socket.on("error", reject);
  });
}
