/**
 * @module messagebus/depot-bus
 * A depot server's message bus connection to its config server (spec §1.12): it logs in as the depot,
 * subscribes `service:depot:<id>:jsonrpc|terminal|process` and its own `service_worker:<node>:1:*` channels,
 * and hosts the same services as the config server's hub (JSON-RPC, terminals, processes) over that one
 * client connection. So `opsi terminal <depot>` and JSON-RPC requests of the config server reach the depot.
 */
import { hostname } from "node:os";
import {
  type AnyMessage,
  type Broker,
  type BrokerStats,
  type Delivery,
  type DeliveryHandler,
  deliveryModeOf,
  MessagebusClient,
  type ServiceContext,
  type Subscription,
} from "@opsi-ts/messagebus";
import type { Logger } from "pino";
import type { RpcCaller } from "../endpoint/rpc-route.js";
import type { CallerContext } from "../identity.js";
import { hostedBusServices } from "./hosted-services.js";

/** Options of {@link connectDepotBus}. */
export interface DepotBusOptions {
  readonly depotId: string;
  readonly hostKey: string;
  readonly configServerUrl: string;
  readonly configServerId: string;
  readonly ca: string;
  readonly dispatcher: RpcCaller;
  /** opsiconfd `disabled_features` (`messagebus_terminal`, `messagebus_execute_process`). */
  readonly disabledFeatures?: readonly string[];
  readonly logger: Logger;
}

/** The running connection. */
export interface DepotBus {
  readonly client: MessagebusClient;
  close(): Promise<void>;
}

/**
 * Who sent a request to the depot, judged by the `sender` the config server wrote (clients cannot forge it):
 * the config server itself and its workers act as the depot (admin), hosts as themselves (clients without
 * admin rights), users without admin rights (the depot cannot see their groups; they use the config server).
 */
export function depotCallerOf(message: AnyMessage, depotId: string, configServerId: string): CallerContext {
  const sender = message.sender;
  const base = { sessionId: `bus:${message.id}`, clientAddress: "messagebus" };
  if (sender.startsWith("service_worker:") || sender.startsWith("service_node:") || sender === `host:${configServerId}`) {
    return { ...base, identity: { kind: "depot", name: depotId, hostId: depotId, isAdmin: true, isReadOnly: false, groups: [] } };
  }
  if (sender.startsWith("host:")) {
    const id = sender.slice("host:".length);
    return { ...base, identity: { kind: "client", name: id, hostId: id, isAdmin: false, isReadOnly: false, groups: [] } };
  }
  const name = sender.startsWith("user:") ? sender.slice("user:".length) : sender;
  return { ...base, identity: { kind: "user", name, isAdmin: false, isReadOnly: false, groups: [] } };
}

/** A {@link Broker} over one bus client connection, enough for the services (publish, subscribe by channel). */
class ClientBroker implements Broker<AnyMessage> {
  readonly #client: MessagebusClient;
  readonly #handlers = new Map<string, DeliveryHandler<AnyMessage>>();

  constructor(client: MessagebusClient, onError: (err: unknown) => void) {
    this.#client = client;
    client.onMessage((message) => {
      const handler = this.#handlers.get(message.channel);
      if (!handler) return;
      const delivery: Delivery<AnyMessage> = {
        message,
        channel: message.channel,
        redelivered: false,
        replayed: false,
        ack: async () => {},
      };
      Promise.resolve()
        .then(() => handler(delivery))
        .catch(onError);
    });
  }

  async publish(message: AnyMessage): Promise<boolean> {
    this.#client.send(message);
    return true;
  }

  async subscribe(channel: string, subscriber: { id: string }, onDelivery: DeliveryHandler<AnyMessage>): Promise<Subscription> {
    this.#handlers.set(channel, onDelivery);
    await this.#client.subscribe([channel]);
    return {
      channel,
      subscriber,
      mode: deliveryModeOf(channel),
      unsubscribe: async () => {
        this.#handlers.delete(channel);
        await this.#client.subscribe([channel], "remove").catch(() => {});
      },
      kill: async () => {
        this.#handlers.delete(channel);
      },
    };
  }

  stats(): BrokerStats {
    return { subscriptions: this.#handlers.size, queuedDeliveries: 0, unacked: 0 };
  }

  async close(): Promise<void> {
    this.#handlers.clear();
  }
}

/**
 * Connects the depot to the config server's bus and starts its services; reconnects on its own
 * (`MessagebusClient`) and re-subscribes the channels.
 * @example const bus = await connectDepotBus({ depotId, hostKey, configServerUrl, configServerId, ca, dispatcher, logger });
 */
export async function connectDepotBus(options: DepotBusOptions): Promise<DepotBus> {
  const { depotId, logger } = options;
  const client = new MessagebusClient({
    url: options.configServerUrl,
    username: depotId,
    password: options.hostKey,
    ca: options.ca,
    userAgent: `opsiconfd depotserver (opsi-ts) ${depotId}`,
    reconnectMinMs: 15_000,
    reconnectMaxMs: 30_000,
  });
  client.onStateChange((state) => logger.info({ state }, "depot message bus connection"));
  await client.connect();
  const onError = (err: unknown) => logger.warn({ err }, "depot message bus service");
  const broker = new ClientBroker(client, onError);
  const node = (
    hostname()
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, "-") || "depot"
  ).slice(0, 63);
  const workerChannel = `service_worker:${node}:1`;
  const context: ServiceContext = {
    serverId: depotId,
    workerChannel,
    broker,
    publish: async (message) => {
      client.send(message);
    },
  };
  const services = hostedBusServices({
    dispatcher: options.dispatcher,
    onError,
    ...(options.disabledFeatures ? { disabledFeatures: options.disabledFeatures } : {}),
    // Requests reaching the depot over its WebSocket carry no caller context: judge them by their sender.
    jsonrpc: (jsonrpc) => ({
      name: "jsonrpc",
      handle: (message, delivery, ctx) =>
        jsonrpc.handle(
          { ...message, context: depotCallerOf(message, depotId, options.configServerId) } as unknown as AnyMessage,
          delivery,
          ctx,
        ),
    }),
  });
  for (const service of services) {
    await service.start?.(context);
    await broker.subscribe(`service:depot:${depotId}:${service.name}`, { id: workerChannel }, (delivery) =>
      service.handle(delivery.message, delivery, context),
    );
  }
  logger.info({ configServer: options.configServerUrl }, "depot connected to the message bus");
  return {
    client,
    async close() {
      for (const service of services) await service.stop?.().catch(() => {});
      await broker.close();
      await client.close();
    },
  };
}
