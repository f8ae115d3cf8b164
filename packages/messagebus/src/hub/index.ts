/** @module hub The server side of the message bus: connections, subscriptions, events and hosted services. */

export * from "./connections.js";
export * from "./hub.js";
