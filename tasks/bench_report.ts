/**
 * How `deno task bench` reports (tasks/bench.ts and repl/bench.ts): medians, and one row per
 * figure with PASS or MISS against its target.
 *
 * @module
 */

/**
 * The median of `xs`.
 *
 * @example
 * ```ts
 * import { median } from "./bench_report.ts";
 * import assert from "node:assert/strict";
 * assert.equal(median([3, 1, 2]), 2);
 * ```
 */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Prints a figure: PASS or MISS, its name, value and target. */
export function row(name: string, value: string, target: string, ok: boolean): void {
  console.log(
    `${ok ? "PASS" : "MISS"}  ${name.padEnd(44)} ${value.padStart(16)}   target ${target}`,
  );
}
