/**
 * A picture's options ({@linkcode TimelineOptions}): checked when they come from outside, and
 * made from the words of `--since`, `--until`, `--cpus`, `--width`, as the REPL's `timeline` and
 * `report` and `deno task timeline` take them.
 *
 * @module
 */

import { parseDuration } from "../util/duration.ts";
import { arrayOf, check, invalid, object, optional, readInput, string } from "../util/check.ts";

/** What to draw. */
export interface TimelineOptions {
  /** Start of the window, simulation ns (default 0). */
  readonly since?: number;
  /** End of the window, simulation ns (default the end of the recording). */
  readonly until?: number;
  /** The CPUs to draw (default all). */
  readonly cpus?: readonly number[];
  /** Width in pixels (default 1200). */
  readonly width?: number;
  /** A title line (default: the configuration and design). */
  readonly title?: string;
}

/**
 * A CPU list such as `0-3,8`, checked against `cpus`.
 *
 * @example
 * ```ts
 * import { cpuList } from "./window.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(cpuList("0-2,5", 8), [0, 1, 2, 5]);
 * assert.throws(() => cpuList("9", 8), /within 0-7/);
 * ```
 * @throws {RangeError} naming the list and the valid CPUs.
 */
export function cpuList(text: string, cpus: number): number[] {
  const out: number[] = [];
  for (const part of text.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    const [a, b] = m ? [Number(m[1]), Number(m[2] ?? m[1])] : [NaN, NaN];
    if (!m || a > b || b >= cpus) {
      throw new RangeError(
        `--cpus ${JSON.stringify(text)}: expected CPU numbers or ranges such as 0-3,8 within 0-${
          cpus - 1
        }`,
      );
    }
    for (let c = a; c <= b; c++) if (!out.includes(c)) out.push(c);
  }
  return out;
}

/** A whole number given to `--flag`. */
function wholeNumber(flag: string, value: unknown): number {
  const text = String(value);
  if (!/^\d+$/.test(text)) {
    throw new RangeError(`--${flag} ${JSON.stringify(text)}: expected a whole number`);
  }
  return Number(text);
}

/**
 * The picture window from `--since`, `--until`, `--cpus`, `--width` (checked; `cpus` is the
 * machine's count).
 *
 * @example
 * ```ts
 * import { timelineWindow } from "./window.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(timelineWindow({ since: "4ms", cpus: "1" }, 2), {
 *   since: 4_000_000,
 *   until: undefined,
 *   cpus: [1],
 *   width: undefined,
 * });
 * ```
 */
export function timelineWindow(
  values: Readonly<Record<string, unknown>>,
  cpus: number,
): TimelineOptions {
  return {
    since: values.since === undefined ? undefined : parseDuration(String(values.since)),
    until: values.until === undefined ? undefined : parseDuration(String(values.until)),
    cpus: values.cpus === undefined ? undefined : cpuList(String(values.cpus), cpus),
    width: values.width === undefined ? undefined : wholeNumber("width", values.width),
  };
}

const FINITE = check<number>("a finite number of ns", (v, at) => {
  if (typeof v !== "number") invalid(at, v, "a finite number of ns", "type");
  if (!Number.isFinite(v)) invalid(at, v, "a finite number of ns", "range");
  return v as number;
});

const OPTIONS = object<TimelineOptions>({
  since: optional(FINITE),
  until: optional(FINITE),
  // Each CPU is checked against the recording where it is drawn.
  cpus: optional(arrayOf(check<number>("a CPU number", (v, at) => {
    if (typeof v !== "number") invalid(at, v, "a CPU number", "type");
    return v as number;
  }))),
  width: optional(FINITE),
  title: optional(string()),
}, "timeline options");

/**
 * A picture's options from outside, checked at `at` (their keys and kinds; the window, the
 * CPUs and the width against the recording where it is drawn): a copy.
 *
 * @example
 * ```ts
 * import { checkTimelineOptions } from "./window.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(checkTimelineOptions({ width: 500 }, "options"), { width: 500 });
 * assert.throws(() => checkTimelineOptions({ since: NaN }, "options"), /options.since: NaN is not a finite number/);
 * ```
 * @throws {TypeError} for an unknown key or a value of the wrong kind.
 */
export function checkTimelineOptions(value: unknown, at: string): TimelineOptions {
  return OPTIONS(readInput(value, at), at);
}
