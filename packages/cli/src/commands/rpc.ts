/**
 * @module commands/rpc
 * `opsi rpc <method> [params-json]`: one JSON-RPC call through `ServiceClient` (msgpack + lz4 unless
 * `--json`), result printed as pretty JSON.
 */
import { type Command, Option } from "commander";
import { UsageError } from "../errors.js";
import type { CliIo } from "../io.js";
import { addConnectionOptions, type ConnectionOptions, DEFAULT_SERVICE_URL, openServiceConnection } from "../service-connection.js";

export { DEFAULT_SERVICE_URL };

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

interface RpcOptions extends ConnectionOptions {
  readonly json?: boolean;
  readonly msgpack?: boolean;
}

/**
 * Adds the `rpc` command to a program.
 * @example registerRpcCommand(program, io); // opsi rpc host_getObjects '[[], {"type": "OpsiClient"}]'
 */
export function registerRpcCommand(program: Command, io: CliIo): void {
  addConnectionOptions(
    program
      .command("rpc")
      .description("call a JSON-RPC method of an opsi service and print the result as JSON")
      .argument("<method>", "method name, e.g. host_getObjects")
      .argument("[params-json]", 'a JSON list of positional parameters or an object of named ones, e.g. \'[[], {"type": "OpsiClient"}]\''),
  )
    .addOption(new Option("--json", "send JSON without compression").conflicts("msgpack"))
    .addOption(new Option("--msgpack", "send msgpack with lz4 compression (the default)"))
    .addHelpText("after", '\nExample:\n  opsi rpc host_getObjects \'[[], {"type": "OpsiClient"}]\' --username adminuser')
    .action(async (method: string, paramsJson: string | undefined, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<RpcOptions>();
      const params = parseRpcParams(paramsJson);
      const conn = await openServiceConnection(options, io, options.json === true);
      try {
        const result = await conn.client.call(method, params);
        io.stdout.write(`${prettyJson(result)}\n`);
      } finally {
        await conn.close();
      }
    });
}
