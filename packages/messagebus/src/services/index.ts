/**
 * @module services
 * The services the message bus hub hosts on `service:depot:<server-id>:<name>` (`@opsi-ts/messagebus/services`):
 * terminals (node-pty, loaded on first use), processes and file transfers, plus their contract.
 */
export * from "./file-transfer.js";
export * from "./process.js";
export * from "./terminal.js";
export * from "./types.js";
