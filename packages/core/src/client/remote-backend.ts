/**
 * @module client/remote-backend
 * A {@link BackendCore} whose storage is another opsi service: every generic operation becomes the
 * opsi-named RPC (`host_getObjects`, `productOnDepot_createObjects`, ...) over a {@link ServiceClient}.
 * A depot server runs its local methods (`depot_*`, `workbench_*`) on this backend, so their reads and
 * writes land in the config server's database exactly as an opsiconfd depot's do.
 */
import type { BackendCore, BackendCrud, ObjectInput, ObjectsInput } from "../backend/Backend.js";
import { type BackendExtensions, installBackendMethods } from "../backend/methods.js";
import { reviveOpsiError } from "../errors.js";
import type { Filter } from "../filter/filter.js";
import type { HardwareAuditConfig } from "../model/hwaudit-config.js";
import { decodeObjects, type Ident, type IdentReturnType } from "../model/object.js";
import type { ObjectPrefix, PrefixObject } from "../model/registry.js";

/** What {@link RemoteBackendCore} needs of a client: `ServiceClient` satisfies it. */
export interface RpcCallerLike {
  call<T = unknown>(method: string, params?: readonly unknown[] | Readonly<Record<string, unknown>>): Promise<T>;
  disconnect?(): Promise<void>;
}

/** Options of {@link RemoteBackendCore}. */
export interface RemoteBackendOptions {
  /** Hardware-audit classes used to decode `auditHardware*` objects (default: keep all attributes). */
  readonly hardwareAudit?: HardwareAuditConfig;
  /** Whether `close()` also ends the client's session (default true). */
  readonly closeClient?: boolean;
}

/**
 * The seven CRUD operations of a remote opsi service; results are decoded into typed objects.
 * opsi errors of the service are rethrown as the local classes (`BackendBadValueError`, ...), others as
 * `RemoteRpcError`; connection problems as `OpsiConnectionError`.
 * @example
 * const backend = new RemoteBackendCore(new ServiceClient({ url, username: depotId, password: hostKey }));
 * const depots = await backend.host_getObjects([], { type: "OpsiDepotserver" });
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the opsi-named methods are installed on the prototype by installBackendMethods.
export class RemoteBackendCore implements BackendCore {
  readonly hardwareAudit: HardwareAuditConfig | undefined;
  readonly client: RpcCallerLike;
  readonly #closeClient: boolean;

  constructor(client: RpcCallerLike, options: RemoteBackendOptions = {}) {
    this.client = client;
    this.hardwareAudit = options.hardwareAudit;
    this.#closeClient = options.closeClient ?? true;
  }

  /** Calls the service; opsi errors it reports are rethrown as the local classes (see `reviveOpsiError`). */
  async #call(method: string, params: readonly unknown[]): Promise<unknown> {
    try {
      return await this.client.call(method, params);
    } catch (e: unknown) {
      const remote = e as { remoteClass?: unknown; message?: unknown };
      if (typeof remote.remoteClass === "string" && typeof remote.message === "string") {
        const revived = reviveOpsiError(remote.remoteClass, remote.message);
        if (revived) throw Object.assign(revived, { cause: e });
      }
      throw e;
    }
  }

  async #write(prefix: ObjectPrefix, op: string, objs: unknown): Promise<void> {
    await this.#call(`${prefix}_${op}`, [objs]);
  }

  insertObject<P extends ObjectPrefix>(prefix: P, obj: ObjectInput<P>): Promise<void> {
    return this.#write(prefix, "insertObject", obj);
  }

  updateObject<P extends ObjectPrefix>(prefix: P, obj: ObjectInput<P>): Promise<void> {
    return this.#write(prefix, "updateObject", obj);
  }

  createObjects<P extends ObjectPrefix>(prefix: P, objs: ObjectsInput<P>): Promise<void> {
    return this.#write(prefix, "createObjects", objs);
  }

  updateObjects<P extends ObjectPrefix>(prefix: P, objs: ObjectsInput<P>): Promise<void> {
    return this.#write(prefix, "updateObjects", objs);
  }

  deleteObjects<P extends ObjectPrefix>(prefix: P, objs: ObjectsInput<P>): Promise<void> {
    return this.#write(prefix, "deleteObjects", objs);
  }

  async getObjects<P extends ObjectPrefix>(
    prefix: P,
    attributes?: readonly string[] | null,
    filter?: Filter | null,
  ): Promise<PrefixObject<P>[]> {
    const result = await this.#call(`${prefix}_getObjects`, [attributes ?? [], filter ?? {}]);
    return decodeObjects(prefix, result, { hardwareAudit: this.hardwareAudit });
  }

  async getIdents<P extends ObjectPrefix>(prefix: P, returnType?: IdentReturnType | null, filter?: Filter | null): Promise<Ident[]> {
    const result = await this.#call(`${prefix}_getIdents`, [returnType ?? "str", filter ?? {}]);
    if (!Array.isArray(result)) throw new TypeError(`${prefix}_getIdents: the service answered ${typeof result}, not a list`);
    return result as Ident[];
  }

  async close(): Promise<void> {
    if (this.#closeClient) await this.client.disconnect?.();
  }
}

/** The opsi-named CRUD methods and extensions, installed on the prototype. */
export interface RemoteBackendCore extends BackendCrud, BackendExtensions {}
installBackendMethods(RemoteBackendCore);
