/**
 * @module backend/memory/table
 * An in-memory table: rows by primary key plus secondary indexes (attribute or computed keys),
 * all kept consistent on every put/delete and undoable through an {@link UndoLog}.
 */
import { keyPart } from "./keys.js";
import type { UndoLog } from "./undo-log.js";

/** A stored row (an opsi object in stored form). Rows are never mutated in place. */
export type Row = Readonly<Record<string, unknown>>;

/** A secondary index: `key` returns the index key of a row, or undefined to leave it out. */
export interface IndexSpec {
  readonly name: string;
  readonly key: (row: Row) => string | undefined;
}

/**
 * An index over one string attribute, keyed like MySQL compares (see {@link keyPart}); rows whose
 * value is not a string (e.g. `null`) are not indexed.
 * @example attributeIndex("clientId")
 */
export function attributeIndex(attribute: string): IndexSpec {
  return {
    name: attribute,
    key: (row) => {
      const v = row[attribute];
      return typeof v === "string" ? keyPart(v) : undefined;
    },
  };
}

type Bucket = Map<string, Row>;

/**
 * Rows by primary key with secondary indexes. Index buckets map primary key → row, so a lookup
 * yields rows directly and replacing a row keeps its bucket position.
 * @example const t = new Table((r) => keyPart(r.id), [attributeIndex("type")]); t.put(host)
 */
export class Table {
  private readonly rows = new Map<string, Row>();
  private readonly indexes = new Map<string, { spec: IndexSpec; buckets: Map<string, Bucket> }>();

  constructor(
    /** Computes the primary key of a row. */
    readonly keyOf: (row: Row) => string,
    indexes: readonly IndexSpec[] = [],
  ) {
    for (const spec of indexes) this.indexes.set(spec.name, { spec, buckets: new Map() });
  }

  /** Number of rows. */
  get size(): number {
    return this.rows.size;
  }

  /** The row with this primary key. */
  get(key: string): Row | undefined {
    return this.rows.get(key);
  }

  /** All rows in insertion order. */
  values(): IterableIterator<Row> {
    return this.rows.values();
  }

  /** Whether an index of that name exists. */
  hasIndex(name: string): boolean {
    return this.indexes.has(name);
  }

  /** Rows whose index key equals `key` (primary key → row), or undefined. */
  lookup(index: string, key: string): ReadonlyMap<string, Row> | undefined {
    const idx = this.indexes.get(index);
    if (!idx) throw new Error(`no index '${index}'`);
    return idx.buckets.get(key);
  }

  /** The distinct keys of an index. */
  indexKeys(index: string): string[] {
    const idx = this.indexes.get(index);
    if (!idx) throw new Error(`no index '${index}'`);
    return [...idx.buckets.keys()];
  }

  /** Inserts or replaces the row with the same primary key; returns the replaced row. */
  put(row: Row, log?: UndoLog): Row | undefined {
    const key = this.keyOf(row);
    const previous = this.rows.get(key);
    this.rows.set(key, row);
    if (previous) this.reindex(key, previous, row);
    else this.index(key, row);
    if (log) {
      // Restoring the previous row under the same key keeps its position.
      log.record(previous ? () => this.put(previous) : () => this.remove(key));
    }
    return previous;
  }

  /** Deletes the row with this primary key; returns it. */
  delete(key: string, log?: UndoLog): Row | undefined {
    const previous = this.remove(key);
    if (previous && log) log.record(() => this.put(previous));
    return previous;
  }

  /** Removes every row (not undoable). */
  clear(): void {
    this.rows.clear();
    for (const idx of this.indexes.values()) idx.buckets.clear();
  }

  private remove(key: string): Row | undefined {
    const previous = this.rows.get(key);
    if (!previous) return undefined;
    this.rows.delete(key);
    this.unindex(key, previous);
    return previous;
  }

  private index(key: string, row: Row): void {
    for (const { spec, buckets } of this.indexes.values()) {
      const k = spec.key(row);
      if (k !== undefined) this.bucket(buckets, k).set(key, row);
    }
  }

  private reindex(key: string, previous: Row, row: Row): void {
    for (const { spec, buckets } of this.indexes.values()) {
      const oldKey = spec.key(previous);
      const newKey = spec.key(row);
      if (oldKey === newKey) {
        if (newKey !== undefined) buckets.get(newKey)?.set(key, row);
        continue;
      }
      if (oldKey !== undefined) this.unbucket(buckets, oldKey, key);
      if (newKey !== undefined) this.bucket(buckets, newKey).set(key, row);
    }
  }

  private bucket(buckets: Map<string, Bucket>, k: string): Bucket {
    let bucket = buckets.get(k);
    if (!bucket) {
      bucket = new Map();
      buckets.set(k, bucket);
    }
    return bucket;
  }

  private unbucket(buckets: Map<string, Bucket>, k: string, key: string): void {
    const bucket = buckets.get(k);
    if (!bucket) return;
    bucket.delete(key);
    if (bucket.size === 0) buckets.delete(k);
  }

  private unindex(key: string, row: Row): void {
    for (const { spec, buckets } of this.indexes.values()) {
      const k = spec.key(row);
      if (k !== undefined) this.unbucket(buckets, k, key);
    }
  }
}
