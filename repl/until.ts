/**
 * `advance DURATION --until CONDITION`, and `advance` while breakpoints are set: time passes
 * interrupt instant by interrupt instant (`Machine.runUntil()`), in slices so that Ctrl-C and the
 * progress line get through, and stops between two instants when a condition holds.
 *
 * @module
 */

import { type Condition, CONDITION_KINDS, formatTime } from "../mod.ts";
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

// As the plain advance: slices of 10 ms, each including its end instant.
const SLICE = 10_000_000;

/** Runs `advance` with `--until` or breakpoints; the log records what really ran. */
export async function advanceUntil(
  session: Shell,
  parsed: { values: Readonly<Record<string, unknown>>; positionals: readonly string[] },
  ctx: Context,
): Promise<Result> {
  const m = session.machine!;
  const total = OPERATIONS.advance.parse(parsed, { cpus: m.config.cpus }).ns;
  const time = (ns: number) => formatTime(ns, { exact: parsed.values.exact === true });
  const conditions: Condition[] = breakpointsOf(m).map((b) => b.condition);
  if (parsed.values.until !== undefined) conditions.push(m.condition(String(parsed.values.until)));
  // While a walk is stopped time does not pass: the machine refuses, saying why.
  if (m.stopped) m.run({ kind: "advance", ns: total });
  const devices = devicesNow(m);
  const start = m.now;
  let done = 0;
  let turn = performance.now();
  let last = null;
  while (done < total || (total === 0 && done === 0 && last === null)) {
    if (ctx.signal?.aborted) break;
    last = m.runUntil(conditions, { limit: Math.min(SLICE, total - done) });
    done = m.now - start;
    if (last.stopped) break;
    if ((ctx.progress || ctx.signal) && performance.now() - turn >= TURN_MS) {
      ctx.progress?.(done / total, `advance ${time(done)} of ${time(total)}`);
      await new Promise((r) => setTimeout(r, 0));
      turn = performance.now();
    }
  }
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
