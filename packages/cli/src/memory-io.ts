/**
 * @module memory-io
 * A {@link CliIo} in memory: stdin from a string (or a stream you feed), captured stdout and stderr.
 */
import { PassThrough } from "node:stream";
import type { CliInput, CliIo } from "./io.js";

/** Options of {@link memoryIo}. */
export interface MemoryIoOptions {
  /** Text on stdin, followed by end of input (omit with `tty` to feed `input` yourself). */
  readonly stdin?: string;
  /** Pretend stdin is a terminal (records raw-mode switches in `rawModes`). */
  readonly tty?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Default `process.cwd()`. */
  readonly cwd?: string;
}

/** A {@link CliIo} with its captured output. */
export interface MemoryIo {
  readonly io: CliIo;
  /** The stream behind `io.stdin`. */
  readonly input: PassThrough;
  /** Every `setRawMode` argument, in order (terminal mode only). */
  readonly rawModes: boolean[];
  stdout(): string;
  stderr(): string;
}

/**
 * Creates an in-memory I/O for running the CLI in-process (tests, embedding).
 * @example
 * const mem = memoryIo({ stdin: "secret\n" });
 * const code = await runCli(["user", "add", "alice", "--password-stdin"], mem.io);
 * mem.stdout(); // "Added user 'alice' (groups: -)\n"
 */
export function memoryIo(options: MemoryIoOptions = {}): MemoryIo {
  const input = new PassThrough();
  const rawModes: boolean[] = [];
  const stdin: CliInput = options.tty
    ? Object.assign(input, {
        isTTY: true,
        setRawMode(mode: boolean) {
          rawModes.push(mode);
          return input;
        },
      })
    : input;
  if (options.stdin !== undefined) {
    input.write(options.stdin);
    if (!options.tty) input.end();
  } else if (!options.tty) {
    input.end();
  }
  let out = "";
  let err = "";
  return {
    io: {
      stdin,
      stdout: { write: (text: string) => (out += text) },
      stderr: { write: (text: string) => (err += text) },
      env: options.env ?? {},
      cwd: options.cwd ?? process.cwd(),
    },
    input,
    rawModes,
    stdout: () => out,
    stderr: () => err,
  };
}
