/**
 * @module upload
 * An authenticated, streamed HTTP(S) `PUT` of a local file (the package upload to `/repository`), with the
 * trust settings of the CLI's connections and a byte counter for progress lines.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import { OpsiAuthenticationError, OpsiConnectionError, OpsiError, ServiceHttpError } from "@opsi-ts/core";
import type { CliOutput } from "./io.js";
import { CLI_USER_AGENT, type ServiceEndpoint } from "./service-connection.js";

/**
 * PUTs `file` to `target` with Basic auth, calling `onProgress(sent, total)` as bytes go out. Resolves
 * on a 2xx answer; 401/403 become `OpsiAuthenticationError`, other statuses `ServiceHttpError`,
 * network failures `OpsiConnectionError`.
 * @example await uploadFile(conn, "/tmp/firefox_128.0-1.opsi", new URL("https://opsi:4447/repository/firefox_128.0-1.opsi"));
 */
export async function uploadFile(
  endpoint: ServiceEndpoint,
  file: string,
  target: URL,
  onProgress: (sent: number, total: number) => void = () => {},
): Promise<void> {
  const total = (await stat(file)).size;
  const transport = target.protocol === "https:" ? https : target.protocol === "http:" ? http : undefined;
  if (transport === undefined)
    throw new OpsiConnectionError(`Cannot upload to '${target.href}': unsupported protocol '${target.protocol}'`);
  const auth = Buffer.from(`${endpoint.username}:${endpoint.password}`, "utf8").toString("base64");
  await new Promise<void>((resolve, reject) => {
    const req = transport.request(target, {
      method: "PUT",
      headers: {
        authorization: `Basic ${auth}`,
        "content-length": String(total),
        "content-type": "application/octet-stream",
        "user-agent": CLI_USER_AGENT,
      },
      ...(transport === https ? { rejectUnauthorized: !endpoint.insecure, ...(endpoint.ca === undefined ? {} : { ca: endpoint.ca }) } : {}),
    });
    const source = createReadStream(file);
    const fail = (e: unknown) => {
      source.destroy();
      req.destroy();
      if (e instanceof OpsiError) reject(e);
      else
        reject(new OpsiConnectionError(`Upload to '${target.href}' failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e }));
    };
    req.on("error", fail);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", fail);
      res.on("end", () => {
        const status = res.statusCode ?? 500;
        if (status >= 200 && status < 300) {
          resolve();
          return;
        }
        const text = Buffer.concat(chunks).toString("utf8").trim().slice(0, 300) || (res.statusMessage ?? "");
        if (status === 401 || status === 403) fail(new OpsiAuthenticationError(`Upload to '${target.href}' refused: ${status} - ${text}`));
        else fail(new ServiceHttpError(status, `Upload to '${target.href}' failed: ${text}`));
      });
    });
    let sent = 0;
    source.on("data", (chunk: Buffer | string) => {
      sent += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.byteLength;
      onProgress(sent, total);
    });
    source.on("error", fail);
    source.pipe(req);
  });
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/**
 * A progress reporter for {@link uploadFile}: on a terminal it rewrites one line
 * (`<label>: <sent> / <total> (<percent>%)`) and `done()` clears it; elsewhere it prints nothing.
 * @example const progress = uploadProgress(io.stderr, "Uploading firefox_128.0-1.opsi"); await uploadFile(ep, f, url, progress.update); progress.done();
 */
export function uploadProgress(err: CliOutput, label: string): { update: (sent: number, total: number) => void; done: () => void } {
  let shown = false;
  return {
    update(sent: number, total: number): void {
      if (!err.isTTY) return;
      shown = true;
      const percent = total > 0 ? Math.floor((sent / total) * 100) : 100;
      err.write(`\r\u001b[K${label}: ${size(sent)} / ${size(total)} (${percent}%)`);
    },
    done(): void {
      if (shown) err.write("\r\u001b[K");
      shown = false;
    },
  };
}
