/**
 * Runs of hotplug callbacks that ran nothing, as a packed trace ring (lib/engine/trace_ring.ts)
 * keeps them: one ring record for the run's `cpuhp_enter`/`cpuhp_exit` pairs, all at one time,
 * read back as exactly those events. What differs between the pairs of a run (each callback's
 * state, symbol, the CPU it runs on, the state its exit shows) comes from the step table and is
 * the same every time the walk takes that run, so it is kept once, here, and a record names it by
 * id (lib/hotplug/quiet.ts makes the runs).
 *
 * @module
 */

import { cpuhpEnterEvent, type TraceEvent } from "./trace.ts";
import { NONE } from "./trace_names.ts";
import { i16 } from "./trace_columns.ts";

/**
 * The pairs of a run, in the order they were traced: pair `i` is the callback of state `idx[i]`,
 * symbol `fun[i]`, run on the control CPU when `control[i]` (else on the hotplugged CPU), its
 * `cpuhp_exit` showing `state[i]`; `ret` is 0.
 */
export interface CpuhpRun {
  /** Each callback's state (the events' `idx`). */
  readonly idx: readonly number[];
  /** Each callback's symbol (`cpuhp_enter`'s `fun`). */
  readonly fun: readonly string[];
  /** Whether each callback runs on the control CPU (the events' `on`; else the hotplugged CPU). */
  readonly control: readonly boolean[];
  /** The `state` each `cpuhp_exit` shows. */
  readonly state: readonly number[];
}

/**
 * A ring's table of runs (shared by its branches, like its names): ids from 0 in the order runs
 * are first written, at most {@linkcode NONE}; a run whose numbers do not fit a 16-bit column gets
 * none (its pairs are then written one by one).
 *
 * @example
 * ```ts
 * import { TraceRuns } from "./trace_runs.ts";
 * import { NONE } from "./trace_names.ts";
 * import type { TraceEvent } from "./trace.ts";
 * import assert from "node:assert/strict";
 * const runs = new TraceRuns();
 * const run = { idx: [90, 91], fun: ["f", "g"], control: [false, true], state: [90, 91] };
 * assert.equal(runs.id(run), 0);
 * assert.equal(runs.id(run), 0);
 * assert.equal(runs.id({ ...run, idx: [70000, 91] }), NONE);
 * const out: TraceEvent[] = [];
 * runs.eventsTo(out, 0, 5, 3, 2, 0, 1, 4);
 * assert.deepEqual(out, [
 *   { type: "cpuhp_exit", time: 5, cpu: 3, state: 90, idx: 90, ret: 0, on: 3 },
 *   { type: "cpuhp_enter", time: 5, cpu: 3, target: 2, idx: 91, fun: "g", on: 0 },
 *   { type: "cpuhp_exit", time: 5, cpu: 3, state: 91, idx: 91, ret: 0, on: 0 },
 * ]);
 * ```
 */
export class TraceRuns {
  // The runs, by id.
  #list: CpuhpRun[] = [];
  #ids = new Map<CpuhpRun, number>();

  /** The id of `run`, added now if new; {@linkcode NONE} when it does not pack or the table is full. */
  id(run: CpuhpRun): number {
    let id = this.#ids.get(run);
    if (id === undefined) {
      id = fits(run) && this.#list.length < NONE ? this.#list.length : NONE;
      if (id !== NONE) this.#list.push(run);
      this.#ids.set(run, id);
    }
    return id;
  }

  /** How many events run `id` stands for. */
  size(id: number): number {
    return 2 * this.#list[id].idx.length;
  }

  /**
   * Appends to `out` events `from` .. `to` - 1 (in the run's order, enter then exit of each pair)
   * of run `id` written at `time` for `cpu` towards `target` with control CPU `control`, as fresh
   * objects.
   */
  eventsTo(
    out: TraceEvent[],
    id: number,
    time: number,
    cpu: number,
    target: number,
    control: number,
    from: number,
    to: number,
  ): void {
    const run = this.#list[id];
    for (let e = from; e < to; e++) {
      const i = e >> 1;
      const idx = run.idx[i], on = run.control[i] ? control : cpu;
      out.push(
        (e & 1) === 0
          ? cpuhpEnterEvent(time, cpu, target, idx, run.fun[i], on, false)
          : { type: "cpuhp_exit", time, cpu, state: run.state[i], idx, ret: 0, on },
      );
    }
  }
}

// Whether every number of `run` fits a 16-bit column (lib/engine/trace_columns.ts).
function fits(run: CpuhpRun): boolean {
  const n = run.idx.length;
  if (n === 0 || run.fun.length !== n || run.control.length !== n || run.state.length !== n) {
    return false;
  }
  for (let i = 0; i < n; i++) if (!i16(run.idx[i]) || !i16(run.state[i])) return false;
  return true;
}
