/**
 * @module @opsi-ts/core/testing
 * The shared backend conformance suite (`describeBackend`) and sample-object builders.
 */

export type { Dict, GetBackend } from "./assertions.js";
export { type DescribeBackendOptions, describeBackend } from "./describe-backend.js";
export * from "./fixtures.js";
export * from "./net.js";
export * from "./shared-fixtures.js";
