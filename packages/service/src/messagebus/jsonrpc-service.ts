/**
 * @module messagebus/jsonrpc-service
 * JSON-RPC over the message bus (spec `messagebus-packages-sequencing.md` §1.9): the `jsonrpc` service of
 * the config server, consumed from `service:depot:<server-id>:jsonrpc` (clients send to
 * `service:config:jsonrpc`). A `jsonrpc_request` runs through the same dispatcher as `/rpc`, with the
 * sender's identity and ACL: the hub attaches the sender's `CallerContext` to the message (field
 * `context`, see `CONTEXT_FIELD`), which also works across processes sharing a RedisBroker. The answer is a
 * `jsonrpc_response` to `back_channel || sender` with `ref_id` = request id, `rpc_id` as a string, and
 * errors as `{code: 0, message, data: {class, details}}` (details only for admins).
 */
import { OpsiServicePermissionError, toRpcError } from "@opsi-ts/core";
import {
  type AnyMessage,
  type ChannelService,
  createMessage,
  isMessageOfType,
  messageContext,
  responseChannel,
  type ServiceContext,
} from "@opsi-ts/messagebus";
import { z } from "zod";
import type { RpcCaller } from "../endpoint/rpc-route.js";
import type { CallerContext } from "../identity.js";
import { isEndSession } from "../methods/general.js";

/** Options of {@link createJsonRpcService}. */
export interface JsonRpcServiceOptions {
  /** The RPC dispatcher (the same one `/rpc` uses). */
  readonly dispatcher: RpcCaller;
  /** Called after each call with its method and duration (metrics, logs). */
  readonly onCall?: (method: string, ms: number, failed: boolean) => void;
}

/** The caller context as attached by the hub (validated: it crossed a broker). */
const callerContextSchema = z.object({
  identity: z.object({
    kind: z.enum(["user", "client", "depot"]),
    name: z.string().min(1),
    hostId: z.string().optional(),
    isAdmin: z.boolean(),
    isReadOnly: z.boolean(),
    groups: z.array(z.string()),
  }),
  sessionId: z.string(),
  clientAddress: z.string(),
});

/**
 * The caller of a bus message, or null when the message carries no (valid) caller context, e.g. a
 * request published by a service worker or by a foreign opsiconfd on a shared Redis.
 */
export function callerOfMessage(message: AnyMessage): CallerContext | null {
  const parsed = callerContextSchema.safeParse(messageContext(message));
  if (!parsed.success) return null;
  const { identity, ...rest } = parsed.data;
  const { hostId, ...identityRest } = identity;
  return { ...rest, identity: { ...identityRest, ...(hostId === undefined ? {} : { hostId }) } };
}

/** The bus error object of an RPC failure: `{code: 0, message, data: {class, details}}`. */
export function busRpcError(
  err: unknown,
  includeDetails: boolean,
): { code: 0; message: string; data: { class: string; details: string | null } } {
  const info = toRpcError(err, { includeDetails });
  return { code: 0, message: info.message, data: { class: info.class, details: info.details } };
}

/**
 * Creates the `jsonrpc` service for `MessagebusHub.registerService`.
 * @example await hub.registerService(createJsonRpcService({ dispatcher }));
 */
export function createJsonRpcService(options: JsonRpcServiceOptions): ChannelService {
  return {
    name: "jsonrpc",
    async handle(message: AnyMessage, _delivery, context: ServiceContext): Promise<void> {
      const channel = responseChannel(message);
      if (!isMessageOfType(message, "jsonrpc_request")) {
        await context.publish(
          createMessage("general_error", {
            sender: context.workerChannel,
            channel,
            ref_id: message.id,
            error: { message: `Invalid message type '${message.type}' for channel '${message.channel}'`, code: null, details: null },
          }),
        );
        return;
      }
      const caller = callerOfMessage(message);
      const started = performance.now();
      let result: unknown = null;
      let error: unknown = null;
      if (!caller) {
        error = busRpcError(new OpsiServicePermissionError(`No session context for message from '${message.sender}'`), false);
      } else {
        try {
          const value = await options.dispatcher.call(message.method, message.params, caller);
          result = isEndSession(value) ? null : (value ?? null);
        } catch (err: unknown) {
          error = busRpcError(err, caller.identity.isAdmin);
        }
      }
      options.onCall?.(message.method, performance.now() - started, error !== null);
      await context.publish(
        createMessage("jsonrpc_response", {
          sender: context.workerChannel,
          channel,
          ref_id: message.id,
          rpc_id: String(message.rpc_id),
          result,
          error,
        }),
      );
    },
  };
}
