/**
 * The kernel context every modelled function works on, as SimPy passes its `env`: the machine
 * state (the one value) plus what is derived from it (the kernel line's tables, the step table,
 * the timer index) and who watches. `createKernel()` (lib/machine/kernel.ts) is its only
 * constructor; {@linkcode setState} swaps the state of a running one.
 *
 * @module
 */

import type { DeviceState, MachineState } from "./state.ts";
import type { KernelLine } from "./line.ts";
import type { TimerQueue } from "./timers.ts";
import type { Observers, StepPoint } from "./observe.ts";
import { TraceRing } from "./trace_ring.ts";
import { allDevices } from "./device_table.ts";

/** A task as ftrace prints it. */
export interface Task {
  /** `comm`. */
  readonly comm: string;
  /** `pid`. */
  readonly pid: number;
}

/** What runs, where, and how (the bits `trace_print_lat_fmt()` prints). */
export interface ExecContext {
  /** The executing CPU. */
  readonly cpu: number;
  /** The current task. */
  readonly task: Task;
  /** Interrupts disabled. */
  readonly irqsOff: boolean;
  /** In a hard-interrupt handler. */
  readonly hardirq: boolean;
  /** `preempt_count() & 0xf`. */
  readonly depth: number;
  /**
   * The modelled kernel functions this task is inside, outermost first (the tracer's
   * `<-parent` comes from it): a task's own stack, shared with the contexts that only change
   * its interrupt or preemption state.
   */
  readonly calls: string[];
}

/** The state and its derived indexes. */
export interface Kernel {
  /** The machine value. */
  s: MachineState;
  /** Tables of the configured kernel line. */
  readonly line: KernelLine;
  /** Hotplug steps by state number (static table plus registered steps), callbacks resolved. */
  steps: readonly Step[];
  /** Next non-empty step per direction, and which steps run quietly (derived from `steps`). */
  stepIndex: StepIndex;
  /** Hardware timer index (derived from the devices). */
  readonly timers: TimerQueue;
  /** `direct_mode_enabled`: synthetic timers and the Direct Mode bit (hv_stimer_alloc, S1/S8). */
  readonly direct: boolean;
  /** Whether every tick is traced, from the config. */
  readonly traceTicks: boolean;
  /** Reusable buffer for batched interrupt handling (no state). */
  readonly scratch: DeviceState[];
  /** `tick_period` (NSEC_PER_SEC / HZ, kernel/time/tick-common.c), from the config. */
  readonly period: number;
  /** Who watches steps, events and ticks. */
  readonly observers: Observers;
  /**
   * The trace buffer, packed (lib/engine/trace_ring.ts): while the kernel runs, `s.log.trace` is
   * empty and the events are here; `withTrace()` (lib/engine/log.ts) gives the state with them.
   */
  trace: TraceRing;
  /**
   * The trace buffer of `s.walk.before` (a stopped walk's state before its operation), packed, its
   * `log.trace` then empty; undefined when that state holds its events itself (a restored
   * snapshot's walk) or no walk is stopped. `withTrace()` gives both states with their events.
   */
  walkTrace?: TraceRing;
  /**
   * Whether the kernel log and trace buffer are written. Exploration turns them off: they are
   * history, not state (the fingerprint leaves them out), and a replay regenerates them.
   */
  readonly history: boolean;
  /**
   * The execution contexts of the running code, innermost last (lib/engine/exec.ts): what the
   * tracer prints as task, CPU and flags. Pushed only while tracing records.
   */
  readonly exec: ExecContext[];
  /** The build counts preemption (`CONFIG_PREEMPT_COUNT`, lib/kernels/configs.ts). */
  readonly preemptCount: boolean;
  /** The per-CPU hotplug threads exist (`cpuhp_threads_init()` in `smp_init()` ran). */
  threads: boolean;
  /**
   * `timekeeping_valid_for_hres()`: the clocksource is one valid for high resolution, which it is
   * from `clocksource_done_booting()` on (before, timekeeping reads jiffies).
   */
  hresValid: boolean;
  /**
   * `timekeeping_max_deferment()`: the current clocksource's `max_idle_ns`, the longest a CPU
   * that gave up the timekeeping duty may sleep with its tick stopped (lib/time/tick_nohz_idle.ts);
   * null where hvtick does not know the clocksource's rate. Set from the config.
   */
  maxDefermentNs: number | null;
  /**
   * CPUs running their hotplug thread now, innermost walk last: busy, so not idle
   * (lib/time/tick_nohz_idle.ts; not machine state). Made when first needed.
   */
  awake?: number[];
}

/**
 * A hotplug callback as a step carries it: `struct cpuhp_step`'s `startup.single` /
 * `teardown.single`, resolved from its symbol when the step table is built (the state keeps
 * names, so it stays serialisable). Its meaning travels with it (lib/hotplug/symbols.ts).
 */
export interface Callback {
  /** The kernel symbol. */
  readonly name: string;
  /**
   * Its modelled effect, returning 0 or a negative errno; null when it has none (it still runs:
   * traced, fault-injectable, rolled back like any other).
   */
  readonly run: ((k: Kernel, op: HotplugOp) => number) | null;
  /**
   * Why it cannot finish on a CPU without a working tick (it sleeps on an hrtimer there), or
   * null when it does not wait.
   */
  readonly waitsOnTimer: string | null;
  /** Why it returned `ret` itself, in the kernel's terms, or null for the plain sentence. */
  readonly explain: ((k: Kernel, cpu: number, ret: number) => string | null) | null;
}

/** One hotplug step (`struct cpuhp_step`). */
export interface Step {
  /** State number. */
  readonly state: number;
  /** Enum name (`CPUHP_…`). */
  readonly id: string;
  /** Name shown in `hotplug/states`, or null (unnamed: not listed, not a valid target). */
  readonly name: string | null;
  /** Startup callback, or null. */
  readonly startup: Callback | null;
  /** Teardown callback, or null. */
  readonly teardown: Callback | null;
  /** `cant_stop`: not a valid `hotplug/target`. */
  readonly cantStop: boolean;
  /** Multi-instance (`cpuhp_setup_state_multi`): its callbacks run once per instance. */
  readonly multi: boolean;
  /** Its instances (a multi-instance state with none is entered, fault-injectable, runs nothing). */
  readonly instances: number;
}

/**
 * Where the next step with a callback is, per direction: `up[s]` is the first state ≥ s with a
 * startup, `down[s]` the last state ≤ s with a teardown (-1 / length when none). The walks use it
 * to skip runs of empty states, which have no effect and no trace.
 */
export interface StepIndex {
  /** First state at or above each state with a startup. */
  readonly up: Int32Array;
  /** Last state at or below each state with a teardown. */
  readonly down: Int32Array;
  /**
   * Non-zero where a state's startup is a single callback with no modelled effect (`Callback.run`
   * null, not multi-instance): what lib/hotplug/quiet.ts `invokeQuiet` may run at once; its
   * bits (lib/hotplug/quiet_runs.ts `QUIET*`) say the state's section.
   */
  readonly quietUp: Uint8Array;
  /** The same of each state's teardown. */
  readonly quietDown: Uint8Array;
  /**
   * At each state with a quiet startup, the last state of its run upward: every startup from it
   * up to there is quiet (-1 elsewhere).
   */
  readonly runUp: Int32Array;
  /** At each state with a quiet teardown, the lowest state of its run downward (-1 elsewhere). */
  readonly runDown: Int32Array;
  /** Each state's startup symbol ("" when none). */
  readonly funUp: readonly string[];
  /** Each state's teardown symbol ("" when none). */
  readonly funDown: readonly string[];
}

/**
 * The state a walk upward from `state` runs next: the first above it with a startup, or the armed
 * fault `fail` when that comes first, and at most `target` (the states in between are empty: no
 * effect, no trace). What `skipUp()` (lib/hotplug/cpuhp.ts) and `invokeQuiet()`
 * (lib/hotplug/quiet.ts) move to.
 *
 * @example
 * ```ts
 * import { nextUp } from "./kernel.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm({ cpus: 2 }).build().snapshot());
 * const index = k.stepIndex;
 * const next = nextUp(index, 0, -1, k.steps.length - 1);
 * assert.notEqual(k.steps[next].startup, null);
 * assert.equal(nextUp(index, 0, -1, 0), 0);
 * assert.equal(nextUp(index, 0, 1, next), 1);
 * ```
 */
export function nextUp(index: StepIndex, state: number, fail: number, target: number): number {
  let next = index.up[state + 1];
  if (fail > state && fail < next) next = fail;
  return next > target ? target : next;
}

/**
 * The state a walk downward from `state` tears down next: the last at or below it with a teardown,
 * or the armed fault `fail` when that comes first, and at least `target + 1`. What `skipDown()`
 * (lib/hotplug/cpuhp.ts) and `invokeQuiet()` (lib/hotplug/quiet.ts) move to.
 *
 * @example
 * ```ts
 * import { nextDown } from "./kernel.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm({ cpus: 2 }).build().snapshot());
 * const index = k.stepIndex;
 * const top = k.s.cpus[1].state;
 * const next = nextDown(index, top, -1, 0);
 * assert.notEqual(k.steps[next].teardown, null);
 * assert.equal(nextDown(index, top, -1, top - 1), top);
 * assert.equal(nextDown(index, top, top, 0), top);
 * ```
 */
export function nextDown(index: StepIndex, state: number, fail: number, target: number): number {
  let prev = index.down[state];
  if (fail <= state && fail > prev) prev = fail;
  return prev <= target ? target + 1 : prev;
}

/** One hotplug operation in progress (what `struct cpuhp_cpu_state` tracks of it, and more). */
export interface HotplugOp {
  /** The CPU being hotplugged. */
  readonly cpu: number;
  /** The control CPU (runs PREPARE/DEAD callbacks and `takedown_cpu`). */
  readonly control: number;
  /** ONLINE-section states whose callbacks ran while the CPU had no working tick. */
  readonly noTick: number[];
  /** Rolling back: failures only WARN. */
  rollback: boolean;
  /** The step whose callback is running (innermost), or null. */
  step: number | null;
  /** Whether that callback is a teardown. */
  stepTeardown: boolean;
  /** Callbacks the walk has run so far (for timing a replay). */
  calls?: number;
  /** The first callback that failed, if any. */
  failure?: { state: number; callback: string; ret: number; injected: boolean };
  /** A registration (`cpuhp_setup_state()`) calling the step on a CPU, not a walk of it. */
  registering?: boolean;
  /** The walk brings the CPU up (`_cpu_up()`; false or absent: down). */
  up?: boolean;
  /** `cpuhp_state_add_instance()` calling the one instance it adds (multi-instance steps). */
  instance?: boolean;
  /**
   * Whether the CPU has a working tick, as last found before a callback with no modelled effect
   * (lib/hotplug/invoke.ts), or undefined when not known: nothing between two such callbacks
   * changes it, and every other callback forgets it.
   */
  tickWorks?: boolean;
  /** The point handed to step observers, reused for every callback of the walk. */
  point?: { -readonly [K in keyof StepPoint]: StepPoint[K] };
}

/** Guest CLOCK_MONOTONIC now, ns (`ktime_get()`). */
export function ktime(k: Kernel): number {
  return k.s.now - k.s.offNs;
}

/**
 * Guest CLOCK_MONOTONIC: simulation time less the time powered off; while hibernated, the
 * image's (the guest is not running, and resumes from the image's clock).
 */
export function guestMonotonic(s: MachineState): number {
  return s.power === "hibernated" && s.image ? s.image.now - s.image.offNs : s.now - s.offNs;
}

/** Indexes every armed device of the state in `timers` (which is emptied first). */
export function armTimers(timers: TimerQueue, s: MachineState): void {
  timers.clear();
  const all = allDevices(s);
  for (let i = 0; i < all.length; i++) {
    const d = all[i];
    if (d.hwExpires >= 0) timers.arm(d.hwExpires, d);
  }
}

/**
 * The packed trace ring of a state a kernel takes over: its events move into the ring (shared,
 * not copied) and `s.log.trace` is left empty while the kernel runs (lib/engine/trace_ring.ts).
 *
 * @example
 * ```ts
 * import { traceRing } from "./kernel.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const s = vm().cpus(2).build().snapshot();
 * const events = s.log.trace.length;
 * assert.equal(traceRing(s).length, events);
 * assert.equal(s.log.trace.length, 0);
 * ```
 */
export function traceRing(s: MachineState): TraceRing {
  const cap = s.config.traceBuffer;
  const ring = new TraceRing(s.log.trace, cap + (cap >> 2) + 1);
  s.log.trace = [];
  return ring;
}

/**
 * Replaces the state of a running kernel with `s` of the same boot (resume restores the image):
 * the timer index follows the new state's devices.
 */
export function setState(k: Kernel, s: MachineState): void {
  k.trace = traceRing(s);
  k.walkTrace = undefined;
  k.s = s;
  armTimers(k.timers, s);
}
