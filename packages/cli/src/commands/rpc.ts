/**
 * @module commands/rpc
 * `opsi rpc <method> [params-json]`: one JSON-RPC call through `ServiceClient` (msgpack + lz4 unless
 * `--json`), result printed as pretty JSON.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ServiceClient } from "@opsi-ts/core";
import { LZ4_FRAME } from "@opsi-ts/service";
import { type Command, Option } from "commander";
import { resolveDataDir } from "../data-dir.js";
import { UsageError } from "../errors.js";
import { createHttpFetch } from "../http-fetch.js";
import type { CliIo } from "../io.js";
import { HiddenInput } from "../password-input.js";

/** The default service address. */
export const DEFAULT_SERVICE_URL = "https://localhost:4447";

/** Parameters of a call: positional (list) or named (object). */
export type RpcParams = unknown[] | Record<string, unknown>;

/**
 * Parses `params-json`: a JSON list (positional params) or object (named params); nothing means `[]`.
 * Anything else is a {@link UsageError} naming what was wrong.
 * @example parseRpcParams('[[], {"type": "OpsiClient"}]') // [[], { type: "OpsiClient" }]
 */
export function parseRpcParams(text: string | undefined): RpcParams {
  if (text === undefined) return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e: unknown) {
    throw new UsageError(`params-json is not valid JSON (${e instanceof Error ? e.message : String(e)}); expected a JSON list or object`);
  }
  if (Array.isArray(value)) return value;
  if (typeof value === "object" && value !== null) return value as Record<string, unknown>;
  throw new UsageError(`params-json must be a JSON list or object, got ${value === null ? "null" : typeof value}: ${text.trim()}`);
}

/** JSON for results that may hold msgpack-only values (bigint, binary). */
function prettyJson(value: unknown): string {
  return (
    JSON.stringify(
      value,
      (_key, v: unknown) => {
        if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
        if (v instanceof Uint8Array) return Buffer.from(v).toString("base64");
        return v;
      },
      2,
    ) ?? "null"
  );
}

interface RpcOptions {
  readonly url?: string;
  readonly username?: string;
  readonly password?: string;
  readonly ca?: string;
  readonly insecure?: boolean;
  readonly json?: boolean;
  readonly msgpack?: boolean;
  readonly dataDir?: string;
}

async function loginPassword(options: RpcOptions, username: string, url: string, io: CliIo): Promise<string> {
  const password = options.password ?? io.env.OPSI_TS_PASSWORD;
  if (password !== undefined) return password;
  if (!io.stdin.isTTY) throw new UsageError("No password given: use --password <password> or OPSI_TS_PASSWORD, or run on a terminal");
  return new HiddenInput(io.stdin, io.stderr).readLine(`Password for ${username} at ${url}: `);
}

function trustedCa(options: RpcOptions, io: CliIo): string | undefined {
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
 * Adds the `rpc` command to a program.
 * @example registerRpcCommand(program, io); // opsi rpc host_getObjects '[[], {"type": "OpsiClient"}]'
 */
export function registerRpcCommand(program: Command, io: CliIo): void {
  program
    .command("rpc")
    .description("call a JSON-RPC method of an opsi service and print the result as JSON")
    .argument("<method>", "method name, e.g. host_getObjects")
    .argument("[params-json]", 'a JSON list of positional parameters or an object of named ones, e.g. \'[[], {"type": "OpsiClient"}]\'')
    .option("--url <url>", `service address (env OPSI_TS_URL, default ${DEFAULT_SERVICE_URL})`)
    .option("-u, --username <name>", "user name (env OPSI_TS_USERNAME)")
    .option("-p, --password <password>", "password (env OPSI_TS_PASSWORD; prompted for on a terminal)")
    .option("--ca <file>", "PEM file of the CA to trust (default <data-dir>/tls/opsi-ca-cert.pem if it exists, else the system's)")
    .addOption(new Option("--insecure", "do not verify the server certificate").conflicts("ca"))
    .addOption(new Option("--json", "send JSON without compression").conflicts("msgpack"))
    .addOption(new Option("--msgpack", "send msgpack with lz4 compression (the default)"))
    .addHelpText("after", '\nExample:\n  opsi rpc host_getObjects \'[[], {"type": "OpsiClient"}]\' --username adminuser')
    .action(async (method: string, paramsJson: string | undefined, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<RpcOptions>();
      const params = parseRpcParams(paramsJson);
      const url = options.url ?? (io.env.OPSI_TS_URL || DEFAULT_SERVICE_URL);
      const username = options.username ?? io.env.OPSI_TS_USERNAME;
      if (!username) throw new UsageError("No user name given: use --username <name> or OPSI_TS_USERNAME");
      const ca = trustedCa(options, io);
      const password = await loginPassword(options, username, url, io);
      const fetch = createHttpFetch({ ...(ca === undefined ? {} : { ca }), insecure: options.insecure === true });
      const client = new ServiceClient({
        url,
        username,
        password,
        serialization: options.json ? "json" : "msgpack",
        compression: options.json ? "none" : "lz4",
        lz4: LZ4_FRAME,
        userAgent: "opsi-ts-cli/0.1.0",
        fetch,
      });
      try {
        const result = await client.call(method, params);
        io.stdout.write(`${prettyJson(result)}\n`);
      } finally {
        await client.disconnect();
        fetch.close();
      }
    });
}
