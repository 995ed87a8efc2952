/**
 * One reading of a real-kernel log: what was read (a key such as `clockevent2` or
 * `cpu2 hotplug/state`), the text the kernel printed, and the log line it came from. The model's
 * side is rendered as the same text and parsed by the same code, so a reading matches when both
 * keys carry the same value (after the exclusion rules, lib/fidelity/exclusions.ts).
 *
 * @module
 */

/** One reading: a key, its value, the 1-based line it was printed on (0: made by the model). */
export interface Reading {
  /** What was read, e.g. `clockevent2`, `cpu2 hotplug/state`, `states`, `tick cpu2 mult`. */
  readonly key: string;
  /** The value, verbatim (a field's whole line where spacing matters). */
  readonly value: string;
  /** Where it was printed. */
  readonly line: number;
}

/**
 * Makes a reading.
 *
 * @example
 * ```ts
 * import { reading } from "./reading.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(reading("clockevent2", "lapic", 7), { key: "clockevent2", value: "lapic", line: 7 });
 * ```
 */
export function reading(key: string, value: string, line: number): Reading {
  return { key, value, line };
}
