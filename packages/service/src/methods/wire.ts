/** @module methods/wire Conversions of backend results and RPC arguments to and from the JSON wire form. */
import { type BackendCore, type Filter, type OpsiObject, toWire } from "@opsi-ts/core";

/**
 * Objects in response form: every attribute plus `ident`.
 * @example wireObjects(backend, await backend.getObjects("host")) // [{ type: "OpsiClient", id: "pc1.dom.tld", ident: "pc1.dom.tld", ... }]
 */
export function wireObjects(backend: BackendCore, objects: readonly unknown[]): Record<string, unknown>[] {
  const ctx = { hardwareAudit: backend.hardwareAudit };
  return objects.map((o) => toWire(o as OpsiObject, ctx) as unknown as Record<string, unknown>);
}

/**
 * Objects as opsi's deprecated `_getHashes` return them: the hash without `ident`.
 * @example hashObjects([{ type: "OpsiClient", id: "pc1.dom.tld" }])
 */
export function hashObjects(objects: readonly unknown[]): Record<string, unknown>[] {
  return objects.map((o) => ({ ...(o as Record<string, unknown>) }));
}

/**
 * An `attributes` argument as the backend expects it (`null`, a string or a list of names).
 * @example attributeList("id") // ["id"]
 */
export function attributeList(value: unknown): string[] | null {
  if (value === null || value === undefined || value === "") return null;
  if (Array.isArray(value)) return value.map(String);
  return [String(value)];
}

/**
 * A `**filter` kwargs dict as a backend filter.
 * @example asFilter({ id: "pc1.dom.tld" })
 */
export function asFilter(kwargs: Readonly<Record<string, unknown>>): Filter {
  return kwargs;
}

/**
 * A value that may be a single item or a list, as a list (`None` → `[]`).
 * @example listOf("a") // ["a"]
 */
export function listOf(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? [...value] : [value];
}

/**
 * Optional string argument: empty and `None` become null.
 * @example optionalString("") // null
 */
export function optionalString(value: unknown): string | null {
  if (value === null || value === undefined || value === "") return null;
  return String(value);
}
