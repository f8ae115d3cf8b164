/**
 * @module broker/redis-stream
 * Low-level helpers of the Redis broker: the key layout, stream ids, parsing of raw (RESP2, Buffer)
 * stream replies, and the Lua scripts.
 */

/**
 * Redis keys of the bus, opsiconfd's layout (`opsiconfd/messagebus/redis.py`).
 * @example redisKeys("opsiconfd").stream("host:pc1.dom.tld") // "opsiconfd:messagebus:channels:host:pc1.dom.tld"
 */
export function redisKeys(prefix: string) {
  const base = `${prefix}:messagebus`;
  return {
    /** Stream of a channel; entries `{message: <msgpack>}` (opsiconfd's dummy `{ignore: ""}` entries are skipped). */
    stream: (channel: string) => `${base}:channels:${channel}`,
    /** Channel info hash (`last-delivered-id` and per-identity positions). */
    info: (channel: string) => `${base}:channels:${channel}:info`,
    /** SCAN pattern matching every channel stream (and info hash: scan with TYPE stream). */
    channelPattern: () => `${escapeGlob(`${base}:channels:`)}*`,
    /** Stream used to wake the blocking reader of one broker instance. */
    wakeup: (node: string) => `${base}:brokers:${node}:wakeup`,
  };
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}

/**
 * The info-hash field holding the replay position of `identity` on `channel`: opsiconfd's
 * `last-delivered-id` for the channel's own identity, `last-delivered-id:<identity>` for others.
 */
export function positionField(channel: string, identity: string): string {
  return identity === channel ? "last-delivered-id" : `last-delivered-id:${identity}`;
}

/**
 * Compares two stream ids (`<ms>-<seq>`): negative, zero or positive.
 * @example compareIds("1-10", "2-0") < 0
 */
export function compareIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split("-").map(Number);
  const [bm = 0, bs = 0] = b.split("-").map(Number);
  return am === bm ? as - bs : am - bm;
}

/** One stream entry; `fields` is null for an entry that was deleted (trimmed) while pending. */
export interface RawEntry {
  readonly id: string;
  readonly fields: ReadonlyMap<string, Buffer> | null;
}

const text = (value: unknown): string => (Buffer.isBuffer(value) ? value.toString("utf8") : String(value));

function parseEntry(raw: unknown): RawEntry | null {
  if (!Array.isArray(raw) || raw.length < 2) return null;
  const [id, list] = raw as [unknown, unknown];
  if (!Array.isArray(list)) return { id: text(id), fields: null };
  const fields = new Map<string, Buffer>();
  for (let i = 0; i + 1 < list.length; i += 2) {
    const value = list[i + 1];
    fields.set(text(list[i]), Buffer.isBuffer(value) ? value : Buffer.from(String(value)));
  }
  return { id: text(id), fields };
}

/** Parses `[[id, [field, value, …]], …]` (XRANGE / one stream of XREAD). */
export function parseEntries(raw: unknown): RawEntry[] {
  if (!Array.isArray(raw)) return [];
  return raw.map(parseEntry).filter((e): e is RawEntry => e !== null);
}

/** Parses an XREAD/XREADGROUP reply into `[stream key, entries]` pairs (empty for a timeout). */
export function parseStreams(raw: unknown): Array<[string, RawEntry[]]> {
  if (!Array.isArray(raw)) return [];
  return raw.filter(Array.isArray).map((stream) => [text(stream[0]), parseEntries(stream[1])]);
}

/** Parses an XAUTOCLAIM reply: next cursor, claimed entries, ids deleted from the stream. */
export function parseAutoClaim(raw: unknown): { next: string; entries: RawEntry[]; deleted: string[] } {
  const [next, entries, deleted] = Array.isArray(raw) ? raw : [];
  return {
    next: next === undefined ? "0-0" : text(next),
    entries: Array.isArray(entries) ? entries.map(parseEntry).filter((e): e is RawEntry => e !== null) : [],
    deleted: Array.isArray(deleted) ? deleted.map(text) : [],
  };
}

/**
 * KEYS[1] info hash; ARGV field, id. Stores the id unless the stored one is newer (two connections of
 * one identity must not move its position backwards). Returns 1 if stored.
 */
export const SET_POSITION_SCRIPT = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local cms, cseq = string.match(cur, '^(%d+)-(%d+)$')
  local nms, nseq = string.match(ARGV[2], '^(%d+)-(%d+)$')
  if cms and nms then
    cms, cseq, nms, nseq = tonumber(cms), tonumber(cseq), tonumber(nms), tonumber(nseq)
    if cms > nms or (cms == nms and cseq >= nseq) then return 0 end
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`;

/**
 * KEYS[1] stream; ARGV group, consumer, ids… Resets the idle time of the entries still owned by the
 * consumer (a live consumer's heartbeat). Returns how many were touched.
 */
export const TOUCH_SCRIPT = `
local n = 0
for i = 3, #ARGV do
  local ok, p = pcall(redis.call, 'XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if ok and p[1] and p[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    n = n + 1
  end
end
return n
`;

/**
 * KEYS[1] stream; ARGV group, consumer, target consumer, idle ms, ids… Hands the entries still owned
 * by the consumer to the target with the given idle time (so any consumer's next XAUTOCLAIM takes
 * them), then deletes the consumer if nothing is pending for it. Returns the number released.
 */
export const RELEASE_SCRIPT = `
local n = 0
for i = 5, #ARGV do
  local ok, p = pcall(redis.call, 'XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if ok and p[1] and p[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, ARGV[i], 'IDLE', ARGV[4], 'JUSTID')
    n = n + 1
  end
end
local ok, left = pcall(redis.call, 'XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
if ok and #left == 0 then redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2]) end
return n
`;

/**
 * KEYS[1] stream; ARGV min id. Trims the stream to entries ≥ the min id (exactly), then deletes it
 * if it is empty and has no consumer group (a session or event channel nobody uses any more).
 * Returns 1 if the stream was deleted.
 */
export const TRIM_SCRIPT = `
redis.call('XTRIM', KEYS[1], 'MINID', ARGV[1])
if redis.call('XLEN', KEYS[1]) == 0 and #redis.call('XINFO', 'GROUPS', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`;
