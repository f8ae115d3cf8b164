/**
 * @module services/terminal
 * The `terminal` service of a server (spec §1.5 `terminal_*`, §1.10): `terminal_open_request` on
 * `service:depot:<server-id>:terminal` opens a pty in this worker (node-pty) and answers `terminal_open_event`
 * with `back_channel` = `<workerChannel>:terminal`; all further `terminal_data_write`, `terminal_resize_request`
 * and `terminal_close_request` messages go to that channel, output goes to the requester's response channel
 * as `terminal_data_read` (≤ 16 KiB each). The worker channel also takes `file_*` messages (uploads into a
 * terminal's working directory), handled by {@link createFileTransfer}.
 */
import { constants as fsConstants } from "node:fs";
import { access, readlink } from "node:fs/promises";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import type * as pty from "node-pty";
import type { Subscription } from "../broker/types.js";
import {
  type AnyMessage,
  createMessage,
  isKnownMessage,
  type Message,
  type MessageOf,
  responseChannel,
  type TerminalOpenRequestMessage,
} from "../messages.js";
import { clampInt, errorText, messageError, SerialQueue, splitBytes } from "./common.js";
import { createFileTransfer, type FileTransfer, type FileTransferOptions } from "./file-transfer.js";
import type { ChannelService, ServiceContext } from "./types.js";

/** Default terminal size (opsicommon): 30 rows × 120 columns. */
export const DEFAULT_TERMINAL_ROWS = 30;
export const DEFAULT_TERMINAL_COLS = 120;
/** Size limits: 1…100 rows, 1…300 columns. */
export const MAX_TERMINAL_ROWS = 100;
export const MAX_TERMINAL_COLS = 300;
/** Largest `terminal_data_read` payload (16 KiB). */
export const TERMINAL_READ_CHUNK_SIZE = 16 * 1024;
/** A terminal without any input or output for this long is closed (8 h). */
export const TERMINAL_IDLE_TIMEOUT_MS = 8 * 60 * 60 * 1000;

/** Options of {@link createTerminalService}. */
export interface TerminalServiceOptions {
  /** `false`: every open request is answered with a `terminal_error` ("… disabled …"). Default true. */
  readonly enabled?: boolean;
  /** Shell when the request has none. Default `bash` (`cmd.exe` on Windows). */
  readonly defaultShell?: string;
  /** Working directory of new terminals. Default: the home directory of the server process. */
  readonly cwd?: string;
  /** Base environment of new terminals. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Idle timeout in ms (no input, output or resize). Default {@link TERMINAL_IDLE_TIMEOUT_MS}. */
  readonly idleTimeoutMs?: number;
  /**
   * File uploads/downloads on the terminal's worker channel: options for {@link createFileTransfer} (the
   * terminal lookup is added), a ready handler, or `false` to answer `file_*` messages with an error.
   * Default: enabled without root restriction (whoever may open a terminal has a shell anyway); off when the
   * service is disabled.
   */
  readonly fileTransfer?: FileTransferOptions | FileTransfer | false;
  /** Receives errors that cannot be sent to a requester. Default `console.error`. */
  readonly onError?: (error: unknown) => void;
}

/** The terminal service plus lookups for other services. */
export interface TerminalService extends ChannelService {
  readonly name: "terminal";
  /** Ids of the open terminals. */
  terminalIds(): string[];
  /** The current working directory of a terminal's shell (Linux: `/proc/<pid>/cwd`), null if unknown. */
  terminalCwd(terminalId: string): Promise<string | null>;
  /** The channel follow-up messages go to (`<workerChannel>:terminal`); undefined before `start()`. */
  readonly instanceChannel: string | undefined;
}

interface Terminal {
  readonly id: string;
  readonly pty: pty.IPty;
  readonly initialCwd: string;
  /** The shell has written output, so it runs in its own working directory (before that, /proc may still show the parent's). */
  started: boolean;
  /** Where output and events go (the last requester's response channel). */
  channel: string;
  rows: number;
  cols: number;
  closed: boolean;
  idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** Keeps data before the close event. */
  readonly queue: SerialQueue;
}

class TerminalProblem extends Error {}

let nodePty: Promise<typeof pty> | undefined;
/** node-pty, loaded on the first terminal (a build without the native module can still host the other services). */
function loadPty(): Promise<typeof pty> {
  nodePty ??= import("node-pty").then((m) => (m as { default?: typeof pty }).default ?? m);
  return nodePty;
}

/**
 * Creates the terminal service the hub hosts on `service:depot:<server-id>:terminal`.
 * @example
 * const terminal = createTerminalService({ idleTimeoutMs: 3_600_000 });
 * await terminal.start?.(context); // subscribes `<workerChannel>:terminal`
 */
export function createTerminalService(options: TerminalServiceOptions = {}): TerminalService {
  const enabled = options.enabled ?? true;
  const idleTimeoutMs = options.idleTimeoutMs ?? TERMINAL_IDLE_TIMEOUT_MS;
  const defaultShell = options.defaultShell ?? (process.platform === "win32" ? "cmd.exe" : "bash");
  const onError = options.onError ?? ((err: unknown) => console.error("terminal service:", err));
  const terminals = new Map<string, Terminal>();
  let context: ServiceContext | undefined;
  let subscription: Subscription | undefined;
  let instanceChannel: string | undefined;

  const terminalCwd = async (terminalId: string): Promise<string | null> => {
    const terminal = terminals.get(terminalId);
    if (!terminal) return null;
    if (process.platform === "linux" && terminal.started) {
      try {
        return await readlink(`/proc/${terminal.pty.pid}/cwd`);
      } catch {
        // process gone or not readable: fall back to where it started
      }
    }
    return terminal.initialCwd;
  };

  let files: FileTransfer | undefined;
  if (options.fileTransfer !== false && enabled) {
    const ft = options.fileTransfer;
    files = ft !== undefined && "handle" in ft ? ft : createFileTransfer({ onError, ...ft, terminalCwd });
  }

  const publish = async (ctx: ServiceContext, message: AnyMessage): Promise<void> => {
    await ctx.publish(message);
  };

  const sendError = (ctx: ServiceContext, channel: string, terminalId: string, err: unknown): Promise<void> =>
    publish(
      ctx,
      createMessage("terminal_error", {
        sender: ctx.workerChannel,
        channel,
        terminal_id: terminalId || "-",
        error: messageError(errorText(err)),
      }),
    );

  const touch = (terminal: Terminal, ctx: ServiceContext): void => {
    if (terminal.idleTimer !== undefined) clearTimeout(terminal.idleTimer);
    terminal.idleTimer = setTimeout(() => {
      closeTerminal(terminal, ctx, "idle");
    }, idleTimeoutMs);
    terminal.idleTimer.unref?.();
  };

  /** Ends a terminal: kills the pty (unless it exited) and sends `terminal_close_event` after pending output. */
  const closeTerminal = (terminal: Terminal, ctx: ServiceContext, reason: "request" | "exit" | "idle" | "stop"): Promise<void> => {
    if (terminal.closed) return terminal.queue.idle();
    terminal.closed = true;
    terminals.delete(terminal.id);
    if (terminal.idleTimer !== undefined) clearTimeout(terminal.idleTimer);
    if (reason !== "exit") {
      try {
        terminal.pty.kill();
      } catch {
        // already gone
      }
    }
    return terminal.queue.push(() =>
      publish(
        ctx,
        createMessage("terminal_close_event", { sender: ctx.workerChannel, channel: terminal.channel, terminal_id: terminal.id }),
      ),
    );
  };

  const openEvent = (ctx: ServiceContext, terminal: Terminal, refId: string): Promise<void> =>
    terminal.queue.push(() =>
      publish(
        ctx,
        createMessage("terminal_open_event", {
          sender: ctx.workerChannel,
          channel: terminal.channel,
          back_channel: instanceChannel ?? `${ctx.workerChannel}:terminal`,
          ref_id: refId,
          terminal_id: terminal.id,
          rows: terminal.rows,
          cols: terminal.cols,
        }),
      ),
    );

  const open = async (message: TerminalOpenRequestMessage, ctx: ServiceContext, channel: string): Promise<void> => {
    if (!enabled) throw new TerminalProblem("Terminal access is disabled on this server");
    const existing = terminals.get(message.terminal_id);
    if (existing) {
      // Reuse: attach the new requester, apply a requested size.
      existing.channel = channel;
      if (message.rows !== null || message.cols !== null) resize(existing, message.rows, message.cols);
      touch(existing, ctx);
      await openEvent(ctx, existing, message.id);
      return;
    }
    const rows = clampInt(message.rows, 1, MAX_TERMINAL_ROWS, DEFAULT_TERMINAL_ROWS);
    const cols = clampInt(message.cols, 1, MAX_TERMINAL_COLS, DEFAULT_TERMINAL_COLS);
    const [file, ...args] = (message.shell?.trim() || defaultShell).split(/\s+/);
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(options.env ?? process.env)) if (value !== undefined) env[key] = value;
    Object.assign(env, message.env, { OPSI_TERMINAL_ID: message.terminal_id });
    env.TERM ||= "xterm-256color";
    const cwd = options.cwd ?? homedir();
    const executable = file ?? defaultShell;
    if (process.platform !== "win32" && !(await findExecutable(executable, env.PATH ?? ""))) {
      throw new TerminalProblem(`Failed to start terminal: shell '${executable}' not found or not executable`);
    }
    let proc: pty.IPty;
    try {
      proc = (await loadPty()).spawn(executable, args, { name: env.TERM, rows, cols, cwd, env, encoding: null });
    } catch (err: unknown) {
      throw new TerminalProblem(`Failed to start terminal shell '${file}': ${errorText(err)}`);
    }
    const terminal: Terminal = {
      id: message.terminal_id,
      pty: proc,
      initialCwd: cwd,
      started: false,
      channel,
      rows,
      cols,
      closed: false,
      idleTimer: undefined,
      queue: new SerialQueue(onError),
    };
    terminals.set(terminal.id, terminal);
    touch(terminal, ctx);
    await openEvent(ctx, terminal, message.id);
    proc.onData((chunk: string | Buffer) => {
      if (terminal.closed) return;
      terminal.started = true;
      const data = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
      touch(terminal, ctx);
      for (const part of splitBytes(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), TERMINAL_READ_CHUNK_SIZE)) {
        const copy = new Uint8Array(part); // node-pty may reuse its buffer
        void terminal.queue.push(() =>
          publish(
            ctx,
            createMessage("terminal_data_read", {
              sender: ctx.workerChannel,
              channel: terminal.channel,
              terminal_id: terminal.id,
              data: copy,
            }),
          ),
        );
      }
    });
    proc.onExit(() => {
      void closeTerminal(terminal, ctx, "exit");
    });
  };

  const resize = (terminal: Terminal, rows: number | null, cols: number | null): void => {
    terminal.rows = clampInt(rows, 1, MAX_TERMINAL_ROWS, terminal.rows);
    terminal.cols = clampInt(cols, 1, MAX_TERMINAL_COLS, terminal.cols);
    terminal.pty.resize(terminal.cols, terminal.rows);
  };

  const find = (terminalId: string): Terminal => {
    const terminal = terminals.get(terminalId);
    if (!terminal) throw new TerminalProblem(`Terminal '${terminalId}' not found on this worker`);
    return terminal;
  };

  const dispatch = async (message: AnyMessage, ctx: ServiceContext): Promise<void> => {
    if (files && (await files.handle(message, ctx))) return;
    if (!isKnownMessage(message)) return;
    if (!files && message.type.startsWith("file_")) {
      await publish(
        ctx,
        createMessage("file_transfer_error", {
          sender: ctx.workerChannel,
          channel: responseChannel(message),
          file_id: (message as MessageOf<"file_chunk">).file_id,
          error: messageError("File transfer is disabled on this terminal service"),
        }),
      );
      return;
    }
    if (!message.type.startsWith("terminal_")) return;
    const channel = responseChannel(message);
    const terminalId = (message as Extract<Message, { terminal_id: string }>).terminal_id;
    try {
      await handleTerminalMessage(message, ctx, channel);
    } catch (err: unknown) {
      await sendError(ctx, channel, terminalId, err);
    }
  };

  const handleTerminalMessage = async (message: Message, ctx: ServiceContext, channel: string): Promise<void> => {
    switch (message.type) {
      case "terminal_open_request":
        return open(message, ctx, channel);
      case "terminal_data_write": {
        const terminal = find(message.terminal_id);
        touch(terminal, ctx);
        terminal.pty.write(Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength));
        return;
      }
      case "terminal_resize_request": {
        const terminal = find(message.terminal_id);
        resize(terminal, message.rows, message.cols);
        touch(terminal, ctx);
        await terminal.queue.push(() =>
          publish(
            ctx,
            createMessage("terminal_resize_event", {
              sender: ctx.workerChannel,
              channel: terminal.channel,
              ref_id: message.id,
              terminal_id: terminal.id,
              rows: terminal.rows,
              cols: terminal.cols,
            }),
          ),
        );
        return;
      }
      case "terminal_close_request": {
        const terminal = find(message.terminal_id);
        await closeTerminal(terminal, ctx, "request");
        return;
      }
      default:
        // events (open/resize/close/data_read/error) sent to us are not requests: ignore them
        return;
    }
  };

  return {
    name: "terminal",
    get instanceChannel() {
      return instanceChannel;
    },
    async start(ctx) {
      context = ctx;
      instanceChannel = `${ctx.workerChannel}:terminal`;
      subscription = await ctx.broker.subscribe(instanceChannel, { id: instanceChannel }, async (delivery) => {
        await dispatch(delivery.message, ctx);
      });
    },
    async handle(message, _delivery, ctx) {
      context ??= ctx;
      await dispatch(message, ctx);
    },
    async stop() {
      await subscription?.unsubscribe();
      subscription = undefined;
      const ctx = context;
      const open = [...terminals.values()];
      if (ctx) {
        await Promise.all(open.map((terminal) => closeTerminal(terminal, ctx, "stop").catch(onError)));
      } else {
        for (const terminal of open) {
          terminal.closed = true;
          if (terminal.idleTimer !== undefined) clearTimeout(terminal.idleTimer);
          terminal.pty.kill();
        }
        terminals.clear();
      }
      await files?.stop();
    },
    terminalIds() {
      return [...terminals.keys()];
    },
    terminalCwd,
  };
}

/** Whether `file` (a path, or a name looked up in `PATH`) is an executable. */
async function findExecutable(file: string, path: string): Promise<boolean> {
  const candidates = file.includes("/")
    ? [file]
    : path
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, file));
  for (const candidate of candidates) {
    try {
      await access(candidate, fsConstants.X_OK);
      return true;
    } catch {
      // next
    }
  }
  return false;
}
