/**
 * @module session/SessionManager
 * Loads or creates the session of a request (opsiconfd `SessionManager.get_session`): idle expiry,
 * `last_used` refresh, `X-opsi-session-lifetime`, the per-address session limit, and non-persistent
 * sessions for clients that never send cookies.
 */
import pino, { type Logger } from "pino";
import { HttpError } from "../http/errors.js";
import { IpNetworkList } from "../http/ip-network.js";
import { sessionCookie } from "./cookie.js";
import { newSessionData, Session } from "./Session.js";
import type { SessionStore } from "./SessionStore.js";

/** Options of {@link SessionManager}. */
export interface SessionManagerOptions {
  readonly store: SessionStore;
  /** Idle lifetime in seconds (`session-lifetime`, default 120). */
  readonly lifetime?: number;
  /** Concurrent valid sessions per client address (`max-session-per-ip`, default 30; 0 = unlimited). */
  readonly maxSessionsPerIp?: number;
  /** Addresses/networks without a session limit (`max-sessions-excludes`, default localhost). */
  readonly maxSessionsExcludes?: readonly string[];
  /** User-Agent prefixes that get non-persistent sessions (default `libdnf`, `curl`). */
  readonly sessionUnawareUserAgents?: readonly string[];
  readonly logger?: Logger;
  /** Clock in ms (default `Date.now`). */
  readonly clock?: () => number;
}

/** What identifies the session of a request. */
export interface SessionRequest {
  readonly clientAddress: string;
  readonly userAgent?: string;
  /** Session id from the cookie or `?session_id=`. */
  readonly sessionId?: string;
  /** Raw `X-opsi-session-lifetime` header. */
  readonly lifetimeHeader?: string;
}

/** Longest lifetime a client may request (one day). */
export const MAX_CLIENT_SESSION_LIFETIME = 86_400;

/**
 * Session lookup and creation on top of a {@link SessionStore}.
 * @example
 * const sessions = new SessionManager({ store: new MemorySessionStore(), lifetime: 120 });
 * const session = await sessions.getSession({ clientAddress: "10.0.0.5", sessionId: cookieId });
 */
export class SessionManager {
  readonly store: SessionStore;
  /** Default idle lifetime in seconds. */
  readonly lifetime: number;
  private readonly maxSessionsPerIp: number;
  private readonly excludes: IpNetworkList;
  private readonly unaware: readonly string[];
  private readonly log: Logger;
  private readonly clock: () => number;
  private readonly depotAddresses = new Map<string, number>();

  constructor(options: SessionManagerOptions) {
    this.store = options.store;
    this.lifetime = options.lifetime ?? 120;
    this.maxSessionsPerIp = options.maxSessionsPerIp ?? 30;
    this.excludes = new IpNetworkList(options.maxSessionsExcludes ?? ["127.0.0.1", "::1"]);
    this.unaware = options.sessionUnawareUserAgents ?? ["libdnf", "curl"];
    this.log = options.logger ?? pino({ level: "silent" });
    this.clock = options.clock ?? Date.now;
  }

  /** Current time of the manager's clock (ms). */
  now(): number {
    return this.clock();
  }

  /**
   * Returns the valid session `sessionId` names for this address, or a new one. A new session
   * over the per-address limit → `HttpError(403, "Too many sessions …")`. `last_used` is refreshed.
   * Existing sessions are stored again at once; new ones only by {@link save} (after a successful
   * login, or when a client asks for a session id), so failed logins leave nothing behind.
   */
  async getSession(request: SessionRequest): Promise<Session> {
    const now = this.clock();
    const userAgent = request.userAgent ?? "";
    let session: Session | undefined;
    if (request.sessionId) {
      const data = await this.store.get(request.sessionId, now);
      if (data && data.clientAddress === request.clientAddress) {
        session = new Session(data);
        session.stored = true;
      } else
        this.log.debug({ sessionId: request.sessionId.slice(0, 8) }, data ? "Session of another address" : "Session unknown or expired");
    }
    if (!session) session = await this.createSession(request.clientAddress, userAgent, now);
    session.data.lastUsed = now;
    session.data.userAgent = userAgent;
    this.applyLifetimeHeader(session, request.lifetimeHeader);
    if (this.unaware.some((prefix) => userAgent.startsWith(prefix))) session.persistent = false;
    if (session.stored) await this.save(session);
    return session;
  }

  private async createSession(clientAddress: string, userAgent: string, now: number): Promise<Session> {
    if (this.maxSessionsPerIp > 0 && !this.isExempt(clientAddress, now)) {
      const count = await this.store.countValid(clientAddress, now);
      if (count + 1 > this.maxSessionsPerIp) {
        const message = `Too many sessions from ${clientAddress} / ${userAgent}, maximum is: ${this.maxSessionsPerIp}`;
        this.log.warn(message);
        throw new HttpError(403, message);
      }
    }
    return new Session(newSessionData(clientAddress, userAgent, this.lifetime, now));
  }

  private isExempt(address: string, now: number): boolean {
    if (this.excludes.contains(address)) return true;
    const seen = this.depotAddresses.get(address);
    if (seen === undefined) return false;
    if (now - seen <= this.lifetime * 1000) return true;
    this.depotAddresses.delete(address);
    return false;
  }

  private applyLifetimeHeader(session: Session, header: string | undefined): void {
    if (header === undefined || header === "") return;
    const value = /^\s*\d+\s*$/.test(header) ? Number(header) : Number.NaN;
    if (Number.isInteger(value) && value > 0 && value <= MAX_CLIENT_SESSION_LIFETIME) {
      session.data.maxAge = value;
    } else {
      this.log.warn({ value: header.slice(0, 32) }, "Not accepting session lifetime from client");
    }
  }

  /** Stores the session unless it is non-persistent or deleted. */
  async save(session: Session): Promise<void> {
    if (!session.persistent || session.deleted) return;
    await this.store.set(session.data);
    session.stored = true;
  }

  /** Deletes the session; its cookie expires with the response. */
  async delete(session: Session): Promise<void> {
    await this.store.delete(session.id);
    session.deleted = true;
  }

  /**
   * Re-reads the session from the store (another request may have authenticated it). Returns
   * false when it is gone.
   */
  async reload(session: Session): Promise<boolean> {
    const data = await this.store.get(session.id, this.clock());
    if (!data) return false;
    Object.assign(session.data, data);
    return true;
  }

  /** Remembers a depot address: depots are exempt from the session limit while they are active. */
  noteDepotAddress(address: string): void {
    this.depotAddresses.set(address, this.clock());
  }

  /** The `Set-Cookie` value for a session; `undefined` for non-persistent and never-stored sessions. */
  cookie(session: Session): string | undefined {
    if (!session.persistent || !session.stored) return undefined;
    if (session.deleted) return sessionCookie(session.id, 0);
    if (session.inUseByMessagebus(this.clock())) return sessionCookie(session.id, undefined);
    return sessionCookie(session.id, session.data.maxAge);
  }
}
