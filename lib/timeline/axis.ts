/**
 * A timeline's time axis: its step and its labels, in one unit per view.
 *
 * @module
 */

import { DURATION_UNITS } from "../util/duration.ts";

/**
 * The axis of one view: its step (1, 2 or 5 times a power of ten, about `ticks` labels across)
 * and one unit for every label (of {@linkcode DURATION_UNITS}: the largest not above the view's
 * end), so a view never mixes "500 us" and "1 ms".
 *
 * @example
 * ```ts
 * import { timeAxis } from "./axis.ts";
 * import assert from "node:assert/strict";
 * const a = timeAxis(0, 16_000_000, 8);
 * assert.equal(a.step, 2_000_000);
 * assert.deepEqual([0, 2_000_000, 4_500_000].map(a.label), ["0 ms", "2 ms", "4.5 ms"]);
 * assert.equal(timeAxis(4_000_000, 4_200_000, 8).label(4_025_000), "4.025 ms");
 * ```
 */
export function timeAxis(
  since: number,
  until: number,
  ticks: number,
): { step: number; label: (ns: number) => string } {
  const rough = Math.max(1, (until - since) / Math.max(1, ticks));
  const p = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= rough)!;
  const units = Object.entries(DURATION_UNITS).filter(([u]) => u !== "m" && u !== "h");
  const [name, size] = units.filter(([, n]) => Number(n) <= Math.max(until, 1)).at(-1)!;
  const n = Number(size);
  // Enough decimals for the step and for the odd time a label names (an operation's).
  const decimals = (ns: number) => {
    for (let d = 0; d < 9; d++) if (Math.abs(ns / n - Number((ns / n).toFixed(d))) < 1e-9) return d;
    return 9;
  };
  // The symbol formatTime() shows (µs, not the "us" a duration is typed with).
  const symbol = name === "us" ? "µs" : name;
  return { step, label: (ns) => `${(ns / n).toFixed(decimals(ns))} ${symbol}` };
}
