/** @module repository/updater/test-repository — a package repository served over real HTTP(S) for the updater tests. */
import { createReadStream } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { join, normalize } from "node:path";

/** A request the server saw. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly range: string | null;
  readonly authorization: string | null;
}

/** Options of {@link serveRepository}. */
export interface ServeRepositoryOptions {
  /** Answer directory URLs with an HTML index (default true). */
  readonly index?: boolean;
  /** Honour `Range: bytes=<n>-` (default true). */
  readonly ranges?: boolean;
  /** Paths whose first GET is cut after this many bytes (headers announce the full length). */
  readonly cutOnce?: ReadonlyMap<string, number>;
  /** Require this Basic auth user:password. */
  readonly basicAuth?: string;
  /** PEM key and certificate: serve HTTPS. */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
}

/** A running repository server. */
export interface RepositoryServer {
  /** `http(s)://127.0.0.1:<port>` (no trailing slash). */
  readonly url: string;
  readonly requests: SeenRequest[];
  /** Paths still to be cut on their next GET (add to cut again). */
  readonly cutOnce: Map<string, number>;
  close(): Promise<void>;
}

async function indexHtml(dir: string, urlPath: string): Promise<string> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const links = entries.map((e) => `<a href="${encodeURIComponent(e.name)}${e.isDirectory() ? "/" : ""}">${e.name}</a>`);
  // One absolute link as real index pages (e.g. nginx autoindex with a parent link) have them.
  return `<html><head><title>Index of ${urlPath}</title></head><body><a href="../">../</a>\n${links.join("\n")}\n</body></html>`;
}

/**
 * Serves `root` (GET/HEAD): files with `Range` support, directory indexes, optional Basic auth, and a
 * one-time connection cut for chosen paths (to test resumed downloads).
 * @example const server = await serveRepository("/tmp/repo"); ...; await server.close();
 */
export async function serveRepository(root: string, options: ServeRepositoryOptions = {}): Promise<RepositoryServer> {
  const requests: SeenRequest[] = [];
  const cutOnce = new Map(options.cutOnce ?? []);
  const handler = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const urlPath = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    requests.push({
      method: req.method ?? "GET",
      path: urlPath,
      range: req.headers.range ?? null,
      authorization: req.headers.authorization ?? null,
    });
    if (options.basicAuth !== undefined) {
      const expected = `Basic ${Buffer.from(options.basicAuth).toString("base64")}`;
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { "www-authenticate": 'Basic realm="repo"' }).end("unauthorized");
        return;
      }
    }
    const path = normalize(join(root, urlPath));
    const info = path.startsWith(normalize(root)) ? await stat(path).catch(() => null) : null;
    if (info === null) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    if (info.isDirectory()) {
      if (options.index === false) {
        res.writeHead(403).end("forbidden");
        return;
      }
      res.writeHead(200, { "content-type": "text/html" }).end(await indexHtml(path, urlPath));
      return;
    }
    const size = info.size;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    if (range && options.ranges !== false) {
      const start = Number(range[1]);
      if (start >= size) {
        res.writeHead(416, { "content-range": `bytes */${size}` }).end();
        return;
      }
      res.writeHead(206, {
        "content-length": String(size - start),
        "content-range": `bytes ${start}-${size - 1}/${size}`,
        "accept-ranges": "bytes",
      });
      if (req.method === "HEAD") res.end();
      else createReadStream(path, { start }).pipe(res);
      return;
    }
    res.writeHead(200, { "content-length": String(size), "accept-ranges": options.ranges === false ? "none" : "bytes" });
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    const cut = cutOnce.get(urlPath);
    if (cut !== undefined) {
      cutOnce.delete(urlPath);
      const head = (await readFile(path)).subarray(0, cut);
      // Close only after the client had time to read what was sent: it keeps exactly these bytes.
      res.write(head, () => setTimeout(() => res.socket?.end(), 100));
      return;
    }
    createReadStream(path).pipe(res);
  };
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handler(req, res).catch((e: unknown) => {
      res.writeHead(500).end(String(e));
    });
  };
  const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, listener) : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
    requests,
    cutOnce,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
