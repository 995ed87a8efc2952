/**
 * The CPU hotplug state machine (kernel/cpu.c, v5.5, reference §1.5–§1.7): one walk over the step
 * table, with the kernel's rollback rules. Hotplug takes no simulated time unless the
 * configuration's `timing.callbackNs` gives each callback a duration.
 *
 * @module
 */

import { type HotplugOp, type Kernel, ktime } from "../engine/kernel.ts";
import { emit, KERN, printk, traced } from "../engine/log.ts";
import type { Hang } from "../engine/state.ts";
import { isAtomic, sectionOf } from "../engine/line.ts";
import { hasWorkingTick, tickDescription } from "../time/tick_handlers.ts";
import { E } from "../util/errno.ts";
import { advanceTo } from "../time/advance.ts";

/** Thrown inside a hotplug walk when a step waits forever; caught by the operation. */
export class HangSignal {
  /** The hang. */
  readonly hang: Hang;
  /** Creates the signal. */
  constructor(hang: Hang) {
    this.hang = hang;
  }
}

// Fills the walk's reusable step point and hands it to the observers (no allocation per call).
function observe(
  k: Kernel,
  op: HotplugOp,
  state: number,
  callback: string,
  teardown: boolean,
  phase: "enter" | "exit",
): void {
  const p = op.point ??= { cpu: op.cpu, state, callback, teardown, phase };
  p.cpu = op.cpu;
  p.state = state;
  p.callback = callback;
  p.teardown = teardown;
  p.phase = phase;
  const observers = k.observers.step;
  for (let i = 0; i < observers.length; i++) observers[i](p);
}

/**
 * Whether a cpuhp tracepoint fires on `cpu`: tracepoints are conditional on the executing CPU
 * being in `cpu_online_mask` (include/linux/tracepoint.h `cpu_online(raw_smp_processor_id())`,
 * 5.10:419-423, 6.1:415-418, 6.12:452-455), so STARTING callbacks (before `set_cpu_online()`)
 * and DYING callbacks (after `__cpu_disable()`) are never traced
 * (logs/k5.10-hv-direct-trace.log, hv-direct-trace.log, k6.12-hv-direct-trace.log: no cpuhp event
 * from an AP's idle task or stopper thread).
 */
function tracesOn(k: Kernel, cpu: number): boolean {
  return traced(k) && k.s.cpus[cpu].online;
}

/**
 * The `state` a `cpuhp_exit` event shows: `st->state` after the call. With `cpuhp_next_state()`
 * (453e41085183, 5.12; the release's `skipNullCallbacks`) a teardown walk moves `st->state` one
 * below the step before calling it, also on the control CPU (hv-direct-trace.log `state:  90
 * step:  91` for finish_cpu); before it, only the AP thread did (k5.10-hv-direct-trace.log
 * `state:  88 step:  88`).
 */
function exitState(k: Kernel, st: { state: number }, state: number, bringup: boolean): number {
  return !bringup && k.line.rules.skipNullCallbacks && st.state === state ? state - 1 : st.state;
}

/** `cpuhp_invoke_callback()` (kernel/cpu.c:147-228). */
export function invoke(k: Kernel, op: HotplugOp, state: number, bringup: boolean): number {
  const st = k.s.cpus[op.cpu];
  const step = k.steps[state];
  const cb = bringup ? step.startup : step.teardown;
  if (k.line.rules.skipNullCallbacks && !cb) return 0;
  if (st.fail === state) {
    st.fail = -1;
    if (cb && !op.failure) {
      op.failure = { state, callback: cb.name, ret: -E.EAGAIN, injected: true };
    }
    return cb ? -E.EAGAIN : 0;
  }
  if (!cb) return 0;
  const section = sectionOf(k.line, state);
  const on = section === "PREPARE" || section === "TEARDOWN" ? op.control : op.cpu;
  if (step.multi) return invokeInstances(k, op, state, bringup, cb.name, on);
  const watched = k.observers.step.length > 0;
  if (watched) observe(k, op, state, cb.name, !bringup, "enter");
  // The tracepoint fires before the callback runs (55:kernel/cpu.c:171-173), also when the
  // callback then waits forever. Only the trace and its observers use it; building it costs
  // exploration (history off) its time.
  const tp = tracesOn(k, on);
  if (tp) {
    emit(k, {
      type: "cpuhp_enter",
      time: ktime(k),
      cpu: op.cpu,
      target: st.target,
      idx: state,
      fun: cb.name,
      on,
    });
  }
  if (section === "ONLINE" && !hasWorkingTick(k, op.cpu)) {
    op.noTick.push(state);
    const wait = cb.waitsOnTimer;
    if (wait && k.s.parkRace !== "passes") {
      throw new HangSignal({
        cpu: op.cpu,
        state,
        stateName: step.name ?? step.id,
        callback: cb.name,
        reason: `CPU${op.cpu} has no working clockevent device (${tickDescription(k, op.cpu)}), ` +
          `and ${cb.name}() ${wait}`,
        symptom: "",
        time: ktime(k),
      });
    }
  }
  const outer = op.step;
  const outerDir = op.stepTeardown;
  op.step = state;
  op.stepTeardown = !bringup;
  const ret = cb.run ? cb.run(k, op) : 0;
  op.calls = (op.calls ?? 0) + 1;
  // A callback takes `timing.callbackNs` of simulated time (0 by default) and interrupts run
  // meanwhile, except in STARTING/DYING callbacks, which run with interrupts off.
  const spent = k.s.config.timing.callbackNs;
  if (spent > 0 && !isAtomic(k.line, state)) advanceTo(k, k.s.now + spent);
  op.step = outer;
  op.stepTeardown = outerDir;
  if (watched) observe(k, op, state, cb.name, !bringup, "exit");
  if (tp) {
    emit(k, {
      type: "cpuhp_exit",
      time: ktime(k),
      cpu: op.cpu,
      state: exitState(k, st, state, bringup),
      idx: state,
      ret,
      on,
    });
  }
  if (ret && !op.rollback && !op.failure) {
    op.failure = { state, callback: cb.name, ret, injected: false };
  }
  return ret;
}

/**
 * A multi-instance step: its callback once per instance, each traced as `cpuhp_multi_enter` and
 * `cpuhp_exit` (5.10 kernel/cpu.c:185-226; hv-direct-trace.log: `bio_cpu_dead` twice). The
 * instances' callbacks belong to subsystems hvtick does not model: they succeed and change
 * nothing here.
 */
function invokeInstances(
  k: Kernel,
  op: HotplugOp,
  state: number,
  bringup: boolean,
  fun: string,
  on: number,
): number {
  const st = k.s.cpus[op.cpu];
  const tp = tracesOn(k, on);
  for (let i = 0; i < k.steps[state].instances; i++) {
    if (!tp) continue;
    emit(k, {
      type: "cpuhp_enter",
      time: ktime(k),
      cpu: op.cpu,
      target: st.target,
      idx: state,
      fun,
      on,
      multi: true,
    });
    emit(k, {
      type: "cpuhp_exit",
      time: ktime(k),
      cpu: op.cpu,
      state: exitState(k, st, state, bringup),
      idx: state,
      ret: 0,
      on,
    });
  }
  return 0;
}

/**
 * Before a walk's next step upward: jump over empty states so that the next `++state` lands on
 * the first state (≤ `target`) with a startup or an armed fault.
 */
export function skipUp(k: Kernel, op: HotplugOp, target: number): void {
  const st = k.s.cpus[op.cpu];
  let next = k.stepIndex.up[st.state + 1];
  if (st.fail > st.state && st.fail < next) next = st.fail;
  if (next > target) next = target;
  if (next - 1 > st.state) st.state = next - 1;
}

/**
 * Before a walk's next step downward (teardown of `state`, then `state--`): jump over empty
 * states so that `state` is the last one (> `target`) with a teardown or an armed fault.
 */
export function skipDown(k: Kernel, op: HotplugOp, target: number): void {
  const st = k.s.cpus[op.cpu];
  let prev = k.stepIndex.down[st.state];
  if (st.fail <= st.state && st.fail > prev) prev = st.fail;
  if (prev <= target) prev = target + 1;
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
  while (st.state !== st.target) {
    const bringup = st.state < st.target;
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
  emit(k, {
    type: "cpuhp_enter",
    time,
    cpu: op.cpu,
    target: st.target,
    idx: prev,
    fun: "cpuhp_kick_ap_work",
    on: op.control,
  });
  const ret = cpuhpKickAp(k, op, st.target);
  emit(k, {
    type: "cpuhp_exit",
    time: ktime(k),
    cpu: op.cpu,
    state: st.state,
    idx: prev,
    ret,
    on: op.control,
  });
  return ret;
}

/** `cpuhp_up_callbacks()` + `undo_cpu_up()` on the control CPU (kernel/cpu.c:572-610). */
function cpuhpUpCallbacks(k: Kernel, op: HotplugOp, target: number): number {
  const st = k.s.cpus[op.cpu];
  const prev = st.state;
  while (st.state < target) {
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
  for (; st.state > target; st.state--) {
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
  for (const x of s.cpus) if (x.online && ++online > 1) break;
  if (online === 1) return -E.EBUSY;
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
