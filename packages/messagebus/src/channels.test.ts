import { describe, expect, it } from "vitest";
import {
  applySubscription,
  type BusIdentity,
  busIdentity,
  canRead,
  canWrite,
  type IncomingContext,
  identityChannel,
  initialSubscriptions,
  isAdminIdentity,
  isValidChannel,
  mayConnect,
  messageTypeDenial,
  parseChannel,
  prepareIncoming,
  resolveChannel,
} from "./channels.js";
import { InvalidChannelError } from "./errors.js";
import { createMessage, messageToWire } from "./messages.js";

const CONFIG_SERVER = "configserver.uib.local";
const SESSION_ID = "9f0c7f43-6c1e-4a53-9e0b-2a35d8b4c1aa";
const OWN_SESSION = `session:${SESSION_ID}`;
const OTHER_SESSION = "session:1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d";
const ID = "3c1f6a0e-8d8e-4b38-b0a8-2d3f4e5a6b7c";

const client = busIdentity("client", "client1.uib.local");
const depot = busIdentity("depot", "depot1.uib.local");
const configServer = busIdentity("depot", CONFIG_SERVER);
const admin = busIdentity("user", "adminuser", true);
const plainUser = busIdentity("user", "someone", false);

function ctx(identity: BusIdentity, extra: Partial<IncomingContext> = {}): IncomingContext {
  return { identity, sessionId: SESSION_ID, configServerId: CONFIG_SERVER, ...extra };
}

describe("identities", () => {
  it("normalises names and admin flags (depots always admin, clients never)", () => {
    expect(busIdentity("client", "Client1.UIB.local", true)).toEqual({ kind: "client", name: "client1.uib.local", isAdmin: false });
    expect(busIdentity("depot", "DEPOT1.uib.local")).toEqual({ kind: "depot", name: "depot1.uib.local", isAdmin: true });
    expect(busIdentity("user", "Admin", true)).toEqual({ kind: "user", name: "admin", isAdmin: true });
    expect(() => busIdentity("client", "not-a-fqdn")).toThrow(/Bad fqdn/);
    expect(isAdminIdentity({ kind: "client", name: "c.uib.local", isAdmin: true })).toBe(false);
    expect(isAdminIdentity({ kind: "depot", name: "d.uib.local", isAdmin: false })).toBe(true);
  });

  it("lets hosts and admin users connect, nobody else", () => {
    expect([client, depot, configServer, admin].every(mayConnect)).toBe(true);
    expect(mayConnect(plainUser)).toBe(false);
  });

  it("uses host:<id> / user:<name> as user channel and sender", () => {
    expect(identityChannel(client)).toBe("host:client1.uib.local");
    expect(identityChannel(admin)).toBe("user:adminuser");
    expect(initialSubscriptions({ identity: client, sessionId: SESSION_ID })).toEqual(["host:client1.uib.local", OWN_SESSION]);
  });
});

describe("parseChannel", () => {
  it.each([
    [OWN_SESSION, { kind: "session", name: OWN_SESSION, sessionId: SESSION_ID }],
    ["SESSION:9F0C7F43-6C1E-4A53-9E0B-2A35D8B4C1AA", { kind: "session", name: OWN_SESSION }],
    ["host:Client1.uib.local", { kind: "host", name: "host:client1.uib.local", hostId: "client1.uib.local", rest: [] }],
    ["host:client1.uib.local:extra", { kind: "host", name: "host:client1.uib.local:extra", rest: ["extra"] }],
    ["user:AdminUser", { kind: "user", name: "user:adminuser", userId: "adminuser" }],
    ["service:messagebus", { kind: "service_messagebus" }],
    ["service:config:jsonrpc", { kind: "service_config", service: "jsonrpc" }],
    ["service:config:terminal", { kind: "service_config", service: "terminal" }],
    ["service:config:process", { kind: "service_config", service: "process" }],
    [
      "service:depot:Depot1.uib.local:process",
      { kind: "service_depot", name: "service:depot:depot1.uib.local:process", depotId: "depot1.uib.local" },
    ],
    ["service_node:node1", { kind: "service_node", node: "node1" }],
    ["service_worker:node1:2:terminal", { kind: "service_worker", node: "node1", worker: 2, rest: ["terminal"] }],
    ["event:configState_updated", { kind: "event", name: "event:configState_updated", event: "configState_updated" }],
    ["EVENT:host_connected", { kind: "event", name: "event:host_connected" }],
  ])("%s is valid", (name, expected) => {
    expect(parseChannel(name)).toMatchObject(expected);
  });

  it.each([
    ["", "empty channel name"],
    ["session:not-a-uuid", "expected session:<uuid>"],
    [`${OWN_SESSION}:x`, "expected session:<uuid>"],
    ["host:client1", "'client1' is not a valid host id"],
    ["host:", "'' is not a valid host id"],
    ["user:bad user", "'bad user' is not a valid user id"],
    ["service:config:files", "expected service:messagebus"],
    ["service:depot:depot1.uib.local", "expected service:messagebus"],
    ["service:depot:depot1.uib.local:jsonrpc:x", "expected service:messagebus"],
    ["service:depot:nodepot:jsonrpc", "'nodepot' is not a valid depot id"],
    ["service:messagebus:x", "expected service:messagebus"],
    ["service_node:", "expected service_node:<node-name>"],
    ["service_worker:node1:x", "expected service_worker:<node-name>:<worker-number>[:…]"],
    ["event:host_exploded", "unknown event 'host_exploded'"],
    ["event:Host_connected", "unknown event 'Host_connected'"],
    ["terminal:6b0a4d9e", "unknown channel type 'terminal'"],
    ["@", "unknown channel type '@'"],
    ["foo", "unknown channel type 'foo'"],
  ])("%s is invalid: %s", (name, reason) => {
    expect(() => parseChannel(name)).toThrow(InvalidChannelError);
    expect(() => parseChannel(name)).toThrow(`Invalid channel name '${name}': ${reason}`);
    expect(isValidChannel(name)).toBe(false);
  });
});

describe("resolveChannel", () => {
  it("resolves @, $ and the service:config alias", () => {
    expect(resolveChannel("@", ctx(client))).toBe("host:client1.uib.local");
    expect(resolveChannel("@", ctx(admin))).toBe("user:adminuser");
    expect(resolveChannel("$", ctx(client))).toBe(OWN_SESSION);
    expect(resolveChannel("service:config:jsonrpc", ctx(client))).toBe(`service:depot:${CONFIG_SERVER}:jsonrpc`);
    expect(resolveChannel("Service:Config:Terminal", ctx(admin))).toBe(`service:depot:${CONFIG_SERVER}:terminal`);
    expect(resolveChannel("HOST:Other.uib.local", ctx(admin))).toBe("host:other.uib.local");
  });
});

describe("access rules per identity (spec §1.6)", () => {
  // [channel, client read, client write, admin read, admin write]
  const table: [string, boolean, boolean][] = [
    // channel, client read, client write
    ["host:client1.uib.local", true, true], // own user channel
    ["host:client2.uib.local", false, false],
    ["host:depot1.uib.local", false, false],
    ["user:adminuser", false, false],
    [OWN_SESSION, true, true],
    [OTHER_SESSION, true, true], // any session channel
    ["service:messagebus", false, true],
    [`service:depot:${CONFIG_SERVER}:jsonrpc`, false, true],
    ["service:depot:depot1.uib.local:jsonrpc", false, true],
    [`service:depot:${CONFIG_SERVER}:terminal`, false, false],
    [`service:depot:${CONFIG_SERVER}:process`, false, false],
    ["service_worker:node1:1:terminal", false, false],
    ["service_node:node1", false, false],
    ["event:host_connected", false, false],
  ];

  it.each(table)("client: %s read=%s write=%s", (channel, read, write) => {
    expect(canRead(client, channel)).toBe(read);
    expect(canWrite(client, channel)).toBe(write);
  });

  it.each(table)("depot, config server and admin user may read and write %s", (channel) => {
    for (const identity of [depot, configServer, admin]) {
      expect(canRead(identity, channel)).toBe(true);
      expect(canWrite(identity, channel)).toBe(true);
    }
  });

  it("a non-admin user is treated like a client (own channel and sessions only)", () => {
    expect(canRead(plainUser, "user:someone")).toBe(true);
    expect(canRead(plainUser, "event:host_connected")).toBe(false);
    expect(canWrite(plainUser, "host:client1.uib.local")).toBe(false);
    expect(canWrite(plainUser, `service:depot:${CONFIG_SERVER}:jsonrpc`)).toBe(true);
  });
});

describe("message-type gates", () => {
  const msg = "Access to message type 'terminal_open_request' denied - check config and license";

  it("terminal_open_request / process_start_request on service channels need the feature only", () => {
    const target = `service:depot:${CONFIG_SERVER}:terminal`;
    expect(messageTypeDenial("terminal_open_request", target)).toBeNull();
    expect(messageTypeDenial("terminal_open_request", target, { disabledFeatures: ["messagebus_terminal"] })).toBe(msg);
    expect(messageTypeDenial("terminal_open_request", target, { disabledFeatures: ["messagebus_terminal_client"] })).toBeNull();
    expect(messageTypeDenial("process_start_request", target, { disabledFeatures: ["messagebus_execute_process"] })).toBe(
      "Access to message type 'process_start_request' denied - check config and license",
    );
  });

  it("on clients they also need the vpn module and the _client feature", () => {
    const target = "host:client1.uib.local";
    expect(messageTypeDenial("terminal_open_request", target)).toBe(msg);
    expect(messageTypeDenial("terminal_open_request", target, { vpnAvailable: true })).toBeNull();
    expect(
      messageTypeDenial("terminal_open_request", target, { vpnAvailable: true, disabledFeatures: ["messagebus_terminal_client"] }),
    ).toBe(msg);
    expect(messageTypeDenial("process_start_request", target, { vpnAvailable: true })).toBeNull();
    expect(
      messageTypeDenial("process_start_request", target, { vpnAvailable: true, disabledFeatures: ["messagebus_execute_process_client"] }),
    ).not.toBeNull();
    expect(messageTypeDenial("terminal_data_write", target)).toBeNull();
  });
});

describe("prepareIncoming", () => {
  const rpc = (fields: Record<string, unknown> = {}) => ({
    ...messageToWire(createMessage("jsonrpc_request", { sender: "@", channel: "service:config:jsonrpc", method: "backend_info", id: ID })),
    ...fields,
  });

  it("overwrites sender, defaults back_channel to the session channel and rewrites service:config", () => {
    const result = prepareIncoming(rpc({ sender: "host:someone.else.local" }), ctx(client));
    expect(result).toMatchObject({
      ok: true,
      message: {
        type: "jsonrpc_request",
        sender: "host:client1.uib.local",
        channel: `service:depot:${CONFIG_SERVER}:jsonrpc`,
        back_channel: OWN_SESSION,
        id: ID,
      },
    });
  });

  it("accepts a frame without sender", () => {
    const { sender: _, ...raw } = rpc();
    expect(prepareIncoming(raw, ctx(admin))).toMatchObject({ ok: true, message: { sender: "user:adminuser" } });
  });

  it("resolves $ and @ in back_channel and channel", () => {
    expect(prepareIncoming(rpc({ back_channel: "$" }), ctx(client))).toMatchObject({ message: { back_channel: OWN_SESSION } });
    expect(prepareIncoming(rpc({ back_channel: "@" }), ctx(client))).toMatchObject({ message: { back_channel: "host:client1.uib.local" } });
    expect(prepareIncoming(rpc({ back_channel: OTHER_SESSION }), ctx(client))).toMatchObject({ message: { back_channel: OTHER_SESSION } });
    expect(prepareIncoming(rpc({ channel: "$" }), ctx(client))).toMatchObject({ message: { channel: OWN_SESSION } });
    expect(prepareIncoming(rpc({ channel: "@" }), ctx(admin))).toMatchObject({ message: { channel: "user:adminuser" } });
  });

  it("refuses a frame without id with no ref_id", () => {
    const { id: _, ...raw } = rpc();
    expect(prepareIncoming(raw, ctx(client))).toEqual({
      ok: false,
      kind: "invalid_message",
      error: "Invalid message received: 'id' is missing",
      refId: null,
    });
    expect(prepareIncoming([1], ctx(client))).toMatchObject({ ok: false, kind: "invalid_message", refId: null });
  });

  it("refuses invalid messages with the message id as ref_id", () => {
    const result = prepareIncoming(rpc({ id: "ABC", method: 5 }), ctx(client));
    expect(result).toEqual({
      ok: false,
      kind: "invalid_message",
      error:
        "Invalid jsonrpc_request message: field 'id': must be a lowercase UUID v4; field 'method': expected string (received integer 5)",
      refId: "ABC",
    });
  });

  it("refuses invalid channel names", () => {
    expect(prepareIncoming(rpc({ channel: "terminal:abc" }), ctx(admin))).toMatchObject({
      ok: false,
      kind: "invalid_channel",
      refId: ID,
      error:
        "Invalid channel name 'terminal:abc': unknown channel type 'terminal' (valid: session, host, user, service, service_node, service_worker, event)",
    });
    expect(prepareIncoming(rpc({ back_channel: "event:nope" }), ctx(admin))).toMatchObject({ ok: false, kind: "invalid_channel" });
  });

  it("a client cannot talk to other hosts or into events, with upstream's wording", () => {
    expect(prepareIncoming(rpc({ channel: "host:client2.uib.local" }), ctx(client))).toEqual({
      ok: false,
      kind: "access_denied",
      error: "Read access to channel 'host:client2.uib.local' denied",
      refId: ID,
    });
    expect(prepareIncoming(rpc({ back_channel: "event:test" }), ctx(client))).toMatchObject({
      ok: false,
      error: "Read access to channel 'event:test' denied",
    });
    expect(prepareIncoming(rpc({ channel: "service:config:terminal" }), ctx(client))).toMatchObject({
      ok: false,
      error: `Read access to channel 'service:depot:${CONFIG_SERVER}:terminal' denied`,
    });
  });

  it("admins and depots may send anywhere", () => {
    for (const identity of [admin, depot]) {
      expect(prepareIncoming(rpc({ channel: "host:client2.uib.local", back_channel: "event:test" }), ctx(identity)).ok).toBe(true);
    }
  });

  it("applies the message-type gates", () => {
    const open = messageToWire(
      createMessage("terminal_open_request", { sender: "@", channel: "host:client1.uib.local", terminal_id: "t", id: ID }),
    );
    expect(prepareIncoming(open, ctx(admin))).toMatchObject({ ok: false, kind: "message_type_denied", refId: ID });
    expect(prepareIncoming(open, ctx(admin, { vpnAvailable: true })).ok).toBe(true);
    const onServer = { ...open, channel: "service:config:terminal" };
    expect(prepareIncoming(onServer, ctx(admin)).ok).toBe(true);
    expect(prepareIncoming(onServer, ctx(admin, { disabledFeatures: new Set(["messagebus_terminal"]) })).ok).toBe(false);
  });

  it("passes custom types with the common fields only", () => {
    const result = prepareIncoming({ type: "my_type", id: ID, channel: "$", foo: 1 }, ctx(client));
    expect(result.ok && result.message).toEqual(
      expect.objectContaining({ type: "my_type", sender: "host:client1.uib.local", channel: OWN_SESSION, back_channel: OWN_SESSION }),
    );
    expect(result.ok && result.message).not.toHaveProperty("foo");
  });

  it("stamps broker_ws_receive into trace messages when given the receive time", () => {
    const trace = messageToWire(createMessage("trace_request", { sender: "@", channel: "$", id: ID, trace: { sender_ws_send: 1 } }));
    const result = prepareIncoming(trace, ctx(client, { receivedAt: 5 }));
    expect(result.ok && result.message).toMatchObject({ trace: { sender_ws_send: 1, broker_ws_receive: 5 } });
    expect(trace.trace).toEqual({ sender_ws_send: 1 }); // input untouched
  });
});

describe("applySubscription", () => {
  const start = initialSubscriptions({ identity: admin, sessionId: SESSION_ID });

  it("set replaces, add adds, remove removes; the own session channel always stays", () => {
    const set = applySubscription(start, { operation: "set", channels: ["event:host_connected"] }, ctx(admin));
    expect(set).toEqual({
      channels: [OWN_SESSION, "event:host_connected"],
      subscribedChannels: [OWN_SESSION, "event:host_connected"],
      error: null,
    });
    const add = applySubscription(
      set.channels,
      { operation: "add", channels: ["@", "event:host_connected", "service:config:jsonrpc"] },
      ctx(admin),
    );
    expect(add.channels).toEqual([OWN_SESSION, "event:host_connected", "user:adminuser", `service:depot:${CONFIG_SERVER}:jsonrpc`]);
    const remove = applySubscription(add.channels, { operation: "remove", channels: ["$", "event:host_connected"] }, ctx(admin));
    expect(remove.channels).toEqual([OWN_SESSION, "user:adminuser", `service:depot:${CONFIG_SERVER}:jsonrpc`]);
    expect(applySubscription(start, { channels: ["@"] }, ctx(admin)).channels).toEqual([OWN_SESSION, "user:adminuser"]);
  });

  it("a client may subscribe its own and session channels only; refusals change nothing", () => {
    const clientStart = initialSubscriptions({ identity: client, sessionId: SESSION_ID });
    expect(applySubscription(clientStart, { operation: "add", channels: [OTHER_SESSION] }, ctx(client)).channels).toEqual([
      ...clientStart,
      OTHER_SESSION,
    ]);
    expect(applySubscription(clientStart, { operation: "set", channels: ["@", "event:host_connected"] }, ctx(client))).toEqual({
      channels: clientStart,
      subscribedChannels: [],
      error: "Write access to channel 'event:host_connected' denied",
    });
    expect(applySubscription(clientStart, { operation: "add", channels: ["service:config:jsonrpc"] }, ctx(client)).error).toBe(
      `Write access to channel 'service:depot:${CONFIG_SERVER}:jsonrpc' denied`,
    );
  });

  it("reports invalid names and operations", () => {
    expect(applySubscription(start, { operation: "add", channels: ["nope"] }, ctx(admin)).error).toMatch(/^Invalid channel name 'nope'/);
    expect(applySubscription(start, { operation: "xor", channels: [] }, ctx(admin)).error).toBe("Invalid operation 'xor'");
  });
});
