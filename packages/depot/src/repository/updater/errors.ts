/** @module repository/updater/errors — the error classes of the package repository updater. */
import { BackendConfigurationError, BackendIOError, BackendTemporaryError } from "@opsi-ts/core";

/** A bad `opsi-package-updater.conf` or `*.repo` value; the message names file, section and key. */
export class UpdaterConfigError extends BackendConfigurationError {
  static override readonly shortDescription: string = "Bad package updater configuration";
}

/** A repository could not be read (URL and HTTP status or network error in the message). */
export class RepositoryFetchError extends BackendIOError {
  static override readonly shortDescription: string = "Repository not readable";
}

/** A package download failed or was interrupted (a `.part` file is kept for resuming). */
export class PackageDownloadError extends BackendIOError {
  static override readonly shortDescription: string = "Package download failed";
}

/** A downloaded package does not have the MD5 the repository announced (the file is deleted). */
export class PackageChecksumError extends BackendIOError {
  static override readonly shortDescription: string = "Package checksum mismatch";
}

/** Another updater run holds the lock of the package directory. */
export class UpdaterAlreadyRunningError extends BackendTemporaryError {
  static override readonly shortDescription: string = "Package updater already running";
}
