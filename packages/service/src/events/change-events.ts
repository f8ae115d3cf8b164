/** @module events/change-events The typed in-process bus of opsi change events (`host_created`, `configState_updated`, ...). */

/** Data of `host_created` / `host_updated`. */
export interface HostChangeData {
  readonly type: string;
  readonly id: string;
}

/** Data of `host_deleted`. */
export interface HostDeletedData {
  readonly id: string;
}

/** Data of the `config_*` events: the Config ident dict. */
export interface ConfigChangeData {
  readonly id: string;
}

/** Data of the `configState_*` events: the ConfigState ident dict. */
export interface ConfigStateChangeData {
  readonly configId: string;
  readonly objectId: string;
}

/** Data of the `productOnClient_*` events. */
export interface ProductOnClientChangeData {
  readonly productId: string;
  readonly productType: string;
  readonly clientId: string;
  readonly installationStatus: string | null;
  readonly actionRequest: string | null;
}

/** Data of `log_updated`. */
export interface LogUpdatedData {
  readonly type: string;
  readonly object_id: string;
}

/** Every change event name with its data shape (opsiconfd publishes them on `event:<name>`). */
export interface ChangeEventMap {
  host_created: HostChangeData;
  host_updated: HostChangeData;
  host_deleted: HostDeletedData;
  config_created: ConfigChangeData;
  config_updated: ConfigChangeData;
  config_deleted: ConfigChangeData;
  configState_created: ConfigStateChangeData;
  configState_updated: ConfigStateChangeData;
  configState_deleted: ConfigStateChangeData;
  productOnClient_created: ProductOnClientChangeData;
  productOnClient_updated: ProductOnClientChangeData;
  productOnClient_deleted: ProductOnClientChangeData;
  log_updated: LogUpdatedData;
}

/** A change event name. */
export type ChangeEventName = keyof ChangeEventMap;

/** All change event names. */
export const CHANGE_EVENT_NAMES: readonly ChangeEventName[] = [
  "host_created",
  "host_updated",
  "host_deleted",
  "config_created",
  "config_updated",
  "config_deleted",
  "configState_created",
  "configState_updated",
  "configState_deleted",
  "productOnClient_created",
  "productOnClient_updated",
  "productOnClient_deleted",
  "log_updated",
];

/** One emitted event. */
export type ChangeEvent = { [N in ChangeEventName]: { readonly name: N; readonly data: ChangeEventMap[N] } }[ChangeEventName];

/** A listener of one event name. */
export type ChangeEventListener<N extends ChangeEventName> = (data: ChangeEventMap[N], name: N) => void;

/** A listener of every event. */
export type AnyChangeEventListener = (event: ChangeEvent) => void;

/** Options of {@link ChangeEvents}. */
export interface ChangeEventsOptions {
  /** Called when a listener throws; the emitter and the other listeners are not affected. */
  readonly onListenerError?: (error: unknown, event: ChangeEvent) => void;
}

/**
 * An in-process, synchronous event bus. Listener errors never reach the emitter (a write that
 * succeeded must not fail because of a subscriber).
 * @example
 * const events = new ChangeEvents();
 * const off = events.subscribe("host_created", (data) => console.log(data.id));
 * events.emit("host_created", { type: "OpsiClient", id: "pc1.dom.tld" });
 * off();
 */
export class ChangeEvents {
  private readonly listeners = new Map<ChangeEventName, Set<(data: never, name: never) => void>>();
  private readonly anyListeners = new Set<AnyChangeEventListener>();
  private readonly onListenerError: ((error: unknown, event: ChangeEvent) => void) | undefined;

  constructor(options: ChangeEventsOptions = {}) {
    this.onListenerError = options.onListenerError;
  }

  /** Subscribes to one event; returns the function that unsubscribes. */
  subscribe<N extends ChangeEventName>(name: N, listener: ChangeEventListener<N>): () => void {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener as (data: never, name: never) => void);
    return () => this.unsubscribe(name, listener);
  }

  /** Subscribes to every event; returns the function that unsubscribes. */
  subscribeAll(listener: AnyChangeEventListener): () => void {
    this.anyListeners.add(listener);
    return () => {
      this.anyListeners.delete(listener);
    };
  }

  /** Removes a listener added with {@link subscribe}. */
  unsubscribe<N extends ChangeEventName>(name: N, listener: ChangeEventListener<N>): void {
    this.listeners.get(name)?.delete(listener as (data: never, name: never) => void);
  }

  /** Number of listeners of an event (all-event listeners included). */
  listenerCount(name: ChangeEventName): number {
    return (this.listeners.get(name)?.size ?? 0) + this.anyListeners.size;
  }

  /** Delivers an event to its listeners, then to the all-event listeners. */
  emit<N extends ChangeEventName>(name: N, data: ChangeEventMap[N]): void {
    const event = { name, data } as ChangeEvent;
    for (const listener of [...(this.listeners.get(name) ?? [])]) {
      try {
        (listener as ChangeEventListener<N>)(data, name);
      } catch (e: unknown) {
        this.onListenerError?.(e, event);
      }
    }
    for (const listener of [...this.anyListeners]) {
      try {
        listener(event);
      } catch (e: unknown) {
        this.onListenerError?.(e, event);
      }
    }
  }
}
