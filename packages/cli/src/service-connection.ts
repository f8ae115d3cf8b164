/**
 * @module service-connection
 * The connection options every server command shares (`--url`, `--username`, `--password`, `--ca`,
 * `--insecure`; env `OPSI_TS_URL`/`OPSI_TS_USERNAME`/`OPSI_TS_PASSWORD`) and the trust, fetch and
 * `ServiceClient` built from them.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ServiceClient } from "@opsi-ts/core";
import { LZ4_FRAME } from "@opsi-ts/service";
import { type Command, Option } from "commander";
import { resolveDataDir } from "./data-dir.js";
import { UsageError } from "./errors.js";
import { createHttpFetch, type HttpFetch } from "./http-fetch.js";
import type { CliIo } from "./io.js";
import { HiddenInput } from "./password-input.js";

/** The default service address. */
export const DEFAULT_SERVICE_URL = "https://localhost:4447";

/** The user agent the CLI sends. */
export const CLI_USER_AGENT = "opsi-ts-cli/0.1.0";

/** The parsed connection options (plus the global `--data-dir`). */
export interface ConnectionOptions {
  readonly url?: string;
  readonly username?: string;
  readonly password?: string;
  readonly ca?: string;
  readonly insecure?: boolean;
  readonly dataDir?: string;
}

/** An open connection: where, who, the trust-aware fetch and a client using it; `close()` ends both. */
export interface ServiceConnection {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** The trusted CA (undefined: the system's, or none with `insecure`). */
  readonly ca: string | undefined;
  readonly insecure: boolean;
  readonly fetch: HttpFetch;
  readonly client: ServiceClient;
  close(): Promise<void>;
}

/**
 * Adds the connection options to a command.
 * @example addConnectionOptions(program.command("list")).action(...)
 */
export function addConnectionOptions(command: Command): Command {
  return command
    .option("--url <url>", `service address (env OPSI_TS_URL, default ${DEFAULT_SERVICE_URL})`)
    .option("-u, --username <name>", "user name (env OPSI_TS_USERNAME)")
    .option("-p, --password <password>", "password (env OPSI_TS_PASSWORD; prompted for on a terminal)")
    .option("--ca <file>", "PEM file of the CA to trust (default <data-dir>/tls/opsi-ca-cert.pem if it exists, else the system's)")
    .addOption(new Option("--insecure", "do not verify the server certificate").conflicts("ca"));
}

async function loginPassword(options: ConnectionOptions, username: string, url: string, io: CliIo): Promise<string> {
  const password = options.password ?? io.env.OPSI_TS_PASSWORD;
  if (password !== undefined) return password;
  if (!io.stdin.isTTY) throw new UsageError("No password given: use --password <password> or OPSI_TS_PASSWORD, or run on a terminal");
  return new HiddenInput(io.stdin, io.stderr).readLine(`Password for ${username} at ${url}: `);
}

function trustedCa(options: ConnectionOptions, io: CliIo): string | undefined {
  if (options.insecure) return undefined;
  if (options.ca !== undefined) {
    const path = resolve(io.cwd, options.ca);
    try {
      return readFileSync(path, "utf8");
    } catch (e: unknown) {
      throw new UsageError(`Cannot read CA file '${path}': ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const local = join(resolveDataDir(options.dataDir, io.env, io.cwd), "tls", "opsi-ca-cert.pem");
  return existsSync(local) ? readFileSync(local, "utf8") : undefined;
}

/**
 * Resolves the connection options (user name required, password asked for on a terminal) and creates
 * the fetch and a lazily connecting `ServiceClient` (msgpack + lz4 unless `json`). Call `close()` when done.
 * @example
 * const conn = await openServiceConnection(command.optsWithGlobals<ConnectionOptions>(), io);
 * try { await conn.client.call("backend_info"); } finally { await conn.close(); }
 */
export async function openServiceConnection(options: ConnectionOptions, io: CliIo, json = false): Promise<ServiceConnection> {
  const url = options.url ?? (io.env.OPSI_TS_URL || DEFAULT_SERVICE_URL);
  const username = options.username ?? io.env.OPSI_TS_USERNAME;
  if (!username) throw new UsageError("No user name given: use --username <name> or OPSI_TS_USERNAME");
  const ca = trustedCa(options, io);
  const password = await loginPassword(options, username, url, io);
  return connectService({ url, username, password, ca, insecure: options.insecure === true }, json);
}

/** Fully resolved connection settings (see {@link connectService}). */
export interface ServiceEndpoint {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly ca: string | undefined;
  readonly insecure: boolean;
}

/**
 * Creates the fetch and a lazily connecting `ServiceClient` for resolved settings (e.g. another depot
 * reached with the credentials and trust of a first connection).
 * @example const depot = connectService({ ...conn, url: "https://depot1.example.org:4447" });
 */
export function connectService(endpoint: ServiceEndpoint, json = false): ServiceConnection {
  const { url, username, password, ca } = endpoint;
  const options = { insecure: endpoint.insecure };
  const fetch = createHttpFetch({ ...(ca === undefined ? {} : { ca }), insecure: options.insecure === true });
  const client = new ServiceClient({
    url,
    username,
    password,
    serialization: json ? "json" : "msgpack",
    compression: json ? "none" : "lz4",
    lz4: LZ4_FRAME,
    userAgent: CLI_USER_AGENT,
    fetch,
  });
  return {
    url,
    username,
    password,
    ca,
    insecure: options.insecure === true,
    fetch,
    client,
    async close(): Promise<void> {
      try {
        await client.disconnect();
      } finally {
        fetch.close();
      }
    },
  };
}
