/** @module acl/protected-backend A BackendCore view that enforces the ACEs of one caller (row restriction, column masking, write and delete checks). */
import {
  BackendBadValueError,
  type BackendCore,
  decodeObject,
  type Filter,
  getIdent,
  type HardwareAuditConfig,
  type Ident,
  type IdentReturnType,
  type ObjectInput,
  type ObjectPrefix,
  type ObjectsInput,
  type OpsiObject,
  OpsiServicePermissionError,
  PREFIXES,
  type PrefixObject,
  parseIdentReturnType,
} from "@opsi-ts/core";
import type { Identity } from "../identity.js";
import type { AccessControl } from "./access-control.js";
import { type Ace, aceAllowsAttribute, onlySelf } from "./ace.js";

/**
 * How a `self` ACE applies to a prefix: the attribute holding the caller's host id (opsi's client-id
 * column), `"unrestricted"` (hardware devices belong to nobody; upstream's empty client-id column),
 * or absent (a `self`-only rule cannot grant anything there).
 */
interface SelfRule {
  readonly read?: string | "unrestricted";
  readonly write?: string | "unrestricted";
}

/** The client-id columns of spec §4.7 (`HOST.hostId`, `PRODUCT_ON_CLIENT.clientId`, ...). */
export const SELF_RULES: { readonly [P in ObjectPrefix]?: SelfRule } = {
  host: { read: "id", write: "id" },
  productOnClient: { read: "clientId", write: "clientId" },
  configState: { read: "objectId", write: "objectId" },
  productPropertyState: { read: "objectId", write: "objectId" },
  auditSoftwareOnClient: { read: "clientId", write: "clientId" },
  licenseOnClient: { read: "clientId", write: "clientId" },
  // Upstream reads hardware audit from HARDWARE_DEVICE_* first: no row restriction, no masking.
  auditHardwareOnHost: { read: "unrestricted", write: "hostId" },
  auditHardware: { read: "unrestricted", write: "unrestricted" },
};

/** Host types a client may write under a `self`-only rule (it must not turn itself into a depot). */
const CLIENT_HOST_TYPES: ReadonlySet<unknown> = new Set([undefined, null, "", "Host", "OpsiClient"]);

function toList(input: unknown): unknown[] {
  if (input === null || input === undefined) return [];
  return Array.isArray(input) ? [...input] : [input];
}

function isDict(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function lower(value: unknown): string | null {
  return typeof value === "string" ? value.toLowerCase().replace(/\.$/, "") : null;
}

/**
 * The view of a backend one caller gets for one RPC. Every operation looks up the ACEs of the
 * opsi method it stands for (`<prefix>_<operation>`, `_getIdents` → `_getObjects`) and:
 * - raises `No permission for method '<m>'` if none applies;
 * - with only `self` ACEs: restricts reads to the caller's rows, requires writes to target the
 *   caller, and skips foreign objects on delete (`No objects to delete` if none remain; the whole
 *   object is skipped, fixing upstream's partial-ident delete);
 * - masks attributes no ACE allows (`self`-only attributes are kept on the caller's own row);
 * - refuses filters on attributes the caller may not read.
 * @example const view = new ProtectedBackend(backend, acl, identity); await view.getObjects("host", [], {});
 */
export class ProtectedBackend implements BackendCore {
  private readonly hostId: string;

  constructor(
    private readonly inner: BackendCore,
    private readonly acl: AccessControl,
    private readonly identity: Identity,
  ) {
    this.hostId = (identity.hostId ?? identity.name).toLowerCase();
  }

  get hardwareAudit(): HardwareAuditConfig | undefined {
    return this.inner.hardwareAudit;
  }

  private aces(method: string): Ace[] {
    return this.acl.require(method, this.identity);
  }

  private selfAttribute(prefix: ObjectPrefix, mode: "read" | "write", method: string): string | "unrestricted" {
    const attr = SELF_RULES[prefix]?.[mode];
    if (attr === undefined) {
      throw new OpsiServicePermissionError(`No permission for method '${method}': a 'self' rule does not apply to ${prefix} objects`);
    }
    return attr;
  }

  /** Value of an attribute of a write/delete input (plain dict, `ident` form or typed object). */
  private valueOf(prefix: ObjectPrefix, input: unknown, attr: string): string | null {
    if (!isDict(input)) return null;
    if (attr in input && input[attr] !== undefined && input[attr] !== null) return lower(input[attr]);
    try {
      const obj = decodeObject(prefix, input, { hardwareAudit: this.inner.hardwareAudit }) as unknown as Record<string, unknown>;
      return lower(obj[attr]);
    } catch (e: unknown) {
      if (e instanceof BackendBadValueError) return null;
      throw e;
    }
  }

  private checkFilter(prefix: ObjectPrefix, aces: readonly Ace[], filter: Filter | null | undefined): void {
    if (!filter) return;
    const selfOnly = onlySelf(aces);
    for (const [attr, value] of Object.entries(filter)) {
      if (value === null || value === undefined) continue;
      // Ident attributes and `type` are never masked, so filtering on them reveals nothing.
      if (attr === "type" || PREFIXES[prefix].ident.includes(attr)) continue;
      // Rows are already limited to the caller's under self-only rules, so self may filter there.
      const allowed = aces.some((a) => (a.type !== "self" || selfOnly) && aceAllowsAttribute(a, attr));
      if (!allowed) throw new OpsiServicePermissionError(`No permission for attribute ${attr}`);
    }
  }

  private checkWrites(prefix: ObjectPrefix, method: string, objs: readonly unknown[]): void {
    const aces = this.aces(method);
    if (!onlySelf(aces)) return;
    const attr = this.selfAttribute(prefix, "write", method);
    if (attr === "unrestricted") return;
    for (const obj of objs) {
      const value = this.valueOf(prefix, obj, attr);
      if (value !== this.hostId) {
        throw new OpsiServicePermissionError(`No permission for ${prefix}/${attr}: ${value === null ? "None" : value}`);
      }
      if (prefix === "host" && this.identity.kind === "client" && isDict(obj) && !CLIENT_HOST_TYPES.has(obj.type)) {
        throw new OpsiServicePermissionError(`No permission to change the type of host '${value}' to '${String(obj.type)}'`);
      }
    }
  }

  async insertObject<P extends ObjectPrefix>(prefix: P, obj: ObjectInput<P>): Promise<void> {
    this.checkWrites(prefix, `${prefix}_insertObject`, [obj]);
    await this.inner.insertObject(prefix, obj);
  }

  async updateObject<P extends ObjectPrefix>(prefix: P, obj: ObjectInput<P>): Promise<void> {
    this.checkWrites(prefix, `${prefix}_updateObject`, [obj]);
    await this.inner.updateObject(prefix, obj);
  }

  async createObjects<P extends ObjectPrefix>(prefix: P, objs: ObjectsInput<P>): Promise<void> {
    this.checkWrites(prefix, `${prefix}_createObjects`, toList(objs));
    await this.inner.createObjects(prefix, objs);
  }

  async updateObjects<P extends ObjectPrefix>(prefix: P, objs: ObjectsInput<P>): Promise<void> {
    this.checkWrites(prefix, `${prefix}_updateObjects`, toList(objs));
    await this.inner.updateObjects(prefix, objs);
  }

  /** The read rule: ACEs, whether rows are restricted, and to which attribute. */
  private readRule(prefix: ObjectPrefix, aces: readonly Ace[], method: string): string | null {
    if (!onlySelf(aces)) return null;
    const attr = this.selfAttribute(prefix, "read", method);
    return attr === "unrestricted" ? null : attr;
  }

  /** Adds the caller's id to a filter that does not restrict the self attribute yet (rows are post-checked anyway). */
  private narrowFilter(filter: Filter | null | undefined, attr: string): Filter {
    const current = filter?.[attr];
    if (current === null || current === undefined || (Array.isArray(current) && current.length === 0)) {
      return { ...(filter ?? {}), [attr]: this.hostId };
    }
    return filter ?? {};
  }

  async getObjects<P extends ObjectPrefix>(
    prefix: P,
    attributes?: readonly string[] | null,
    filter?: Filter | null,
  ): Promise<PrefixObject<P>[]> {
    const method = `${prefix}_getObjects`;
    const aces = this.aces(method);
    this.checkFilter(prefix, aces, filter);
    const rowAttr = this.readRule(prefix, aces, method);
    let objects = await this.inner.getObjects(prefix, attributes, rowAttr ? this.narrowFilter(filter, rowAttr) : filter);
    if (rowAttr) objects = objects.filter((o) => lower((o as Record<string, unknown>)[rowAttr]) === this.hostId);
    return objects.map((o) => this.mask(prefix, aces, o));
  }

  /** Nulls the attributes the caller may not read (never `type` or ident attributes). */
  private mask<T>(prefix: ObjectPrefix, aces: readonly Ace[], obj: T): T {
    const rule = SELF_RULES[prefix]?.read;
    if (rule === "unrestricted" && onlySelf(aces)) return obj;
    const rec = obj as Record<string, unknown>;
    const keep = new Set<string>(["type", ...PREFIXES[prefix].ident]);
    if (prefix === "auditHardware" || prefix === "auditHardwareOnHost") keep.add("hardwareClass").add("hostId");
    const ownRow = typeof rule === "string" && rule !== "unrestricted" && lower(rec[rule]) === this.hostId;
    let out: Record<string, unknown> | undefined;
    for (const key of Object.keys(rec)) {
      if (keep.has(key) || rec[key] === null) continue;
      const visible = aces.some((a) => aceAllowsAttribute(a, key) && (a.type !== "self" || ownRow || rule === "unrestricted"));
      if (visible) continue;
      out ??= { ...rec };
      out[key] = null;
    }
    return (out ?? rec) as T;
  }

  async getIdents<P extends ObjectPrefix>(prefix: P, returnType?: IdentReturnType | null, filter?: Filter | null): Promise<Ident[]> {
    const method = `${prefix}_getObjects`;
    const aces = this.aces(method);
    this.checkFilter(prefix, aces, filter);
    const rowAttr = this.readRule(prefix, aces, method);
    if (!rowAttr) return this.inner.getIdents(prefix, returnType, filter);
    const type = parseIdentReturnType(returnType);
    const objects = await this.inner.getObjects(prefix, PREFIXES[prefix].ident, this.narrowFilter(filter, rowAttr));
    return objects
      .filter((o) => lower((o as Record<string, unknown>)[rowAttr]) === this.hostId)
      .map((o) => getIdent(o as OpsiObject, type, { hardwareAudit: this.inner.hardwareAudit }));
  }

  async deleteObjects<P extends ObjectPrefix>(prefix: P, objs: ObjectsInput<P>): Promise<void> {
    const list = toList(objs);
    if (list.length === 0) return;
    const method = `${prefix}_deleteObjects`;
    const aces = this.aces(method);
    if (!onlySelf(aces)) {
      await this.inner.deleteObjects(prefix, list as ObjectsInput<P>);
      return;
    }
    const attr = this.selfAttribute(prefix, "write", method);
    const own = attr === "unrestricted" ? list : list.filter((o) => this.valueOf(prefix, o, attr) === this.hostId);
    if (own.length === 0) throw new OpsiServicePermissionError("No objects to delete");
    await this.inner.deleteObjects(prefix, own as ObjectsInput<P>);
  }

  /** The view does not own the backend: closing is a no-op. */
  async close(): Promise<void> {}
}
