/**
 * @module session/SessionStore
 * Where sessions live. The interface is small so a Redis implementation (shared by several server
 * processes) can follow the in-memory one.
 */
import type { SessionData } from "./Session.js";

/**
 * Storage of session data. Implementations return copies: changing a returned object does not
 * change the stored session until `set` is called.
 */
export interface SessionStore {
  /** The stored session, or `undefined` when unknown or expired. */
  get(id: string, now: number): Promise<SessionData | undefined>;
  /** Inserts or replaces a session. */
  set(data: SessionData): Promise<void>;
  /** Removes a session (no error when unknown). */
  delete(id: string): Promise<void>;
  /** Number of unexpired sessions of a client address; expired ones are removed on the way. */
  countValid(clientAddress: string, now: number): Promise<number>;
  /** Removes all expired sessions; returns how many. */
  sweep(now: number): Promise<number>;
  /** Stops timers and releases resources. */
  close(): Promise<void>;
}
