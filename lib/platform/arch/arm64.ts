/**
 * arm64 per-CPU timers registered from STARTING hotplug states: the architected timer
 * (`clockevents/arm/arch_timer:starting`, drivers/clocksource/arm_arch_timer.c) and the
 * placeholder `dummy_timer` (`clockevents/dummy_timer:starting`, drivers/clocksource/
 * dummy_timer.c). v5.5, reference §3.3.
 *
 * @module
 */

import type { Kernel } from "../../engine/kernel.ts";
import { newDevice } from "../../time/devices.ts";
import { clockeventsRegisterDevice, clockeventsSwitchState } from "../../time/clockevents.ts";
import { CE_STATE } from "../../engine/state.ts";
import { deviceAt } from "../../engine/device_table.ts";

/** `arch_timer_starting_cpu()`: registers this CPU's `arch_sys_timer`. */
export function archTimerStartingCpu(k: Kernel, cpu: number): number {
  clockeventsRegisterDevice(k, newDevice(k.s.config, "arch_sys_timer", cpu), cpu);
  return 0;
}

/**
 * `arch_timer_dying_cpu()`: disables the PPI and calls the driver's shutdown directly (the core's
 * state is left alone until `tick_cleanup_dead_cpu()`).
 */
export function archTimerDyingCpu(k: Kernel, cpu: number): number {
  const d = deviceAt(k.s, "arch_sys_timer", cpu);
  if (d) {
    const state = d.state;
    clockeventsSwitchState(k, d, CE_STATE.SHUTDOWN);
    d.state = state;
  }
  return 0;
}

/** `dummy_timer_starting_cpu()`: registers this CPU's `dummy_timer` placeholder. */
export function dummyTimerStartingCpu(k: Kernel, cpu: number): number {
  clockeventsRegisterDevice(k, newDevice(k.s.config, "dummy_timer", cpu), cpu);
  return 0;
}
