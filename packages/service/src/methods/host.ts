/** @module methods/host Host methods beyond CRUD: renames, `host_getTLSCertificate`, `host_getMessagebusConnectedIds`. */
import { BackendNotImplementedError, BackendPermissionDeniedError, forceHostId } from "@opsi-ts/core";
import type { MethodContext, MethodHandler } from "./context.js";
import { renameOpsiClient, renameOpsiDepotserver } from "./host-rename.js";
import { listOf } from "./wire.js";

/**
 * `host_getTLSCertificate(hostId)`: key and certificate (PEM, key first) for a client or depot,
 * signed by the opsi CA. Only admins (depots included) may ask for another host's certificate.
 * @example await getTlsCertificate(ctx, "pc1.dom.tld") // "-----BEGIN PRIVATE KEY-----..."
 */
export async function getTlsCertificate(ctx: MethodContext, hostIdArg: unknown): Promise<string> {
  const hostId = forceHostId(hostIdArg);
  const [host] = await ctx.backend.getObjects("host", ["id"], { id: hostId });
  if (!host || (host.type !== "OpsiClient" && host.type !== "OpsiDepotserver")) {
    throw new BackendPermissionDeniedError(`Invalid host: ${hostId}`);
  }
  const callerId = (ctx.identity.hostId ?? ctx.identity.name).toLowerCase();
  if (!ctx.identity.isAdmin && callerId !== host.id) throw new BackendPermissionDeniedError("Insufficient permissions");
  const { certPem, keyPem } = await ctx.environment.issueHostCertificate(host.id);
  const ensureNewline = (pem: string) => (pem.endsWith("\n") ? pem : `${pem}\n`);
  return ensureNewline(keyPem) + ensureNewline(certPem);
}

/**
 * Handlers of the non-CRUD host methods.
 * @example hostHandlers().get("host_renameOpsiClient")
 */
export function hostHandlers(): Map<string, MethodHandler> {
  const h = new Map<string, MethodHandler>();
  h.set("host_renameOpsiClient", (ctx, p) => renameOpsiClient(ctx, p.args.id, p.args.newId));
  h.set("host_renameOpsiDepotserver", (ctx, p) => renameOpsiDepotserver(ctx, p.args.oldId, p.args.newId));
  h.set("host_getTLSCertificate", (ctx, p) => getTlsCertificate(ctx, p.args.hostId));
  h.set("host_getMessagebusConnectedIds", async (ctx, p) => {
    const lookup = ctx.settings.messagebusConnectedIds;
    if (!lookup) {
      throw new BackendNotImplementedError(
        "host_getMessagebusConnectedIds needs the message bus, which is not connected to this RPC layer",
      );
    }
    const ids = p.args.hostIds === null || p.args.hostIds === undefined ? null : listOf(p.args.hostIds).map(forceHostId);
    return lookup(ids);
  });
  return h;
}
