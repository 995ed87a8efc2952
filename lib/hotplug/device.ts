/**
 * User-level CPU hotplug entry points with the kernel's checks: the device core's `online` file
 * (drivers/base/core.c `device_online`/`device_offline`, drivers/base/cpu.c), `cpu_up`/`cpu_down`
 * (`do_cpu_up`/`do_cpu_down`, kernel/cpu.c) and `hotplug/target`. Hangs are caught here.
 *
 * @module
 */

import { type HotplugOp, type Kernel, ktime } from "../engine/kernel.ts";
import { emit } from "../engine/log.ts";
import type { Hang } from "../engine/state.ts";
import { cpuDownLocked, cpuUpLocked, HangSignal } from "./cpuhp.ts";
import { runAsWith } from "../engine/exec.ts";
import { workerTask } from "../tracing/tasks.ts";
import { controlContext, firstOnlineBut } from "./context.ts";
import { refuse } from "../util/refusals.ts";
import { hasWorkingTick, tickDescription } from "../time/tick_handlers.ts";
import { tickNohzIdleStop, whileAwake } from "../time/tick_nohz_idle.ts";

/** A change of a CPU's tick device during an operation. */
export interface BindingChange {
  /** The CPU's hotplug state (`st->state`) when it happened. */
  readonly state: number;
  /** The step whose callback was running (its startup or teardown), or null. */
  readonly step: number | null;
  /** That step's name (or enum id when unnamed), or null. */
  readonly stepName: string | null;
  /** Whether that callback was the step's teardown. */
  readonly teardown: boolean;
  /** The new tick device, or null (released after death). */
  readonly device: string | null;
  /** The previous tick device, or null. */
  readonly previous: string | null;
}

/** What a hotplug walk did. */
export interface Outcome {
  /** 0 or a negative errno. */
  readonly ret: number;
  /** State before. */
  readonly from: number;
  /** State after. */
  readonly to: number;
  /** The hang, if the walk hung. */
  readonly hang: Hang | null;
  /** Tick-device changes of the CPU, in order. */
  readonly changes: BindingChange[];
  /** The callback whose failure the operation returned, if any. */
  readonly failure?: { state: number; callback: string; ret: number; injected: boolean };
  /** Callbacks the walk ran. */
  readonly calls?: number;
}

/**
 * Whether `cpuN/online` exists: x86 CPU0 only with `cpu0_hotplug` (topology.c:39-50, 107-145), and
 * never where the release dropped that parameter (the release's `x86Cpu0Hotplug`).
 */
export function hotpluggable(k: Kernel, cpu: number): boolean {
  if (k.s.config.arch !== "x86_64" || cpu !== 0) return true;
  return k.s.config.cpu0Hotplug && k.line.x86Cpu0Hotplug === "cpu0_hotplug";
}

/**
 * Runs a hotplug walk of `cpu` towards `target`, recording binding changes and catching hangs. The
 * control side runs in the caller's task on the control CPU, or in that CPU's bound worker when
 * `viaWorker` (an offline through `work_on_cpu()`, the release's `cpuDownOnWorkqueue`).
 */
export function walk(
  k: Kernel,
  cpu: number,
  target: number,
  control?: number,
  viaWorker = false,
): Outcome {
  const s = k.s;
  const st = s.cpus[cpu];
  const from = st.state;
  // Made with its first change (most walks change one device or none): an empty array that is
  // pushed to grows a backing store of 17 slots.
  let changes: BindingChange[] | null = null;
  const op: HotplugOp = {
    cpu,
    control: control ?? firstOnlineBut(k, cpu),
    noTick: [],
    rollback: false,
    step: null,
    stepTeardown: false,
    calls: 0,
    up: target > st.state,
    tickWorks: undefined,
  };
  const onDevice = (on: number, device: string | null, previous: string | null) => {
    if (on !== cpu) return;
    const step = op.step === null ? null : k.steps[op.step];
    const change: BindingChange = {
      state: st.state,
      step: op.step,
      stepName: step ? step.name ?? step.id : null,
      teardown: op.stepTeardown,
      device,
      previous,
    };
    if (changes === null) changes = [change];
    else changes.push(change);
  };
  k.observers.addDevice(onDevice);
  let ret = 0;
  let hang: Hang | null = null;
  try {
    // The control side's task: the tracer prints it, and an oops names it.
    ret = runAsWith(
      k,
      controlContext(k, op.control, viaWorker && !op.up ? workerTask(k, op.control) : undefined),
      walkLocked,
      k,
      op,
      target,
    );
  } catch (e) {
    if (!(e instanceof HangSignal)) throw e;
    hang = e.hang;
    s.hang = hang;
    s.problems.push({ kind: "hang", cpu, state: hang.state, message: hang.reason, time: ktime(k) });
    emit(k, { type: "hang", time: ktime(k), cpu, idx: hang.state, reason: hang.reason });
  } finally {
    k.observers.removeDevice(onDevice);
  }
  // Left online below sched:active, the CPU has nothing to run: its idle loop stops the tick.
  if (!hang) tickNohzIdleStop(k, cpu);
  if (op.noTick.length > 0) {
    const first = op.noTick[0];
    const last = op.noTick[op.noTick.length - 1];
    const name = (n: number) => k.steps[n].name ?? k.steps[n].id;
    s.problems.push({
      kind: "no-tick-window",
      cpu,
      state: first,
      message: `CPU${cpu} ran ${op.noTick.length} ONLINE-section callback(s), states ${first} ` +
        `(${name(first)}) to ${last} (${name(last)}), with no working clockevent device`,
      time: ktime(k),
    });
  }
  return {
    ret,
    from,
    to: st.state,
    hang,
    changes: changes ?? [],
    failure: op.failure,
    calls: op.calls ?? 0,
  };
}

// The walk proper, in the control task. A function of its own, not a closure: walk() would build
// one per operation.
function walkLocked(k: Kernel, op: HotplugOp, target: number): number {
  const up = op.up!;
  // An idle CPU whose tick is stopped wakes to run its hotplug thread.
  const r = whileAwake(k, op.cpu, up ? cpuUpLocked : cpuDownLocked, op, target);
  if (r !== 0 && k.s.cpus[op.cpu].online && !hasWorkingTick(k, op.cpu)) {
    throw new HangSignal(leftWithoutTick(k, op.cpu, up));
  }
  return r;
}

/**
 * A failed walk whose rollback leaves its CPU online with no working tick device: the CPU's
 * timers never fire again. [INFERRED] 5.4.301 with VMbus and the legacy stimer, after an offline that failed above
 * `hyperv/vmbus:online`'s teardown and rolled back through `hv_synic_cleanup()` (which only shuts
 * the stimer down, 5.4.301 drivers/clocksource/hyperv_timer.c:136-145) and `hv_synic_init()`
 * (whose re-registration of the same device does not install it again: an equal rating and
 * cpumask is not preferred, kernel/time/tick-common.c:287-305, 339-340): the
 * rollback completes (`cpuhp_exit: cpu: 0002 state: 209 step: 209 ret: -11`,
 * k5.4-hv-legacy-vmbus-failhvinit-tpprintk.log), then the guest prints nothing more and the
 * write never returns, in each of the ten boots that did it (nine in tests/real/built/: the
 * `-failhvinit*`, `-failmsr-tpprintk` and VMbus `-failinject` logs); without VMbus the same
 * failure rolls back and the write returns (k5.4-hv-direct-failinject.log). Which of the CPU's
 * timers the rig's shell then waits for is not traced.
 */
function leftWithoutTick(k: Kernel, cpu: number, up: boolean): Hang {
  const st = k.s.cpus[cpu];
  const step = k.steps[st.state];
  return {
    cpu,
    state: st.state,
    stateName: step.name ?? step.id,
    callback: up ? "cpu_up" : "cpu_down",
    reason: `CPU${cpu} is online with no working clockevent device (${tickDescription(k, cpu)}) ` +
      `when the write ends: its timers never fire, and the write never returns`,
    symptom: "",
    time: ktime(k),
  };
}

/** `do_cpu_up()`/`do_cpu_down()` checks, then the walk (kernel/cpu.c:1040-1041, 1167-1195). */
export function cpuUpDown(k: Kernel, cpu: number, target: number): Outcome {
  const st = k.s.cpus[cpu];
  if (k.s.hotplugDisabled > 0) {
    return {
      ret: refuse("hotplug-disabled").ret,
      from: st.state,
      to: st.state,
      hang: null,
      changes: [],
    };
  }
  return walk(k, cpu, target, undefined, k.line.cpuDownOnWorkqueue);
}

// What a write that walks nothing returns.
function unchanged(state: number, ret = 0): Outcome {
  return { ret, from: state, to: state, hang: null, changes: [] };
}

/**
 * Writing `cpuN/online`: `device_online()`/`device_offline()`. Already in the requested state
 * (the device's cached `offline` flag) is a successful no-op; offline of a non-hotpluggable CPU
 * is -EPERM; success updates the flag.
 */
export function deviceOnline(k: Kernel, cpu: number, online: boolean): Outcome {
  const st = k.s.cpus[cpu];
  if (online) {
    if (!st.devOffline) return unchanged(st.state);
    const out = cpuUpDown(k, cpu, k.line.cpuhp.ONLINE);
    if (out.ret === 0 && !out.hang) st.devOffline = false;
    return out;
  }
  if (!hotpluggable(k, cpu)) return unchanged(st.state, refuse("not-hotpluggable").ret);
  if (st.devOffline) return unchanged(st.state);
  const out = cpuUpDown(k, cpu, 0);
  if (out.ret === 0 && !out.hang) st.devOffline = true;
  return out;
}
