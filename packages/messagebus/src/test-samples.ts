/**
 * @module test-samples
 * Realistic fields for every message type (test support; not part of the public API).
 */

import type { MessageFields, MessageType } from "./messages.js";

const CONFIG_SERVER = "configserver.uib.local";
const CLIENT = "client1.uib.local";
const SESSION = "session:9f0c7f43-6c1e-4a53-9e0b-2a35d8b4c1aa";
const WORKER = "service_worker:node1:1";
const REQUEST_ID = "3c1f6a0e-8d8e-4b38-b0a8-2d3f4e5a6b7c";
const PROCESS_ID = "0b7e0a52-4c5b-4f3e-8a9d-6c1b2e3f4a5b";
const FILE_ID = "7d8e9f00-1a2b-4c3d-9e4f-5a6b7c8d9e0f";
const bytes = (text: string) => new TextEncoder().encode(text);

/** Sample fields per type: what opsiconfd, opsiclientd and admin tools actually send. */
export const SAMPLE_FIELDS: { readonly [T in MessageType]: MessageFields<T> } = {
  general_error: {
    sender: WORKER,
    channel: SESSION,
    ref_id: REQUEST_ID,
    error: { message: "Read access to channel 'host:other.uib.local' denied", code: null, details: null },
  },
  event: {
    sender: WORKER,
    channel: "event:host_connected",
    event: "host_connected",
    data: { client_address: "192.168.1.10", worker: "node1:1", host: { type: "OpsiClient", id: CLIENT } },
  },
  channel_subscription_request: {
    sender: "@",
    channel: "service:messagebus",
    back_channel: "$",
    channels: ["event:host_connected", "event:host_disconnected"],
    operation: "add",
  },
  channel_subscription_event: {
    sender: WORKER,
    channel: SESSION,
    subscribed_channels: [`host:${CLIENT}`, SESSION],
  },
  trace_request: {
    sender: "@",
    channel: "$",
    trace: { sender_ws_send: 1_728_555_000_123 },
    payload: bytes("x".repeat(64)),
  },
  trace_response: {
    sender: `host:${CLIENT}`,
    channel: SESSION,
    ref_id: REQUEST_ID,
    req_trace: { sender_ws_send: 1_728_555_000_123, broker_ws_receive: 1_728_555_000_130 },
    trace: { sender_ws_send: 1_728_555_000_140 },
    payload: bytes("x".repeat(64)),
  },
  jsonrpc_request: {
    sender: "@",
    channel: "service:config:jsonrpc",
    back_channel: "$",
    rpc_id: 1,
    method: "host_getObjects",
    params: [["id", "type"], { type: "OpsiClient", id: CLIENT }],
  },
  jsonrpc_response: {
    sender: WORKER,
    channel: SESSION,
    ref_id: REQUEST_ID,
    rpc_id: "1",
    result: [{ id: CLIENT, type: "OpsiClient", created: "2024-10-10 12:00:00", lastSeen: null }],
  },
  terminal_error: {
    sender: `${WORKER}:terminal`,
    channel: SESSION,
    terminal_id: "6b0a4d9e-0b6f-4c56-9a0c-b8f1d1a7e2c3",
    error: { message: "Terminal not found", code: "file_not_found", details: null },
  },
  terminal_open_request: {
    sender: "@",
    channel: "service:config:terminal",
    back_channel: "$",
    terminal_id: "6b0a4d9e-0b6f-4c56-9a0c-b8f1d1a7e2c3",
    rows: 30,
    cols: 120,
    shell: "bash",
    env: { LANG: "C.UTF-8" },
  },
  terminal_open_event: {
    sender: WORKER,
    channel: SESSION,
    back_channel: `${WORKER}:terminal`,
    terminal_id: "6b0a4d9e-0b6f-4c56-9a0c-b8f1d1a7e2c3",
    rows: 30,
    cols: 120,
  },
  terminal_resize_request: {
    sender: "@",
    channel: `${WORKER}:terminal`,
    terminal_id: "6b0a4d9e-0b6f-4c56-9a0c-b8f1d1a7e2c3",
    rows: 40,
    cols: 160,
  },
  terminal_resize_event: {
    sender: WORKER,
    channel: SESSION,
    terminal_id: "6b0a4d9e-0b6f-4c56-9a0c-b8f1d1a7e2c3",
    rows: 40,
    cols: 160,
  },
  terminal_data_read: {
    sender: WORKER,
    channel: SESSION,
    terminal_id: "6b0a4d9e-0b6f-4c56-9a0c-b8f1d1a7e2c3",
    data: bytes("\u001b[01;32mroot@configserver\u001b[00m:~# "),
  },
  terminal_data_write: {
    sender: "@",
    channel: `${WORKER}:terminal`,
    terminal_id: "6b0a4d9e-0b6f-4c56-9a0c-b8f1d1a7e2c3",
    data: bytes("ls -la /var/lib/opsi\r"),
  },
  terminal_close_request: { sender: "@", channel: `${WORKER}:terminal`, terminal_id: "6b0a4d9e-0b6f-4c56-9a0c-b8f1d1a7e2c3" },
  terminal_close_event: { sender: WORKER, channel: SESSION, terminal_id: "6b0a4d9e-0b6f-4c56-9a0c-b8f1d1a7e2c3" },
  process_error: {
    sender: `host:${CLIENT}`,
    channel: SESSION,
    process_id: PROCESS_ID,
    error: { message: "Command not found: foo", code: null, details: "Traceback (most recent call last): ..." },
  },
  process_start_request: {
    sender: "@",
    channel: `host:${CLIENT}`,
    back_channel: "$",
    process_id: PROCESS_ID,
    command: ["ls", "-l", "/tmp"],
    timeout: 0,
    shell: false,
    env: { LC_ALL: "C" },
  },
  process_start_event: {
    sender: `host:${CLIENT}`,
    channel: SESSION,
    back_channel: `host:${CLIENT}`,
    process_id: PROCESS_ID,
    os_process_id: 4711,
    locale_encoding: "utf-8",
  },
  process_stop_request: { sender: "@", channel: `host:${CLIENT}`, process_id: PROCESS_ID },
  process_stop_event: { sender: `host:${CLIENT}`, channel: SESSION, process_id: PROCESS_ID, exit_code: 0 },
  process_data_read: {
    sender: `host:${CLIENT}`,
    channel: SESSION,
    process_id: PROCESS_ID,
    stdout: bytes("total 0\ndrwxrwxrwt 2 root root 40 Oct 10 12:00 .\n"),
    stderr: bytes(""),
  },
  process_data_write: { sender: "@", channel: `host:${CLIENT}`, process_id: PROCESS_ID, stdin: bytes("y\n") },
  file_transfer_error: {
    sender: WORKER,
    channel: SESSION,
    file_id: FILE_ID,
    error: { message: "Permission denied: '/root/x'", code: "permission_error", details: null },
  },
  file_upload_request: {
    sender: "@",
    channel: `${WORKER}:terminal`,
    file_id: FILE_ID,
    content_type: "application/octet-stream",
    name: "opsi-script.log",
    size: 5_000_000_000,
    terminal_id: "6b0a4d9e-0b6f-4c56-9a0c-b8f1d1a7e2c3",
  },
  file_upload_response: { sender: WORKER, channel: SESSION, file_id: FILE_ID, path: "/root/opsi-script.log" },
  file_upload_result: { sender: WORKER, channel: SESSION, file_id: FILE_ID, path: "/root/opsi-script.log" },
  file_download_request: {
    sender: "@",
    channel: `host:${CLIENT}`,
    file_id: FILE_ID,
    path: "/var/log/opsi-script/opsi-script.log",
    chunk_size: 262_144,
    follow: true,
  },
  file_download_abort_request: { sender: "@", channel: `host:${CLIENT}`, file_id: FILE_ID },
  file_download_information: { sender: `host:${CLIENT}`, channel: SESSION, file_id: FILE_ID, size: 123_456 },
  file_chunk: {
    sender: "@",
    channel: `${WORKER}:terminal`,
    file_id: FILE_ID,
    number: 1,
    last: true,
    data: bytes("[5] [Oct 10 12:00:00:000] opsi-script 4.12.15.0 started\n"),
  },
};

/** The config server id the samples assume. */
export const SAMPLE_CONFIG_SERVER = CONFIG_SERVER;
