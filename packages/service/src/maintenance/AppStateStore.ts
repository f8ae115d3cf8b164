/**
 * @module maintenance/AppStateStore
 * Where the app state lives (Redis when several processes share it) and the in-memory store.
 */
import { type AppState, parseAppState } from "./AppState.js";

/** Storage of the app state with change notification. */
export interface AppStateStore {
  get(): Promise<AppState>;
  /** Validates, stores and announces a new state; returns the stored (normalised) state. */
  set(state: unknown): Promise<AppState>;
  /** Calls `listener` on every change; returns an unsubscribe function. */
  subscribe(listener: (state: AppState) => void): () => void;
}

/**
 * App state held in this process.
 * @example
 * const appState = new MemoryAppStateStore();
 * await appState.set({ type: "maintenance", retry_after: 300, address_exceptions: ["10.0.0.1"] });
 */
export class MemoryAppStateStore implements AppStateStore {
  private state: AppState;
  private readonly listeners = new Set<(state: AppState) => void>();

  constructor(initial: unknown = { type: "normal" }) {
    this.state = parseAppState(initial);
  }

  /** The state without a promise (for per-request checks). */
  current(): AppState {
    return this.state;
  }

  async get(): Promise<AppState> {
    return this.state;
  }

  async set(state: unknown): Promise<AppState> {
    this.state = parseAppState(state);
    for (const listener of this.listeners) {
      try {
        listener(this.state);
      } catch {
        // a failing listener must not break the state change
      }
    }
    return this.state;
  }

  subscribe(listener: (state: AppState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
