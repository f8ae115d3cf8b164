/**
 * @module host-rpc
 * JSON-RPC calls from a server to clients over the bus (spec §1.9 "Config server → client", opsiconfd
 * `_messagebus_rpc`): a temporary `session:<uuid>` channel is subscribed first, then one `jsonrpc_request`
 * per host goes to `host:<id>` with `back_channel` = that session channel and `expires` = now + timeout;
 * `jsonrpc_response`s are matched by `rpc_id` (opsiclientd echoes it and sets no `ref_id`). Hosts that do not
 * answer in time get opsiconfd's timeout error.
 */
import type { Broker, Subscription } from "./broker/types.js";
import { type AnyMessage, createMessage, isMessageOfType, type JsonRpcRequestMessage, newUuid4 } from "./messages.js";

/** The answer of one host, in opsiconfd's host control shape. */
export interface HostRpcResult {
  /** The method's result, null on error. */
  readonly result: unknown;
  /**
   * null on success; opsiclientd's error object (`{code, message, data: {class, details}}`) when the client
   * answered with an error; a string for errors on this side (timeout, publish failure).
   */
  readonly error: unknown;
}

/** Options of {@link callHosts}. */
export interface CallHostsOptions {
  /** Host ids (lowercased for the channel and the result keys); duplicates are called once. */
  readonly hostIds: readonly string[];
  /** opsiclientd control method, e.g. `fireEvent`. */
  readonly method: string;
  /** Positional params (default `[]`). */
  readonly params?: readonly unknown[];
  /** How long to wait for all answers; also the requests' validity (`expires` = now + timeout). */
  readonly timeoutMs: number;
  /** The `sender` of the requests: the calling worker's bus identity, e.g. `service_worker:node1:1`. */
  readonly senderId: string;
}

/** opsiconfd's text for a host that did not answer (the double space is upstream's). */
export function hostRpcTimeoutError(timeoutMs: number): string {
  return `Timed out after ${(timeoutMs / 1000).toFixed(2)} seconds  while waiting for response`;
}

/**
 * Calls an opsiclientd control method on hosts connected to the bus and collects the answers.
 * Resolves `{ [hostId]: { result, error } }` with one entry per host, never rejects for a single host
 * (a failed publish or a missing answer becomes that host's `error`); rejects only if the session channel
 * cannot be subscribed.
 * @example
 * const answers = await callHosts(broker, {
 *   hostIds: ["pc1.dom.tld"], method: "uptime", timeoutMs: 15_000, senderId: "service_worker:node1:1",
 * });
 * // { "pc1.dom.tld": { result: 4711, error: null } }
 */
export async function callHosts(broker: Broker<AnyMessage>, options: CallHostsOptions): Promise<Record<string, HostRpcResult>> {
  const timeoutMs = Math.max(0, options.timeoutMs);
  const hostIds = [...new Set(options.hostIds.map((id) => id.toLowerCase()))];
  const results: Record<string, HostRpcResult> = {};
  if (hostIds.length === 0) return results;

  const channel = `session:${newUuid4()}`;
  /** rpc_id (as string) → host id, for requests still waiting for an answer. */
  const pending = new Map<string, string>();
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });

  let subscription: Subscription | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    subscription = await broker.subscribe(channel, { id: channel }, (delivery) => {
      const message = delivery.message;
      if (!isMessageOfType(message, "jsonrpc_response")) return;
      const hostId = pending.get(String(message.rpc_id));
      if (hostId === undefined) return;
      pending.delete(String(message.rpc_id));
      results[hostId] = { result: message.result ?? null, error: message.error ?? null };
      if (pending.size === 0) finish();
    });

    const expires = Date.now() + timeoutMs;
    // Build and register every request before the first publish: an answer may arrive while publishing.
    const requests: [string, AnyMessage][] = [];
    for (const hostId of hostIds) {
      try {
        const request = createMessage("jsonrpc_request", {
          sender: options.senderId,
          channel: `host:${hostId}`,
          back_channel: channel,
          expires,
          method: options.method,
          params: [...(options.params ?? [])],
        });
        pending.set(String(request.rpc_id), hostId);
        requests.push([hostId, request]);
      } catch (err: unknown) {
        results[hostId] = { result: null, error: `Invalid request for host '${hostId}': ${errorText(err)}` };
      }
    }
    await Promise.all(
      requests.map(async ([hostId, request]) => {
        try {
          const stored = await broker.publish(request);
          if (!stored) throw new Error("the request expired before it could be sent");
        } catch (err: unknown) {
          pending.delete(String((request as JsonRpcRequestMessage).rpc_id));
          results[hostId] = { result: null, error: `Failed to send the request to host '${hostId}': ${errorText(err)}` };
        }
      }),
    );
    if (pending.size > 0) {
      timer = setTimeout(finish, timeoutMs);
      await done;
    }
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    await subscription?.unsubscribe();
  }

  const timedOut = hostRpcTimeoutError(timeoutMs);
  for (const hostId of pending.values()) results[hostId] = { result: null, error: timedOut };
  // Keep the order of the request.
  return Object.fromEntries(hostIds.map((id) => [id, results[id] as HostRpcResult]));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
