/**
 * The CPU hotplug state machine (kernel/cpu.c, v5.5, reference §1.5–§1.7): one walk over the step
 * table, with the kernel's rollback rules. Hotplug takes no simulated time unless the
 * configuration's `timing.callbackNs` gives each callback a duration.
 *
 * @module
 */

import { type HotplugOp, type Kernel, ktime, nextDown, nextUp } from "../engine/kernel.ts";
import { KERN, printk } from "../engine/log.ts";
import { refuse } from "../util/refusals.ts";
import { cpuhpEnter, cpuhpExit, invoke } from "./invoke.ts";
import { invokeQuiet } from "./quiet.ts";

export { HangSignal, invoke } from "./invoke.ts";

/**
 * Before a walk's next step upward: jump over empty states so that the next `++state` lands on
 * the first state (≤ `target`) with a startup or an armed fault.
 */
export function skipUp(k: Kernel, op: HotplugOp, target: number): void {
  const st = k.s.cpus[op.cpu];
  const next = nextUp(k.stepIndex, st.state, st.fail, target);
  if (next - 1 > st.state) st.state = next - 1;
}

/**
 * Before a walk's next step downward (teardown of `state`, then `state--`): jump over empty
 * states so that `state` is the last one (> `target`) with a teardown or an armed fault.
 */
export function skipDown(k: Kernel, op: HotplugOp, target: number): void {
  const st = k.s.cpus[op.cpu];
  const prev = nextDown(k.stepIndex, st.state, st.fail, target);
  if (prev < st.state) st.state = prev;
}

function warnOnce(k: Kernel, op: HotplugOp, state: number, ret: number): void {
  printk(
    k,
    `WARNING: CPU: ${op.cpu} PID: 0 at kernel/cpu.c cpuhp_invoke_callback: state ${state} ` +
      `returned ${ret}`,
    KERN.WARNING,
  );
}

/** `cpuhp_set_state()`: returns the previous state. */
function setState(k: Kernel, op: HotplugOp, target: number): number {
  const st = k.s.cpus[op.cpu];
  const prev = st.state;
  op.rollback = false;
  st.target = target;
  return prev;
}

/** The AP hotplug thread `cpuhp/N` walking ONLINE states towards `st.target` (cpuhp_thread_fun). */
function apThread(k: Kernel, op: HotplugOp): number {
  const st = k.s.cpus[op.cpu];
  // Whether the last pass ran a run of quiet callbacks: runs are maximal (lib/hotplug/steps.ts
  // runUp/runDown) and cut only before a callback that needs invoke(), so the next pass would
  // find none and is not asked.
  let ranQuiet = false;
  while (st.state !== st.target) {
    const bringup = st.state < st.target;
    // Callbacks with no modelled effect, as the rest of this loop would run them.
    if (!ranQuiet && invokeQuiet(k, op, st.target, bringup, false) > 0) {
      ranQuiet = true;
      continue;
    }
    ranQuiet = false;
    let state: number;
    if (bringup) {
      skipUp(k, op, st.target);
      state = ++st.state;
    } else {
      skipDown(k, op, st.target);
      state = st.state--;
    }
    const ret = invoke(k, op, state, bringup);
    if (ret) {
      if (op.rollback) {
        warnOnce(k, op, state, ret);
        continue;
      }
      return ret;
    }
  }
  return 0;
}

/** `cpuhp_kick_ap()` (kernel/cpu.c:466-517): run the AP thread; on failure reset and roll back. */
export function cpuhpKickAp(k: Kernel, op: HotplugOp, target: number): number {
  const st = k.s.cpus[op.cpu];
  const prev = setState(k, op, target);
  const bringup = st.state < target;
  const ret = apThread(k, op);
  if (ret) {
    op.rollback = true;
    st.state += bringup ? -1 : 1;
    st.target = prev;
    apThread(k, op);
    op.rollback = false;
  }
  return ret;
}

/** `cpuhp_kick_ap_work()`: the traced kick used by `_cpu_up` / `_cpu_down`. */
function cpuhpKickApWork(k: Kernel, op: HotplugOp): number {
  const st = k.s.cpus[op.cpu];
  const prev = st.state;
  const time = ktime(k);
  cpuhpEnter(k, time, op.cpu, st.target, prev, "cpuhp_kick_ap_work", op.control);
  const ret = cpuhpKickAp(k, op, st.target);
  cpuhpExit(k, ktime(k), op.cpu, st.state, prev, ret, op.control);
  return ret;
}

/** `cpuhp_up_callbacks()` + `undo_cpu_up()` on the control CPU (kernel/cpu.c:572-610). */
function cpuhpUpCallbacks(k: Kernel, op: HotplugOp, target: number): number {
  const st = k.s.cpus[op.cpu];
  const prev = st.state;
  // As in apThread(): no call for quiet callbacks right after a run of them.
  let ranQuiet = false;
  while (st.state < target) {
    if (!ranQuiet && invokeQuiet(k, op, target, true, true) > 0) {
      ranQuiet = true;
      continue;
    }
    ranQuiet = false;
    skipUp(k, op, target);
    st.state++;
    const ret = invoke(k, op, st.state, true);
    if (ret) {
      st.target = prev;
      op.rollback = true;
      for (st.state--; st.state > st.target; st.state--) {
        skipDown(k, op, st.target);
        const r = invoke(k, op, st.state, false);
        if (r) warnOnce(k, op, st.state, r);
      }
      op.rollback = false;
      return ret;
    }
  }
  return 0;
}

/** `cpuhp_down_callbacks()` + `undo_cpu_down()` on the control CPU. */
function cpuhpDownCallbacks(k: Kernel, op: HotplugOp, target: number): number {
  const st = k.s.cpus[op.cpu];
  const prev = st.state;
  // As in apThread(): no call for quiet callbacks right after a run of them.
  let ranQuiet = false;
  while (st.state > target) {
    if (!ranQuiet && invokeQuiet(k, op, target, false, true) > 0) {
      ranQuiet = true;
      continue;
    }
    ranQuiet = false;
    skipDown(k, op, target);
    const ret = invoke(k, op, st.state, false);
    if (ret) {
      st.target = prev;
      if (st.state < prev) {
        op.rollback = true;
        for (st.state++; st.state < st.target; st.state++) {
          const last = st.target - 1;
          st.state--;
          skipUp(k, op, last);
          st.state++;
          invoke(k, op, st.state, true);
        }
        op.rollback = false;
      }
      return ret;
    }
    st.state--;
  }
  return 0;
}

/** `_cpu_up(cpu, tasks_frozen, target)` (kernel/cpu.c:1108-1158), after the caller's checks. */
export function cpuUpLocked(k: Kernel, op: HotplugOp, target: number): number {
  const st = k.s.cpus[op.cpu];
  if (st.state >= target) return 0;
  setState(k, op, target);
  if (st.state > k.line.cpuhp.BRINGUP_CPU) {
    const ret = cpuhpKickApWork(k, op);
    if (ret) return ret;
  }
  return cpuhpUpCallbacks(k, op, Math.min(target, k.line.cpuhp.BRINGUP_CPU));
}

/** `_cpu_down(cpu, tasks_frozen, target)` (kernel/cpu.c:977-1054), after the caller's checks. */
export function cpuDownLocked(k: Kernel, op: HotplugOp, target: number): number {
  const s = k.s;
  const c = k.line.cpuhp;
  let online = 0;
  // (Indexed: an iterator would be allocated per walk until the code is optimised.)
  for (let i = 0; i < s.cpus.length && online < 2; i++) if (s.cpus[i].online) online++;
  if (online === 1) return refuse("last-cpu").ret;
  const st = s.cpus[op.cpu];
  const prev = setState(k, op, target);
  if (st.state > c.TEARDOWN_CPU) {
    st.target = Math.max(target, c.TEARDOWN_CPU);
    const ret = cpuhpKickApWork(k, op);
    if (ret) return ret;
    if (st.state > c.TEARDOWN_CPU) return 0;
    st.target = target;
  }
  const ret = cpuhpDownCallbacks(k, op, target);
  if (ret && st.state === c.TEARDOWN_CPU && st.state < prev) {
    op.rollback = true;
    st.state++;
    st.target = prev;
    apThread(k, op);
    op.rollback = false;
  }
  return ret;
}
