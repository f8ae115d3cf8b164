/**
 * @module bench/types
 * The result row every benchmark module returns from `run()`.
 */

/** One measured value, optionally compared with a baseline measured in the same process. */
export type BenchResult = {
  /** What was measured, e.g. `productOnClient_getObjects by clientId (p50)`. */
  name: string;
  /** Unit of `value` and `baselineValue`, e.g. `rows/s`, `µs`. */
  unit: string;
  value: number;
  /** Description of the baseline, if any. */
  baseline?: string;
  baselineValue?: number;
  /** `value / baselineValue`. */
  ratio?: number;
  notes?: string;
};
