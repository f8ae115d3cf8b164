/**
 * @module table-writes
 * Writes of the table prefixes with opsi's semantics: insert = full overwrite upsert; update =
 * merge into the existing row (by exact ident) or nothing; upsert = merge into the row a MySQL
 * `INSERT … ON DUPLICATE KEY UPDATE` would hit, or create it with the column defaults only.
 * Merges run in TypeScript with core's `mergeUpdate`; rows go out as chunked multi-row upserts.
 */
import {
  applyColumnDefaults,
  applyDefaults,
  BackendReferentialIntegrityError,
  type ModelContext,
  mergeUpdate,
  type ObjectPrefix,
  type OpsiObject,
  PREFIXES,
  type PrefixObject,
  toStorableClass,
  toStoredForm,
} from "@opsi-ts/core";
import type { SqlExecutor } from "./driver.js";
import { describeMissingReference } from "./foreign-keys.js";
import { checkHostUniqueness } from "./host-uniqueness.js";
import { storageKeyHasType, type TableMapping } from "./mapping.js";
import { isStorableType, keyOf, objectToRow, type Row } from "./row-codec.js";
import { chunked, MAX_KEYS_PER_STATEMENT, type SqlContext, upsertObjects } from "./statements.js";
import { MAIN, readObjects } from "./table-reads.js";
import { rewriteValueLists } from "./value-lists.js";
import { keyMatchSql } from "./where.js";

/** Write modes: insert (defaults + overwrite), update (existing rows only), upsert (update or create). */
export type WriteMode = "insert" | "update" | "upsert";

/** A statement context that also decodes objects. */
export interface WriteContext extends SqlContext {
  readonly model: ModelContext;
}

/**
 * The stored form of an object: `toStorableClass`, `setDefaults()` when `withDefaults`, `toStoredForm`.
 * @example storableObject("host", client, true, ctx)
 */
export function storableObject(prefix: ObjectPrefix, obj: Row, withDefaults: boolean, model: ModelContext): Row {
  const storable = toStorableClass(prefix, obj as unknown as PrefixObject<ObjectPrefix>, model) as OpsiObject;
  return toStoredForm(withDefaults ? applyDefaults(storable) : storable) as unknown as Row;
}

/**
 * The object of `_updateObjects` for a missing row: the given attributes and the column defaults.
 * @example createdByUpsert("productOnClient", poc, ctx).installationStatus // "not_installed" if unset
 */
export function createdByUpsert(prefix: ObjectPrefix, obj: Row, model: ModelContext): Row {
  return storableObject(prefix, applyColumnDefaults(prefix, obj), false, model);
}

/** The storage-key strings an object's write would hit (Group without concrete type: both types). */
function candidateKeys(mapping: TableMapping, obj: Row): string[] {
  if (!storageKeyHasType(mapping.prefix)) return [keyOf(obj, mapping.storageKey)];
  if (isStorableType(mapping, obj.type)) return [keyOf(obj, mapping.storageKey, true)];
  return PREFIXES[mapping.prefix].storableClasses.map((type) => keyOf({ ...obj, type }, mapping.storageKey, true));
}

function storedKey(mapping: TableMapping, obj: Row): string {
  return keyOf(obj, mapping.storageKey, storageKeyHasType(mapping.prefix));
}

async function fetchStored(
  exec: SqlExecutor,
  sql: SqlContext,
  mapping: TableMapping,
  objs: readonly Row[],
  mode: WriteMode,
): Promise<Row[]> {
  // Group rows are fetched by id (both types); the others by the columns the write matches on.
  const columns = storageKeyHasType(mapping.prefix) ? mapping.storageKey : mode === "update" ? mapping.ident : mapping.storageKey;
  const quoted = columns.map((c) => `${MAIN}.${sql.dialect.quoteIdentifier(c.column)}`);
  const seen = new Set<string>();
  const tuples: unknown[][] = [];
  for (const obj of objs) {
    const k = keyOf(obj, columns);
    if (seen.has(k)) continue;
    seen.add(k);
    tuples.push(columns.map((c) => obj[c.attribute]));
  }
  const out: Row[] = [];
  for (const part of chunked(tuples, MAX_KEYS_PER_STATEMENT)) {
    const rows = await readObjects(exec, sql, mapping, undefined, keyMatchSql(quoted, part), sql.dialect.lockingReadSuffix);
    for (const row of rows) out.push(row);
  }
  return out;
}

/**
 * Merges update objects into the stored rows in order, like MemoryBackend: returns every state
 * written, in order (a row may appear more than once).
 */
async function mergeWithStored(
  exec: SqlExecutor,
  sql: WriteContext,
  mapping: TableMapping,
  objs: readonly Row[],
  mode: WriteMode,
): Promise<Row[]> {
  const current = new Map<string, Row>();
  for (const row of await fetchStored(exec, sql, mapping, objs, mode)) current.set(storedKey(mapping, row), row);
  const prefix = mapping.prefix;
  const exactIdent = mode === "update" && !storageKeyHasType(prefix);
  const written: Row[] = [];
  for (const obj of objs) {
    const identKey = exactIdent ? keyOf(obj, mapping.ident) : "";
    const stored: Row[] = [];
    for (const key of candidateKeys(mapping, obj)) {
      const row = current.get(key);
      if (row && (!exactIdent || keyOf(row, mapping.ident) === identKey)) stored.push(row);
    }
    if (stored.length === 0) {
      if (mode !== "upsert") continue;
      const created = createdByUpsert(prefix, obj, sql.model);
      current.set(storedKey(mapping, created), created);
      written.push(created);
      continue;
    }
    for (const row of stored) {
      const merged = mergeUpdate(
        prefix,
        row as unknown as PrefixObject<ObjectPrefix>,
        obj as unknown as PrefixObject<ObjectPrefix>,
        sql.model,
      ) as unknown as Row;
      current.set(storedKey(mapping, merged), merged);
      written.push(merged);
    }
  }
  return written;
}

function columnRow(mapping: TableMapping, obj: Row): Record<string, unknown> {
  const values = objectToRow(mapping, obj);
  return Object.fromEntries(mapping.writeColumns.map((c, i) => [c, values[i]]));
}

/**
 * Writes objects of a table prefix in one transaction (`objs` are decoded; for `insert` already
 * in stored form with defaults). Value lists are rewritten for every written object.
 * @example await writeTableObjects(tx, sql, tableMapping("productOnClient"), pocs, "insert")
 */
export async function writeTableObjects(
  exec: SqlExecutor,
  sql: WriteContext,
  mapping: TableMapping,
  objs: readonly Row[],
  mode: WriteMode,
): Promise<void> {
  const written = mode === "insert" ? objs : await mergeWithStored(exec, sql, mapping, objs, mode);
  if (written.length === 0) return;
  if (mapping.prefix === "host") await checkHostUniqueness(exec, sql, written);
  // The last state per key is what a sequence of upserts leaves; value lists need it exactly once.
  const rows = mapping.valueList ? [...new Map(written.map((o) => [storedKey(mapping, o), o])).values()] : written;
  try {
    await upsertObjects(exec, sql, mapping.table, mapping.writeColumns, mapping.writeColumns, rows, (o, out) => {
      objectToRow(mapping, o, out);
    });
  } catch (err: unknown) {
    if (sql.dialect.classifyError(err) !== "foreign-key") throw err;
    const missing = await describeMissingReference(
      exec,
      sql,
      mapping.table,
      rows.map((o) => columnRow(mapping, o)),
    );
    throw new BackendReferentialIntegrityError(
      `Cannot store ${PREFIXES[mapping.prefix].baseClass} objects: ${missing ?? "a referenced object does not exist"}`,
      { cause: err },
    );
  }
  if (mapping.valueList) await rewriteValueLists(exec, sql, mapping, rows);
}
