/**
 * @module services/types
 * The contract between the message bus hub and the services it hosts on `service:depot:<server-id>:<name>`
 * channels (`jsonrpc`, `terminal`, `process`): the hub consumes each service channel as a work queue and
 * hands every message to the service; the service answers through its context.
 */
import type { Broker, Delivery } from "../broker/types.js";
import type { AnyMessage } from "../messages.js";

/** What a service may do while handling messages. */
export interface ServiceContext {
  /** The host id of the server the service runs on (`service:depot:<serverId>:<name>`). */
  readonly serverId: string;
  /**
   * This worker's own channel prefix, `service_worker:<node>:<n>`: a service that keeps state (a terminal, a
   * process) announces `<prefix>:<name>` as `back_channel` and receives the follow-up messages there.
   */
  readonly workerChannel: string;
  /** The broker of the hub (publish answers, subscribe to the worker channel). */
  readonly broker: Broker<AnyMessage>;
  /** Publishes a message with `sender` set to this worker (`service_worker:<node>:<n>`), filling id/created/expires. */
  publish(message: AnyMessage): Promise<void>;
}

/** A service hosted on a service channel. */
export interface ChannelService {
  /** `jsonrpc`, `terminal` or `process`. */
  readonly name: "jsonrpc" | "terminal" | "process";
  /** Called once when the hub starts the service (subscribe to the worker channel here). */
  start?(context: ServiceContext): Promise<void>;
  /** Handles one message from the service channel; the hub acks the delivery after this resolves or rejects. */
  handle(message: AnyMessage, delivery: Delivery<AnyMessage>, context: ServiceContext): Promise<void>;
  /** Releases resources (ptys, processes, subscriptions). */
  stop?(): Promise<void>;
}
