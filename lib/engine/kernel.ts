/**
 * The kernel context every modelled function works on, as SimPy passes its `env`: the machine
 * state (the one value) plus what is derived from it (the kernel line's tables, the step table,
 * the timer index) and who watches. `createKernel()` (lib/machine/kernel.ts) is its only
 * constructor; {@linkcode setState} swaps the state of a running one.
 *
 * @module
 */

import type { DeviceState, MachineState } from "./state.ts";
import type { KernelLine } from "../kernels/lines.ts";
import type { Step, StepIndex } from "../hotplug/steps.ts";
import type { TimerQueue } from "./timers.ts";
import type { Observers } from "./observe.ts";

/** The state and its derived indexes. */
export interface Kernel {
  /** The machine value. */
  s: MachineState;
  /** Tables of the configured kernel line. */
  readonly line: KernelLine;
  /** Hotplug steps by state number (static table plus registered steps). */
  steps: Step[];
  /** Next non-empty step per direction (derived from `steps`). */
  stepIndex: StepIndex;
  /** Hardware timer index (derived from the devices). */
  readonly timers: TimerQueue;
  /** `direct_mode_enabled`, from the config. */
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
   * Whether the kernel log and trace buffer are written. Exploration turns them off: they are
   * history, not state (the fingerprint leaves them out), and a replay regenerates them.
   */
  readonly history: boolean;
}

/** Where a hotplug walk is, for step observers. */
export interface StepPoint {
  /** The CPU being hotplugged. */
  readonly cpu: number;
  /** The step's state number. */
  readonly state: number;
  /** Its callback symbol. */
  readonly callback: string;
  /** Whether the callback is a teardown. */
  readonly teardown: boolean;
  /** Before the callback runs, or after it returned. */
  readonly phase: "enter" | "exit";
}

/** Guest CLOCK_MONOTONIC now, ns (`ktime_get()`). */
export function ktime(k: Kernel): number {
  return k.s.now - k.s.offNs;
}

/** Indexes every armed device of the state in `timers` (which is emptied first). */
export function armTimers(timers: TimerQueue, s: MachineState): void {
  timers.clear();
  for (const id in s.devices) {
    const d = s.devices[id];
    if (d.hwExpires >= 0) timers.arm(d.hwExpires, d);
  }
}

/**
 * Replaces the state of a running kernel with `s` of the same boot (resume restores the image):
 * the timer index follows the new state's devices.
 */
export function setState(k: Kernel, s: MachineState): void {
  k.s = s;
  armTimers(k.timers, s);
}
