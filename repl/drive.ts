/**
 * Running a long computation of the model from the REPL: the model's generators (a scenario, a
 * recording, an exploration) yield between operations and slices; this drives one, handing the
 * event loop a turn every few milliseconds so that Ctrl-C and the progress line get through.
 *
 * @module
 */

import { type Context, ReplError } from "./command.ts";

/** How long the model runs between turns of the event loop, ms. */
export const TURN_MS: number = 25;

/**
 * Runs `work` to its end, or throws when Ctrl-C aborts `ctx.signal` (at a yield: between two
 * operations or slices, so nothing is half done). `progress` turns a yield into the fraction done
 * and a label.
 *
 * @example
 * ```ts
 * import { drive } from "./drive.ts";
 * import assert from "node:assert/strict";
 * function* count() { yield 1; yield 2; return "done"; }
 * assert.equal(await drive(count(), {}), "done");
 * const stop = new AbortController();
 * stop.abort();
 * await assert.rejects(drive(count(), { signal: stop.signal }), /interrupted/);
 * ```
 * @throws {ReplError} "interrupted" when the signal aborts.
 */
export async function drive<P, R>(
  work: Generator<P, R, void>,
  ctx: Context,
  progress?: (p: P) => [number, string],
): Promise<R> {
  let turn = performance.now();
  for (;;) {
    if (ctx.signal?.aborted) {
      work.return(undefined as R);
      throw new ReplError("interrupted (Ctrl-C)");
    }
    const step = work.next();
    if (step.done) return step.value;
    if (performance.now() - turn >= TURN_MS) {
      if (progress) ctx.progress?.(...progress(step.value));
      await new Promise((r) => setTimeout(r, 0));
      turn = performance.now();
    }
  }
}
