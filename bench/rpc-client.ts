/**
 * @module bench/rpc-client
 * The load side of the RPC benchmark: N `ServiceClient`s (one session and one connection pool each)
 * running a request list in a loop for a fixed time, recording every latency.
 */
import { performance } from "node:perf_hooks";
import { createHttpFetch, type HttpFetch } from "../packages/cli/src/index.js";
import { type RpcCall, ServiceClient } from "../packages/core/src/index.js";
import { LZ4_FRAME } from "../packages/service/src/index.js";

/** Wire format of a client set. */
export type WireFormat = "msgpack+lz4" | "json";

/** One benchmark client with its own session and connections. */
export interface BenchClient {
  readonly client: ServiceClient;
  readonly fetch: HttpFetch;
}

/** Connection settings shared by all clients. */
export interface BenchClientOptions {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly caPem: string;
  readonly format: WireFormat;
}

/**
 * Creates and connects `count` clients (each logs in and gets its own session).
 * @example const clients = await connectClients(50, { url, username, password, caPem, format: "json" });
 */
export async function connectClients(count: number, options: BenchClientOptions): Promise<BenchClient[]> {
  const clients = Array.from({ length: count }, (): BenchClient => {
    const fetch = createHttpFetch({ ca: options.caPem });
    const client = new ServiceClient({
      url: options.url,
      username: options.username,
      password: options.password,
      serialization: options.format === "json" ? "json" : "msgpack",
      compression: options.format === "json" ? "none" : "lz4",
      lz4: LZ4_FRAME,
      userAgent: "opsi-ts-bench/0.1.0",
      fetch,
    });
    return { client, fetch };
  });
  await Promise.all(clients.map((c) => c.client.connect()));
  return clients;
}

/**
 * Logs all clients out and closes their connections.
 * @example await closeClients(clients);
 */
export async function closeClients(clients: readonly BenchClient[]): Promise<void> {
  await Promise.all(clients.map((c) => c.client.disconnect()));
  for (const c of clients) c.fetch.close();
}

/** What one load run measured. */
export interface LoadResult {
  /** Completed requests (successful or not). */
  readonly requests: number;
  readonly errors: number;
  readonly firstError: string | null;
  /** Wall time from start until the last client finished, ms. */
  readonly elapsedMs: number;
  /** Latency of every successful request per method, ms, sorted. */
  readonly latencies: ReadonlyMap<string, readonly number[]>;
  /** All successful latencies, ms, sorted. */
  readonly all: readonly number[];
}

/**
 * Combines load runs of the same calls (e.g. interleaved rounds) into one result.
 * @example const total = mergeLoads([round1, round2]);
 */
export function mergeLoads(runs: readonly LoadResult[]): LoadResult {
  const latencies = new Map<string, number[]>();
  for (const r of runs) for (const [method, list] of r.latencies) latencies.set(method, [...(latencies.get(method) ?? []), ...list]);
  for (const list of latencies.values()) list.sort((a, b) => a - b);
  return {
    requests: runs.reduce((n, r) => n + r.requests, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    firstError: runs.find((r) => r.firstError !== null)?.firstError ?? null,
    elapsedMs: runs.reduce((n, r) => n + r.elapsedMs, 0),
    latencies,
    all: [...latencies.values()].flat().sort((a, b) => a - b),
  };
}

/**
 * Every client runs `calls` in order, again and again, until `durationMs` is over; each client stops
 * after its first call that ends past the deadline, so at most one call per client runs over.
 * @example const result = await runLoad(clients, [{ method: "accessControl_authenticated", params: [] }], 20_000);
 */
export async function runLoad(clients: readonly BenchClient[], calls: readonly RpcCall[], durationMs: number): Promise<LoadResult> {
  const latencies = new Map<string, number[]>(calls.map((c) => [c.method, []]));
  let requests = 0;
  let errors = 0;
  let firstError: string | null = null;
  const start = performance.now();
  const deadline = start + durationMs;
  await Promise.all(
    clients.map(async ({ client }) => {
      while (performance.now() < deadline) {
        for (const call of calls) {
          const t0 = performance.now();
          try {
            await client.call(call.method, call.params ?? []);
            latencies.get(call.method)?.push(performance.now() - t0);
          } catch (e: unknown) {
            errors += 1;
            firstError ??= `${call.method}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
          }
          requests += 1;
          if (performance.now() >= deadline) break;
        }
      }
    }),
  );
  const elapsedMs = performance.now() - start;
  for (const list of latencies.values()) list.sort((a, b) => a - b);
  const all = [...latencies.values()].flat().sort((a, b) => a - b);
  return { requests, errors, firstError, elapsedMs, latencies, all };
}
