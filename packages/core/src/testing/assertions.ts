/**
 * @module testing/assertions
 * Assertion helpers of the conformance suite: typed error checks, read-back comparison with
 * placeholders for generated values (timestamps "now", host keys) and ident-ordered sorting.
 */
import { expect } from "vitest";
import type { Backend } from "../backend/methods.js";
import type { ClassName, OpsiObject } from "../model/classes.js";
import { identString } from "../model/object.js";
import { classAttributes } from "../model/registry.js";

/** A plain object in wire form (what clients send and what the suite compares). */
export type Dict = Record<string, unknown>;

/** Accessor for the backend of the running test (a fresh one per test). */
export type GetBackend = () => Backend;

/** Placeholder in an expected object: a timestamp taken at write time ("now"). */
export const NOW = Symbol("timestamp near now");
/** Placeholder in an expected object: a freshly generated opsi host key (32 hex digits). */
export const HOST_KEY = Symbol("generated opsi host key");

/** Tolerance for "now" timestamps: opsi timestamps have second resolution. */
const NOW_TOLERANCE_MS = 2_000;

function parseTimestamp(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  return new Date(y ?? 0, (mo ?? 1) - 1, d ?? 0, h ?? 0, mi ?? 0, s ?? 0).getTime();
}

function resolvePlaceholder(expected: unknown, actual: unknown, since: number): unknown {
  if (expected === NOW) {
    const t = parseTimestamp(actual);
    const ok = t !== undefined && t >= since - NOW_TOLERANCE_MS && t <= Date.now() + NOW_TOLERANCE_MS;
    return ok ? actual : `<timestamp near now, got ${JSON.stringify(actual)}>`;
  }
  if (expected === HOST_KEY) {
    return typeof actual === "string" && /^[0-9a-f]{32}$/.test(actual) ? actual : `<generated host key, got ${JSON.stringify(actual)}>`;
  }
  return expected;
}

/** Replaces {@link NOW}/{@link HOST_KEY} placeholders by the actual values when those are plausible. */
function resolveExpected(expected: Dict, actual: Dict | undefined, since: number): Dict {
  const out: Dict = {};
  for (const [k, v] of Object.entries(expected)) out[k] = resolvePlaceholder(v, actual?.[k], since);
  return out;
}

/**
 * Sorts objects by their string ident (hardware idents need the backend's hardware config).
 * @example sortByIdent(backend, await backend.host_getObjects())
 */
export function sortByIdent<T>(backend: Backend, objs: readonly T[]): T[] {
  const ctx = { hardwareAudit: backend.hardwareAudit };
  const key = (o: T): string => identString(o as unknown as OpsiObject, ctx);
  return [...objs].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

/**
 * Asserts that `actual` holds exactly the `expected` objects (order-insensitive, by ident).
 * Placeholders are checked against the time `since` (ms) taken before the write.
 * @example expectObjects(backend, await backend.host_getObjects(), [expectedClient], t0)
 */
export function expectObjects(backend: Backend, actual: readonly unknown[], expected: readonly Dict[], since = 0): void {
  const a = sortByIdent(backend, actual as Dict[]);
  const e = sortByIdent(backend, expected);
  const resolved = e.map((obj, i) => resolveExpected(obj, a[i], since));
  expect(a).toEqual(resolved);
}

/** Attribute names of a class (for hardware classes from the backend's hardware-audit config). */
function attributeNames(backend: Backend, type: string, hardwareClass?: unknown): string[] {
  if (type === "AuditHardware" || type === "AuditHardwareOnHost") {
    const cls = backend.hardwareAudit?.get(String(hardwareClass));
    if (!cls) throw new Error(`hardware class ${String(hardwareClass)} is not configured in the backend`);
    const fixed = type === "AuditHardware" ? ["hardwareClass"] : ["hostId", "hardwareClass", "firstseen", "lastseen", "state"];
    const attrs = type === "AuditHardware" ? cls.deviceAttributes : cls.allAttributes;
    return [...fixed, ...attrs.keys()];
  }
  return [...classAttributes(type as ClassName)];
}

/**
 * The complete read-back form: every attribute of the class `null`, then `input` and the overrides.
 * @example expected(backend, { type: "OpsiClient", id: "pc.dom.tld" }, { description: "" })
 */
export function expected(backend: Backend, input: Dict, ...overrides: Dict[]): Dict {
  const type = String(input.type);
  const out: Dict = { type };
  for (const a of attributeNames(backend, type, input.hardwareClass)) out[a] = null;
  Object.assign(out, input, ...overrides);
  return out;
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

async function expectError(promise: Promise<unknown>, name: string, mentions: readonly string[]): Promise<Error> {
  let caught: unknown;
  let rejected = false;
  try {
    await promise;
  } catch (e: unknown) {
    caught = e;
    rejected = true;
  }
  expect(rejected, `expected a ${name}, but the call succeeded`).toBe(true);
  expect(errorName(caught), `expected ${name}, got ${String(caught)}`).toBe(name);
  const err = caught as Error;
  for (const m of mentions) expect(err.message, `error message should name ${JSON.stringify(m)}`).toContain(m);
  return err;
}

/**
 * Awaits `promise` and asserts it rejects with `BackendBadValueError` whose message contains
 * every string in `mentions` (the attribute name, the offending value, ...).
 * @example await expectBadValue(backend.host_insertObject({ type: "OpsiClient", id: "x" }), "id")
 */
export function expectBadValue(promise: Promise<unknown>, ...mentions: string[]): Promise<Error> {
  return expectError(promise, "BackendBadValueError", mentions);
}

/**
 * Awaits `promise` and asserts it rejects with `BackendReferentialIntegrityError`.
 * @example await expectIntegrityError(backend.licenseContract_deleteObjects(contract))
 */
export function expectIntegrityError(promise: Promise<unknown>, ...mentions: string[]): Promise<Error> {
  return expectError(promise, "BackendReferentialIntegrityError", mentions);
}

/**
 * Picks the given keys of an object.
 * @example pick({ a: 1, b: 2 }, ["a"]) // { a: 1 }
 */
export function pick(obj: Dict, keys: readonly string[]): Dict {
  const out: Dict = {};
  for (const k of keys) if (k in obj) out[k] = obj[k];
  return out;
}
