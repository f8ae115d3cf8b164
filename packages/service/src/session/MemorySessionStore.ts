/**
 * @module session/MemorySessionStore
 * In-process `SessionStore`: a map of session data, an index per client address, and a sweep timer
 * that removes expired sessions.
 */
import { type SessionData, sessionValidityMs } from "./Session.js";
import type { SessionStore } from "./SessionStore.js";

/** Options of {@link MemorySessionStore}. */
export interface MemorySessionStoreOptions {
  /** Interval of the expiry sweep in ms (default 60 000; 0 disables the timer). */
  readonly sweepIntervalMs?: number;
  /** Clock for the sweep timer (default `Date.now`). */
  readonly clock?: () => number;
}

function copy(data: SessionData): SessionData {
  return { ...data, userGroups: [...data.userGroups], authMethods: [...data.authMethods], host: data.host ? { ...data.host } : null };
}

/**
 * Sessions in memory (the embedded default; one process only).
 * @example
 * const store = new MemorySessionStore({ sweepIntervalMs: 60_000 });
 * await store.set(newSessionData("10.0.0.1", "opsiclientd", 120, Date.now()));
 * await store.close();
 */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, SessionData>();
  private readonly byAddress = new Map<string, Set<string>>();
  private readonly clock: () => number;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: MemorySessionStoreOptions = {}) {
    this.clock = options.clock ?? Date.now;
    const interval = options.sweepIntervalMs ?? 60_000;
    if (interval > 0) {
      this.timer = setInterval(() => {
        void this.sweep(this.clock());
      }, interval);
      this.timer.unref();
    }
  }

  /** Number of stored sessions (expired ones included until swept). */
  get size(): number {
    return this.sessions.size;
  }

  async get(id: string, now: number): Promise<SessionData | undefined> {
    const data = this.sessions.get(id);
    if (!data) return undefined;
    if (sessionValidityMs(data, now) <= 0) {
      this.remove(id);
      return undefined;
    }
    return copy(data);
  }

  async set(data: SessionData): Promise<void> {
    const old = this.sessions.get(data.id);
    if (old && old.clientAddress !== data.clientAddress) this.byAddress.get(old.clientAddress)?.delete(data.id);
    this.sessions.set(data.id, copy(data));
    let ids = this.byAddress.get(data.clientAddress);
    if (!ids) {
      ids = new Set();
      this.byAddress.set(data.clientAddress, ids);
    }
    ids.add(data.id);
  }

  async delete(id: string): Promise<void> {
    this.remove(id);
  }

  async countValid(clientAddress: string, now: number): Promise<number> {
    const ids = this.byAddress.get(clientAddress);
    if (!ids) return 0;
    let count = 0;
    for (const id of [...ids]) {
      const data = this.sessions.get(id);
      if (data && sessionValidityMs(data, now) > 0) count++;
      else this.remove(id);
    }
    return count;
  }

  async sweep(now: number): Promise<number> {
    let removed = 0;
    for (const [id, data] of [...this.sessions]) {
      if (sessionValidityMs(data, now) <= 0) {
        this.remove(id);
        removed++;
      }
    }
    return removed;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private remove(id: string): void {
    const data = this.sessions.get(id);
    if (!data) return;
    this.sessions.delete(id);
    const ids = this.byAddress.get(data.clientAddress);
    ids?.delete(id);
    if (ids && ids.size === 0) this.byAddress.delete(data.clientAddress);
  }
}
