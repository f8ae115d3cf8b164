/** @module events/eventing-backend A BackendCore wrapper that emits the opsi change events after successful writes. */
import {
  BackendBadValueError,
  type BackendCore,
  decodeObject,
  type Filter,
  type HardwareAuditConfig,
  type Ident,
  type IdentReturnType,
  type ObjectInput,
  type ObjectPrefix,
  type ObjectsInput,
  type PrefixObject,
} from "@opsi-ts/core";
import type { ChangeEvents } from "./change-events.js";

type WriteKind = "created" | "updated" | "deleted";

function toList(input: unknown): unknown[] {
  if (input === null || input === undefined) return [];
  return Array.isArray(input) ? input : [input];
}

function text(value: unknown): string {
  return value === null || value === undefined ? "" : String(value);
}

function textOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/**
 * Emits the change events of one write (spec §2.7). Objects that cannot be decoded are skipped:
 * the write itself already succeeded, so the input was valid for the backend.
 * @example emitChangeEvents(events, "host", "created", [{ type: "OpsiClient", id: "pc1.dom.tld" }])
 */
export function emitChangeEvents(events: ChangeEvents, prefix: ObjectPrefix, kind: WriteKind, objects: readonly unknown[]): void {
  if (prefix !== "host" && prefix !== "config" && prefix !== "configState" && prefix !== "productOnClient") return;
  for (const input of objects) {
    let obj: Record<string, unknown>;
    try {
      obj = decodeObject(prefix, input) as unknown as Record<string, unknown>;
    } catch (e: unknown) {
      if (e instanceof BackendBadValueError) continue;
      throw e;
    }
    switch (prefix) {
      case "host":
        if (kind === "deleted") events.emit("host_deleted", { id: text(obj.id) });
        else events.emit(kind === "created" ? "host_created" : "host_updated", { type: text(obj.type), id: text(obj.id) });
        break;
      case "config":
        events.emit(`config_${kind}`, { id: text(obj.id) });
        break;
      case "configState":
        events.emit(`configState_${kind}`, { configId: text(obj.configId), objectId: text(obj.objectId) });
        break;
      case "productOnClient":
        events.emit(`productOnClient_${kind}`, {
          productId: text(obj.productId),
          productType: text(obj.productType),
          clientId: text(obj.clientId),
          installationStatus: textOrNull(obj.installationStatus),
          actionRequest: textOrNull(obj.actionRequest),
        });
        break;
    }
  }
}

/**
 * Wraps a backend so every successful insert/create (`*_created`), update (`*_updated`) and
 * delete (`*_deleted`) of hosts, configs, config states and product-on-clients emits its events.
 * Reads pass through unchanged; `close()` closes the wrapped backend.
 * @example const backend = new EventingBackend(new MemoryBackend(), events);
 */
export class EventingBackend implements BackendCore {
  constructor(
    private readonly inner: BackendCore,
    private readonly events: ChangeEvents,
  ) {}

  get hardwareAudit(): HardwareAuditConfig | undefined {
    return this.inner.hardwareAudit;
  }

  async insertObject<P extends ObjectPrefix>(prefix: P, obj: ObjectInput<P>): Promise<void> {
    await this.inner.insertObject(prefix, obj);
    emitChangeEvents(this.events, prefix, "created", [obj]);
  }

  async updateObject<P extends ObjectPrefix>(prefix: P, obj: ObjectInput<P>): Promise<void> {
    await this.inner.updateObject(prefix, obj);
    emitChangeEvents(this.events, prefix, "updated", [obj]);
  }

  async createObjects<P extends ObjectPrefix>(prefix: P, objs: ObjectsInput<P>): Promise<void> {
    await this.inner.createObjects(prefix, objs);
    emitChangeEvents(this.events, prefix, "created", toList(objs));
  }

  async updateObjects<P extends ObjectPrefix>(prefix: P, objs: ObjectsInput<P>): Promise<void> {
    await this.inner.updateObjects(prefix, objs);
    emitChangeEvents(this.events, prefix, "updated", toList(objs));
  }

  getObjects<P extends ObjectPrefix>(prefix: P, attributes?: readonly string[] | null, filter?: Filter | null): Promise<PrefixObject<P>[]> {
    return this.inner.getObjects(prefix, attributes, filter);
  }

  getIdents<P extends ObjectPrefix>(prefix: P, returnType?: IdentReturnType | null, filter?: Filter | null): Promise<Ident[]> {
    return this.inner.getIdents(prefix, returnType, filter);
  }

  async deleteObjects<P extends ObjectPrefix>(prefix: P, objs: ObjectsInput<P>): Promise<void> {
    await this.inner.deleteObjects(prefix, objs);
    emitChangeEvents(this.events, prefix, "deleted", toList(objs));
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
