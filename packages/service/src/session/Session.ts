/**
 * @module session/Session
 * One client session: the serialisable `SessionData` kept in a `SessionStore`, and the `Session`
 * wrapper with its per-request flags (persistent, deleted).
 */
import { randomUUID } from "node:crypto";

/** Host type of a host session. */
export type SessionHostType = "OpsiClient" | "OpsiDepotserver" | "OpsiConfigserver";

/** The stored part of a session (plain JSON, so a Redis store can hold it as is). */
export interface SessionData {
  /** 32 lowercase hex digits (uuid4 without dashes). */
  readonly id: string;
  /** Client address the session belongs to; a different address gets a new session. */
  readonly clientAddress: string;
  userAgent: string;
  /** Creation time, ms since the epoch. */
  readonly created: number;
  /** Last request time, ms since the epoch. */
  lastUsed: number;
  /** Idle lifetime in seconds. */
  maxAge: number;
  /** Last message bus use, ms since the epoch (0 = never). */
  messagebusLastUsed: number;
  authenticated: boolean;
  /** Lowercased user name, or the host id of a host session. */
  username: string;
  userGroups: string[];
  host: { readonly id: string; readonly type: SessionHostType } | null;
  isAdmin: boolean;
  isReadOnly: boolean;
  /** How the caller authenticated (`password`, `host_key`, `password_onetime`, `hardware_address`, ...). */
  authMethods: string[];
}

/** Sessions used by the message bus within this many ms get a browser-session cookie (no Max-Age). */
export const MESSAGEBUS_IN_USE_MS = 60_000;

/**
 * A session during one request. `persistent` is false for clients that never send cookies
 * (`curl`, `libdnf`); `deleted` marks a logged-out session whose cookie must expire; `stored` tells
 * whether it is in the store (new sessions are stored once authenticated or explicitly saved).
 * @example
 * const s = new Session(newSessionData("10.0.0.1", "opsiclientd", 120, Date.now()));
 * s.validityMs(Date.now()) > 0 // true
 */
export class Session {
  readonly data: SessionData;
  persistent = true;
  deleted = false;
  /** Whether the session exists in the store (loaded from it or saved). */
  stored = false;

  constructor(data: SessionData) {
    this.data = data;
  }

  get id(): string {
    return this.data.id;
  }

  get authenticated(): boolean {
    return this.data.authenticated;
  }

  /** Remaining idle validity in ms (<= 0 means expired). */
  validityMs(now: number): number {
    return sessionValidityMs(this.data, now);
  }

  /** Whether the message bus used this session within the last minute. */
  inUseByMessagebus(now: number): boolean {
    return now - this.data.messagebusLastUsed < MESSAGEBUS_IN_USE_MS;
  }

  /** Clears all authentication data (a new login starts from scratch). */
  resetAuth(): void {
    const d = this.data;
    d.authenticated = false;
    d.username = "";
    d.userGroups = [];
    d.host = null;
    d.isAdmin = false;
    d.isReadOnly = false;
    d.authMethods = [];
  }
}

/**
 * Remaining idle validity of stored session data in ms.
 * @example sessionValidityMs({ ...data, lastUsed: 0, maxAge: 120 }, 60_000) // 60000
 */
export function sessionValidityMs(data: Pick<SessionData, "lastUsed" | "maxAge">, now: number): number {
  return data.maxAge * 1000 - (now - data.lastUsed);
}

/**
 * Fresh unauthenticated session data with a random id.
 * @example newSessionData("10.0.0.1", "curl/8", 120, Date.now()).id.length // 32
 */
export function newSessionData(clientAddress: string, userAgent: string, maxAge: number, now: number): SessionData {
  return {
    id: randomUUID().replace(/-/g, ""),
    clientAddress,
    userAgent,
    created: now,
    lastUsed: now,
    maxAge,
    messagebusLastUsed: 0,
    authenticated: false,
    username: "",
    userGroups: [],
    host: null,
    isAdmin: false,
    isReadOnly: false,
    authMethods: [],
  };
}
