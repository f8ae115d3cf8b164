/**
 * @module model/fields
 * zod building blocks for opsi attributes: every attribute accepts any JSON value, treats
 * `null`/missing as "unset" and normalises the rest with an opsi forcer.
 */
import { z } from "zod";
import { OpsiError } from "../errors.js";

function issueMessage(err: unknown): string {
  if (err instanceof OpsiError) return err.detail;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** An optional attribute: `null`/missing → `null`, otherwise `force(value)`. */
export function opt<T>(force: (value: unknown) => T) {
  return z.unknown().transform((value, ctx): T | null => {
    if (value === null || value === undefined) return null;
    try {
      return force(value);
    } catch (err: unknown) {
      ctx.addIssue({ code: "custom", message: issueMessage(err), input: value });
      return z.NEVER;
    }
  });
}

/** A mandatory (ident) attribute: `null`/missing is an error. */
export function req<T>(force: (value: unknown) => T) {
  return z.unknown().transform((value, ctx): T => {
    if (value === null || value === undefined) {
      ctx.addIssue({ code: "custom", message: "missing required attribute", input: value });
      return z.NEVER;
    }
    try {
      return force(value);
    } catch (err: unknown) {
      ctx.addIssue({ code: "custom", message: issueMessage(err), input: value });
      return z.NEVER;
    }
  });
}

/** An attribute that always has a fixed value, whatever the input (e.g. BoolConfig.editable). */
export function fixed<T>(value: T) {
  return z.unknown().transform((): T => value);
}

/** An attribute whose invalid input is logged away as `null` instead of raising (opsi's IP setters). */
export function lenient<T>(force: (value: unknown) => T, onEmpty: T | null = null) {
  return z.unknown().transform((value): T | null => {
    if (value === null || value === undefined) return null;
    if (value === "") return onEmpty;
    try {
      return force(value);
    } catch {
      return null;
    }
  });
}
