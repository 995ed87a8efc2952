/**
 * The runs of quiet callbacks a step table has (lib/hotplug/quiet.ts): which callbacks a run from
 * one state to another is, how many of them count as run in the ONLINE section, and the
 * `cpuhp_enter`/`cpuhp_exit` pairs it traces, found once per step table and run, not per walk.
 *
 * @module
 */

import type { StepIndex } from "../engine/kernel.ts";
import type { CpuhpRun } from "../engine/trace_runs.ts";

/**
 * A quiet callback's flags in {@linkcode StepIndex}'s `quietUp` / `quietDown` (0: not quiet).
 *
 * @example
 * ```ts
 * import { QUIET, QUIET_CONTROL } from "./quiet_runs.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm({ cpus: 2 }).build().snapshot());
 * // The first quiet startup is a PREPARE one, run on the control CPU.
 * const first = k.stepIndex.quietUp.findIndex((f) => f !== 0);
 * assert.equal(k.stepIndex.quietUp[first], QUIET | QUIET_CONTROL);
 * ```
 */
export const QUIET = 1;
/** ONLINE section: the callback counts as run (`HotplugOp.calls`) and needs a working tick. */
export const QUIET_ONLINE = 2;
/**
 * PREPARE or TEARDOWN section: the control CPU runs it (docs/model.md "Sections and who runs
 * callbacks", as lib/hotplug/invoke.ts `invoke()` decides it per callback).
 */
export const QUIET_CONTROL = 4;

/** A run of quiet callbacks, in the walk's order, and what it leaves. */
export interface QuietRun {
  /** How many callbacks it runs. */
  readonly ran: number;
  /** How many of them are in the ONLINE section (each counts in `HotplugOp.calls`). */
  readonly online: number;
  /** Its first ONLINE-section state (which needs a working tick), or -1. */
  readonly firstOnline: number;
  /** The state it runs before `firstOnline`, or -1 (none, or `firstOnline` is its first). */
  readonly beforeOnline: number;
  /** The last state it runs. */
  readonly last: number;
  /** The pairs it traces (a ring keeps them as one record: lib/engine/trace_runs.ts). */
  readonly trace: CpuhpRun;
}

// Each step table's runs: all of them by key (their arguments), and at each start (its first
// state, `below` and the three flags) the last one asked for with its end, which a walk asks for
// again and again (a look-up in two arrays, not a hash); the last table asked for kept at hand.
interface Runs {
  readonly byKey: Map<number, QuietRun>;
  readonly lastEnd: Int32Array;
  readonly last: (QuietRun | undefined)[];
}
const RUNS = new WeakMap<StepIndex, Runs>();
let lastIndex: StepIndex | null = null;
let lastRuns: Runs | null = null;

/**
 * The run of the quiet callbacks of `index` from state `first` to `end` (both with a callback in
 * the direction, `bringup` upward; every callback between them quiet), each `cpuhp_exit` showing
 * its state less `below`; only the pairs of callbacks run on a CPU that traces are in its trace
 * (`onCpu` for the hotplugged CPU, `onControl` for the control CPU: tracepoints fire on online
 * CPUs). Made once and shared: it must not change.
 *
 * @example
 * ```ts
 * import { quietRun } from "./quiet_runs.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm({ cpus: 2 }).build().snapshot());
 * const index = k.stepIndex;
 * const first = index.up.findIndex((s, i) => s === i && index.quietUp[i] !== 0);
 * const run = quietRun(index, true, first, index.runUp[first], 0, true, true);
 * assert.equal(run.last, index.runUp[first]);
 * assert.equal(run.trace.idx[0], first);
 * assert.equal(run.trace.idx.length, run.ran);
 * assert.equal(quietRun(index, true, first, index.runUp[first], 0, true, true), run);
 * ```
 */
export function quietRun(
  index: StepIndex,
  bringup: boolean,
  first: number,
  end: number,
  below: number,
  onCpu: boolean,
  onControl: boolean,
): QuietRun {
  let runs = lastRuns;
  const n = index.up.length;
  if (index !== lastIndex || runs === null) {
    runs = RUNS.get(index) ?? null;
    if (runs === null) {
      const last = new Array<QuietRun | undefined>(16 * n).fill(undefined);
      runs = { byKey: new Map(), lastEnd: new Int32Array(16 * n).fill(-1), last };
      RUNS.set(index, runs);
    }
    lastIndex = index;
    lastRuns = runs;
  }
  const start = (first * 2 + below) * 8 + (bringup ? 4 : 0) + (onCpu ? 2 : 0) +
    (onControl ? 1 : 0);
  if (runs.lastEnd[start] === end) return runs.last[start]!;
  const key = start * n + end;
  let run = runs.byKey.get(key);
  if (!run) {
    run = makeRun(index, bringup, first, end, below, onCpu, onControl);
    runs.byKey.set(key, run);
  }
  runs.lastEnd[start] = end;
  runs.last[start] = run;
  return run;
}

function makeRun(
  index: StepIndex,
  bringup: boolean,
  first: number,
  end: number,
  below: number,
  onCpu: boolean,
  onControl: boolean,
): QuietRun {
  const flags = bringup ? index.quietUp : index.quietDown;
  const funs = bringup ? index.funUp : index.funDown;
  const next = bringup ? index.up : index.down;
  let ran = 0, online = 0, firstOnline = -1, beforeOnline = -1, last = -1;
  const idx: number[] = [], fun: string[] = [], control: boolean[] = [], state: number[] = [];
  for (let s = first; bringup ? s <= end : s >= end; s = bringup ? next[s + 1] : next[s - 1]) {
    const f = flags[s];
    if ((f & QUIET_ONLINE) !== 0) {
      if (firstOnline === -1) {
        firstOnline = s;
        beforeOnline = last;
      }
      online++;
    }
    ran++;
    last = s;
    const c = (f & QUIET_CONTROL) !== 0;
    if (c ? onControl : onCpu) {
      idx.push(s);
      fun.push(funs[s]);
      control.push(c);
      state.push(s - below);
    }
  }
  const trace = {
    idx: Object.freeze(idx),
    fun: Object.freeze(fun),
    control: Object.freeze(control),
    state: Object.freeze(state),
  };
  return Object.freeze({
    ran,
    online,
    firstOnline,
    beforeOnline,
    last,
    trace: Object.freeze(trace),
  });
}
