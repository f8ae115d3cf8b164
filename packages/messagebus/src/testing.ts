/** @module @opsi-ts/messagebus/testing — the broker conformance suite (imports vitest) for other Broker implementations. */
export { type BrokerFactory, type DescribeBrokerOptions, describeBroker, Recorder, testMessage, waitFor } from "./broker/conformance.js";
