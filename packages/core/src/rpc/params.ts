/**
 * @module rpc/params
 * Binds JSON-RPC `params` to a method signature the way opsiconfd calls `method(*params, **keywords)`
 * (spec §2.3), with Python's `TypeError` messages.
 */
import { RpcTypeError } from "./errors.js";
import type { RpcMethodInfo } from "./interface.js";

/** Parameters bound to a method. */
export interface BoundParams {
  /** Every positional parameter by name: the given value or its default. */
  readonly args: Record<string, unknown>;
  /** The positional parameters in declaration order (the same values as `args`). */
  readonly positional: unknown[];
  /** Keyword arguments collected by the method's `**kwargs` parameter (the filter of `*_getObjects`). */
  readonly kwargs: Record<string, unknown>;
}

/**
 * Python's type name of a decoded JSON/msgpack value, for error messages.
 * @example pythonTypeName([1]) // "list"
 */
export function pythonTypeName(value: unknown): string {
  if (value === null || value === undefined) return "NoneType";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  if (typeof value === "bigint") return "int";
  if (typeof value === "string") return "str";
  if (Array.isArray(value)) return "list";
  if (value instanceof Uint8Array) return "bytes";
  return "dict";
}

function isDict(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function quotedList(names: readonly string[]): string {
  const quoted = names.map((n) => `'${n}'`);
  if (quoted.length <= 1) return quoted.join("");
  if (quoted.length === 2) return `${quoted[0]} and ${quoted[1]}`;
  return `${quoted.slice(0, -1).join(", ")}, and ${quoted[quoted.length - 1]}`;
}

function tooManyPositional(method: RpcMethodInfo, given: number): RpcTypeError {
  // Python counts `self` on both sides for bound methods.
  const max = method.params.length + 1;
  const min = method.requiredCount + 1;
  const takes = min === max ? `${max} positional argument${max === 1 ? "" : "s"}` : `from ${min} to ${max} positional arguments`;
  return new RpcTypeError(`${method.name}() takes ${takes} but ${given + 1} ${given + 1 === 1 ? "was" : "were"} given`);
}

/**
 * Binds `params` to `method` like opsiconfd 4.3:
 * - `null`/`undefined` (and the other falsy values opsi's `params or []` drops) mean `[]`;
 * - a list is positional; if the method has `**kwargs` and the list is longer than the declared
 *   positional parameters, its last element is the kwargs dict (`[attributes, filter]`) and must be a dict;
 * - a dict is keyword arguments: keys naming a positional parameter bind it, other keys go to
 *   `**kwargs` or fail with "got an unexpected keyword argument";
 * - missing required parameters, too many positionals and a parameter given twice fail with Python's
 *   `TypeError` messages; missing optional parameters get their defaults.
 *
 * Deliberate fix: opsiconfd turns a dict `params` with a `type` key naming an opsi class into one
 * object and then fails the call; here `type` is an ordinary keyword, so `{"type": "OpsiClient"}`
 * works as a filter for `host_getObjects` (a call that can only fail upstream).
 * @example bindParams(RPC_METHODS.get("host_getObjects") as RpcMethodInfo, [["id"], { type: "OpsiClient" }]) // { args: { attributes: ["id"] }, positional: [["id"]], kwargs: { type: "OpsiClient" } }
 */
export function bindParams(method: RpcMethodInfo, params: unknown): BoundParams {
  let list: readonly unknown[];
  let keywords: Record<string, unknown>;
  if (!params) {
    list = [];
    keywords = {};
  } else if (Array.isArray(params)) {
    list = params;
    keywords = {};
    if (method.kwargs !== null && list.length > method.params.length) {
      const last = list[list.length - 1];
      if (!isDict(last)) throw new RpcTypeError(`kwargs param is not a dict: <class '${pythonTypeName(last)}'>`);
      keywords = last;
      list = list.slice(0, -1);
    }
  } else if (isDict(params)) {
    list = [];
    keywords = params;
  } else {
    throw new RpcTypeError(`params must be a list or a dict, not ${pythonTypeName(params)}`);
  }

  const values: unknown[] = list.slice(0, method.params.length);
  const bound = method.params.map((_, i) => i < values.length);
  const index = new Map(method.params.map((p, i) => [p.name, i]));
  const kwargs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(keywords)) {
    const i = index.get(key);
    if (key === "self" || (i !== undefined && bound[i])) {
      throw new RpcTypeError(`${method.name}() got multiple values for argument '${key}'`);
    }
    if (i !== undefined) {
      values[i] = value;
      bound[i] = true;
    } else if (method.kwargs !== null) {
      // defineProperty: a `__proto__` key stays an ordinary entry.
      Object.defineProperty(kwargs, key, { value, enumerable: true, writable: true, configurable: true });
    } else {
      throw new RpcTypeError(`${method.name}() got an unexpected keyword argument '${key}'`);
    }
  }
  if (list.length > method.params.length) throw tooManyPositional(method, list.length);

  const missing = method.params.filter((p, i) => p.required && !bound[i]).map((p) => p.name);
  if (missing.length > 0) {
    throw new RpcTypeError(
      `${method.name}() missing ${missing.length} required positional argument${missing.length === 1 ? "" : "s"}: ${quotedList(missing)}`,
    );
  }
  const args: Record<string, unknown> = {};
  const positional = method.params.map((p, i) => {
    const value = bound[i] ? values[i] : p.default;
    args[p.name] = value;
    return value;
  });
  return { args, positional, kwargs };
}
