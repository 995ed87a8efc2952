/**
 * A run of a hotplug walk's callbacks that have no modelled effect, run in one loop (the walk's
 * loops in lib/hotplug/cpuhp.ts hand it each run): what `invoke()` (lib/hotplug/invoke.ts) decides
 * per callback, decided once.
 *
 * @module
 */

import { type HotplugOp, type Kernel, ktime, nextDown, nextUp } from "../engine/kernel.ts";
import { traceRoom } from "../engine/log.ts";
import { sectionOf } from "../engine/line.ts";
import { ftraceOf } from "../tracing/ftrace.ts";
import { hasWorkingTick } from "../time/tick_handlers.ts";
import { cpuhpEnterExit } from "./invoke.ts";

/**
 * The walk's next callbacks for as long as they have no modelled effect, each as the walk's loop
 * (lib/hotplug/cpuhp.ts: `skipUp()` and `++st.state` upward, `skipDown()` downward) and then
 * `invokeEmpty()` would run it, in one loop that decides once what the walk needs: nobody
 * watches steps or events and no tracer records, so each callback is its two tracepoints at one
 * time and nothing else. Stops before the first callback that needs `invoke()` (an effect,
 * an armed fault, a multi-instance step, an ONLINE callback on a CPU without a working tick or
 * one that takes time) or at `target`; returns how many it ran. Downward, `st.state` is left one
 * below the last state run, as the loop's `st.state--` leaves it; `atState` says whether
 * `st.state` is that state while its teardown runs (the control CPU's loop) or already one below
 * (the AP thread's), which the `cpuhp_exit` event shows.
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
  const quiet = bringup ? index.quietUp : index.quietDown;
  // What the run needs, found at its first callback (the walk's loops ask before every callback).
  let time = 0, room = 0, timed = false, skipNull = false;
  let ran = 0;
  for (;;) {
    // The state skipUp() / skipDown() would move the walk to next.
    if (bringup ? st.state >= target : st.state <= target) break;
    const state = bringup
      ? nextUp(index, st.state, st.fail, target)
      : nextDown(index, st.state, st.fail, target);
    if (quiet[state] === 0 || st.fail === state) break;
    if (ran === 0) {
      if (k.observers.step.length > 0 || k.observers.event.length > 0 || ftraceOf(k)?.on) return 0;
      time = ktime(k);
      room = k.history ? traceRoom(k) : 0;
      timed = k.s.config.timing.callbackNs !== 0;
      skipNull = k.line.rules.skipNullCallbacks;
    }
    const section = sectionOf(k.line, state);
    if (section === "ONLINE") {
      if (timed || !(op.tickWorks ??= hasWorkingTick(k, op.cpu))) break;
      op.calls = (op.calls ?? 0) + 1;
    }
    ran++;
    const on = section === "PREPARE" || section === "TEARDOWN" ? op.control : op.cpu;
    // exitState() of each loop.
    const exit = bringup || (atState && !skipNull) ? state : state - 1;
    st.state = bringup ? state : state - 1;
    if (!k.history || !k.s.cpus[on].online) continue;
    const step = k.steps[state];
    const fun = (bringup ? step.startup : step.teardown)!.name;
    if (room >= 2) {
      k.trace.pushEnterExit(time, op.cpu, st.target, state, fun, on, exit);
      room -= 2;
    } else {
      cpuhpEnterExit(k, time, op.cpu, st.target, state, fun, on, exit);
      room = traceRoom(k);
    }
  }
  return ran;
}
