/**
 * @module backend/memory/keys
 * Key normalisation for the in-memory tables: strings compare like MySQL's default collation
 * (case-insensitive, trailing spaces ignored), so primary keys and index keys do too.
 */

/** Marks a `null` key part; distinct from `""` like SQL `IS NULL` vs `= ''`. */
const NULL_PART = "\u0000";
const SEPARATOR = "\u001f";

/**
 * One key part: strings lowercased and right-trimmed (the comparison `filter/match.ts` uses),
 * numbers and booleans as text, `null` as a marker.
 * @example keyPart("PC1.Dom.TLD ") === "pc1.dom.tld"
 */
export function keyPart(value: unknown): string {
  if (typeof value === "string") return value.toLowerCase().trimEnd();
  if (value === null || value === undefined) return NULL_PART;
  return String(value);
}

/**
 * A composite key over several values (a primary key or a unique key).
 * @example compositeKey(["firefox", "1.0", null])
 */
export function compositeKey(values: readonly unknown[]): string {
  if (values.length === 1) return keyPart(values[0]);
  let out = "";
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += SEPARATOR;
    out += keyPart(values[i]);
  }
  return out;
}

/**
 * The composite key of the given attributes of a row.
 * @example rowKey(poc, ["productId", "clientId"])
 */
export function rowKey(row: Readonly<Record<string, unknown>>, attributes: readonly string[]): string {
  if (attributes.length === 1) return keyPart(row[attributes[0] as string]);
  return compositeKey(attributes.map((a) => row[a]));
}

/**
 * Whether two values are equal under the key rules (case-insensitive strings, `null` only equals `null`).
 * @example sameKeyValue("Firefox", "firefox") === true
 */
export function sameKeyValue(a: unknown, b: unknown): boolean {
  return keyPart(a) === keyPart(b);
}
