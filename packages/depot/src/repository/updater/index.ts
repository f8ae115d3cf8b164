/** @module repository/updater — the package repository updater (opsi-package-updater): config, discovery, plan, download, run. */
export * from "./config.js";
export * from "./download.js";
export * from "./errors.js";
export * from "./http.js";
export * from "./lock.js";
export * from "./metadata-fetch.js";
export * from "./plan.js";
export * from "./updater.js";
