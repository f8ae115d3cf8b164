/** @module methods/users `user_getCredentials` / `user_setCredentials`: the depot user's password, Blowfish-encrypted with host keys. */
import { BackendBadValueError, BackendMissingDataError, BackendNotImplementedError, forceHostId } from "@opsi-ts/core";
import type { MethodContext, MethodHandler } from "./context.js";
import { type CredentialsStore, requireCipher } from "./credentials-store.js";

function requireStore(ctx: MethodContext, method: string): CredentialsStore {
  if (ctx.credentials) return ctx.credentials;
  throw new BackendNotImplementedError(`${method} needs a credentials store (opsi's passwd file), none is configured`);
}

async function hostKey(ctx: MethodContext, hostId: string, what: string): Promise<string> {
  const [host] = await ctx.internal.getObjects("host", ["id", "opsiHostKey"], { id: hostId });
  if (!host) throw new BackendMissingDataError(`${what} '${hostId}' not found in backend`);
  const key = (host as { opsiHostKey?: string | null }).opsiHostKey;
  if (!key) throw new BackendMissingDataError(`Host key for ${what.toLowerCase()} '${hostId}' not found`);
  return key;
}

/**
 * `user_getCredentials(username, hostId)`: `{password, rsaPrivateKey}` of the depot user. The stored
 * password is decrypted with the config server's host key; with `hostId` it is re-encrypted with
 * that host's key. A client caller always gets it encrypted with its own key (upstream hands a
 * client the clear text when it omits `hostId`). `rsaPrivateKey` is always "".
 * @example await getCredentials(ctx, "pcpatch", "pc1.dom.tld")
 */
export async function getCredentials(
  ctx: MethodContext,
  usernameArg: unknown,
  hostIdArg: unknown,
): Promise<{ password: string; rsaPrivateKey: string }> {
  const store = requireStore(ctx, "user_getCredentials");
  const cipher = requireCipher(store, "user_getCredentials");
  const username = usernameArg ? String(usernameArg) : ctx.settings.depotUser;
  let hostId = hostIdArg ? forceHostId(hostIdArg) : null;
  if (ctx.identity.kind === "client") hostId = (ctx.identity.hostId ?? ctx.identity.name).toLowerCase();
  const encrypted = await store.readEncrypted(username);
  if (!encrypted) throw new BackendMissingDataError(`Username '${username}' not found in '${store.location}'`);
  const serverKey = await hostKey(ctx, ctx.environment.serverId, "Depot");
  let password = cipher.decrypt(serverKey, encrypted);
  if (hostId) password = cipher.encrypt(await hostKey(ctx, hostId, "Host"), password);
  return { password, rsaPrivateKey: "" };
}

/**
 * `user_setCredentials(username, password)`: stores the password encrypted with the config
 * server's host key. System accounts (Samba, chpasswd, UCS) are not changed by opsi-ts.
 * @example await setCredentials(ctx, "pcpatch", "secret")
 */
export async function setCredentials(ctx: MethodContext, usernameArg: unknown, passwordArg: unknown): Promise<null> {
  const store = requireStore(ctx, "user_setCredentials");
  const cipher = requireCipher(store, "user_setCredentials");
  const username = String(usernameArg ?? "").toLowerCase();
  const password = String(passwordArg ?? "");
  if (!username) throw new BackendBadValueError("Username required");
  if (password.includes('"')) throw new BackendBadValueError("Character '\"' not allowed in password");
  const serverKey = await hostKey(ctx, ctx.environment.serverId, "Depot");
  await store.writeEncrypted(username, cipher.encrypt(serverKey, password));
  return null;
}

/**
 * Handlers of the credential methods and the legacy `getPcpatchPassword`.
 * @example userHandlers().get("user_getCredentials")
 */
export function userHandlers(): Map<string, MethodHandler> {
  const h = new Map<string, MethodHandler>();
  h.set("user_getCredentials", (ctx, p) => getCredentials(ctx, p.args.username, p.args.hostId));
  h.set("user_setCredentials", (ctx, p) => setCredentials(ctx, p.args.username, p.args.password));
  h.set("getPcpatchPassword", async (ctx, p) => {
    const result = (await ctx.call("user_getCredentials", { username: ctx.settings.depotUser, hostId: p.args.hostId })) as {
      password: string;
    };
    return result.password;
  });
  return h;
}
