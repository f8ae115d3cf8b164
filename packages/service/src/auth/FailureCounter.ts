/**
 * @module auth/FailureCounter
 * Failed-login bookkeeping per client address (opsiconfd uses RedisTimeSeries; a Redis
 * implementation with plain sorted sets can follow) and the in-memory implementation.
 */

/** Failure samples and blocks per client address. All times are ms since the epoch. */
export interface FailureCounter {
  /** Adds one failure sample. */
  recordFailure(address: string, now: number): Promise<void>;
  /** Failures in the window `(now - windowMs, now]`. */
  countFailures(address: string, windowMs: number, now: number): Promise<number>;
  /** Whether a block is active. */
  isBlocked(address: string, now: number): Promise<boolean>;
  /** Blocks an address until `until`. */
  block(address: string, until: number): Promise<void>;
  /** Lifts a block; false if there was none. */
  unblock(address: string): Promise<boolean>;
  /** Lifts all blocks; returns how many. */
  unblockAll(): Promise<number>;
  /** Addresses blocked at `now`. */
  blockedAddresses(now: number): Promise<string[]>;
}

/** Options of {@link MemoryFailureCounter}. */
export interface MemoryFailureCounterOptions {
  /** How long samples are kept (default 24 h, like opsiconfd's time-series retention). */
  readonly retentionMs?: number;
  /** Samples kept per address at most (default 1000). */
  readonly maxSamplesPerAddress?: number;
}

/**
 * In-process failure counter.
 * @example
 * const counter = new MemoryFailureCounter();
 * await counter.recordFailure("10.0.0.9", Date.now());
 */
export class MemoryFailureCounter implements FailureCounter {
  private readonly samples = new Map<string, number[]>();
  private readonly blocks = new Map<string, number>();
  private readonly retentionMs: number;
  private readonly maxSamples: number;

  constructor(options: MemoryFailureCounterOptions = {}) {
    this.retentionMs = options.retentionMs ?? 86_400_000;
    this.maxSamples = options.maxSamplesPerAddress ?? 1000;
  }

  async recordFailure(address: string, now: number): Promise<void> {
    const list = (this.samples.get(address) ?? []).filter((t) => t > now - this.retentionMs);
    list.push(now);
    if (list.length > this.maxSamples) list.splice(0, list.length - this.maxSamples);
    this.samples.set(address, list);
    if (this.samples.size > 10_000) this.prune(now);
  }

  async countFailures(address: string, windowMs: number, now: number): Promise<number> {
    const list = this.samples.get(address);
    if (!list) return 0;
    return list.filter((t) => t > now - windowMs && t <= now).length;
  }

  async isBlocked(address: string, now: number): Promise<boolean> {
    const until = this.blocks.get(address);
    if (until === undefined) return false;
    if (until > now) return true;
    this.blocks.delete(address);
    return false;
  }

  async block(address: string, until: number): Promise<void> {
    this.blocks.set(address, until);
  }

  async unblock(address: string): Promise<boolean> {
    this.samples.delete(address);
    return this.blocks.delete(address);
  }

  async unblockAll(): Promise<number> {
    const count = this.blocks.size;
    this.blocks.clear();
    this.samples.clear();
    return count;
  }

  async blockedAddresses(now: number): Promise<string[]> {
    return [...this.blocks].filter(([, until]) => until > now).map(([address]) => address);
  }

  private prune(now: number): void {
    for (const [address, list] of this.samples) {
      if (!list.some((t) => t > now - this.retentionMs)) this.samples.delete(address);
    }
  }
}
