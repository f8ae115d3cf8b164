/**
 * @module auth/Authenticator
 * Credential checks of a session (opsiconfd `_authenticate`): host logins against the backend
 * (id, MAC, system UUID; opsiHostKey or one-time password), local users against a `UserStore`,
 * brute-force protection, admin/read-only groups, `admin-networks`, and the login side effects
 * (client `lastSeen`/`ipAddress`, cleared one-time password, `USER.lastLogin`).
 */
import { timingSafeEqual } from "node:crypto";
import {
  type Backend,
  BackendAuthenticationError,
  forceHardwareAddress,
  forceHostId,
  forceOpsiHostKey,
  forceUUIDString,
  formatTimestamp,
  type User,
} from "@opsi-ts/core";
import pino, { type Logger } from "pino";
import { IpNetworkList, isLoopbackAddress } from "../http/ip-network.js";
import type { CallerContext, Identity } from "../identity.js";
import type { Session, SessionHostType } from "../session/Session.js";
import type { SessionManager } from "../session/SessionManager.js";
import { BruteForceGuard, type BruteForceOptions } from "./BruteForceGuard.js";
import { HARDWARE_ADDRESS_PREFIX, HARDWARE_ADDRESS_RE, isHostLoginName, SYSTEM_UUID_PREFIX } from "./host-login.js";
import type { SecondFactor } from "./SecondFactor.js";
import type { UserStore } from "./UserStore.js";

/** Options of {@link Authenticator}. */
export interface AuthenticatorOptions {
  /** The unprotected backend (no ACL) for host lookups and login side effects. */
  readonly backend: Backend;
  readonly userStore: UserStore;
  /** Needed to exempt known depot addresses from the session limit. */
  readonly sessions?: SessionManager;
  /** A guard, or options for a new one with an in-memory counter. */
  readonly bruteForce?: BruteForceGuard | BruteForceOptions;
  /** `[groups] admingroup` (default `opsiadmin`). */
  readonly adminGroup?: string;
  /** `[groups] readonly` (default none). */
  readonly readOnlyGroups?: readonly string[];
  /** `admin-networks`: admins outside lose admin rights (default: no restriction). */
  readonly adminNetworks?: readonly string[];
  /** `update-ip` (default true). */
  readonly updateIp?: boolean;
  /** `allow-host-key-only-auth` (default false). */
  readonly allowHostKeyOnlyAuth?: boolean;
  /** MFA seam for user logins. */
  readonly secondFactor?: SecondFactor;
  readonly logger?: Logger;
  /** Clock in ms (default `Date.now`). */
  readonly clock?: () => number;
}

/** One login attempt. */
export interface AuthAttempt {
  readonly clientAddress: string;
  /** As sent; lowercased here. */
  readonly username: string;
  readonly password: string;
  /** One-time password of a second factor, if sent separately. */
  readonly mfaOtp?: string;
}

/** Extra results of a successful login. */
export interface AuthOutcome {
  /** Set when a host logged in with another name than its id (MAC, UUID, key only): `x-opsi-new-host-id`. */
  readonly newHostId?: string;
}

const HOST_TYPES = new Set<string>(["OpsiClient", "OpsiDepotserver", "OpsiConfigserver"]);

function safeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a, "utf8");
  const bb = Buffer.from(b, "utf8");
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

function withLocalhost(networks: readonly string[]): IpNetworkList {
  // opsiconfd always adds 127.0.0.1/32 when the list is set; ::1 is localhost too.
  return new IpNetworkList(networks.length > 0 ? [...networks, "127.0.0.1/32", "::1/128"] : []);
}

/**
 * The identity of an authenticated session.
 * @example identityOf(session) // { kind: "client", name: "pc1.dom.tld", hostId: "pc1.dom.tld", isAdmin: false, ... }
 */
export function identityOf(session: Session): Identity {
  const d = session.data;
  if (d.host) {
    return {
      kind: d.host.type === "OpsiClient" ? "client" : "depot",
      name: d.host.id,
      hostId: d.host.id,
      isAdmin: d.isAdmin,
      isReadOnly: d.isReadOnly,
      groups: [],
    };
  }
  return { kind: "user", name: d.username, isAdmin: d.isAdmin, isReadOnly: d.isReadOnly, groups: [...d.userGroups] };
}

/**
 * The call context of an authenticated session.
 * @example callerContextOf(session, "10.0.0.5").identity.kind // "user"
 */
export function callerContextOf(session: Session, clientAddress: string): CallerContext {
  return { identity: identityOf(session), sessionId: session.id, clientAddress };
}

/**
 * Checks credentials and fills the session.
 * @example
 * const auth = new Authenticator({ backend, userStore, sessions });
 * await auth.authenticate(session, { clientAddress: "10.0.0.5", username: "pc1.dom.tld", password: hostKey });
 */
export class Authenticator {
  readonly guard: BruteForceGuard;
  readonly adminGroup: string;
  private readonly options: AuthenticatorOptions;
  private readonly adminNetworks: IpNetworkList;
  private readonly readOnlyGroups: ReadonlySet<string>;
  private readonly log: Logger;
  private readonly clock: () => number;

  constructor(options: AuthenticatorOptions) {
    this.options = options;
    this.clock = options.clock ?? Date.now;
    this.guard =
      options.bruteForce instanceof BruteForceGuard
        ? options.bruteForce
        : new BruteForceGuard({ clock: this.clock, ...options.bruteForce });
    this.adminGroup = (options.adminGroup ?? "opsiadmin").toLowerCase();
    this.readOnlyGroups = new Set((options.readOnlyGroups ?? []).map((g) => g.toLowerCase()));
    this.adminNetworks = withLocalhost(options.adminNetworks ?? []);
    this.log = options.logger ?? pino({ level: "silent" });
  }

  private timestamp(): string {
    return formatTimestamp(new Date(this.clock()));
  }

  /**
   * Authenticates `session` with Basic credentials. Blocked address → `HttpError(403)`; bad
   * credentials → `BackendAuthenticationError` (counted as a failure, then delayed). The caller
   * stores the session.
   */
  async authenticate(session: Session, attempt: AuthAttempt): Promise<AuthOutcome> {
    session.resetAuth();
    await this.guard.checkBlocked(attempt.clientAddress);
    let outcome: AuthOutcome;
    try {
      const username = attempt.username.toLowerCase();
      if (!attempt.password) throw new BackendAuthenticationError("No password specified");
      outcome = isHostLoginName(username)
        ? await this.authenticateHost(session, username, attempt)
        : await this.authenticateUser(session, username, attempt);
    } catch (e: unknown) {
      session.resetAuth();
      if (e instanceof BackendAuthenticationError) {
        this.log.warn({ client: attempt.clientAddress, reason: e.detail }, "Authentication failed");
        await this.guard.recordFailure(attempt.clientAddress);
      }
      throw e;
    }
    this.checkAdminNetworks(session, attempt.clientAddress);
    this.log.info({ client: attempt.clientAddress, user: session.data.username, admin: session.data.isAdmin }, "Authenticated");
    return outcome;
  }

  private async findHosts(filter: Record<string, string>, exact: (host: Record<string, unknown>) => boolean) {
    const hosts = await this.options.backend.host_getObjects([], filter);
    return hosts.filter((h) => HOST_TYPES.has(h.type) && exact(h as unknown as Record<string, unknown>));
  }

  private async authenticateHost(session: Session, username: string, attempt: AuthAttempt): Promise<AuthOutcome> {
    const { backend } = this.options;
    const fail = (detail: string): never => {
      throw new BackendAuthenticationError(detail);
    };
    const orUndefined = <T>(fn: () => T): T | undefined => {
      try {
        return fn();
      } catch {
        return undefined;
      }
    };
    let loginName = username;
    let hosts: Awaited<ReturnType<Authenticator["findHosts"]>>;
    const methods: string[] = [];
    if (this.options.allowHostKeyOnlyAuth) {
      loginName = "<host-key-only-auth>";
      const key = orUndefined(() => forceOpsiHostKey(attempt.password)) ?? fail("Invalid host key");
      hosts = await this.findHosts({ opsiHostKey: key }, (h) => h.opsiHostKey === key);
    } else if (username.startsWith(HARDWARE_ADDRESS_PREFIX) || HARDWARE_ADDRESS_RE.test(username)) {
      const mac =
        orUndefined(() => forceHardwareAddress(username.replace(HARDWARE_ADDRESS_PREFIX, ""))) ||
        fail(`Invalid hardware address '${username}'`);
      methods.push("hardware_address");
      hosts = await this.findHosts({ hardwareAddress: mac }, (h) => h.hardwareAddress === mac);
    } else if (username.startsWith(SYSTEM_UUID_PREFIX)) {
      const uuid =
        orUndefined(() => forceUUIDString(username.replace(SYSTEM_UUID_PREFIX, ""))) ?? fail(`Invalid system UUID '${username}'`);
      methods.push("system_uuid");
      hosts = await this.findHosts({ systemUUID: uuid }, (h) => h.systemUUID === uuid);
    } else {
      loginName = username.replace(/\.$/, "");
      const id = orUndefined(() => forceHostId(loginName)) ?? fail(`Host not found '${loginName}'`);
      methods.push("host_id");
      hosts = await this.findHosts({ id }, (h) => h.id === id);
    }
    if (hosts.length === 0) fail(`Host not found '${loginName}'`);
    if (hosts.length > 1) fail(`More than one matching host object found '${loginName}'`);
    const host = hosts[0] ?? fail(`Host not found '${loginName}'`);
    const hostKey = "opsiHostKey" in host ? host.opsiHostKey : null;
    if (!hostKey) fail(`OpsiHostKey missing for host '${host.id}'`);
    if (hostKey && safeEqual(attempt.password, hostKey)) {
      methods.push("host_key");
    } else if (host.type === "OpsiClient" && host.oneTimePassword && safeEqual(attempt.password, host.oneTimePassword)) {
      methods.push("password_onetime");
      await backend.host_updateObject({ type: "OpsiClient", id: host.id, oneTimePassword: "" });
      this.log.info({ host: host.id }, "Host authenticated by one-time password, password cleared");
    } else {
      fail(`Authentication of host '${host.id}' failed`);
    }

    const d = session.data;
    d.host = { id: host.id, type: host.type as SessionHostType };
    d.username = host.id;
    d.authenticated = true;
    d.isAdmin = host.type !== "OpsiClient";
    d.isReadOnly = false;
    d.userGroups = [];
    d.authMethods = methods;

    if (host.type === "OpsiClient") {
      const update: Record<string, unknown> = { type: "OpsiClient", id: host.id, lastSeen: this.timestamp() };
      if ((this.options.updateIp ?? true) && !isLoopbackAddress(attempt.clientAddress) && attempt.clientAddress !== host.ipAddress) {
        update.ipAddress = attempt.clientAddress;
      }
      await backend.host_updateObject(update);
    } else {
      this.options.sessions?.noteDepotAddress(attempt.clientAddress);
    }
    return loginName !== host.id ? { newHostId: host.id } : {};
  }

  private async authenticateUser(session: Session, username: string, attempt: AuthAttempt): Promise<AuthOutcome> {
    const { userStore, secondFactor } = this.options;
    let password = attempt.password;
    let otp = attempt.mfaOtp;
    if (secondFactor) ({ password, otp } = secondFactor.split({ username, password, otp }));
    const info = await userStore.verify(username, password);
    if (!info) throw new BackendAuthenticationError(`Authentication failed for user '${username}'`);
    const user = await this.upsertUser(info.username, !!secondFactor);
    if (secondFactor) await secondFactor.verify({ username: info.username, otp, user });
    const groups = [...info.groups];
    const d = session.data;
    d.host = null;
    d.username = info.username;
    d.userGroups = groups;
    d.authenticated = true;
    d.isAdmin = groups.includes(this.adminGroup);
    d.isReadOnly = groups.some((g) => this.readOnlyGroups.has(g));
    d.authMethods = ["username", "password"];
    return {};
  }

  /** Creates or updates the `USER` object (`lastLogin`); failures only break the login when MFA needs the object. */
  private async upsertUser(username: string, required: boolean): Promise<User | undefined> {
    const { backend } = this.options;
    try {
      const now = this.timestamp();
      const existing = (await backend.user_getObjects([], { id: username })).find((u) => u.id === username);
      if (!existing) await backend.user_insertObject({ type: "User", id: username, created: now });
      await backend.user_updateObject({ type: "User", id: username, lastLogin: now });
      return (await backend.user_getObjects([], { id: username })).find((u) => u.id === username);
    } catch (e: unknown) {
      if (required) throw e;
      this.log.error({ err: e, user: username }, "Failed to update the USER object after login");
      return undefined;
    }
  }

  private checkAdminNetworks(session: Session, clientAddress: string): void {
    const d = session.data;
    if (!d.isAdmin || this.adminNetworks.size === 0 || this.adminNetworks.contains(clientAddress)) return;
    this.log.warn({ user: d.username, client: clientAddress }, "Admin login from outside admin-networks, admin rights removed");
    d.isAdmin = false;
    d.userGroups = d.userGroups.filter((g) => g !== this.adminGroup);
  }
}
