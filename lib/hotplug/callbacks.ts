/**
 * Hotplug callbacks with modelled effects, by kernel symbol. Callbacks not listed here run as
 * no-ops (they are traced, can be fault-injected and take part in rollback like any other).
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import type { Op } from "./cpuhp.ts";
import { bringupCpu, takedownCpu } from "./lifecycle.ts";
import { hvCpuDie, hvCpuInit, hvStimerCleanup, hvStimerInit } from "../platform/hyperv/stimer.ts";
import { hvSynicCleanup, hvSynicInit } from "../platform/hyperv/vmbus.ts";
import {
  archTimerDyingCpu,
  archTimerStartingCpu,
  dummyTimerStartingCpu,
} from "../platform/arch/arm64.ts";

type Callback = (k: Kernel, op: Op, state: number) => number;

const CALLBACKS: Record<string, Callback> = {
  bringup_cpu: (k, op) => bringupCpu(k, op),
  takedown_cpu: (k, op) => takedownCpu(k, op),
  // hrtimers_prepare_cpu() resets hres_active (kernel/time/hrtimer.c:1988-2008).
  hrtimers_prepare_cpu: (k, op) => {
    const c = k.s.cpus[op.cpu];
    c.hres = false;
    return 0;
  },
  // hrtimers_dead_cpu() → tick_cancel_sched_timer(): tick_sched zeroed (tick-sched.c:1365-1376).
  hrtimers_dead_cpu: (k, op) => {
    const c = k.s.cpus[op.cpu];
    c.nohzMode = 0;
    c.schedExpires = -1;
    return 0;
  },
  hv_cpu_init: (k, op) => hvCpuInit(k, op.cpu),
  hv_cpu_die: (k, op) => hvCpuDie(k, op.cpu),
  hv_synic_init: (k, op) => hvSynicInit(k, op.cpu),
  hv_synic_cleanup: (k, op) => hvSynicCleanup(k, op.cpu),
  hv_stimer_init: (k, op) => hvStimerInit(k, op.cpu),
  hv_stimer_cleanup: (k, op) => hvStimerCleanup(k, op.cpu),
  arch_timer_starting_cpu: (k, op) => archTimerStartingCpu(k, op.cpu),
  arch_timer_dying_cpu: (k, op) => archTimerDyingCpu(k, op.cpu),
  dummy_timer_starting_cpu: (k, op) => dummyTimerStartingCpu(k, op.cpu),
};

/** Whether callback `cb` has a modelled effect (the others leave the state as it was). */
export function hasEffect(cb: string): boolean {
  return cb in CALLBACKS;
}

/** Runs the modelled effect of callback `cb` (0 when it has none). */
export function runCallback(k: Kernel, op: Op, cb: string, state: number): number {
  const f = CALLBACKS[cb];
  return f ? f(k, op, state) : 0;
}

/**
 * Callbacks that sleep on an hrtimer on the CPU being hotplugged, so they cannot finish while it
 * has no working tick. `smpboot_park_threads()` → `kthread_park()` → `wait_task_inactive()` →
 * `schedule_hrtimeout()` on the CPU's own hotplug thread (Dexuan Cui's analysis, S4; hyperv-stimer
 * §7.1). The sleep happens when the parked thread is still queued: a race that hvtick takes
 * unless the state says `parkRace: "passes"` (docs/model.md §Hangs).
 */
export const TIMER_WAITS: Readonly<Record<string, string>> = {
  smpboot_park_threads:
    "parks the per-CPU threads with kthread_park(), whose wait_task_inactive() sleeps in " +
    "schedule_hrtimeout() on this CPU: that hrtimer never fires",
};
