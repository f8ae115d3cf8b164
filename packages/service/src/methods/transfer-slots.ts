/** @module methods/transfer-slots Transfer slots of depots (`depot_acquireTransferSlot` & co.): the store interface, an in-memory and a Redis store, and the RPC handlers. */
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { BackendBadValueError, BackendMissingDataError, forceHostId } from "@opsi-ts/core";
import type { MethodContext, MethodHandler } from "./context.js";

/** The slot types opsi knows. */
export const TRANSFER_SLOT_TYPES = ["opsiclientd_product_sync", "opsi_package_updater"] as const;
/** One of {@link TRANSFER_SLOT_TYPES}. */
export type TransferSlotType = (typeof TRANSFER_SLOT_TYPES)[number];
/** Seconds a slot lives after its last acquire (opsi `TRANSFER_SLOT_RETENTION_TIME`). */
export const TRANSFER_SLOT_RETENTION_SECONDS = 60;
/** Maximum slots per depot and type when no config defines one (opsi `TRANSFER_SLOT_MAX`). */
export const TRANSFER_SLOT_FALLBACK_MAX = 1000;
/** Default path of the SSH host RSA public key returned by `depot_getHostRSAPublicKey`. */
export const SSH_HOST_RSA_PUBLIC_KEY_FILE = "/etc/ssh/ssh_host_rsa_key.pub";

/** A stored slot. */
export interface StoredTransferSlot {
  readonly depotId: string;
  readonly hostId: string;
  readonly slotType: TransferSlotType;
  readonly slotId: string;
  /** Expiry, milliseconds since the epoch. */
  readonly expiresAt: number;
}

/** What an acquire asks the store for. */
export interface TransferSlotRequest {
  readonly depotId: string;
  readonly hostId: string;
  readonly slotType: TransferSlotType;
  /** The caller's slot id: refreshed if it still exists, else used for the new slot. */
  readonly slotId: string | null;
  /** Maximum slots of this depot and type. */
  readonly max: number;
  readonly retentionSeconds: number;
}

/**
 * Storage of transfer slots. Implementations must make `acquire` atomic per (depot, type) and
 * drop expired slots (in-memory: on read; Redis: by key TTL).
 */
export interface TransferSlotStore {
  /** Refreshes the caller's existing slot, or creates one if fewer than `max` exist; null when full. */
  acquire(request: TransferSlotRequest): Promise<StoredTransferSlot | null>;
  /** Removes a slot; true if it existed. */
  release(depotId: string, hostId: string, slotType: TransferSlotType, slotId: string): Promise<boolean>;
  /** The live slots of a depot (all types). */
  list(depotId: string): Promise<StoredTransferSlot[]>;
}

const slotKey = (depotId: string, slotType: string, hostId: string, slotId: string): string => `${depotId}:${slotType}:${hostId}:${slotId}`;

/**
 * A process-local {@link TransferSlotStore}; expired slots vanish on the next access.
 * @example const store = new MemoryTransferSlotStore(() => fakeNow);
 */
export class MemoryTransferSlotStore implements TransferSlotStore {
  private readonly slots = new Map<string, StoredTransferSlot>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly newId: () => string = randomUUID,
  ) {}

  private purge(): void {
    const now = this.now();
    for (const [key, slot] of this.slots) if (slot.expiresAt <= now) this.slots.delete(key);
  }

  async acquire(request: TransferSlotRequest): Promise<StoredTransferSlot | null> {
    this.purge();
    const { depotId, hostId, slotType } = request;
    const expiresAt = this.now() + request.retentionSeconds * 1000;
    if (request.slotId !== null) {
      const key = slotKey(depotId, slotType, hostId, request.slotId);
      const existing = this.slots.get(key);
      if (existing) {
        const refreshed = { ...existing, expiresAt };
        this.slots.set(key, refreshed);
        return refreshed;
      }
    }
    let count = 0;
    for (const slot of this.slots.values()) if (slot.depotId === depotId && slot.slotType === slotType) count++;
    if (count >= request.max) return null;
    const slot: StoredTransferSlot = { depotId, hostId, slotType, slotId: request.slotId ?? this.newId(), expiresAt };
    this.slots.set(slotKey(depotId, slotType, hostId, slot.slotId), slot);
    return slot;
  }

  async release(depotId: string, hostId: string, slotType: TransferSlotType, slotId: string): Promise<boolean> {
    this.purge();
    return this.slots.delete(slotKey(depotId, slotType, hostId, slotId));
  }

  async list(depotId: string): Promise<StoredTransferSlot[]> {
    this.purge();
    return [...this.slots.values()].filter((s) => s.depotId === depotId);
  }
}

/**
 * The one Redis command {@link RedisTransferSlotStore} needs: node-redis' `client.eval(script, {keys, arguments})`
 * (a connected `createClient()` from the `redis` package fits as is).
 */
export interface TransferSlotRedisClient {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** Options of {@link RedisTransferSlotStore}. */
export interface RedisTransferSlotStoreOptions {
  /** Key prefix (opsiconfd's `redis_key()` prefix); default `opsiconfd`, giving `opsiconfd:slot:…`. */
  readonly prefix?: string;
  readonly now?: () => number;
  readonly newId?: () => string;
}

/**
 * Acquire as one Lua script: Redis runs a script atomically (no other client's command interleaves),
 * so counting the depot's slots of a type and inserting the new one cannot race, across any number
 * of server processes. No separate lock key is needed.
 * KEYS[1] slot key; ARGV: scan pattern of the depot and type, host id, TTL ms, max, "1" to refresh an existing slot.
 * Returns 1 refreshed, 2 created, 0 full. SCAN results are de-duplicated (SCAN may repeat keys).
 */
const ACQUIRE_SCRIPT = `
if ARGV[5] == '1' and redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
local seen = {}
local count = 0
local cursor = '0'
repeat
  local reply = redis.call('SCAN', cursor, 'MATCH', ARGV[1], 'COUNT', 1000)
  cursor = reply[1]
  for _, key in ipairs(reply[2]) do
    if not seen[key] then
      seen[key] = true
      count = count + 1
    end
  end
until cursor == '0'
if count >= tonumber(ARGV[4]) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 2
`;

/** Keys matching ARGV[1] with their remaining TTL in ms: {key1, pttl1, key2, pttl2, …}. */
const LIST_SCRIPT = `
local seen = {}
local out = {}
local cursor = '0'
repeat
  local reply = redis.call('SCAN', cursor, 'MATCH', ARGV[1], 'COUNT', 1000)
  cursor = reply[1]
  for _, key in ipairs(reply[2]) do
    if not seen[key] then
      seen[key] = true
      local ttl = redis.call('PTTL', key)
      if ttl ~= -2 then
        out[#out + 1] = key
        out[#out + 1] = ttl
      end
    end
  end
until cursor == '0'
return out
`;

const RELEASE_SCRIPT = `return redis.call('DEL', KEYS[1])`;

const globEscape = (value: string): string => value.replace(/[*?[\]\\]/g, "\\$&");

/**
 * A {@link TransferSlotStore} in Redis with opsiconfd's key layout: one key
 * `<prefix>:slot:<depot>:<type>:<host>:<slot_id>` per slot, value = host id, expiring after the
 * retention time (`SET … PX`). Acquire is a single atomic Lua script (see {@link ACQUIRE_SCRIPT});
 * release deletes the key; list scans `<prefix>:slot:<depot>:*`.
 * @example const store = new RedisTransferSlotStore(await createClient({ url: "redis://127.0.0.1:6379" }).connect());
 */
export class RedisTransferSlotStore implements TransferSlotStore {
  private readonly prefix: string;
  private readonly now: () => number;
  private readonly newId: () => string;

  constructor(
    private readonly client: TransferSlotRedisClient,
    options: RedisTransferSlotStoreOptions = {},
  ) {
    this.prefix = `${options.prefix ?? "opsiconfd"}:slot`;
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? randomUUID;
  }

  /** The Redis key of a slot. */
  key(depotId: string, slotType: string, hostId: string, slotId: string): string {
    return `${this.prefix}:${slotKey(depotId, slotType, hostId, slotId)}`;
  }

  async acquire(request: TransferSlotRequest): Promise<StoredTransferSlot | null> {
    const { depotId, hostId, slotType } = request;
    const ttlMs = Math.max(1, Math.round(request.retentionSeconds * 1000));
    const slotId = request.slotId ?? this.newId();
    const result = await this.client.eval(ACQUIRE_SCRIPT, {
      keys: [this.key(depotId, slotType, hostId, slotId)],
      arguments: [
        `${globEscape(`${this.prefix}:${depotId}:${slotType}`)}:*`,
        hostId,
        String(ttlMs),
        String(request.max),
        request.slotId !== null ? "1" : "0",
      ],
    });
    if (Number(result) === 0) return null;
    return { depotId, hostId, slotType, slotId, expiresAt: this.now() + ttlMs };
  }

  async release(depotId: string, hostId: string, slotType: TransferSlotType, slotId: string): Promise<boolean> {
    const deleted = await this.client.eval(RELEASE_SCRIPT, { keys: [this.key(depotId, slotType, hostId, slotId)], arguments: [] });
    return Number(deleted) > 0;
  }

  async list(depotId: string): Promise<StoredTransferSlot[]> {
    const reply = await this.client.eval(LIST_SCRIPT, { keys: [], arguments: [`${globEscape(`${this.prefix}:${depotId}`)}:*`] });
    const flat = Array.isArray(reply) ? reply : [];
    const now = this.now();
    const slots: StoredTransferSlot[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const key = String(flat[i]);
      const ttl = Number(flat[i + 1]);
      const [depot, slotType, hostId, slotId, ...rest] = key.slice(this.prefix.length + 1).split(":");
      if (rest.length > 0 || depot !== depotId || !hostId || !slotId) continue;
      if (!(TRANSFER_SLOT_TYPES as readonly string[]).includes(slotType ?? "")) continue;
      slots.push({
        depotId,
        hostId,
        slotType: slotType as TransferSlotType,
        slotId,
        expiresAt: ttl >= 0 ? now + ttl : Number.POSITIVE_INFINITY,
      });
    }
    return slots;
  }
}

/** The wire form of a slot (opsi's `TransferSlot` dataclass). */
export interface TransferSlotResult {
  depot_id: string | null;
  host_id: string | null;
  slot_id: string | null;
  slot_type: TransferSlotType;
  retry_after: number | null;
  retention: number | null;
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

function forceSlotType(value: unknown): TransferSlotType {
  const v = value ?? "opsiclientd_product_sync";
  if (typeof v === "string" && (TRANSFER_SLOT_TYPES as readonly string[]).includes(v)) return v as TransferSlotType;
  throw new BackendBadValueError(`Invalid slot_type: ${String(value)}`);
}

function forceSlotId(value: unknown): string {
  if (typeof value !== "string" || !UUID.test(value)) throw new BackendBadValueError(`Invalid slot_id: ${String(value)}`);
  const hex = value.replace(/-/g, "").toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function firstInt(values: readonly unknown[] | null | undefined): number | undefined {
  const v = values?.[0];
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? Math.trunc(n) : undefined;
}

/** Max slots of a depot and type: the depot's ConfigState, else the config's default, else 1000. */
async function maxSlots(ctx: MethodContext, depotId: string, slotType: TransferSlotType): Promise<number> {
  const configId = `opsiconfd.transfer.slots_${slotType}`;
  const [state] = await ctx.internal.getObjects("configState", null, { configId, objectId: depotId });
  const fromState = firstInt((state as { values?: unknown[] | null } | undefined)?.values);
  if (fromState !== undefined) return fromState;
  const [config] = await ctx.internal.getObjects("config", null, { id: configId });
  return firstInt((config as { defaultValues?: unknown[] | null } | undefined)?.defaultValues) ?? TRANSFER_SLOT_FALLBACK_MAX;
}

/**
 * `depot_acquireTransferSlot(depot, host, slot_id, slot_type)`: the slot, or (when the depot is full)
 * one with null ids and `retry_after` 60–120 s.
 * @example await acquireTransferSlot(ctx, "depot1.opsi.test", "client1.opsi.test", null, "opsiclientd_product_sync")
 */
export async function acquireTransferSlot(
  ctx: MethodContext,
  depotArg: unknown,
  hostArg: unknown,
  slotIdArg: unknown,
  slotTypeArg: unknown,
): Promise<TransferSlotResult> {
  const depotId = forceHostId(depotArg);
  const hostId = forceHostId(hostArg);
  const slotType = forceSlotType(slotTypeArg);
  const slotId = slotIdArg === null || slotIdArg === undefined || slotIdArg === "" ? null : forceSlotId(slotIdArg);
  const retention = TRANSFER_SLOT_RETENTION_SECONDS;
  const slot = await ctx.settings.transferSlots.acquire({
    depotId,
    hostId,
    slotType,
    slotId,
    max: await maxSlots(ctx, depotId, slotType),
    retentionSeconds: retention,
  });
  if (!slot) {
    const retryAfter = 60 + Math.floor(ctx.settings.random() * 61);
    return { depot_id: null, host_id: null, slot_id: null, slot_type: "opsiclientd_product_sync", retry_after: retryAfter, retention };
  }
  return { depot_id: slot.depotId, host_id: slot.hostId, slot_id: slot.slotId, slot_type: slot.slotType, retry_after: null, retention };
}

/**
 * `depot_getHostRSAPublicKey()`: the text of the server's SSH host RSA public key.
 * @example await hostRsaPublicKey("/etc/ssh/ssh_host_rsa_key.pub") // "ssh-rsa AAAA… root@host\n"
 */
export async function hostRsaPublicKey(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (e: unknown) {
    throw new BackendMissingDataError(`Failed to read SSH host RSA public key '${file}': ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Handlers of the transfer slot methods and `depot_getHostRSAPublicKey`.
 * @example transferSlotHandlers().get("depot_acquireTransferSlot")
 */
export function transferSlotHandlers(): Map<string, MethodHandler> {
  const h = new Map<string, MethodHandler>();
  h.set("depot_acquireTransferSlot", (ctx, p) => acquireTransferSlot(ctx, p.args.depot, p.args.host, p.args.slot_id, p.args.slot_type));
  h.set("depot_releaseTransferSlot", async (ctx, p) => {
    const depotId = forceHostId(p.args.depot);
    const hostId = forceHostId(p.args.host);
    const slotType = forceSlotType(p.args.slot_type);
    await ctx.settings.transferSlots.release(depotId, hostId, slotType, forceSlotId(p.args.slot_id));
    return null;
  });
  h.set("depot_listTransferSlot", async (ctx, p) => {
    const depotId = forceHostId(p.args.depot);
    const slots = await ctx.settings.transferSlots.list(depotId);
    return slots.map(
      (s): TransferSlotResult => ({
        depot_id: s.depotId,
        host_id: s.hostId,
        slot_id: s.slotId,
        slot_type: s.slotType,
        retry_after: null,
        retention: null,
      }),
    );
  });
  h.set("depot_getHostRSAPublicKey", (ctx) => hostRsaPublicKey(ctx.settings.sshHostRsaPublicKeyFile));
  h.set("getHostRSAPublicKey", (ctx) => ctx.call("depot_getHostRSAPublicKey"));
  return h;
}
