/**
 * @module messagebus/hosted-services
 * The services a server hosts on `service:depot:<id>:jsonrpc|terminal|process`, with opsiconfd's
 * `disabled_features` (`messagebus_terminal`, `messagebus_execute_process`) applied; shared by the config
 * server's hub and a depot server's bus connection.
 */
import type { ChannelService } from "@opsi-ts/messagebus";
import { createProcessService, createTerminalService } from "@opsi-ts/messagebus/services";
import type { RpcCaller } from "../endpoint/rpc-route.js";
import { createJsonRpcService } from "./jsonrpc-service.js";

/** Options of {@link hostedBusServices}. */
export interface HostedBusServicesOptions {
  readonly dispatcher: RpcCaller;
  readonly disabledFeatures?: readonly string[];
  readonly onError: (err: unknown) => void;
  /** Replaces the JSON-RPC service built from `dispatcher` (a depot judges callers by their sender). */
  readonly jsonrpc?: (service: ChannelService) => ChannelService;
}

/**
 * JSON-RPC, terminal and process services (the terminal one also carries file transfers).
 * @example for (const service of hostedBusServices({ dispatcher, onError })) await hub.registerService(service);
 */
export function hostedBusServices(options: HostedBusServicesOptions): ChannelService[] {
  const disabled = new Set(options.disabledFeatures ?? []);
  const jsonrpc = createJsonRpcService({ dispatcher: options.dispatcher });
  return [
    options.jsonrpc ? options.jsonrpc(jsonrpc) : jsonrpc,
    createTerminalService({ enabled: !disabled.has("messagebus_terminal"), onError: options.onError }),
    createProcessService({ enabled: !disabled.has("messagebus_execute_process"), onError: options.onError }),
  ];
}
