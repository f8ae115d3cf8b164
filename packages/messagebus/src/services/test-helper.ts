/**
 * @module services/test-helper
 * For the service tests: a minimal host for one {@link ChannelService} on a {@link MemoryBroker} (the service
 * channel consumed as a work queue, acked after `handle`) and a bus client with its own session channel that
 * records what it receives.
 */
import { MemoryBroker } from "../broker/memory-broker.js";
import type { Subscription } from "../broker/types.js";
import { type AnyMessage, createMessage, type MessageFields, type MessageOf, type MessageType, newUuid4 } from "../messages.js";
import type { ChannelService, ServiceContext } from "./types.js";

export const SERVER_ID = "config.opsi.test";
export const WORKER_CHANNEL = "service_worker:node1:1";

/** A service hosted on `service:depot:<SERVER_ID>:<name>`. */
export interface TestHost {
  readonly broker: MemoryBroker<AnyMessage>;
  readonly context: ServiceContext;
  readonly serviceChannel: string;
  /** Stops the service, the subscriptions and the broker. */
  close(): Promise<void>;
}

/** Hosts a service the way the hub does. */
export async function hostService(service: ChannelService): Promise<TestHost> {
  const broker = new MemoryBroker<AnyMessage>({ trimIntervalMs: 0 });
  const context: ServiceContext = {
    serverId: SERVER_ID,
    workerChannel: WORKER_CHANNEL,
    broker,
    async publish(message) {
      await broker.publish({ ...message, sender: WORKER_CHANNEL } as AnyMessage);
    },
  };
  await service.start?.(context);
  const serviceChannel = `service:depot:${SERVER_ID}:${service.name}`;
  const sub = await broker.subscribe(serviceChannel, { id: WORKER_CHANNEL }, async (delivery) => {
    try {
      await service.handle(delivery.message, delivery, context);
    } finally {
      await delivery.ack();
    }
  });
  return {
    broker,
    context,
    serviceChannel,
    async close() {
      await sub.unsubscribe();
      await service.stop?.();
      await broker.close();
    },
  };
}

/** A bus client (an admin's session) that sends requests and records everything on its session channel. */
export class TestClient {
  readonly session = `session:${newUuid4()}`;
  readonly received: AnyMessage[] = [];
  private subscription: Subscription | undefined;
  private waiters: (() => void)[] = [];

  constructor(private readonly broker: MemoryBroker<AnyMessage>) {}

  async connect(): Promise<this> {
    this.subscription = await this.broker.subscribe(this.session, { id: this.session }, (delivery) => {
      this.received.push(delivery.message);
      for (const wake of this.waiters.splice(0)) wake();
    });
    return this;
  }

  /** Publishes a message from this client, replies to its session channel. */
  async send<T extends MessageType>(type: T, fields: Omit<MessageFields<T>, "sender">): Promise<MessageOf<T>> {
    const message = createMessage(type, { sender: "user:adminuser", back_channel: this.session, ...fields } as MessageFields<T>);
    await this.broker.publish(message);
    return message;
  }

  /** All received messages of a type. */
  all<T extends MessageType>(type: T): MessageOf<T>[] {
    return this.received.filter((m) => m.type === type) as MessageOf<T>[];
  }

  /** Waits until a received message matches (default timeout 10 s). */
  async waitFor<T extends MessageType>(
    type: T,
    predicate: (m: MessageOf<T>) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<MessageOf<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.all(type).find(predicate);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`timed out waiting for ${type}; received: ${this.received.map((m) => m.type).join(", ") || "nothing"}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits until a condition over everything received holds. */
  async until(condition: (received: readonly AnyMessage[]) => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition(this.received)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; received: ${this.received.map((m) => m.type).join(", ")}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    await this.subscription?.unsubscribe();
  }
}

/** Concatenates byte chunks into a string (UTF-8). */
export function textOf(chunks: readonly Uint8Array[]): string {
  return Buffer.concat(chunks.map((c) => Buffer.from(c))).toString("utf8");
}
