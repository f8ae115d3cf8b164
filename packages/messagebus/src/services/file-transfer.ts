/**
 * @module services/file-transfer
 * File uploads and downloads over the bus (spec §1.5 `file_*`, §1.10), as opsiclientd and the opsiconfd
 * terminal worker do them:
 *
 * - **upload**: `file_upload_request` (`name` and `content_type` required; `destination_dir`, or the working
 *   directory of the terminal `terminal_id`) → `file_upload_response { path }` (a free name: `name`, `name.1`,
 *   `name.2`, …; mode 0660) → the sender's `file_chunk`s numbered from 1, consecutive, at most 300 s apart →
 *   `file_upload_result { path }` after the chunk with `last=true`;
 * - **download**: `file_download_request` → `file_download_information { size }` (null with `follow`) →
 *   `file_chunk`s numbered from 0 of at most `chunk_size` bytes (default 256 KiB) → a final chunk with
 *   `last=true` and empty data. With `follow` the file is watched like `tail -f` until
 *   `file_download_abort_request`;
 * - problems → `file_transfer_error { error }` to the requester.
 *
 * Every path may be restricted to configured root directories (`roots`); without roots any path the server
 * process can access is allowed (the bus only lets admins reach these services).
 */
import { constants as fsConstants } from "node:fs";
import { type FileHandle, open, realpath, stat, unlink } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import {
  type AnyMessage,
  createMessage,
  DEFAULT_FILE_DOWNLOAD_CHUNK_SIZE,
  type ErrorCode,
  type FileDownloadRequestMessage,
  type FileUploadRequestMessage,
  isKnownMessage,
  type Message,
  responseChannel,
} from "../messages.js";
import { errorText, messageError } from "./common.js";
import type { ServiceContext } from "./types.js";

/** Time allowed between two upload chunks (opsicommon: 300 s). */
export const FILE_UPLOAD_CHUNK_TIMEOUT_MS = 300_000;
/** Largest download chunk served, whatever the request asks for (keeps frames far below 16 MiB). */
export const MAX_FILE_DOWNLOAD_CHUNK_SIZE = 8 * 1024 * 1024;

/** Options of {@link createFileTransfer}. */
export interface FileTransferOptions {
  /**
   * Directories uploads and downloads are restricted to (symlinks resolved). Default: no restriction.
   * @example ["/var/lib/opsi/workbench", "/tmp"]
   */
  readonly roots?: readonly string[];
  /** The current working directory of a terminal (for requests with `terminal_id`); null if unknown. */
  readonly terminalCwd?: (terminalId: string) => Promise<string | null>;
  /** Time allowed between two upload chunks; default {@link FILE_UPLOAD_CHUNK_TIMEOUT_MS}. */
  readonly chunkTimeoutMs?: number;
  /** How often a followed file is checked for new data; default 500 ms. */
  readonly followIntervalMs?: number;
  /** Receives errors that cannot be sent to a requester. Default `console.error`. */
  readonly onError?: (error: unknown) => void;
}

/** A problem to report as `file_transfer_error`. */
class FileTransferError extends Error {
  constructor(
    message: string,
    readonly code: ErrorCode | null = null,
  ) {
    super(message);
  }
}

interface Upload {
  readonly fileId: string;
  readonly path: string;
  readonly channel: string;
  readonly handle: FileHandle;
  /** The number the next chunk must have. */
  next: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

interface Download {
  readonly fileId: string;
  aborted: boolean;
  wake: (() => void) | undefined;
}

/** Handles the `file_*` messages of one worker (see the module documentation). */
export interface FileTransfer {
  /**
   * Handles a `file_*` message and resolves `true`; resolves `false` for any other type. Downloads run in
   * the background (so an abort request can arrive while one runs).
   */
  handle(message: AnyMessage, context: ServiceContext): Promise<boolean>;
  /** Uploads and downloads in progress. */
  active(): { uploads: number; downloads: number };
  /** Aborts all transfers: partial uploads are deleted, downloads end. */
  stop(): Promise<void>;
}

/**
 * Creates the file-transfer handler a terminal (or any other) service delegates `file_*` messages to.
 * @example
 * const files = createFileTransfer({ roots: ["/srv/upload"], terminalCwd: (id) => terminals.cwd(id) });
 * if (await files.handle(message, context)) return;
 */
export function createFileTransfer(options: FileTransferOptions = {}): FileTransfer {
  const chunkTimeoutMs = options.chunkTimeoutMs ?? FILE_UPLOAD_CHUNK_TIMEOUT_MS;
  const followIntervalMs = options.followIntervalMs ?? 500;
  const onError = options.onError ?? ((err: unknown) => console.error("file transfer:", err));
  const uploads = new Map<string, Upload>();
  const downloads = new Map<string, Download>();
  let rootsResolved: Promise<string[]> | undefined;
  let stopped = false;

  const roots = (): Promise<string[]> => {
    rootsResolved ??= Promise.all(
      (options.roots ?? []).map(async (root) => {
        try {
          return await realpath(resolve(root));
        } catch {
          return resolve(root);
        }
      }),
    );
    return rootsResolved;
  };

  /** Resolves symlinks and checks the path against the roots. */
  const checkAllowed = async (path: string): Promise<string> => {
    let real: string;
    try {
      real = await realpath(path);
    } catch (err: unknown) {
      throw fsError(err, path);
    }
    if (options.roots === undefined) return real;
    const allowed = await roots();
    if (!allowed.some((root) => real === root || real.startsWith(root.endsWith(sep) ? root : root + sep))) {
      throw new FileTransferError(`Path '${path}' is outside the allowed directories (${allowed.join(", ")})`, "permission_error");
    }
    return real;
  };

  const send = (context: ServiceContext, message: AnyMessage): Promise<void> => context.publish(message);

  const sendError = (context: ServiceContext, channel: string, fileId: string, err: unknown): Promise<void> => {
    const code = err instanceof FileTransferError ? err.code : null;
    return send(
      context,
      createMessage("file_transfer_error", {
        sender: context.workerChannel,
        channel,
        file_id: fileId,
        error: messageError(errorText(err), code),
      }),
    );
  };

  const terminalDirectory = async (terminalId: string): Promise<string> => {
    const cwd = options.terminalCwd ? await options.terminalCwd(terminalId) : null;
    if (!cwd) throw new FileTransferError(`Terminal '${terminalId}' not found`, "file_not_found");
    return cwd;
  };

  // -------------------------------------------------------------------------------------------
  // Uploads

  const endUpload = async (upload: Upload, removeFile: boolean): Promise<void> => {
    uploads.delete(upload.fileId);
    if (upload.timer !== undefined) clearTimeout(upload.timer);
    await upload.handle.close().catch(() => {});
    if (removeFile) await unlink(upload.path).catch(() => {});
  };

  const armTimer = (upload: Upload, context: ServiceContext): void => {
    if (upload.timer !== undefined) clearTimeout(upload.timer);
    upload.timer = setTimeout(() => {
      void endUpload(upload, true)
        .then(() =>
          sendError(
            context,
            upload.channel,
            upload.fileId,
            new FileTransferError(
              `File upload '${upload.fileId}' timed out: no chunk received for ${Math.round(chunkTimeoutMs / 1000)} seconds`,
              "timeout_reached",
            ),
          ),
        )
        .catch(onError);
    }, chunkTimeoutMs);
    upload.timer.unref?.();
  };

  const startUpload = async (message: FileUploadRequestMessage, context: ServiceContext, channel: string): Promise<void> => {
    if (!message.content_type) throw new FileTransferError("Invalid file upload request: 'content_type' is missing");
    if (!message.name) throw new FileTransferError("Invalid file upload request: 'name' is missing");
    if (uploads.has(message.file_id) || downloads.has(message.file_id)) {
      throw new FileTransferError(`A file transfer with id '${message.file_id}' is already in progress`);
    }
    let directory: string;
    if (message.destination_dir) directory = message.destination_dir;
    else if (message.terminal_id) directory = await terminalDirectory(message.terminal_id);
    else throw new FileTransferError("Invalid file upload request: neither 'destination_dir' nor 'terminal_id' given");
    if (!isAbsolute(directory)) throw new FileTransferError(`Destination directory '${directory}' is not an absolute path`);
    const destination = await checkAllowed(directory);
    const info = await stat(destination).catch((err: unknown) => {
      throw fsError(err, directory);
    });
    if (!info.isDirectory()) throw new FileTransferError(`Destination '${directory}' is not a directory`);

    const target = resolve(destination, message.name);
    const rel = relative(destination, target);
    if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) {
      throw new FileTransferError(`Invalid name '${message.name}': it escapes the destination directory`, "permission_error");
    }
    const { handle, path } = await createFreeFile(target);
    const upload: Upload = { fileId: message.file_id, path, channel, handle, next: 1, timer: undefined };
    uploads.set(upload.fileId, upload);
    armTimer(upload, context);
    await send(
      context,
      createMessage("file_upload_response", { sender: context.workerChannel, channel, ref_id: message.id, file_id: upload.fileId, path }),
    );
  };

  const uploadChunk = async (message: Extract<Message, { type: "file_chunk" }>, context: ServiceContext): Promise<void> => {
    const upload = uploads.get(message.file_id);
    if (!upload) throw new FileTransferError(`No file upload with id '${message.file_id}' in progress`);
    if (message.number !== upload.next) {
      await endUpload(upload, true);
      throw new FileTransferError(
        `Invalid file chunk: expected chunk number ${upload.next}, received ${message.number}; upload of '${upload.path}' aborted`,
      );
    }
    upload.next += 1;
    try {
      if (message.data.byteLength > 0) await upload.handle.write(message.data);
    } catch (err: unknown) {
      await endUpload(upload, true);
      throw fsError(err, upload.path);
    }
    if (!message.last) {
      armTimer(upload, context);
      return;
    }
    await endUpload(upload, false);
    await send(
      context,
      createMessage("file_upload_result", {
        sender: context.workerChannel,
        channel: upload.channel,
        ref_id: message.id,
        file_id: upload.fileId,
        path: upload.path,
      }),
    );
  };

  // -------------------------------------------------------------------------------------------
  // Downloads

  const startDownload = async (message: FileDownloadRequestMessage, context: ServiceContext, channel: string): Promise<void> => {
    if (!message.path) throw new FileTransferError("Invalid file download request: 'path' is missing");
    if (uploads.has(message.file_id) || downloads.has(message.file_id)) {
      throw new FileTransferError(`A file transfer with id '${message.file_id}' is already in progress`);
    }
    let path = message.path;
    if (!isAbsolute(path)) {
      if (!message.terminal_id) throw new FileTransferError(`Path '${path}' is not absolute and no 'terminal_id' was given`);
      path = join(await terminalDirectory(message.terminal_id), path);
    }
    const real = await checkAllowed(path);
    const info = await stat(real).catch((err: unknown) => {
      throw fsError(err, path);
    });
    if (!info.isFile()) throw new FileTransferError(`'${path}' is not a regular file`);
    const handle = await open(real, "r").catch((err: unknown) => {
      throw fsError(err, path);
    });
    const requested = message.chunk_size ?? DEFAULT_FILE_DOWNLOAD_CHUNK_SIZE;
    const chunkSize = Math.min(MAX_FILE_DOWNLOAD_CHUNK_SIZE, Math.max(1, requested));
    const download: Download = { fileId: message.file_id, aborted: false, wake: undefined };
    downloads.set(download.fileId, download);
    try {
      await send(
        context,
        createMessage("file_download_information", {
          sender: context.workerChannel,
          channel,
          ref_id: message.id,
          file_id: download.fileId,
          size: message.follow ? null : info.size,
        }),
      );
    } catch (err: unknown) {
      downloads.delete(download.fileId);
      await handle.close().catch(() => {});
      throw err;
    }
    // Runs in the background: an abort request must be able to arrive meanwhile.
    void runDownload(download, handle, chunkSize, message.follow, context, channel).catch(onError);
  };

  const runDownload = async (
    download: Download,
    handle: FileHandle,
    chunkSize: number,
    follow: boolean,
    context: ServiceContext,
    channel: string,
  ): Promise<void> => {
    let number = 0;
    let position = 0;
    const chunk = (data: Uint8Array, last: boolean) =>
      send(
        context,
        createMessage("file_chunk", { sender: context.workerChannel, channel, file_id: download.fileId, number: number++, last, data }),
      );
    try {
      const buffer = Buffer.allocUnsafe(chunkSize);
      while (!download.aborted && !stopped) {
        const { bytesRead } = await handle.read(buffer, 0, chunkSize, position);
        if (bytesRead > 0) {
          position += bytesRead;
          await chunk(new Uint8Array(buffer.subarray(0, bytesRead)), false);
          continue;
        }
        if (!follow) break;
        const { size } = await handle.stat();
        if (size < position) position = 0; // truncated, like tail -f
        if (size > position) continue;
        await new Promise<void>((wake) => {
          const timer = setTimeout(wake, followIntervalMs);
          download.wake = () => {
            clearTimeout(timer);
            wake();
          };
        });
        download.wake = undefined;
      }
      await chunk(new Uint8Array(0), true);
    } catch (err: unknown) {
      await sendError(context, channel, download.fileId, fsError(err, "file")).catch(onError);
    } finally {
      downloads.delete(download.fileId);
      await handle.close().catch(() => {});
    }
  };

  const abortDownload = (fileId: string): void => {
    const download = downloads.get(fileId);
    if (!download) throw new FileTransferError(`No file download with id '${fileId}' in progress`);
    download.aborted = true;
    download.wake?.();
  };

  return {
    async handle(message, context) {
      if (!isKnownMessage(message)) return false;
      if (
        message.type !== "file_upload_request" &&
        message.type !== "file_chunk" &&
        message.type !== "file_download_request" &&
        message.type !== "file_download_abort_request"
      ) {
        return false;
      }
      const channel = responseChannel(message);
      try {
        switch (message.type) {
          case "file_upload_request":
            await startUpload(message, context, channel);
            break;
          case "file_chunk":
            await uploadChunk(message, context);
            break;
          case "file_download_request":
            await startDownload(message, context, channel);
            break;
          case "file_download_abort_request":
            abortDownload(message.file_id);
            break;
        }
      } catch (err: unknown) {
        await sendError(context, channel, message.file_id, err);
      }
      return true;
    },
    active() {
      return { uploads: uploads.size, downloads: downloads.size };
    },
    async stop() {
      stopped = true;
      for (const download of downloads.values()) {
        download.aborted = true;
        download.wake?.();
      }
      await Promise.all([...uploads.values()].map((upload) => endUpload(upload, true)));
    },
  };
}

/** Opens `path` exclusively, or `path.1`, `path.2`, … if taken; mode 0660 (umask ignored). */
async function createFreeFile(target: string): Promise<{ handle: FileHandle; path: string }> {
  for (let n = 0; n < 10_000; n++) {
    const path = n === 0 ? target : `${target}.${n}`;
    try {
      const handle = await open(path, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o660);
      await handle.chmod(0o660);
      return { handle, path };
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") continue;
      throw fsError(err, path);
    }
  }
  throw new FileTransferError(`No free file name for '${target}' (tried ${target}.1 … ${target}.9999)`);
}

/** A file-system error as a {@link FileTransferError} with opsicommon's error code. */
function fsError(err: unknown, path: string): Error {
  if (err instanceof FileTransferError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return new FileTransferError(`File or directory '${path}' not found`, "file_not_found");
  if (code === "EACCES" || code === "EPERM") return new FileTransferError(`Permission denied: '${path}'`, "permission_error");
  if (code === "ENOTDIR") return new FileTransferError(`'${path}': a path component is not a directory`, "file_not_found");
  return new FileTransferError(`File transfer failed for '${path}': ${errorText(err)}`);
}
