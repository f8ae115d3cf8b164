/**
 * @module io
 * The streams and environment a CLI run reads and writes (the process's, or test doubles).
 */

/** Standard input as the CLI uses it: a readable stream, a TTY flag and raw mode for hidden prompts. */
export interface CliInput extends NodeJS.ReadableStream {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

/** A text sink (stdout, stderr); `isTTY` enables progress lines. */
export interface CliOutput {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/** Everything a CLI run touches outside its arguments. */
export interface CliIo {
  readonly stdin: CliInput;
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Base for relative paths (`--data-dir`, `--ca`). */
  readonly cwd: string;
}

/**
 * The I/O of the current process.
 * @example const code = await runCli(process.argv.slice(2), processIo());
 */
export function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}
