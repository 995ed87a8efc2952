/**
 * The window of a picture from its options' words (`--since`, `--until`, `--cpus`, `--width`),
 * as the REPL's `timeline` and `report` and `deno task timeline` take them.
 *
 * @module
 */

import { parseDuration } from "../util/duration.ts";
import type { TimelineOptions } from "./svg.ts";

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
