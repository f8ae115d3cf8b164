/**
 * @module @opsi-ts/messagebus
 * The opsi 4.3 message bus: message model (every opsicommon message type), msgpack framing with
 * lz4/gzip compression, channel names and the broker's access rules.
 */

export { MemoryBroker } from "./broker/memory-broker.js";
export { RedisBroker, type RedisBrokerOptions } from "./broker/redis-broker.js";
export * from "./broker/types.js";
export * from "./channels.js";
export {
  MessagebusClient,
  type MessagebusClientOptions,
  type MessagebusClientState,
  MessagebusError,
  MessagebusRpcError,
  type MessageListener,
} from "./client/messagebus-client.js";
export * from "./codec.js";
export * from "./errors.js";
export * from "./host-rpc.js";
export * from "./hub/index.js";
export * from "./messages.js";
export type { ChannelService, ServiceContext } from "./services/types.js";
