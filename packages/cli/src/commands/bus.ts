/**
 * @module commands/bus
 * Message bus commands: `opsi bus listen <channel...>` (print what arrives) and `opsi terminal <host>` (an
 * interactive shell on the config server, a depot or a client, over the bus like `opsi-cli terminal`).
 */
import { randomUUID } from "node:crypto";
import { type AnyMessage, MessagebusClient, type MessageOf } from "@opsi-ts/messagebus";
import type { Command } from "commander";
import { UsageError } from "../errors.js";
import type { CliIo } from "../io.js";
import { addConnectionOptions, type ConnectionOptions, openServiceConnection, type ServiceConnection } from "../service-connection.js";

/** Opens a bus client with the credentials and trust of an RPC connection. */
async function openBus(conn: ServiceConnection): Promise<MessagebusClient> {
  const bus = new MessagebusClient({
    url: conn.url,
    username: conn.username,
    password: conn.password,
    ...(conn.ca === undefined ? {} : { ca: conn.ca }),
    insecure: conn.insecure,
    userAgent: "opsi-ts-cli/0.1.0",
  });
  await bus.connect();
  return bus;
}

/** JSON of a message for printing: bytes as base64, like opsi's JSON serialisation of the bus. */
export function messageJson(message: AnyMessage): string {
  return JSON.stringify(message, (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString("base64") : value));
}

/** One line per message: time, type, channel, sender and the interesting fields. */
export function messageLine(message: AnyMessage): string {
  const time = new Date(message.created).toISOString();
  const head = `${time} ${message.type} ${message.channel} from ${message.sender}`;
  if (message.type === "event") {
    const e = message as MessageOf<"event">;
    return `${head} ${e.event} ${JSON.stringify(e.data)}`;
  }
  return head;
}

/** The terminal channel of a host: the config server's own service, a depot's, or a client's inbox. */
async function terminalChannel(conn: ServiceConnection, hostId: string): Promise<string> {
  const hosts = (await conn.client.call("host_getObjects", [["id", "type"], { id: hostId }])) as { id: string; type: string }[];
  const host = hosts.find((h) => h.id === hostId.toLowerCase());
  if (!host) throw new UsageError(`Host '${hostId}' not found`);
  if (host.type === "OpsiConfigserver") return "service:config:terminal";
  if (host.type === "OpsiDepotserver") return `service:depot:${host.id}:terminal`;
  return `host:${host.id}`;
}

interface ListenOptions extends ConnectionOptions {
  readonly json?: boolean;
  readonly count?: string;
}

/**
 * Adds `opsi bus listen` and `opsi terminal`.
 * @example registerBusCommands(program, io); // opsi bus listen event:host_created --json
 */
export function registerBusCommands(program: Command, io: CliIo): void {
  const bus = program.command("bus").description("the opsi message bus (/messagebus/v1)");
  addConnectionOptions(
    bus
      .command("listen")
      .description("subscribe to channels and print every message that arrives (until Ctrl-C or --count)")
      .argument("<channels...>", "channels, e.g. event:host_created event:productOnClient_updated host:pc1.example.org")
      .option("--json", "print each message as one JSON line")
      .option("--count <n>", "stop after n messages"),
  ).action(async (channels: string[], _options: unknown, command: Command) => {
    const options = command.optsWithGlobals<ListenOptions>();
    const limit = options.count === undefined ? Number.POSITIVE_INFINITY : Number(options.count);
    if (!(limit > 0) || !Number.isInteger(limit === Number.POSITIVE_INFINITY ? 1 : limit))
      throw new UsageError("--count needs a positive integer");
    const conn = await openServiceConnection(options, io);
    let client: MessagebusClient | undefined;
    try {
      client = await openBus(conn);
      let seen = 0;
      let stop: () => void = () => {};
      const done = new Promise<void>((resolve) => {
        stop = resolve;
        client?.onMessage((message) => {
          if (message.type === "channel_subscription_event") return;
          io.stdout.write(`${options.json ? messageJson(message) : messageLine(message)}\n`);
          seen += 1;
          if (seen >= limit) resolve();
        });
      });
      process.once("SIGINT", stop);
      try {
        const subscribed = await client.subscribe(channels);
        io.stderr.write(`Listening on ${subscribed.join(", ")}\n`);
        await done;
      } finally {
        process.off("SIGINT", stop);
      }
    } finally {
      await client?.close();
      await conn.close();
    }
  });

  addConnectionOptions(
    program
      .command("terminal")
      .description("open an interactive shell on the config server, a depot or a client over the message bus")
      .argument("<host>", "host id (config server, depot or client)")
      .option("--shell <shell>", "shell to start (default: the host's)"),
  ).action(async (hostId: string, _options: unknown, command: Command) => {
    const options = command.optsWithGlobals<ConnectionOptions & { shell?: string }>();
    const conn = await openServiceConnection(options, io);
    let client: MessagebusClient | undefined;
    const stdin = io.stdin;
    try {
      const channel = await terminalChannel(conn, hostId);
      client = await openBus(conn);
      const c = client;
      const terminalId = randomUUID();
      const size = io.stdout as { columns?: number; rows?: number };
      let writeChannel: string | null = null;
      const finished = new Promise<void>((resolve, reject) => {
        c.onMessage((message) => {
          const m = message as AnyMessage & { terminal_id?: string };
          if (m.terminal_id !== terminalId) return;
          if (message.type === "terminal_open_event") writeChannel = message.back_channel ?? null;
          else if (message.type === "terminal_data_read")
            io.stdout.write(Buffer.from((message as MessageOf<"terminal_data_read">).data).toString("utf8"));
          else if (message.type === "terminal_close_event") resolve();
          else if (message.type === "terminal_error") reject(new UsageError((message as MessageOf<"terminal_error">).error.message));
        });
        c.onStateChange((state) => {
          if (state === "closed") reject(new UsageError("The message bus connection was closed"));
        });
      });
      c.sendMessage("terminal_open_request", {
        channel,
        terminal_id: terminalId,
        rows: size.rows ?? 30,
        cols: size.columns ?? 120,
        ...(options.shell ? { shell: options.shell } : {}),
      });
      const onData = (chunk: Buffer | string) => {
        if (!writeChannel) return;
        c.sendMessage("terminal_data_write", { channel: writeChannel, terminal_id: terminalId, data: Buffer.from(chunk) });
      };
      if (stdin.isTTY) stdin.setRawMode?.(true);
      stdin.on("data", onData);
      try {
        await finished;
      } finally {
        stdin.off("data", onData);
        if (stdin.isTTY) stdin.setRawMode?.(false);
        (stdin as NodeJS.ReadableStream & { pause?: () => void }).pause?.();
      }
    } finally {
      await client?.close();
      await conn.close();
    }
  });
}
