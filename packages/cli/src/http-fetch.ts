/** @module http-fetch — the service kit's `fetch` over `node:https` with its own trust settings, re-exported for the CLI. */
export { createHttpFetch, type HttpFetch, type HttpFetchOptions } from "@opsi-ts/service";
