/**
 * @module endpoint/rpc-route
 * The `/rpc` endpoint (spec §2.1–2.2): body or query-string documents, JSON/msgpack, lz4/deflate/gzip
 * both ways, JSON-RPC 1.0/2.0 and batches, executed sequentially through the dispatcher.
 */
import {
  decodeBody,
  encodeBody,
  invalidRequestResponse,
  type JsonRpcResponse,
  jsonRpcError,
  jsonRpcResponseDocument,
  jsonRpcSuccess,
  type Lz4Codec,
  negotiateRpc,
  parseJsonRpcDocument,
  toRpcError,
} from "@opsi-ts/core";
import { compressFrameSync, decompressFrameSync } from "lz4-napi";
import type { RequestContext } from "../http/context.js";
import type { Router } from "../http/router.js";
import type { CallerContext } from "../identity.js";
import { isEndSession } from "../methods/general.js";

/** What the endpoint needs from the RPC layer. */
export interface RpcCaller {
  call(method: string, params: unknown, caller: CallerContext): Promise<unknown>;
}

/** Options of {@link registerRpcRoute}. */
export interface RpcRouteOptions {
  readonly dispatcher: RpcCaller;
  /** Called after each request with its method and duration (metrics, logs). */
  readonly onCall?: (method: string, ms: number, failed: boolean) => void;
  /** Called when a method asks to end the caller's session (`backend_exit`, `exit`), before the response is sent. */
  readonly endSession?: (ctx: RequestContext) => Promise<void>;
}

/** opsi clients send and expect LZ4 frames; lz4-napi's frame API wrapped for core's codec. */
export const LZ4_FRAME: Lz4Codec = {
  compress: (b) => compressFrameSync(Buffer.from(b.buffer, b.byteOffset, b.byteLength)),
  decompress: (b) => decompressFrameSync(Buffer.from(b.buffer, b.byteOffset, b.byteLength)),
};

const RPC_RESPONSE_HEADERS = {
  accept: "application/msgpack,application/json",
  "accept-encoding": "lz4,gzip",
};

function send(
  ctx: RequestContext,
  status: number,
  document: unknown,
  serialization: "json" | "msgpack",
  compression: ReturnType<typeof negotiateRpc>["responseCompression"],
): void {
  const encoded = encodeBody(document, { serialization, compression, lz4: LZ4_FRAME });
  const headers: Record<string, string> = { ...RPC_RESPONSE_HEADERS, "content-type": encoded.contentType };
  if (encoded.contentEncoding) headers["content-encoding"] = encoded.contentEncoding;
  ctx.send(status, Buffer.from(encoded.body.buffer, encoded.body.byteOffset, encoded.body.byteLength), headers);
}

/**
 * Registers `/rpc` (and any sub-path) for GET/POST, plus `HEAD /rpc` answering an empty 200, on a router
 * whose middleware has authenticated the caller.
 * @example registerRpcRoute(server.router, { dispatcher })
 */
export function registerRpcRoute(router: Router, options: RpcRouteOptions): void {
  const handler = async (ctx: RequestContext): Promise<void> => {
    if (ctx.method === "HEAD") {
      ctx.send(200, Buffer.alloc(0), RPC_RESPONSE_HEADERS);
      return;
    }
    const caller = ctx.caller;
    const isAdmin = caller?.identity.isAdmin ?? false;
    const negotiation = negotiateRpc({
      contentType: ctx.header("content-type"),
      accept: ctx.header("accept"),
      contentEncoding: ctx.header("content-encoding"),
      acceptEncoding: ctx.header("accept-encoding"),
    });
    const fail = (err: unknown) =>
      send(ctx, 400, invalidRequestResponse(err, { includeDetails: isAdmin }), negotiation.responseSerialization, null);
    if (negotiation.error) return fail(negotiation.error);
    if (!caller) throw new Error("/rpc reached without an authenticated caller");

    let requests: ReturnType<typeof parseJsonRpcDocument>["requests"];
    try {
      const body = await ctx.readBody();
      const rawQuery = ctx.req.url?.includes("?") ? ctx.req.url.slice(ctx.req.url.indexOf("?") + 1) : null;
      const document = decodeBody(body, {
        serialization: negotiation.requestSerialization,
        compression: negotiation.requestCompression,
        lz4: LZ4_FRAME,
        query: rawQuery,
      });
      requests = parseJsonRpcDocument(document).requests;
    } catch (err: unknown) {
      // Body limits and other HTTP errors keep their own status.
      if (err instanceof Error && "status" in err && (err as { status: number }).status !== 400) throw err;
      return fail(err);
    }

    const responses: JsonRpcResponse[] = [];
    let endSession = false;
    for (const request of requests) {
      const started = performance.now();
      try {
        const result = await options.dispatcher.call(request.method, request.params, caller);
        // `backend_exit` and its alias `exit` answer the END_SESSION marker; on the wire it is null.
        const ends = isEndSession(result);
        if (ends) endSession = true;
        responses.push(jsonRpcSuccess(request, ends ? null : (result ?? null)));
        options.onCall?.(request.method, performance.now() - started, false);
      } catch (err: unknown) {
        if (isAdmin) ctx.log.debug({ err, method: request.method }, "rpc error");
        responses.push(jsonRpcError(request, toRpcError(err, { includeDetails: isAdmin })));
        options.onCall?.(request.method, performance.now() - started, true);
      }
    }
    if (endSession && options.endSession) await options.endSession(ctx);
    send(ctx, 200, jsonRpcResponseDocument(responses), negotiation.responseSerialization, negotiation.responseCompression);
  };
  router.prefix(["GET", "POST", "HEAD"], "/rpc", handler);
}
