/**
 * @module services/process
 * The `process` service of a server (spec §1.5 `process_*`, §1.10): `process_start_request` on
 * `service:depot:<server-id>:process` spawns the command in this worker and answers `process_start_event`
 * (`os_process_id`, `locale_encoding`) with `back_channel` = `<workerChannel>:process`; output streams to the
 * requester's response channel as `process_data_read` (≤ 8 KiB of stdout or stderr each), the exit as
 * `process_stop_event { exit_code }`. `process_data_write` (stdin) and `process_stop_request` go to the worker
 * channel. A stop request closes stdin, terminates the process (group) after 1 s and kills it after 2 s and 3 s.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { constants as osConstants } from "node:os";
import type { Subscription } from "../broker/types.js";
import {
  type AnyMessage,
  createMessage,
  isKnownMessage,
  type Message,
  type ProcessStartRequestMessage,
  responseChannel,
} from "../messages.js";
import { errorText, messageError, SerialQueue, splitBytes } from "./common.js";
import type { ChannelService, ServiceContext } from "./types.js";

/** Largest `process_data_read` payload per stream (8 KiB). */
export const PROCESS_READ_CHUNK_SIZE = 8 * 1024;

/** Options of {@link createProcessService}. */
export interface ProcessServiceOptions {
  /** `false`: every start request is answered with a `process_error` ("… disabled …"). Default true. */
  readonly enabled?: boolean;
  /** Working directory of new processes. Default: the server's working directory. */
  readonly cwd?: string;
  /** Base environment. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** After a stop request: SIGTERM after this many ms (default 1000), SIGKILL after 2× and 3× it. */
  readonly stopGraceMs?: number;
  /** Receives errors that cannot be sent to a requester. Default `console.error`. */
  readonly onError?: (error: unknown) => void;
}

/** The process service plus a lookup for tests and status pages. */
export interface ProcessService extends ChannelService {
  readonly name: "process";
  /** Ids (`process_id`) of the running processes. */
  processIds(): string[];
  /** The channel follow-up messages go to (`<workerChannel>:process`); undefined before `start()`. */
  readonly instanceChannel: string | undefined;
}

interface RunningProcess {
  readonly id: string;
  readonly child: ChildProcess;
  readonly channel: string;
  readonly queue: SerialQueue;
  readonly timers: ReturnType<typeof setTimeout>[];
  exited: boolean;
}

class ProcessProblem extends Error {}

/**
 * The locale encoding as Python's `locale.getencoding()` reports it for an environment, e.g. `UTF-8`.
 * @example localeEncoding({ LANG: "de_DE.ISO-8859-1" }) // "ISO-8859-1"
 */
export function localeEncoding(env: Readonly<Record<string, string | undefined>>): string {
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || "";
  const codeset = locale.split(".")[1]?.split("@")[0];
  if (!codeset) return "UTF-8";
  return /^utf-?8$/i.test(codeset) ? "UTF-8" : codeset;
}

/**
 * Creates the process service the hub hosts on `service:depot:<server-id>:process`.
 * @example
 * const processes = createProcessService();
 * await processes.start?.(context); // subscribes `<workerChannel>:process`
 */
export function createProcessService(options: ProcessServiceOptions = {}): ProcessService {
  const enabled = options.enabled ?? true;
  const grace = options.stopGraceMs ?? 1000;
  const onError = options.onError ?? ((err: unknown) => console.error("process service:", err));
  const processes = new Map<string, RunningProcess>();
  let subscription: Subscription | undefined;
  let instanceChannel: string | undefined;

  const publish = async (ctx: ServiceContext, message: AnyMessage): Promise<void> => {
    await ctx.publish(message);
  };

  const signal = (proc: RunningProcess, sig: NodeJS.Signals): void => {
    if (proc.exited || proc.child.pid === undefined) return;
    try {
      process.kill(-proc.child.pid, sig); // the whole process group (a shell and its children)
    } catch {
      try {
        proc.child.kill(sig);
      } catch {
        // already gone
      }
    }
  };

  const start = async (message: ProcessStartRequestMessage, ctx: ServiceContext, channel: string): Promise<void> => {
    if (!enabled) throw new ProcessProblem("Process execution is disabled on this server");
    if (processes.has(message.process_id)) throw new ProcessProblem(`Process '${message.process_id}' is already running`);
    if (message.command.length === 0 || message.command.every((part) => part === "")) {
      throw new ProcessProblem("Invalid process start request: 'command' is empty");
    }
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(options.env ?? process.env)) if (value !== undefined) env[key] = value;
    Object.assign(env, message.env, { OPSI_PROCESS_ID: message.process_id });
    const [file, ...args] = message.command as [string, ...string[]];
    const spawnOptions = { cwd: options.cwd, env, detached: true, stdio: "pipe" as const, windowsHide: true };
    const child = message.shell ? spawn(message.command.join(" "), { ...spawnOptions, shell: true }) : spawn(file, args, spawnOptions);
    const proc: RunningProcess = { id: message.process_id, child, channel, queue: new SerialQueue(onError), timers: [], exited: false };

    const started = await new Promise<boolean>((resolve) => {
      child.once("spawn", () => resolve(true));
      child.once("error", (err) => {
        if (child.pid === undefined) {
          void publish(
            ctx,
            createMessage("process_error", {
              sender: ctx.workerChannel,
              channel,
              ref_id: message.id,
              process_id: message.process_id,
              error: messageError(`Failed to start process ${JSON.stringify(message.command)}: ${errorText(err)}`),
            }),
          )
            .catch(onError)
            .finally(() => resolve(false));
        } else {
          onError(err);
        }
      });
    });
    if (!started) return;

    processes.set(proc.id, proc);
    await proc.queue.push(() =>
      publish(
        ctx,
        createMessage("process_start_event", {
          sender: ctx.workerChannel,
          channel,
          back_channel: instanceChannel ?? `${ctx.workerChannel}:process`,
          ref_id: message.id,
          process_id: proc.id,
          os_process_id: child.pid ?? 0,
          locale_encoding: localeEncoding(env),
        }),
      ),
    );
    const forward = (stream: "stdout" | "stderr") => (chunk: Buffer) => {
      for (const part of splitBytes(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength), PROCESS_READ_CHUNK_SIZE)) {
        void proc.queue.push(() =>
          publish(
            ctx,
            createMessage("process_data_read", {
              sender: ctx.workerChannel,
              channel,
              process_id: proc.id,
              ...(stream === "stdout" ? { stdout: part } : { stderr: part }),
            }),
          ),
        );
      }
    };
    child.stdout?.on("data", forward("stdout"));
    child.stderr?.on("data", forward("stderr"));
    child.stdin?.on("error", () => {}); // EPIPE when the process does not read its input
    child.once("close", (code, sig) => {
      proc.exited = true;
      processes.delete(proc.id);
      for (const timer of proc.timers) clearTimeout(timer);
      const exitCode = code ?? (sig ? -(osConstants.signals[sig] ?? 1) : -1);
      void proc.queue.push(() =>
        publish(ctx, createMessage("process_stop_event", { sender: ctx.workerChannel, channel, process_id: proc.id, exit_code: exitCode })),
      );
    });
  };

  const find = (processId: string): RunningProcess => {
    const proc = processes.get(processId);
    if (!proc) throw new ProcessProblem(`Process '${processId}' not found on this worker`);
    return proc;
  };

  const stopProcess = (proc: RunningProcess, graceMs: number): void => {
    if (proc.timers.length > 0) return; // already stopping
    proc.child.stdin?.end();
    proc.timers.push(
      setTimeout(() => signal(proc, "SIGTERM"), graceMs),
      setTimeout(() => signal(proc, "SIGKILL"), 2 * graceMs),
      setTimeout(() => signal(proc, "SIGKILL"), 3 * graceMs),
    );
    for (const timer of proc.timers) timer.unref?.();
  };

  const handleProcessMessage = async (message: Message, ctx: ServiceContext, channel: string): Promise<void> => {
    switch (message.type) {
      case "process_start_request":
        return start(message, ctx, channel);
      case "process_data_write": {
        const proc = find(message.process_id);
        const stdin = proc.child.stdin;
        if (!stdin || stdin.writableEnded) throw new ProcessProblem(`The input of process '${proc.id}' is closed`);
        await new Promise<void>((resolve, reject) => {
          stdin.write(Buffer.from(message.stdin.buffer, message.stdin.byteOffset, message.stdin.byteLength), (err) =>
            err ? reject(new ProcessProblem(`Failed to write to process '${proc.id}': ${errorText(err)}`)) : resolve(),
          );
        });
        return;
      }
      case "process_stop_request":
        stopProcess(find(message.process_id), grace);
        return;
      default:
        return;
    }
  };

  const dispatch = async (message: AnyMessage, ctx: ServiceContext): Promise<void> => {
    if (!isKnownMessage(message) || !message.type.startsWith("process_")) return;
    const channel = responseChannel(message);
    try {
      await handleProcessMessage(message, ctx, channel);
    } catch (err: unknown) {
      await publish(
        ctx,
        createMessage("process_error", {
          sender: ctx.workerChannel,
          channel,
          ref_id: message.id,
          process_id: (message as Extract<Message, { process_id: string }>).process_id,
          error: messageError(errorText(err)),
        }),
      );
    }
  };

  return {
    name: "process",
    get instanceChannel() {
      return instanceChannel;
    },
    async start(ctx) {
      instanceChannel = `${ctx.workerChannel}:process`;
      subscription = await ctx.broker.subscribe(instanceChannel, { id: instanceChannel }, async (delivery) => {
        await dispatch(delivery.message, ctx);
      });
    },
    async handle(message, _delivery, ctx) {
      await dispatch(message, ctx);
    },
    async stop() {
      await subscription?.unsubscribe();
      subscription = undefined;
      const running = [...processes.values()];
      await Promise.all(
        running.map(
          (proc) =>
            new Promise<void>((resolve) => {
              if (proc.exited) return resolve();
              const timer = setTimeout(resolve, 5000);
              proc.child.once("close", () => {
                clearTimeout(timer);
                void proc.queue.idle().then(() => resolve());
              });
              proc.child.stdin?.end();
              signal(proc, "SIGKILL");
            }),
        ),
      );
    },
    processIds() {
      return [...processes.keys()];
    },
  };
}
