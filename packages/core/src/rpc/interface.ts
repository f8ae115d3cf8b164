/**
 * @module rpc/interface
 * The RPC method registry parsed from {@link RPC_METHOD_SPECS} and opsi's `backend_getInterface`
 * description built from it (the shape of opsiconfd's `MethodInterface.as_dict()`).
 */
import { RPC_METHOD_SPECS, type RpcMethodSpec } from "./interface-data.js";

/** One positional parameter of an RPC method. */
export interface RpcParamInfo {
  readonly name: string;
  /** False for parameters with a default (`*name` in opsi's notation). */
  readonly required: boolean;
  /** The default value; `undefined` for required parameters. */
  readonly default: unknown;
}

/** An RPC method's signature and metadata. */
export interface RpcMethodInfo {
  readonly name: string;
  /** Positional parameters in declaration order (without `self`). */
  readonly params: readonly RpcParamInfo[];
  /** Number of leading required parameters. */
  readonly requiredCount: number;
  /** Defaults of the trailing optional parameters (Python's `spec.defaults`), or null when there are none. */
  readonly defaults: readonly unknown[] | null;
  /** Name of the `**kwargs` parameter (`filter`, `kwargs`), or null. */
  readonly kwargs: string | null;
  readonly deprecated: boolean;
  readonly alternativeMethod: string | null;
  readonly dropVersion: string | null;
  /** Name the ACL is checked against (null: the method checks itself or not at all). */
  readonly acl: string | null;
  /** Upstream module the method lives in (`obj_host`, `ext_legacy`, ...). */
  readonly module: string;
  /** Parameters in opsi's notation: `name`, `*optional`, `**kwargs`. */
  readonly notation: readonly string[];
}

/** One entry of `backend_getInterface`, keys in opsiconfd's order. */
export interface RpcInterfaceEntry {
  readonly name: string;
  readonly params: readonly string[];
  readonly args: readonly string[];
  readonly varargs: string | null;
  readonly keywords: string | null;
  readonly defaults: readonly unknown[] | null;
  readonly deprecated: boolean;
  readonly drop_version: string | null;
  readonly alternative_method: string | null;
  readonly doc: string | null;
  readonly annotations: Readonly<Record<string, string>>;
}

/**
 * Parses one method spec (opsi's `params` notation plus defaults) into an {@link RpcMethodInfo}.
 * Throws when the notation is inconsistent (defaults not matching the `*` parameters, wrong order).
 * @example parseMethodSpec({ name: "sleep", params: ["*seconds"], defaults: [0], deprecated: false, alternative_method: null, drop_version: null, acl: null, module: "general" })
 */
export function parseMethodSpec(spec: RpcMethodSpec): RpcMethodInfo {
  const params: RpcParamInfo[] = [];
  let kwargs: string | null = null;
  const defaults = spec.defaults ?? [];
  const optionalCount = spec.params.filter((p) => p.startsWith("*") && !p.startsWith("**")).length;
  if (optionalCount !== defaults.length) {
    throw new Error(`${spec.name}: ${optionalCount} optional parameters but ${defaults.length} defaults`);
  }
  let defaultIndex = 0;
  for (const param of spec.params) {
    if (kwargs !== null) throw new Error(`${spec.name}: parameter '${param}' after **${kwargs}`);
    if (param.startsWith("**")) {
      kwargs = param.slice(2);
    } else if (param.startsWith("*")) {
      params.push({ name: param.slice(1), required: false, default: defaults[defaultIndex] });
      defaultIndex += 1;
    } else {
      if (defaultIndex > 0) throw new Error(`${spec.name}: required parameter '${param}' after optional ones`);
      params.push({ name: param, required: true, default: undefined });
    }
  }
  return {
    name: spec.name,
    params,
    requiredCount: params.filter((p) => p.required).length,
    defaults: spec.defaults === null ? null : [...spec.defaults],
    kwargs,
    // opsiconfd marks every method with a drop version as deprecated.
    deprecated: spec.deprecated || spec.drop_version !== null,
    alternativeMethod: spec.alternative_method,
    dropVersion: spec.drop_version,
    acl: spec.acl,
    module: spec.module,
    notation: [...spec.params],
  };
}

/** All 490 opsi 4.3 RPC methods by name. */
export const RPC_METHODS: ReadonlyMap<string, RpcMethodInfo> = new Map(RPC_METHOD_SPECS.map((spec) => [spec.name, parseMethodSpec(spec)]));

// opsiconfd's `rpc_method` decorator gives undocumented CRUD methods these docstrings (checked in this order).
const CRUD_DOCS: readonly (readonly [string, string])[] = [
  [
    "_insertObject",
    "Creates a new object in the backend.\nIf the object already exists, it will be completely overwritten with the new values.\nAttributes that are not passed (or passed with the value 'null') will be set to 'null' in the backend.\n",
  ],
  [
    "_updateObject",
    "Updates an object in the backend.\nAttributes that are not passed (or passed with the value 'null'), will not be changed in the backend.\nIf the object does not exist, no change takes place, no object is created.\n",
  ],
  [
    "_createObjects",
    "An object or a list of objects can be passed.\nEach object will be created in the backend.\nExisting objects will be overwritten.\n",
  ],
  [
    "_updateObjects",
    "An object or a list of objects can be passed.\nEach object will be updated if it exists or created if it does not exist yet.\n",
  ],
  [
    "_getObjects",
    'Returns a list of objects that match the specified filter.\nIf a list of attributes is specified, only these are read from the backend.\nThe filter object consists of attribute-value pairs that are ANDed during the search.\nIf the value is a list, the individual entries are ORed during the search.\nFor strings, "*" can be used as a wildcard.\n',
  ],
  [
    "_getHashes",
    'Returns a list of objects as dictionaries that match the specified filter.\nIf a list of attributes is specified, only these are read from the backend.\nThe filter object consists of attribute-value pairs that are ANDed during the search.\nIf the value is a list, the individual entries are ORed during the search.\nFor strings, "*" can be used as a wildcard.\n',
  ],
  [
    "_getIdents",
    'Returns a list of object identifiers that match the specified filter.\nPossible returnTypes are: "str" (default), "dict", "list" and "tuple".\nThe filter object consists of attribute-value pairs that are ANDed during the search.\nIf the value is a list, the individual entries are ORed during the search.\nFor strings, "*" can be used as a wildcard.\n',
  ],
  [
    "_deleteObjects",
    "Deletes a list of objects.\nOnly the attributes identifying the object ('type'/'id'/'ident') are used to select the objects to be deleted.\n",
  ],
  ["_delete", 'Deletes the object identified by the specified parameters.\nFor string attributes, "*" can be used as a wildcard.\n'],
];

function methodDoc(name: string): string | null {
  for (const [suffix, doc] of CRUD_DOCS) if (name.endsWith(suffix)) return doc;
  return null;
}

function interfaceEntry(method: RpcMethodInfo): RpcInterfaceEntry {
  return Object.freeze({
    name: method.name,
    params: Object.freeze([...method.notation]),
    args: Object.freeze(["self", ...method.params.map((p) => p.name)]),
    varargs: null,
    keywords: method.kwargs,
    defaults: method.defaults === null ? null : Object.freeze([...method.defaults]),
    deprecated: method.deprecated,
    drop_version: method.dropVersion,
    alternative_method: method.alternativeMethod,
    doc: methodDoc(method.name),
    annotations: Object.freeze({}),
  });
}

/** Options of {@link getInterfaceDescription}. */
export interface InterfaceDescriptionOptions {
  /** Include deprecated methods (opsiconfd's `provide-deprecated-methods`, default true). */
  readonly provideDeprecated?: boolean;
  /** The methods to describe; defaults to {@link RPC_METHODS} (pass more for extension methods). */
  readonly methods?: Iterable<RpcMethodInfo>;
}

const cachedDescriptions = new Map<boolean, readonly RpcInterfaceEntry[]>();

/**
 * The result of `backend_getInterface`: one frozen entry per method, sorted by name (code-point
 * order like Python's `sorted`). `annotations` is always `{}` and `doc` is only set for the CRUD
 * families (upstream's Python type hints and custom docstrings are not part of the method data).
 * @example getInterfaceDescription({ provideDeprecated: false }).length // 315
 */
export function getInterfaceDescription(options: InterfaceDescriptionOptions = {}): readonly RpcInterfaceEntry[] {
  const provideDeprecated = options.provideDeprecated ?? true;
  if (options.methods === undefined) {
    const cached = cachedDescriptions.get(provideDeprecated);
    if (cached) return cached;
  }
  const methods = [...(options.methods ?? RPC_METHODS.values())].filter((m) => provideDeprecated || !m.deprecated);
  methods.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const entries = Object.freeze(methods.map(interfaceEntry));
  if (options.methods === undefined) cachedDescriptions.set(provideDeprecated, entries);
  return entries;
}
