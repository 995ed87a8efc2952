/**
 * `advance DURATION --until CONDITION`, and `advance` while breakpoints are set: time passes
 * interrupt instant by interrupt instant (`Machine.runUntil()`), in slices so that Ctrl-C and the
 * progress line get through, and stops between two instants when a condition holds.
 *
 * @module
 */

import { type Condition, CONDITION_KINDS, formatTime, type RunUntilResult } from "../mod.ts";
import { OPERATIONS } from "../lib/ops/operations.ts";
import type { Context, OptionSpec, Result, Shell } from "./command.ts";
import { TURN_MS } from "./drive.ts";
import { breakpointsOf, devicesNow, stopLines, stopRecord } from "./stops.ts";

/** `--until CONDITION`. */
export const UNTIL_OPTION: Readonly<Record<string, OptionSpec>> = {
  until: {
    type: "string",
    value: "CONDITION",
    help: `stop when it holds (${CONDITION_KINDS.join(", ")}; as break takes it, quoted: ` +
      `--until "device --cpu 2")`,
    complete: CONDITION_KINDS,
  },
};

// Slices of 10 ms: advancing in slices is the same as one advance (each includes its end instant).
const SLICE = 10_000_000;

/**
 * Passes `total` ns through `slice` 10 ms at a time (at least once: a zero advance still runs its
 * one instant), handing the event loop a turn every {@linkcode TURN_MS} ms of work so that Ctrl-C
 * and the progress line (`advance 20 ms of 1 s`, times shown by `time`) get through.
 * `slice(limit)` says the ns it passed and whether to stop there. Returns the ns passed: less
 * than `total` when stopped or interrupted.
 *
 * @example
 * ```ts
 * import { inSlices } from "./until.ts";
 * import assert from "node:assert/strict";
 * const limits: number[] = [];
 * const done = await inSlices(25_000_000, {}, String, (limit) => {
 *   limits.push(limit);
 *   return { passed: limit, stop: false };
 * });
 * assert.deepEqual([done, limits], [25_000_000, [10_000_000, 10_000_000, 5_000_000]]);
 * ```
 */
export async function inSlices(
  total: number,
  ctx: Context,
  time: (ns: number) => string,
  slice: (limit: number) => { readonly passed: number; readonly stop: boolean },
): Promise<number> {
  let done = 0;
  let turn = performance.now();
  for (let first = true; first || done < total; first = false) {
    if (ctx.signal?.aborted) break;
    const r = slice(Math.min(SLICE, total - done));
    done += r.passed;
    if (r.stop) break;
    if ((ctx.progress || ctx.signal) && performance.now() - turn >= TURN_MS) {
      ctx.progress?.(done / total, `advance ${time(done)} of ${time(total)}`);
      await new Promise((r) => setTimeout(r, 0));
      turn = performance.now();
    }
  }
  return done;
}

/** Runs `advance` with `--until` or breakpoints; the log records what really ran. */
export async function advanceUntil(
  session: Shell,
  parsed: { values: Readonly<Record<string, unknown>>; positionals: readonly string[] },
  ctx: Context,
): Promise<Result> {
  const m = session.machine!;
  const total = OPERATIONS.advance.parse(parsed, { cpus: m.cpuCount }).ns;
  const time = (ns: number) => formatTime(ns, { exact: parsed.values.exact === true });
  const conditions: Condition[] = breakpointsOf(m).map((b) => b.condition);
  if (parsed.values.until !== undefined) conditions.push(m.condition(String(parsed.values.until)));
  // While a walk is stopped time does not pass: the machine refuses, saying why.
  if (m.stopped) m.run({ kind: "advance", ns: total });
  const devices = devicesNow(m);
  const start = m.now;
  // Set in the slices (a closure: declared wide so the checks below are not narrowed to null).
  let last = null as RunUntilResult | null;
  const done = await inSlices(
    total,
    ctx,
    time,
    (limit) => {
      const before = m.now;
      last = m.runUntil(conditions, { limit });
      return { passed: m.now - before, stop: Boolean(last.stopped) };
    },
  );
  const where = `now t=${time(m.now)}, jiffies ${m.jiffies}`;
  if (last?.stopped) {
    // The log records the time that passed (the condition is no operation).
    session.log.push(`advance ${done}ns`);
    return {
      logged: false,
      text: [`advanced ${time(done)}: ${where}`, ...stopLines(m, devices, last.stopped)]
        .join("\n"),
      result: stopRecord({ ...last, advanced: done }),
    };
  }
  const interrupted = done < total;
  // The log records the time that passed, so a load replays to the same state.
  session.log.push(`advance ${done}ns`);
  return {
    text: interrupted
      ? `interrupted after ${time(done)} (Ctrl-C), between two interrupt instants: ${where}`
      : `advanced ${time(done)}: ${where}; no condition held`,
    result: { from: start, to: m.now, advanced: done, interrupted, stopped: null },
    logged: false,
  };
}
