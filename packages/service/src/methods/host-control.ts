/**
 * @module methods/host-control
 * `hostControl_*` and `hostControlSafe_*` (opsiconfd `RPCHostControlMixin`, spec agent-boot-depot-cli §5,
 * messagebus §1.9): opsiclientd control methods called on clients.
 *
 * - Clients connected to the message bus are called through {@link HostControlBus} (`jsonrpc_request` on
 *   `host:<id>`); in `hybrid` mode (default) the others are called directly over HTTPS JSON-RPC on
 *   `https://<address>:<port>/opsiclientd` (Basic auth with an empty user name and the host key, TLS not
 *   verified, at most `maxConnections` at a time), with `useMessagebus: true` they get "Host currently not
 *   connected to messagebus", with `false` every client is called directly.
 * - Results: `{hostId: {result, error}}` (`hostControl_reachable`: `{hostId: bool}`).
 * - Host ids as opsi takes them: a list or a single id, wildcards allowed; an empty list means every client
 *   (except for shutdown/reboot, which refuse it). The `hostControlSafe_*` variants refuse an empty list.
 * - `hostControl_start` / `hostControlSafe_start` / legacy `powerOnHost`: Wake-on-LAN magic packets from this server
 *   (`@opsi-ts/boot`) to the broadcast addresses of each client's network (`broadcastAddresses`); result `"sent"`.
 *   `network_sendBroadcast` (the depot side of it) sends any base64 payload.
 */
import { lookup } from "node:dns/promises";
import { request as httpsRequest } from "node:https";
import { isIPv6, Socket } from "node:net";
import { sendBroadcast, wakeOnLan } from "@opsi-ts/boot";
import {
  BackendBadValueError,
  BackendMissingDataError,
  BackendUnaccomplishableError,
  type BoundParams,
  updateObjectsWithDependencies,
} from "@opsi-ts/core";
import type { HostControlConfig, HostRpcResult, MethodContext, MethodHandler } from "./context.js";
import { listOf } from "./wire.js";

/** The config state that overrides opsiclientd's control server port per client. */
export const OPSICLIENTD_PORT_CONFIG = "opsiclientd.control_server.port";

type Results = Record<string, HostRpcResult>;

/** A client to call directly. */
interface DirectTarget {
  readonly id: string;
  readonly address: string;
  readonly port: number;
  readonly hostKey: string;
}

// ---------------------------------------------------------------------------------------------
// Host ids

/** The `hostIds` argument as a filter value: null/""/[] → null (all), otherwise a list of strings. */
function hostIdFilter(value: unknown): string[] | null {
  const ids = listOf(value)
    .filter((v) => v !== null && v !== undefined && v !== "")
    .map(String);
  return ids.length === 0 ? null : ids;
}

/** `host_getIdents(returnType="str", type="OpsiClient", id=hostIds or [])` over the caller's view. */
async function clientIds(ctx: MethodContext, hostIds: unknown): Promise<string[]> {
  const filter = hostIdFilter(hostIds);
  const ids = (await ctx.backend.getIdents("host", "str", { type: "OpsiClient", id: filter })) as string[];
  if (ids.length === 0) throw new BackendMissingDataError("No matching host ids found");
  return ids;
}

/** Whether a `hostIds` argument is empty in Python's sense (`not hostIds`). */
function isEmptyHostIds(value: unknown): boolean {
  return value === null || value === undefined || value === "" || (Array.isArray(value) && value.length === 0);
}

// ---------------------------------------------------------------------------------------------
// Direct HTTPS calls (opsiconfd `_opsiclientd_rpc`)

/** Where a client's opsiclientd listens: `ipAddress` (or DNS, see `resolveHostAddress`), IPv6 in brackets. */
async function hostAddress(config: HostControlConfig, host: { id: string; ipAddress?: string | null }): Promise<string> {
  let address: string | null = null;
  const resolve = async (): Promise<string | null> => {
    try {
      return (await lookup(host.id)).address;
    } catch {
      return null;
    }
  };
  if (config.resolveHostAddress) address = await resolve();
  if (!address) address = host.ipAddress || null;
  if (!address && !config.resolveHostAddress) {
    address = await resolve();
    if (!address) throw new BackendUnaccomplishableError(`Failed to resolve ip address for host '${host.id}'`);
  }
  if (!address) throw new BackendUnaccomplishableError(`Failed to get ip address for host '${host.id}'`);
  return isIPv6(address) ? `[${address}]` : address;
}

/** Per-client port overrides from the config state `opsiclientd.control_server.port`. */
async function clientPorts(ctx: MethodContext, ids: readonly string[]): Promise<Map<string, number>> {
  const ports = new Map<string, number>();
  const states = await ctx.internal.getObjects("configState", ["configId", "objectId", "values"], {
    configId: OPSICLIENTD_PORT_CONFIG,
    objectId: [...ids],
  });
  for (const state of states as { objectId: string; values?: unknown[] | null }[]) {
    const port = Number(state.values?.[0]);
    if (Number.isInteger(port) && port > 0 && port < 65536) ports.set(state.objectId, port);
  }
  return ports;
}

/** Address, port and key of each client; clients that cannot be called get their error in `results`. */
async function directTargets(ctx: MethodContext, ids: readonly string[], results: Results): Promise<DirectTarget[]> {
  const config = ctx.settings.hostControlConfig;
  const hosts = (await ctx.internal.getObjects("host", ["id", "ipAddress", "opsiHostKey"], { type: "OpsiClient", id: [...ids] })) as {
    id: string;
    ipAddress?: string | null;
    opsiHostKey?: string | null;
  }[];
  const ports = await clientPorts(ctx, ids);
  const targets: DirectTarget[] = [];
  for (const host of hosts) {
    try {
      if (!host.opsiHostKey) throw new BackendMissingDataError(`Host '${host.id}' has no opsi host key`);
      const address = await hostAddress(config, host);
      targets.push({ id: host.id, address, port: ports.get(host.id) ?? config.opsiclientdPort, hostKey: host.opsiHostKey });
    } catch (err: unknown) {
      results[host.id] = { result: null, error: errorText(err) };
    }
  }
  return targets;
}

/** Runs `work` for every item with at most `limit` running at a time. */
async function withLimit<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(runners);
}

/**
 * One JSON-RPC call to opsiclientd's control server (`POST https://<address>:<port>/opsiclientd`), as
 * opsicommon's `JSONRPCClient` sends it: Basic auth `:<host key>`, TLS not verified, connect and read
 * timeout `timeoutMs`. Resolves the result; rejects with a readable error.
 */
export function opsiclientdJsonRpc(
  target: { address: string; port: number; hostKey: string },
  method: string,
  params: readonly unknown[],
  timeoutMs: number,
): Promise<unknown> {
  const url = `https://${target.address}:${target.port}/opsiclientd`;
  const body = Buffer.from(JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }));
  const seconds = (timeoutMs / 1000).toFixed(2);
  return new Promise<unknown>((resolve, reject) => {
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      req.destroy();
      reject(new Error(message));
    };
    const req = httpsRequest(
      url,
      {
        method: "POST",
        rejectUnauthorized: false, // opsiclientd uses a certificate of the opsi CA, often for another name
        headers: {
          authorization: `Basic ${Buffer.from(`:${target.hostKey}`).toString("base64")}`,
          "content-type": "application/json",
          accept: "application/json",
          "content-length": String(body.byteLength),
          "user-agent": "opsi-ts host control",
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", (err) => fail(`Failed to read the response of ${url}: ${err.message}`));
        res.on("end", () => {
          if (settled) return;
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: { result?: unknown; error?: unknown } | undefined;
          try {
            parsed = JSON.parse(text) as { result?: unknown; error?: unknown };
          } catch {
            parsed = undefined;
          }
          if (res.statusCode === 401) return fail(`Authentication at ${url} failed (HTTP 401): opsi host key not accepted`);
          if (parsed?.error !== undefined && parsed.error !== null) return fail(rpcErrorText(parsed.error));
          if ((res.statusCode ?? 500) >= 400) return fail(`${url} answered HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
          if (parsed === undefined) return fail(`${url} answered with invalid JSON: ${text.slice(0, 200)}`);
          settled = true;
          clearTimeout(deadline);
          resolve(parsed.result ?? null);
        });
      },
    );
    // Whole request: connect + read (opsiconfd kills its thread 5 s after the timeout).
    const deadline = setTimeout(() => fail(`timed out after ${seconds} seconds`), timeoutMs);
    req.on("timeout", () => fail(`Connection to ${url} timed out after ${seconds} seconds`));
    req.on("error", (err: NodeJS.ErrnoException) => fail(`Failed to connect to ${url}: ${err.code ?? err.message}`));
    req.end(body);
  });
}

/** The message of a JSON-RPC error (`{message, data: {class}}` or a string). */
function rpcErrorText(error: unknown): string {
  if (typeof error === "string") return error;
  if (error && typeof error === "object") {
    const { message, data } = error as { message?: unknown; data?: { class?: unknown } };
    const cls = data && typeof data === "object" && typeof data.class === "string" ? data.class : null;
    if (typeof message === "string") return cls && !message.includes(cls) ? `${cls}: ${message}` : message;
  }
  return JSON.stringify(error);
}

/** opsiconfd `_opsiclientd_rpc`: direct calls, `{hostId: {result, error}}`. */
async function opsiclientdRpc(
  ctx: MethodContext,
  ids: readonly string[],
  method: string,
  params: readonly unknown[],
  timeoutMs: number,
): Promise<Results> {
  if (ids.length === 0) throw new BackendMissingDataError("No matching host ids found");
  const results: Results = {};
  const targets = await directTargets(ctx, ids, results);
  await withLimit(targets, ctx.settings.hostControlConfig.maxConnections, async (target) => {
    try {
      results[target.id] = { result: await opsiclientdJsonRpc(target, method, params, timeoutMs), error: null };
    } catch (err: unknown) {
      results[target.id] = { result: null, error: errorText(err) };
    }
  });
  return results;
}

// ---------------------------------------------------------------------------------------------
// Bus + hybrid (opsiconfd `_messagebus_rpc`)

/** Calls `method` on clients: over the bus where connected, directly (hybrid) or not at all (bus only) otherwise. */
async function hostRpc(
  ctx: MethodContext,
  ids: readonly string[],
  method: string,
  params: readonly unknown[],
  timeoutSeconds?: unknown,
): Promise<Results> {
  const config = ctx.settings.hostControlConfig;
  const seconds = Number(timeoutSeconds);
  const timeoutMs = timeoutSeconds !== null && timeoutSeconds !== undefined && seconds > 0 ? seconds * 1000 : config.hostRpcTimeoutMs;
  let results: Results;
  if (!config.useMessagebus) {
    results = await opsiclientdRpc(ctx, ids, method, params, timeoutMs);
  } else {
    const bus = ctx.settings.hostControl;
    const online = new Set(bus ? await bus.connectedIds() : []);
    const connected = ids.filter((id) => online.has(id));
    const offline = ids.filter((id) => !online.has(id));
    results = {};
    const work: Promise<void>[] = [];
    if (offline.length > 0) {
      if (config.useMessagebus === "hybrid") {
        work.push(opsiclientdRpc(ctx, offline, method, params, timeoutMs).then((r) => void Object.assign(results, r)));
      } else {
        for (const id of offline) results[id] = { result: null, error: "Host currently not connected to messagebus" };
      }
    }
    if (connected.length > 0 && bus) {
      work.push(bus.callHosts(connected, method, params, timeoutMs).then((r) => void Object.assign(results, r)));
    }
    await Promise.all(work);
  }
  // The order of the request.
  const ordered: Results = {};
  for (const id of ids) if (results[id]) ordered[id] = results[id];
  for (const [id, value] of Object.entries(results)) ordered[id] ??= value;
  return ordered;
}

/** TCP connect check of opsiclientd's port (opsiconfd `ConnectionThread`). */
function tcpReachable(address: string, port: number, timeoutMs: number): Promise<boolean> {
  const host = address.startsWith("[") ? address.slice(1, -1) : address;
  return new Promise<boolean>((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("error", () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

async function reachable(ctx: MethodContext, hostIds: unknown, timeoutSeconds: unknown): Promise<Record<string, boolean>> {
  const ids = await clientIds(ctx, hostIds);
  const config = ctx.settings.hostControlConfig;
  const seconds = Number(timeoutSeconds);
  const timeoutMs = timeoutSeconds !== null && timeoutSeconds !== undefined && seconds > 0 ? seconds * 1000 : config.hostReachableTimeoutMs;
  const result: Record<string, boolean> = {};
  let check = ids;
  if (config.useMessagebus) {
    const online = new Set(ctx.settings.hostControl ? await ctx.settings.hostControl.connectedIds() : []);
    for (const id of ids) result[id] = online.has(id);
    if (config.useMessagebus !== "hybrid") return result;
    check = ids.filter((id) => !online.has(id));
    if (check.length === 0) return result;
  }
  const failed: Results = {};
  const targets = await directTargets(ctx, check, failed);
  for (const id of Object.keys(failed)) result[id] = false;
  await withLimit(targets, config.maxConnections, async (target) => {
    result[target.id] = await tcpReachable(target.address, target.port, timeoutMs);
  });
  return result;
}

// ---------------------------------------------------------------------------------------------
// processActionRequests

/** Python's `repr` of a list of strings, as in opsiconfd's error text. */
function pythonRepr(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(", ")}]`;
  if (typeof value === "string") return `'${value}'`;
  return value === null || value === undefined ? "None" : String(value);
}

async function processActionRequests(ctx: MethodContext, args: BoundParams["args"]): Promise<Results> {
  const ids = await clientIds(ctx, args.hostIds);
  const productIds = hostIdFilter(args.productIds);
  const visibility = args.visibility === null || args.visibility === undefined ? null : String(args.visibility);
  const extra = visibility === null ? [] : [visibility];
  if (!productIds) return hostRpc(ctx, ids, "processActionRequests", []);
  const results: Results = {};
  for (const clientId of ids) {
    const pocs = (await ctx.backend.getObjects("productOnClient", null, { clientId, productId: productIds })).filter((poc) => {
      const action = (poc as { actionRequest?: string | null }).actionRequest;
      return action && action !== "none";
    });
    if (pocs.length === 0) {
      results[clientId] = {
        result: null,
        error: `No product action requests set for client ${pythonRepr(clientId)} and products ${pythonRepr(listOf(args.productIds))}`,
      };
      continue;
    }
    const updated = await updateObjectsWithDependencies(ctx.backend, pocs);
    const ids = updated.map((poc) => (poc as { productId: string }).productId);
    Object.assign(results, await hostRpc(ctx, [clientId], "processActionRequests", [ids, ...extra]));
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// Handlers

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Refuses an empty host list, as every `hostControlSafe_*` does. */
function requireHostIds(hostIds: unknown): void {
  if (isEmptyHostIds(hostIds)) throw new BackendMissingDataError("No matching host ids found");
}

/** The unsafe handlers, by method name. */
/** `hostControl_start`: a Wake-on-LAN magic packet per client; `{hostId: {result: "sent", error}}`. */
async function startHosts(ctx: MethodContext, hostIds: unknown): Promise<Results> {
  const ids = await clientIds(ctx, hostIds);
  const hosts = (await ctx.internal.getObjects("host", ["id", "hardwareAddress", "ipAddress"], { type: "OpsiClient", id: ids })) as {
    id: string;
    hardwareAddress?: string | null;
    ipAddress?: string | null;
  }[];
  const byId = new Map(hosts.map((h) => [h.id, h]));
  const results: Results = {};
  for (const id of ids) {
    const host = byId.get(id);
    if (!host?.hardwareAddress) {
      results[id] = { result: null, error: `Failed to get hardware address for host '${id}'` };
      continue;
    }
    try {
      await wakeOnLan(
        { hardwareAddress: host.hardwareAddress, ipAddress: host.ipAddress ?? null },
        ctx.settings.hostControlConfig.broadcastAddresses,
      );
      results[id] = { result: "sent", error: null };
    } catch (err: unknown) {
      results[id] = { result: null, error: err instanceof Error ? err.message : String(err) };
    }
  }
  return results;
}

/** `network_sendBroadcast(broadcast_address, ports, data)`: base64 `data` as UDP broadcast to the ports. */
async function networkSendBroadcast(p: BoundParams): Promise<null> {
  const address = p.args.broadcast_address;
  if (typeof address !== "string" || address === "") throw new BackendBadValueError("broadcast_address must be an address");
  const ports = listOf(p.args.ports).map(Number);
  if (ports.length === 0 || ports.some((port) => !Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new BackendBadValueError(`Invalid ports ${JSON.stringify(p.args.ports)}`);
  }
  if (typeof p.args.data !== "string") throw new BackendBadValueError("data must be base64 text");
  await sendBroadcast([{ address, ports }], Buffer.from(p.args.data, "base64"));
  return null;
}

function unsafeHandlers(): Map<string, MethodHandler> {
  const h = new Map<string, MethodHandler>();
  h.set("hostControl_start", (ctx, p) => startHosts(ctx, p.args.hostIds));
  const simple = (name: string, method: string, refuseEmpty = false) =>
    h.set(name, async (ctx, p) => {
      if (refuseEmpty && isEmptyHostIds(p.args.hostIds)) throw new BackendMissingDataError("No host ids given");
      return hostRpc(ctx, await clientIds(ctx, p.args.hostIds), method, []);
    });
  simple("hostControl_shutdown", "shutdown", true);
  simple("hostControl_reboot", "reboot", true);
  simple("hostControl_uptime", "uptime");
  simple("hostControl_getActiveSessions", "getActiveSessions");
  h.set("hostControl_fireEvent", async (ctx, p) => hostRpc(ctx, await clientIds(ctx, p.args.hostIds), "fireEvent", [String(p.args.event)]));
  h.set("hostControl_showPopup", async (ctx, p) => {
    const ids = await clientIds(ctx, p.args.hostIds);
    const params: unknown[] = [String(p.args.message), p.args.mode ?? "prepend", p.args.addTimestamp ?? true];
    if (p.args.displaySeconds !== null && p.args.displaySeconds !== undefined) params.push(Math.trunc(Number(p.args.displaySeconds)));
    return hostRpc(ctx, ids, "showPopup", params);
  });
  h.set("hostControl_execute", async (ctx, p) => {
    const ids = await clientIds(ctx, p.args.hostIds);
    const a = p.args;
    return hostRpc(ctx, ids, "execute", [
      String(a.command),
      a.waitForEnding ?? true,
      a.captureStderr ?? true,
      a.encoding ?? null,
      a.timeout ?? 300,
    ]);
  });
  h.set("hostControl_opsiclientdRpc", async (ctx, p) => {
    const ids = await clientIds(ctx, p.args.hostIds);
    return hostRpc(ctx, ids, String(p.args.method), listOf(p.args.params), p.args.timeout);
  });
  h.set("hostControl_reachable", (ctx, p) => reachable(ctx, p.args.hostIds, p.args.timeout));
  h.set("hostControl_processActionRequests", (ctx, p) => processActionRequests(ctx, p.args));
  return h;
}

/**
 * Handlers of `hostControl_*` and `hostControlSafe_*`, the legacy `powerOnHost` and `network_sendBroadcast`.
 * @example hostControlHandlers().get("hostControl_fireEvent")
 */
export function hostControlHandlers(): Map<string, MethodHandler> {
  const h = unsafeHandlers();
  const extra = new Map<string, MethodHandler>([
    ["powerOnHost", (ctx, p) => startHosts(ctx, [p.args.hostId])],
    ["network_sendBroadcast", (_ctx, p) => networkSendBroadcast(p)],
  ]);
  for (const [name, handler] of [...h]) {
    const safe = name.replace("hostControl_", "hostControlSafe_");
    if (safe === "hostControlSafe_processActionRequests") continue; // opsi has no safe variant
    h.set(safe, async (ctx, p) => {
      requireHostIds(p.args.hostIds);
      return handler(ctx, p);
    });
  }
  for (const [name, handler] of extra) h.set(name, handler);
  return h;
}
