/**
 * A run of a hotplug walk's callbacks that have no modelled effect, run at once (the walk's
 * loops in lib/hotplug/cpuhp.ts hand it each run): what `invoke()` (lib/hotplug/invoke.ts) decides
 * per callback, decided once per step table and run (lib/hotplug/quiet_runs.ts).
 *
 * @module
 */

import { type HotplugOp, type Kernel, ktime, nextDown, nextUp } from "../engine/kernel.ts";
import { traceRoom } from "../engine/log.ts";
import { ftraceOf } from "../tracing/ftrace.ts";
import { hasWorkingTick } from "../time/tick_handlers.ts";
import { cpuhpEnterExit } from "./invoke.ts";
import { quietRun } from "./quiet_runs.ts";

/**
 * The walk's next callbacks for as long as they have no modelled effect, each as the walk's loop
 * (lib/hotplug/cpuhp.ts: `skipUp()` and `++st.state` upward, `skipDown()` downward) and then
 * `invokeEmpty()` would run it, all at once: nobody watches steps or events and no tracer
 * records, so each callback is its two tracepoints at one time and nothing else, and the run (its
 * end, ONLINE count and traced pairs) comes from the step table. Stops before the first callback
 * that needs `invoke()` (an effect, an armed fault, a multi-instance step, an ONLINE callback on a
 * CPU without a working tick or one that takes time) or at `target`; returns how many it ran.
 * Downward, `st.state` is left one below the last state run, as the loop's `st.state--` leaves it;
 * `atState` says whether `st.state` is that state while its teardown runs (the control CPU's loop)
 * or already one below (the AP thread's), which the `cpuhp_exit` event shows.
 *
 * @example
 * ```ts
 * import { invokeQuiet } from "./quiet.ts";
 * import { nextDown } from "../engine/kernel.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import type { HotplugOp } from "../engine/kernel.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm({ cpus: 2 }).build().snapshot());
 * const st = k.s.cpus[1], top = st.state, events = k.trace.length;
 * const op: HotplugOp = {
 *   cpu: 1, control: 0, noTick: [], rollback: false, step: null, stepTeardown: false, calls: 0,
 *   up: false, tickWorks: undefined,
 * };
 * // CPU1's hotplug thread tearing down towards 0 (cpuhp_set_state() has set the target).
 * st.target = 0;
 * const ran = invokeQuiet(k, op, 0, false, false);
 * assert.ok(ran > 0 && st.state < top);
 * assert.equal(k.trace.length - events, 2 * ran);
 * // It stopped before a teardown that has an effect.
 * assert.equal(k.stepIndex.quietDown[nextDown(k.stepIndex, st.state, st.fail, 0)], 0);
 * ```
 */
export function invokeQuiet(
  k: Kernel,
  op: HotplugOp,
  target: number,
  bringup: boolean,
  atState: boolean,
): number {
  const st = k.s.cpus[op.cpu];
  const index = k.stepIndex;
  const from = st.state, fail = st.fail;
  // The state skipUp() / skipDown() would move the walk to next, and the last state of the run
  // from there (the step table's run of quiet callbacks, cut before an armed fault and at the
  // target: the walk's loops stop there).
  let first: number, end: number;
  if (bringup) {
    if (from >= target) return 0;
    first = nextUp(index, from, fail, target);
    if (index.quietUp[first] === 0 || fail === first) return 0;
    end = Math.min(index.runUp[first], target, fail > from ? fail - 1 : target);
  } else {
    if (from <= target) return 0;
    first = nextDown(index, from, fail, target);
    if (index.quietDown[first] === 0 || fail === first) return 0;
    end = Math.max(index.runDown[first], target + 1, fail <= from ? fail + 1 : target + 1);
  }
  if (k.observers.step.length > 0 || k.observers.event.length > 0 || ftraceOf(k)?.on) return 0;
  // exitState() of each loop: the state itself, or one below it.
  const below = !bringup && !(atState && !k.line.rules.skipNullCallbacks) ? 1 : 0;
  // Whether each callback's tracepoints fire: on the control CPU or on the hotplugged one, and
  // neither changes whether it is online during the run.
  const history = k.history;
  const onCpu = history && k.s.cpus[op.cpu].online;
  const onControl = history && k.s.cpus[op.control].online;
  let run = quietRun(index, bringup, first, end, below, onCpu, onControl);
  // An ONLINE callback on a CPU without a working tick, or one that takes time, goes to invoke():
  // the run stops before it.
  if (
    run.firstOnline !== -1 &&
    (k.s.config.timing.callbackNs !== 0 || !(op.tickWorks ??= hasWorkingTick(k, op.cpu)))
  ) {
    if (run.beforeOnline === -1) return 0;
    run = quietRun(index, bringup, first, run.beforeOnline, below, onCpu, onControl);
  }
  if (run.online > 0) op.calls = (op.calls ?? 0) + run.online;
  const pairs = run.trace.idx.length;
  if (pairs > 0) {
    const time = ktime(k);
    // One ring record for the run while the ring takes its events with no drop between them;
    // else pair by pair, each event's drop where it falls (lib/engine/log.ts trimTrace()).
    if (
      traceRoom(k) < 2 * pairs ||
      !k.trace.pushRun(time, op.cpu, st.target, op.control, run.trace)
    ) {
      const { idx, fun, control, state } = run.trace;
      for (let i = 0; i < pairs; i++) {
        const on = control[i] ? op.control : op.cpu;
        cpuhpEnterExit(k, time, op.cpu, st.target, idx[i], fun[i], on, state[i]);
      }
    }
  }
  // Where the walk's loop leaves it: at the last state run upward, one below it downward.
  st.state = bringup ? run.last : run.last - 1;
  return run.ran;
}
