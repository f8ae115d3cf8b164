/**
 * @module model/object
 * Decoding dicts into opsi objects, idents, the wire form and `setDefaults()`.
 */
import type { z } from "zod";
import { BackendBadValueError, describeValue, OpsiError } from "../errors.js";
import { decodeAuditHardware, decodeAuditHardwareOnHost, hardwareIdentAttributes } from "./audit-hardware.js";
import { CLASS_DEFAULTS, CLASS_SCHEMAS, type ClassName, type OpsiObject } from "./classes.js";
import { type FieldFunction, fieldFunction, postFunction } from "./fields.js";
import type { HardwareAuditConfig } from "./hwaudit-config.js";
import { classAttributes, isClassName, type ObjectPrefix, PREFIXES, type PrefixObject, prefixOfClass } from "./registry.js";

/** Context needed to decode schema-driven classes. */
export interface ModelContext {
  /** The hardware-audit configuration; without it hardware objects keep all given attributes. */
  readonly hardwareAudit?: HardwareAuditConfig | undefined;
}

/** Return types of `*_getIdents`. */
export type IdentReturnType = "str" | "unicode" | "dict" | "hash" | "list" | "tuple";

/** An ident in one of the `_getIdents` return shapes. */
export type Ident = string | string[] | Record<string, string>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function classOf(prefix: ObjectPrefix, input: Record<string, unknown>): ClassName {
  const info = PREFIXES[prefix];
  const type = input.type;
  if (type === undefined || type === null || type === "") return info.baseClass;
  if (!isClassName(type)) throw new BackendBadValueError(`Invalid object type: ${describeValue(type)}`);
  if (!info.classes.includes(type)) {
    throw new BackendBadValueError(`Object of type '${type}' is not a ${info.baseClass}`);
  }
  return type;
}

function expandIdent(cls: ClassName, input: Record<string, unknown>): Record<string, unknown> {
  if (!("ident" in input)) return input;
  const { ident, ...rest } = input;
  if (cls === "AuditHardware" || cls === "AuditHardwareOnHost") return rest;
  if (ident === null || ident === undefined || ident === "") return rest;
  const keys = PREFIXES[prefixOfClass(cls)].ident;
  let values: Record<string, unknown>;
  if (isPlainObject(ident)) values = ident;
  else {
    const list = typeof ident === "string" ? ident.split(";") : Array.isArray(ident) ? ident : null;
    if (!list || list.length !== keys.length) {
      throw new BackendBadValueError(`Ident ${describeValue(ident)} does not match class '${cls}' ident attributes [${keys.join(", ")}]`);
    }
    values = Object.fromEntries(keys.map((k, i) => [k, list[i]]));
  }
  return { ...rest, ...values };
}

/**
 * Decodes a plain dict (wire form, `type` optional) into a normalised object of the given prefix,
 * like opsi's `fromHash`: unknown keys are dropped, `ident` is expanded, every attribute is
 * normalised. Invalid values raise {@link BackendBadValueError} naming attribute and value.
 * @example decodeObject("host", { type: "OpsiClient", id: "PC1.Dom.TLD" }).id === "pc1.dom.tld"
 */
export function decodeObject<P extends ObjectPrefix>(prefix: P, input: unknown, ctx: ModelContext = {}): PrefixObject<P> {
  if (!isPlainObject(input)) {
    throw new BackendBadValueError(`${describeValue(input)} is not a ${PREFIXES[prefix].baseClass}`);
  }
  const cls = classOf(prefix, input);
  const dict = expandIdent(cls, input);
  if (cls === "AuditHardware") return decodeAuditHardware(dict, ctx.hardwareAudit) as PrefixObject<P>;
  if (cls === "AuditHardwareOnHost") return decodeAuditHardwareOnHost(dict, ctx.hardwareAudit) as PrefixObject<P>;
  const decoder = classDecoder(cls);
  const out: Record<string, unknown> = { type: cls };
  for (const [attr, fn] of decoder.fields) {
    try {
      out[attr] = fn(dict[attr]);
    } catch (err: unknown) {
      throw badAttribute(cls, attr, dict[attr], err);
    }
  }
  if (!decoder.post) return out as PrefixObject<P>;
  try {
    return decoder.post(out) as PrefixObject<P>;
  } catch (err: unknown) {
    if (err instanceof BackendBadValueError) throw new BackendBadValueError(`Bad value in ${cls}: ${err.detail}`);
    throw err;
  }
}

function badAttribute(cls: ClassName, attr: string, value: unknown, err: unknown): BackendBadValueError {
  const message = err instanceof OpsiError ? err.detail : err instanceof Error ? err.message : String(err);
  return new BackendBadValueError(`Bad value ${describeValue(value)} for attribute '${attr}' of ${cls}: ${message}`);
}

interface ClassDecoder {
  readonly fields: readonly (readonly [string, FieldFunction<unknown>])[];
  readonly post: ((obj: Record<string, unknown>) => unknown) | undefined;
}

const DECODERS = new Map<ClassName, ClassDecoder>();

/**
 * The per-class decoder: the normalising functions recorded by each field schema, then the class's
 * object-level rules. Running them directly decodes exactly like `CLASS_SCHEMAS[cls].parse` (a test
 * checks both paths agree) without zod's per-field overhead on bulk writes.
 */
function classDecoder(cls: ClassName): ClassDecoder {
  let decoder = DECODERS.get(cls);
  if (decoder) return decoder;
  const schema = CLASS_SCHEMAS[cls] as unknown as z.ZodType;
  const def = (schema as unknown as { def: { type: string; in?: z.ZodType } }).def;
  const objectSchema = def.type === "pipe" && def.in ? def.in : schema;
  const shape = (objectSchema as unknown as { def: { shape: Record<string, z.ZodType> } }).def.shape;
  const fields: [string, FieldFunction<unknown>][] = [];
  for (const [attr, fieldSchema] of Object.entries(shape)) {
    if (attr === "type") continue;
    const fn = fieldFunction(fieldSchema);
    if (!fn) throw new Error(`attribute ${cls}.${attr} is not built with field()`);
    fields.push([attr, fn]);
  }
  decoder = { fields, post: postFunction(schema) };
  DECODERS.set(cls, decoder);
  return decoder;
}

/**
 * Decodes with the zod schema itself (same result as {@link decodeObject}, slower); used to prove
 * both paths agree.
 */
export function decodeObjectWithZod<P extends ObjectPrefix>(prefix: P, input: Record<string, unknown>): PrefixObject<P> {
  const cls = classOf(prefix, input);
  const dict = expandIdent(cls, input);
  const full: Record<string, unknown> = { ...dict, type: cls };
  for (const attr of classAttributes(cls)) if (full[attr] === undefined) full[attr] = null;
  let result: ReturnType<z.ZodType["safeParse"]>;
  try {
    result = (CLASS_SCHEMAS[cls] as unknown as z.ZodType).safeParse(full);
  } catch (err: unknown) {
    if (err instanceof BackendBadValueError) throw new BackendBadValueError(`Bad value in ${cls}: ${err.detail}`);
    throw err;
  }
  if (!result.success) {
    const issue = result.error.issues[0];
    const attr = String(issue?.path[0] ?? "?");
    throw new BackendBadValueError(
      `Bad value ${describeValue(dict[attr])} for attribute '${attr}' of ${cls}: ${issue?.message ?? "invalid"}`,
    );
  }
  return result.data as PrefixObject<P>;
}

/** Accepts one object or a list (`_createObjects(objs)` style) and decodes each. */
export function decodeObjects<P extends ObjectPrefix>(prefix: P, input: unknown, ctx: ModelContext = {}): PrefixObject<P>[] {
  if (input === null || input === undefined) return [];
  const list = Array.isArray(input) ? input : [input];
  return list.map((o) => decodeObject(prefix, o, ctx));
}

/** Ident attribute names of an object (static per prefix, per hardware class for audit hardware). */
export function identAttributes(obj: OpsiObject, ctx: ModelContext = {}): readonly string[] {
  if (obj.type === "AuditHardware" || obj.type === "AuditHardwareOnHost") {
    return hardwareIdentAttributes(obj, ctx.hardwareAudit);
  }
  return PREFIXES[prefixOfClass(obj.type)].ident;
}

function identValue(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  return String(value);
}

/** The ident values (strings, `null` as ""). */
export function identValues(obj: OpsiObject, ctx: ModelContext = {}): string[] {
  const rec = obj as Record<string, unknown>;
  return identAttributes(obj, ctx).map((a) => identValue(rec[a]));
}

/** The string ident: ident values joined by `;`. */
export function identString(obj: OpsiObject, ctx: ModelContext = {}): string {
  return identValues(obj, ctx).join(";");
}

/** The ident in a `_getIdents` return shape. */
export function getIdent(obj: OpsiObject, returnType: IdentReturnType = "str", ctx: ModelContext = {}): Ident {
  const values = identValues(obj, ctx);
  switch (returnType) {
    case "list":
    case "tuple":
      return values;
    case "dict":
    case "hash": {
      const attrs = identAttributes(obj, ctx);
      return Object.fromEntries(attrs.map((a, i) => [a, values[i] as string]));
    }
    default:
      return values.join(";");
  }
}

/** Validates a `_getIdents` returnType (`str`, `unicode`, `dict`, `hash`, `list`, `tuple`). */
export function parseIdentReturnType(value: unknown): IdentReturnType {
  if (value === null || value === undefined) return "str";
  const v = String(value).toLowerCase();
  if (v === "str" || v === "unicode" || v === "dict" || v === "hash" || v === "list" || v === "tuple") return v;
  throw new BackendBadValueError(`Invalid ident return type: ${describeValue(value)}`);
}

/** Wire form of an object for responses: all attributes plus `ident`. */
export function toWire<T extends OpsiObject>(obj: T, ctx: ModelContext = {}): T & { ident: string } {
  return { ...obj, ident: identString(obj, ctx) };
}

/**
 * `setDefaults()`: fills the class defaults into `null` attributes. Used on insert/create only.
 * @example applyDefaults(decodeObject("productOnClient", poc)).installationStatus // "not_installed"
 */
export function applyDefaults<T extends OpsiObject>(obj: T): T {
  const defaults = CLASS_DEFAULTS[obj.type];
  const rec = obj as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const key in defaults) {
    if (rec[key] === null || rec[key] === undefined) {
      out ??= { ...rec };
      out[key] = (defaults[key] as () => unknown)();
    }
  }
  return (out as T | undefined) ?? obj;
}
