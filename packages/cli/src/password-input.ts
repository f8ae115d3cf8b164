/**
 * @module password-input
 * Passwords from an option, from all of stdin, or from a terminal prompt without echo.
 */
import { PasswordInputError, UsageError } from "./errors.js";
import type { CliInput, CliIo, CliOutput } from "./io.js";

/**
 * Reads all of stdin (`--password-stdin`) and removes one trailing newline.
 * @example const password = await readStdinSecret(process.stdin); // echo secret | opsi user passwd admin --password-stdin
 */
export async function readStdinSecret(stdin: CliInput): Promise<string> {
  stdin.setEncoding("utf8");
  let text = "";
  for await (const chunk of stdin) text += String(chunk);
  return text.replace(/\r?\n$/, "");
}

/**
 * Line input from a terminal in raw mode without echo. Keeps what was typed (or pasted) after a line end
 * for the next prompt. Backspace deletes, Ctrl-U clears the line, Ctrl-C aborts, Ctrl-D on an empty line
 * ends input.
 * @example const input = new HiddenInput(process.stdin, process.stderr); const pw = await input.readLine("Password: ");
 */
export class HiddenInput {
  readonly #stdin: CliInput;
  readonly #out: CliOutput;
  #pending = "";

  constructor(stdin: CliInput, out: CliOutput) {
    this.#stdin = stdin;
    this.#out = out;
  }

  /** Writes `prompt`, reads one line without echoing it, then writes a line end. */
  async readLine(prompt: string): Promise<string> {
    const stdin = this.#stdin;
    this.#out.write(prompt);
    stdin.setRawMode?.(true);
    try {
      return await new Promise<string>((resolve, reject) => {
        let line = "";
        const finish = () => {
          stdin.off("data", onData);
          stdin.off("end", onEnd);
          stdin.pause();
        };
        // Returns true once the line is complete (or input was aborted).
        const feed = (text: string): boolean => {
          for (let i = 0; i < text.length; i += 1) {
            const ch = text.charAt(i);
            if (ch === "\r" || ch === "\n" || (ch === "\u0004" && line !== "")) {
              const rest = text.slice(i + 1);
              this.#pending = ch === "\r" && rest.startsWith("\n") ? rest.slice(1) : rest;
              finish();
              resolve(line);
              return true;
            }
            if (ch === "\u0003" || ch === "\u0004") {
              finish();
              reject(new PasswordInputError(ch === "\u0003" ? "Aborted" : "End of input"));
              return true;
            }
            if (ch === "\u007f" || ch === "\b") line = Array.from(line).slice(0, -1).join("");
            else if (ch === "\u0015") line = "";
            else line += ch;
          }
          return false;
        };
        const onData = (chunk: string | Buffer) => {
          feed(String(chunk));
        };
        const onEnd = () => {
          finish();
          reject(new PasswordInputError("End of input"));
        };
        const pending = this.#pending;
        this.#pending = "";
        if (feed(pending)) return;
        stdin.setEncoding("utf8");
        stdin.on("data", onData);
        stdin.on("end", onEnd);
        stdin.resume();
      });
    } finally {
      stdin.setRawMode?.(false);
      this.#out.write("\n");
    }
  }
}

/** Where a password may come from on the command line. */
export interface PasswordSource {
  readonly password?: string | undefined;
  readonly passwordStdin?: boolean | undefined;
}

/**
 * A new password: `--password`, else `--password-stdin`, else typed twice on a terminal (prompts on stderr).
 * Without a terminal and without a source it refuses with a {@link UsageError}.
 * @example const password = await newPassword({ passwordStdin: true }, io);
 */
export async function newPassword(source: PasswordSource, io: CliIo): Promise<string> {
  if (source.password !== undefined) return source.password;
  if (source.passwordStdin) return readStdinSecret(io.stdin);
  if (!io.stdin.isTTY) throw new UsageError("No password given: use --password <password> or --password-stdin, or run on a terminal");
  const input = new HiddenInput(io.stdin, io.stderr);
  const first = await input.readLine("New password: ");
  const second = await input.readLine("Repeat new password: ");
  if (first !== second) throw new PasswordInputError("Passwords do not match");
  return first;
}
