/**
 * @module backend/memory/undo-log
 * The undo log that makes multi-object writes all-or-nothing: every table mutation records its
 * inverse, and a failed write replays them backwards.
 */

/**
 * Records inverse operations and replays them on rollback.
 * @example const log = new UndoLog(); table.put(row, log); log.rollback();
 */
export class UndoLog {
  private readonly steps: (() => void)[] = [];

  /** Number of recorded steps. */
  get size(): number {
    return this.steps.length;
  }

  /** Records the inverse of a mutation that was just applied. */
  record(undo: () => void): void {
    this.steps.push(undo);
  }

  /** Undoes every recorded mutation, newest first, and empties the log. */
  rollback(): void {
    for (let i = this.steps.length - 1; i >= 0; i--) (this.steps[i] as () => void)();
    this.steps.length = 0;
  }
}

/**
 * Runs `fn` with a fresh undo log; if it throws, everything it recorded is undone and the error
 * is rethrown, so the tables are unchanged.
 * @example atomically((log) => { table.put(a, log); table.put(b, log); })
 */
export function atomically<T>(fn: (log: UndoLog) => T): T {
  const log = new UndoLog();
  try {
    return fn(log);
  } catch (e: unknown) {
    log.rollback();
    throw e;
  }
}
