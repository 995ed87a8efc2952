/**
 * Simulated durations: integer nanoseconds, parsed from a strict, anchored grammar.
 *
 * @module
 */

import { show } from "./check.ts";

/** Nanoseconds per unit accepted by {@linkcode parseDuration}. */
export const DURATION_UNITS: Readonly<Record<string, bigint>> = Object.freeze({
  ns: 1n,
  us: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
});

const GRAMMAR = /^(\d+)(?:\.(\d+))?(ns|us|ms|s|m|h)$/;
// What a string may be, and what a number may be: each message names only what its type accepts.
const VALID_TEXT = '"<number><unit>" with unit ns, us, ms, s, m or h (e.g. "10ms", "1.5us", "2s")';
const VALID = `a non-negative integer of nanoseconds or ${VALID_TEXT}`;

/**
 * Parses a duration into integer nanoseconds.
 *
 * Accepts a non-negative safe integer (nanoseconds) or a string `<digits>[.<digits>]<unit>` with
 * unit `ns`, `us`, `ms`, `s`, `m` or `h`, and nothing else: no spaces, no sign, no exponent. A
 * fraction must come out as whole nanoseconds.
 *
 * @example
 * ```ts
 * import { parseDuration } from "./duration.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseDuration("10ms"), 10_000_000);
 * assert.equal(parseDuration("1.5us"), 1_500);
 * assert.equal(parseDuration(250), 250);
 * assert.throws(() => parseDuration(-1), RangeError);
 * assert.throws(() => parseDuration("-1ms"), SyntaxError);
 * ```
 * @throws {TypeError} when the value is neither a string nor a number.
 * @throws {SyntaxError} when a string does not follow the grammar.
 * @throws {RangeError} when the value is negative, fractional in ns, or beyond 2^53-1 ns.
 */
export function parseDuration(value: string | number): number {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`Invalid duration ${show(value)}: expected ${VALID}`);
    }
    return value;
  }
  if (typeof value !== "string") {
    throw new TypeError(`Invalid duration of type ${typeof value}: expected ${VALID}`);
  }
  const match = GRAMMAR.exec(value);
  if (!match) {
    // A bare number in text has no unit: say which it could have been (nothing is assumed).
    const bare = /^\d+(?:\.\d+)?$/.test(value)
      ? `; a number needs its unit: ${["ns", "us", "ms", "s"].map((u) => value + u).join(", ")}`
      : "";
    throw new SyntaxError(`Invalid duration ${show(value)}: expected ${VALID_TEXT}${bare}`);
  }
  const [, whole, fraction = "", unit] = match;
  const scale = 10n ** BigInt(fraction.length);
  const scaled = (BigInt(whole) * scale + BigInt(fraction || "0")) * DURATION_UNITS[unit];
  if (scaled % scale !== 0n) {
    throw new RangeError(
      `Invalid duration ${show(value)}: it is not a whole number of nanoseconds`,
    );
  }
  const ns = scaled / scale;
  if (ns > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(
      `Invalid duration ${show(value)}: it exceeds ${Number.MAX_SAFE_INTEGER} ns`,
    );
  }
  return Number(ns);
}

/**
 * Formats nanoseconds as seconds with six decimals, the way `dmesg` stamps lines.
 *
 * @example
 * ```ts
 * import { formatSeconds } from "./duration.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatSeconds(1_500_000_000), "1.500000");
 * ```
 * @throws {RangeError} when `ns` is not a non-negative safe integer.
 */
export function formatSeconds(ns: number): string {
  if (!Number.isSafeInteger(ns) || ns < 0) {
    throw new RangeError(`Invalid time ${show(ns)}: expected a non-negative integer of ns`);
  }
  const us = Math.floor(ns / 1000);
  return `${Math.floor(us / 1_000_000)}.${String(us % 1_000_000).padStart(6, "0")}`;
}

/**
 * A duration in the largest unit of {@linkcode DURATION_UNITS} that keeps it whole, in the form
 * {@linkcode parseDuration} reads back.
 *
 * @example
 * ```ts
 * import { formatDuration, parseDuration } from "./duration.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatDuration(4_000_000), "4ms");
 * assert.equal(formatDuration(3_333_333), "3333333ns");
 * assert.equal(parseDuration(formatDuration(3_333_333)), 3_333_333);
 * ```
 * @throws {RangeError} when `ns` is not a non-negative safe integer.
 */
export function formatDuration(ns: number): string {
  if (!Number.isSafeInteger(ns) || ns < 0) {
    throw new RangeError(
      `Invalid duration ${show(ns)}: expected a non-negative integer of nanoseconds`,
    );
  }
  const [unit, size] = Object.entries(DURATION_UNITS)
    .filter(([, size]) => BigInt(ns) % size === 0n)
    .at(-1)!;
  return `${BigInt(ns) / size}${unit}`;
}

// The units simulated time is shown in, largest first (µs, as people write it).
const SHOWN_UNITS: readonly (readonly [string, number])[] = [
  ["s", 1e9],
  ["ms", 1e6],
  ["µs", 1e3],
  ["ns", 1],
];

/**
 * Simulated time or a duration for people, in the one style hvtick shows time everywhere (the
 * REPL, operation results, the pictures' hover text, the report): the largest unit it reaches, at
 * most three decimals, trailing zeros dropped (`10 ms`, `1.5 µs`, `0 ns`); `{ exact: true }`
 * gives the whole nanoseconds (`1234567 ns`). `{ unit }` fixes the unit. A picture's axis labels
 * keep one unit per view, with as many decimals as the view's step needs (lib/timeline/axis.ts);
 * the kernel's own `[    0.004000]` stamps are {@linkcode formatSeconds}'s.
 *
 * @example
 * ```ts
 * import { formatTime } from "./duration.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatTime(10_000_000), "10 ms");
 * assert.equal(formatTime(1_500), "1.5 µs");
 * assert.equal(formatTime(1_234_567), "1.235 ms");
 * assert.equal(formatTime(1_234_567, { exact: true }), "1234567 ns");
 * assert.equal(formatTime(2_500_000, { unit: "s" }), "0.003 s");
 * assert.equal(formatTime(0), "0 ns");
 * ```
 * @throws {RangeError} when `ns` is not a non-negative safe integer, or for an unknown unit.
 */
export function formatTime(
  ns: number,
  options: { readonly exact?: boolean; readonly unit?: "s" | "ms" | "µs" | "ns" } = {},
): string {
  if (!Number.isSafeInteger(ns) || ns < 0) {
    throw new RangeError(`Invalid time ${show(ns)}: expected a non-negative integer of ns`);
  }
  if (options.exact) return `${ns} ns`;
  const unit = options.unit === undefined
    ? SHOWN_UNITS.find(([, size]) => ns >= size) ?? SHOWN_UNITS[SHOWN_UNITS.length - 1]
    : SHOWN_UNITS.find(([name]) => name === options.unit);
  if (!unit) {
    throw new RangeError(`Invalid unit ${show(options.unit)}: expected s, ms, µs or ns`);
  }
  const [name, size] = unit;
  // Three decimals, rounded half up in integer arithmetic (no float drift on large times).
  const thousandths = Math.round((ns * 1000) / size);
  const whole = Math.floor(thousandths / 1000);
  const fraction = String(thousandths % 1000).padStart(3, "0").replace(/0+$/, "");
  return `${whole}${fraction ? `.${fraction}` : ""} ${name}`;
}
