/** @module depot/scripts — runs a package's `preinst`/`postinst` the way opsi does (rewritten shebang, only opsi's variables, timeout). */
import { spawn } from "node:child_process";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { BackendError } from "@opsi-ts/core";

/** Thrown when a package script fails, times out or cannot be started; carries its merged output. */
export class PackageScriptError extends BackendError {
  static override readonly shortDescription: string = "Package script failed";
}

/** Options of {@link runPackageScript}. */
export interface RunScriptOptions {
  /** The complete environment (opsi passes nothing else, not even PATH). */
  readonly env: Readonly<Record<string, string>>;
  /** Timeout in milliseconds (opsi: 600 s). */
  readonly timeoutMs?: number;
  /** Maximum bytes of output kept (the end is kept; default 64 KiB). */
  readonly maxOutput?: number;
}

const PYTHON = /(^|\s|\/)python3?(?=\s)/g;

/**
 * opsi's preparation of a script text: only with a `#!` start, every `python`/`python3` token after
 * the start, whitespace or `/` and before whitespace becomes `opsi-python`, and CRLF becomes LF.
 * @example prepareScriptText("#!/usr/bin/python3\nprint(1)\n") // "#!/usr/bin/opsi-python\nprint(1)\n"
 */
export function prepareScriptText(text: string): string {
  if (!text.startsWith("#!")) return text;
  return text.replace(/\r\n/g, "\n").replace(PYTHON, "$1opsi-python");
}

/**
 * Prepares `path` (see {@link prepareScriptText}, mode 0700) and runs it through the shell with only
 * the given environment; stdout and stderr are merged. Resolves with the output; a non-zero exit,
 * a signal or the timeout (the whole process group is killed) rejects with {@link PackageScriptError}.
 * @example const out = await runPackageScript("/tmp/x/OPSI/postinst", { env: { PRODUCT_ID: "hwaudit" } })
 */
export async function runPackageScript(path: string, options: RunScriptOptions): Promise<string> {
  const raw = await readFile(path);
  if (raw.subarray(0, 2).toString("latin1") === "#!") await writeFile(path, prepareScriptText(raw.toString("utf8")));
  await chmod(path, 0o700);
  const timeoutMs = options.timeoutMs ?? 600_000;
  const maxOutput = options.maxOutput ?? 64 * 1024;
  const name = path.split("/").pop() ?? path;
  return new Promise<string>((resolve, reject) => {
    let output = Buffer.alloc(0);
    const collect = (chunk: Buffer): void => {
      output = Buffer.concat([output, chunk]);
      if (output.length > maxOutput) output = output.subarray(output.length - maxOutput);
    };
    const child = spawn(path, {
      shell: true,
      env: { ...options.env },
      cwd: dirname(path),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }, timeoutMs);
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("error", (e: unknown) => {
      clearTimeout(timer);
      reject(new PackageScriptError(`Failed to start ${name}: ${e instanceof Error ? e.message : String(e)}`, { cause: e }));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const text = output.toString("utf8");
      if (code === 0 && !timedOut) {
        resolve(text);
        return;
      }
      const why = timedOut ? `timed out after ${timeoutMs} ms` : signal ? `was killed by ${signal}` : `exited with code ${code}`;
      reject(new PackageScriptError(`${name} ${why}; output:\n${text}`));
    });
  });
}
