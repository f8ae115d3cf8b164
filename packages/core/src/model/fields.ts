/**
 * @module model/fields
 * zod building blocks for opsi attributes: every attribute accepts any JSON value, treats
 * `null`/missing as "unset" and normalises the rest with an opsi forcer. Each schema also records
 * its plain normalising function, so hot paths can decode without zod's per-field machinery
 * (see {@link fieldFunction}); both paths run the very same functions.
 */
import { z } from "zod";
import { BackendBadValueError, OpsiError } from "../errors.js";

/** A field normaliser: returns the normalised value or throws an error naming what is wrong. */
export type FieldFunction<T> = (value: unknown) => T;

const FIELD_FUNCTIONS = new WeakMap<z.ZodType, FieldFunction<unknown>>();
const POST_FUNCTIONS = new WeakMap<z.ZodType, (obj: never) => unknown>();

function issueMessage(err: unknown): string {
  if (err instanceof OpsiError) return err.detail;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Builds a zod field from a plain normaliser and remembers the normaliser for {@link fieldFunction}. */
export function field<T>(fn: FieldFunction<T>) {
  const schema = z.unknown().transform((value, ctx): T => {
    try {
      return fn(value);
    } catch (err: unknown) {
      ctx.addIssue({ code: "custom", message: issueMessage(err), input: value });
      return z.NEVER;
    }
  });
  FIELD_FUNCTIONS.set(schema, fn);
  return schema;
}

/** The plain normaliser behind a field schema built with {@link field}. */
export function fieldFunction(schema: z.ZodType): FieldFunction<unknown> | undefined {
  return FIELD_FUNCTIONS.get(schema);
}

/** Adds an object-level transform (constructor rules) and remembers it for the fast path. */
export function withPost<S extends z.ZodType, R>(schema: S, post: (obj: z.output<S>) => R) {
  const piped = schema.transform((obj) => post(obj as z.output<S>));
  POST_FUNCTIONS.set(piped, post as (obj: never) => unknown);
  return piped;
}

/** The object-level transform of a schema built with {@link withPost}. */
export function postFunction(schema: z.ZodType): ((obj: Record<string, unknown>) => unknown) | undefined {
  return POST_FUNCTIONS.get(schema) as ((obj: Record<string, unknown>) => unknown) | undefined;
}

/** An optional attribute: `null`/missing → `null`, otherwise `force(value)`. */
export function opt<T>(force: (value: unknown) => T) {
  return field((value): T | null => (value === null || value === undefined ? null : force(value)));
}

/** A mandatory (ident) attribute: `null`/missing is an error. */
export function req<T>(force: (value: unknown) => T) {
  return field((value): T => {
    if (value === null || value === undefined) throw new BackendBadValueError("missing required attribute");
    return force(value);
  });
}

/** An attribute that always has a fixed value, whatever the input (e.g. BoolConfig.editable). */
export function fixed<T>(value: T) {
  return field((): T => value);
}

/** An attribute whose invalid input is logged away as `null` instead of raising (opsi's IP setters). */
export function lenient<T>(force: (value: unknown) => T, onEmpty: T | null = null) {
  return field((value): T | null => {
    if (value === null || value === undefined) return null;
    if (value === "") return onEmpty;
    try {
      return force(value);
    } catch {
      return null;
    }
  });
}
