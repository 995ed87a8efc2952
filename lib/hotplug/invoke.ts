/**
 * `cpuhp_invoke_callback()` (kernel/cpu.c): one hotplug callback, with its fault injection,
 * its `cpuhp_enter`/`cpuhp_exit` tracepoints, the context that runs it (lib/hotplug/context.ts)
 * and the hang of a callback that waits on a timer that never fires.
 *
 * @module
 */

import { type Callback, type HotplugOp, type Kernel, ktime } from "../engine/kernel.ts";
import {
  type CpuhpEnterEvent,
  cpuhpEnterEvent,
  type CpuhpExitEvent,
  cpuhpText,
} from "../engine/trace.ts";
import { runAs } from "../engine/exec.ts";
import { fcall, ftraceOf, printedSymbol, recording, tracepoint } from "../tracing/ftrace.ts";
import { stepContext } from "./context.ts";
import { emit, traced, trimTrace } from "../engine/log.ts";
import type { Hang } from "../engine/state.ts";
import { type Section, sectionOf } from "../engine/line.ts";
import { hasWorkingTick, tickDescription } from "../time/tick_handlers.ts";
import { E } from "../util/errno.ts";
import { advanceTo } from "../time/advance.ts";
import { ListFault } from "../time/list_corruption.ts";
import { listFaultHang } from "./oops.ts";

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
  // Without tracing (the common case) fcall() and the context add nothing: call directly, no
  // closures.
  if (ftraceOf(k)?.on) return invokeTraced(k, op, state, bringup, cb, on, section);
  if (step.multi) return invokeInstances(k, op, state, bringup, cb.name, on);
  return cb.run === null && k.observers.step.length === 0 &&
      (section !== "ONLINE" || k.s.config.timing.callbackNs === 0)
    ? invokeEmpty(k, op, state, bringup, cb, on, section)
    : invokeOne(k, op, state, bringup, cb, on, section);
}

/**
 * {@linkcode invoke} while the tracer is on: the callback in its context, on the task's call
 * stack. Apart, so that its closures capture nothing of `invoke()` (a captured variable makes
 * every call allocate a context, until the code is optimised).
 */
function invokeTraced(
  k: Kernel,
  op: HotplugOp,
  state: number,
  bringup: boolean,
  cb: Callback,
  on: number,
  section: Section,
): number {
  const ctx = recording(k) ? stepContext(k, op, state, bringup) : null;
  const run = () =>
    k.steps[state].multi
      ? invokeInstances(k, op, state, bringup, cb.name, on)
      : fcall(k, "cpuhp_invoke_callback", () => invokeOne(k, op, state, bringup, cb, on, section));
  return ctx ? runAs(k, ctx, run) : run();
}

/** The tracepoint's event, recorded for observers and, when enabled, in the ftrace buffer. */
function cpuhpEvent(k: Kernel, e: CpuhpEnterEvent | CpuhpExitEvent): void {
  emit(k, e);
  tracepoint(
    k,
    "cpuhp",
    () => cpuhpText(e.type === "cpuhp_enter" ? { ...e, fun: printedSymbol(k, e.fun) } : e),
  );
}

/**
 * The `cpuhp_enter` tracepoint (`cpuhp_multi_enter` when `multi`): as an event object when an
 * observer or the ftrace buffer takes it, else straight into the trace buffer (the object would
 * be garbage at once).
 */
export function cpuhpEnter(
  k: Kernel,
  time: number,
  cpu: number,
  target: number,
  idx: number,
  fun: string,
  on: number,
  multi = false,
): void {
  if (k.observers.event.length > 0 || recording(k)) {
    cpuhpEvent(k, cpuhpEnterEvent(time, cpu, target, idx, fun, on, multi));
  } else if (k.history) {
    // What emit() does with the object, packed from its fields.
    k.trace.pushEnter(time, cpu, target, idx, fun, on, multi);
    trimTrace(k);
  }
}

/** The `cpuhp_exit` tracepoint, like {@linkcode cpuhpEnter}. */
export function cpuhpExit(
  k: Kernel,
  time: number,
  cpu: number,
  state: number,
  idx: number,
  ret: number,
  on: number,
): void {
  if (k.observers.event.length > 0 || recording(k)) {
    cpuhpEvent(k, { type: "cpuhp_exit", time, cpu, state, idx, ret, on });
  } else if (k.history) {
    k.trace.pushExit(time, cpu, state, idx, ret, on);
    trimTrace(k);
  }
}

/**
 * {@linkcode invokeOne} of a callback with no modelled effect, with nobody watching steps and no
 * time spent (most callbacks of a walk): nothing runs between its tracepoints, so both carry one
 * time, and there is no step to note or failure to keep. Kept apart and small so that it is
 * compiled early.
 */
function invokeEmpty(
  k: Kernel,
  op: HotplugOp,
  state: number,
  bringup: boolean,
  cb: Callback,
  on: number,
  section: Section,
): number {
  const tp = tracesOn(k, on);
  const time = ktime(k);
  const st = k.s.cpus[op.cpu];
  if (section === "ONLINE") {
    // The model's state is as the last such callback left it, unless another ran since.
    const works = op.tickWorks ??= hasWorkingTick(k, op.cpu);
    if (!works) {
      if (tp) cpuhpEnter(k, time, op.cpu, st.target, state, cb.name, on);
      // May hang: the callback is then not counted as run.
      runsWithoutTick(k, op, state, cb);
      op.calls = (op.calls ?? 0) + 1;
      if (tp) cpuhpExit(k, time, op.cpu, exitState(k, st, state, bringup), state, 0, on);
      return 0;
    }
    op.calls = (op.calls ?? 0) + 1;
  }
  if (tp) {
    cpuhpEnterExit(
      k,
      time,
      op.cpu,
      st.target,
      state,
      cb.name,
      on,
      exitState(k, st, state, bringup),
    );
  }
  return 0;
}

/**
 * Both tracepoints of a callback that ran nothing ({@linkcode invokeEmpty}, lib/hotplug/quiet.ts):
 * what {@linkcode cpuhpEnter} then {@linkcode cpuhpExit} with `ret` 0 do, deciding once where they
 * go.
 *
 * @example
 * ```ts
 * import { cpuhpEnterExit } from "./invoke.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import { ktime } from "../engine/kernel.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm({ cpus: 2 }).build().snapshot());
 * const n = k.trace.length, time = ktime(k), fun = "sched_cpu_deactivate";
 * cpuhpEnterExit(k, time, 1, 0, 206, fun, 1, 205);
 * assert.deepEqual(k.trace.events(n), [
 *   { type: "cpuhp_enter", time, cpu: 1, target: 0, idx: 206, fun, on: 1 },
 *   { type: "cpuhp_exit", time, cpu: 1, state: 205, idx: 206, ret: 0, on: 1 },
 * ]);
 * ```
 */
export function cpuhpEnterExit(
  k: Kernel,
  time: number,
  cpu: number,
  target: number,
  idx: number,
  fun: string,
  on: number,
  state: number,
): void {
  if (k.observers.event.length > 0 || recording(k)) {
    cpuhpEnter(k, time, cpu, target, idx, fun, on);
    cpuhpExit(k, time, cpu, state, idx, 0, on);
  } else if (k.history) {
    const ring = k.trace;
    ring.pushEnter(time, cpu, target, idx, fun, on, false);
    trimTrace(k);
    ring.pushExit(time, cpu, state, idx, 0, on);
    trimTrace(k);
  }
}

/** One callback of `cpuhp_invoke_callback()`, in the context that runs it. */
function invokeOne(
  k: Kernel,
  op: HotplugOp,
  state: number,
  bringup: boolean,
  cb: Callback,
  on: number,
  section: Section,
): number {
  const st = k.s.cpus[op.cpu];
  const watched = k.observers.step.length > 0;
  const online = section === "ONLINE";
  // The tracepoint fires before the callback runs (55:kernel/cpu.c:171-173), also when the
  // callback then waits forever. Only the trace and its observers use it; building it costs
  // exploration (history off) its time.
  const tp = tracesOn(k, on);
  if (watched) observe(k, op, state, cb.name, !bringup, "enter");
  if (tp) cpuhpEnter(k, ktime(k), op.cpu, st.target, state, cb.name, on);
  if (online && !(op.tickWorks ?? hasWorkingTick(k, op.cpu))) runsWithoutTick(k, op, state, cb);
  const outer = op.step;
  const outerDir = op.stepTeardown;
  op.step = state;
  op.stepTeardown = !bringup;
  // What the callback (and the time it takes) changes is not known: found again when next asked.
  op.tickWorks = undefined;
  let ret: number;
  try {
    ret = cb.run ? cb.run(k, op) : 0;
  } catch (e) {
    if (e instanceof ListFault) {
      throw new HangSignal(listFaultHang(k, op.cpu, state, e, op.up ?? false));
    }
    throw e;
  }
  // An ONLINE-section callback, run by the CPU's hotplug thread while the CPU is up, takes
  // `timing.callbackNs` of simulated time (0 by default) and interrupts run meanwhile. The control
  // CPU's callbacks take none: what they wait for (the AP booting, stop_machine) happens while
  // the hotplugged CPU is not up, and a real trace shows the rest take microseconds
  // (logs/k6.12-hv-legacy-vmbus-failtrace.log: a rollback from 147 ends 0.5 ms after the AP
  // started, before its first tick).
  if (online) {
    op.calls = (op.calls ?? 0) + 1;
    const spent = k.s.config.timing.callbackNs;
    if (spent > 0) advanceTo(k, k.s.now + spent);
  }
  op.tickWorks = undefined;
  op.step = outer;
  op.stepTeardown = outerDir;
  if (tp) cpuhpExit(k, ktime(k), op.cpu, exitState(k, st, state, bringup), state, ret, on);
  if (ret && !op.rollback && !op.failure) {
    op.failure = { state, callback: cb.name, ret, injected: false };
  }
  // Observers see the callback's exit once it is wholly done (its `cpuhp_exit` traced, its failure
  // noted): a walk stopped there (lib/api/run_until.ts) shows the kernel's picture after it.
  if (watched) observe(k, op, state, cb.name, !bringup, "exit");
  return ret;
}

/**
 * An ONLINE-section callback about to run on a CPU with no working tick: noted for the walk's
 * report; one that sleeps on a timer there never returns (the walk hangs).
 */
function runsWithoutTick(k: Kernel, op: HotplugOp, state: number, cb: Callback): void {
  op.noTick.push(state);
  const wait = cb.waitsOnTimer;
  if (!wait || k.s.parkRace === "passes") return;
  throw new HangSignal({
    cpu: op.cpu,
    state,
    stateName: k.steps[state].name ?? k.steps[state].id,
    callback: cb.name,
    reason: `CPU${op.cpu} has no working clockevent device (${tickDescription(k, op.cpu)}), ` +
      `and ${cb.name}() ${wait}`,
    symptom: "",
    time: ktime(k),
  });
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
  // cpuhp_state_add_instance() calls the one instance it adds.
  const instances = op.instance ? 1 : k.steps[state].instances;
  for (let i = 0; i < instances; i++) {
    if (!tp) continue;
    cpuhpEnter(k, ktime(k), op.cpu, st.target, state, fun, on, true);
    cpuhpExit(k, ktime(k), op.cpu, exitState(k, st, state, bringup), state, 0, on);
  }
  return 0;
}
