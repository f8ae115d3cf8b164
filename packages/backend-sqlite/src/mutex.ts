/**
 * @module mutex
 * A FIFO async mutex: one holder at a time, waiters served in arrival order.
 */

/**
 * An async mutex. `acquire()` resolves with a release function once the caller holds the lock.
 * @example const release = await mutex.acquire(); try { ... } finally { release(); }
 */
export class AsyncMutex {
  private held = false;
  private readonly waiters: (() => void)[] = [];

  /** Whether someone holds the lock or waits for it. */
  get busy(): boolean {
    return this.held || this.waiters.length > 0;
  }

  /** Waits for the lock; the returned function releases it (once). */
  async acquire(): Promise<() => void> {
    if (this.held) await new Promise<void>((resolve) => this.waiters.push(resolve));
    else this.held = true;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release();
    };
  }

  private release(): void {
    const next = this.waiters.shift();
    // The lock passes straight to the next waiter, so nobody can slip in between.
    if (next) next();
    else this.held = false;
  }
}
