/**
 * @module @opsi-ts/core
 * opsi 4.3 object model, filters, the Backend interface, MemoryBackend and action sequencing.
 */

export * from "./backend/Backend.js";
export * from "./backend/depot-assignment.js";
export * from "./backend/MemoryBackend.js";
export * from "./backend/methods.js";
export * from "./backend/write-rules.js";
export * from "./client/remote-backend.js";
export * from "./client/ServiceClient.js";
export * from "./errors.js";
export * from "./filter/filter.js";
export * from "./filter/match.js";
export { coerceHardwareValue } from "./model/audit-hardware.js";
export * from "./model/classes.js";
export * from "./model/forcers.js";
export * from "./model/hwaudit-config.js";
export * from "./model/hwaudit-default.js";
export * from "./model/object.js";
export * from "./model/python-literal.js";
export * from "./model/registry.js";
export * from "./model/values.js";
export * from "./rpc/codec.js";
export * from "./rpc/errors.js";
export * from "./rpc/interface.js";
export * from "./rpc/interface-data.js";
export * from "./rpc/jsonrpc.js";
export * from "./rpc/params.js";
export * from "./sequencing/algorithm.js";
export * from "./sequencing/rpc.js";
export * from "./sequencing/types.js";
