/**
 * @module auth/BruteForceGuard
 * Brute-force protection (spec 4.5): before a credential check the address must not be blocked;
 * `max-auth-failures` failures within `auth-failures-interval` block it for `client-block-time`
 * (the attempt that triggers the block is still processed); each failure costs a short delay.
 */
import { HttpError } from "../http/errors.js";
import { type FailureCounter, MemoryFailureCounter } from "./FailureCounter.js";

/** Options of {@link BruteForceGuard}. */
export interface BruteForceOptions {
  readonly counter?: FailureCounter;
  /** Failures that trigger a block (default 10; 0 disables blocking). */
  readonly maxAuthFailures?: number;
  /** Counting window in seconds (default 120). */
  readonly authFailuresInterval?: number;
  /** Block duration in seconds (default 120). */
  readonly clientBlockTime?: number;
  /** Delay after each failure in ms (default 200). */
  readonly failureDelayMs?: number;
  /** Clock in ms (default `Date.now`). */
  readonly clock?: () => number;
  /** Sleep function (default `setTimeout`). */
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Guards credential checks.
 * @example
 * const guard = new BruteForceGuard({ maxAuthFailures: 10 });
 * await guard.checkBlocked("10.0.0.9"); // throws HttpError(403) while blocked
 */
export class BruteForceGuard {
  readonly counter: FailureCounter;
  private readonly max: number;
  private readonly windowMs: number;
  private readonly blockMs: number;
  private readonly delayMs: number;
  private readonly clock: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: BruteForceOptions = {}) {
    this.counter = options.counter ?? new MemoryFailureCounter();
    this.max = options.maxAuthFailures ?? 10;
    this.windowMs = (options.authFailuresInterval ?? 120) * 1000;
    this.blockMs = (options.clientBlockTime ?? 120) * 1000;
    this.delayMs = options.failureDelayMs ?? 200;
    this.clock = options.clock ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
  }

  /**
   * Throws `HttpError(403, "Client '<ip>' is blocked")` for a blocked address; otherwise sets a
   * block when the failure count has reached the limit, letting this attempt through.
   */
  async checkBlocked(address: string): Promise<void> {
    const now = this.clock();
    if (await this.counter.isBlocked(address, now)) throw new HttpError(403, `Client '${address}' is blocked`);
    if (this.max <= 0) return;
    const failures = await this.counter.countFailures(address, this.windowMs, now);
    if (failures >= this.max) await this.counter.block(address, now + this.blockMs);
  }

  /** Records a failed credential check, then waits the failure delay. */
  async recordFailure(address: string): Promise<void> {
    await this.counter.recordFailure(address, this.clock());
    if (this.delayMs > 0) await this.sleep(this.delayMs);
  }
}
