/**
 * @module hub/connections
 * Who is connected to the bus, counted over every process that shares a broker: the hub's first/last
 * connection decisions (`host_connected` / `host_disconnected`), `host_getMessagebusConnectedIds` and host
 * control read it. `MemoryConnectionRegistry` counts the sockets of one process; `RedisConnectionRegistry`
 * keeps opsiconfd's counters (hash `<prefix>:messagebus:connections:{clients|depots|users}:<id>`, field
 * `websocket_count`) so that several processes see each other's connections.
 */
import type { BusIdentity, IdentityKind } from "../channels.js";

/** Connection counts per identity. */
export interface ConnectionRegistry {
  /** Counts one more connection of `identity`; resolves to the count over all processes afterwards. */
  added(identity: BusIdentity): Promise<number>;
  /** Counts one connection less; resolves to the count afterwards (never below 0). */
  removed(identity: BusIdentity): Promise<number>;
  /** Names (host ids / user names) with at least one connection, sorted; all kinds when `kind` is omitted. */
  connectedIds(kind?: IdentityKind): Promise<string[]>;
}

/** The counts of one process. */
export class MemoryConnectionRegistry implements ConnectionRegistry {
  readonly #counts = new Map<string, { kind: IdentityKind; name: string; count: number }>();

  async added(identity: BusIdentity): Promise<number> {
    const key = `${identity.kind}:${identity.name}`;
    const entry = this.#counts.get(key) ?? { kind: identity.kind, name: identity.name, count: 0 };
    entry.count += 1;
    this.#counts.set(key, entry);
    return entry.count;
  }

  async removed(identity: BusIdentity): Promise<number> {
    const key = `${identity.kind}:${identity.name}`;
    const entry = this.#counts.get(key);
    if (!entry) return 0;
    entry.count -= 1;
    if (entry.count <= 0) {
      this.#counts.delete(key);
      return 0;
    }
    return entry.count;
  }

  async connectedIds(kind?: IdentityKind): Promise<string[]> {
    return [...this.#counts.values()]
      .filter((e) => e.count > 0 && (kind === undefined || e.kind === kind))
      .map((e) => e.name)
      .sort();
  }
}

/** The subset of a node-redis v5 client the registry uses. */
export interface ConnectionRedisClient {
  hIncrBy(key: string, field: string, increment: number): Promise<number>;
  hGet(key: string, field: string): Promise<string | null | undefined>;
  del(keys: string | string[]): Promise<number>;
  scanIterator(options: { MATCH: string; COUNT?: number }): AsyncIterable<string[]>;
}

const GROUP: Record<IdentityKind, string> = { client: "clients", depot: "depots", user: "users" };

/**
 * opsiconfd's connection counters in Redis, shared by every process of a scale-out setup.
 * @example const registry = new RedisConnectionRegistry(await createClient({ url }).connect());
 */
export class RedisConnectionRegistry implements ConnectionRegistry {
  readonly #client: ConnectionRedisClient;
  readonly #prefix: string;

  /** `prefix` is opsiconfd's `--redis-prefix` (default `opsiconfd`). */
  constructor(client: ConnectionRedisClient, options: { prefix?: string } = {}) {
    this.#client = client;
    this.#prefix = `${options.prefix ?? "opsiconfd"}:messagebus:connections`;
  }

  #key(identity: BusIdentity): string {
    return `${this.#prefix}:${GROUP[identity.kind]}:${identity.name}`;
  }

  async added(identity: BusIdentity): Promise<number> {
    return this.#client.hIncrBy(this.#key(identity), "websocket_count", 1);
  }

  async removed(identity: BusIdentity): Promise<number> {
    const key = this.#key(identity);
    const count = await this.#client.hIncrBy(key, "websocket_count", -1);
    if (count <= 0) {
      // Nothing left (or a counter that went wrong after a crash): drop it, like opsiconfd's cleanup.
      await this.#client.del(key);
      return 0;
    }
    return count;
  }

  async connectedIds(kind?: IdentityKind): Promise<string[]> {
    const kinds = kind === undefined ? (Object.keys(GROUP) as IdentityKind[]) : [kind];
    const ids = new Set<string>();
    for (const k of kinds) {
      const base = `${this.#prefix}:${GROUP[k]}:`;
      for await (const keys of this.#client.scanIterator({ MATCH: `${base.replace(/[*?[\]\\]/g, "\\$&")}*`, COUNT: 1000 })) {
        // Issued together: node-redis pipelines the commands of one tick (one round trip per SCAN page).
        const counts = await Promise.all(keys.map((key) => this.#client.hGet(key, "websocket_count")));
        keys.forEach((key, i) => {
          if (Number(counts[i]) > 0) ids.add(key.slice(base.length));
        });
      }
    }
    return [...ids].sort();
  }

  /** Deletes every counter (opsiconfd does this when its manager starts: counters of dead processes are stale). */
  async reset(): Promise<number> {
    let deleted = 0;
    for await (const keys of this.#client.scanIterator({ MATCH: `${this.#prefix.replace(/[*?[\]\\]/g, "\\$&")}:*`, COUNT: 1000 })) {
      if (keys.length > 0) deleted += await this.#client.del(keys);
    }
    return deleted;
  }
}
