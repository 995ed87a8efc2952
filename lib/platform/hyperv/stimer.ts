/**
 * The Hyper-V synthetic timer clockevent (drivers/clocksource/hyperv_timer.c from 5.3,
 * drivers/hv/hv.c before; reference hyperv-stimer.md §2–§4). Which of these run where is the
 * kernel line's `stimer` placement (lib/kernels/lines.ts).
 *
 * @module
 */

import type { Kernel } from "../../engine/kernel.ts";
import type { DeviceState } from "../../engine/state.ts";
import { newDevice } from "../../time/devices.ts";
import {
  clockeventsConfigAndRegister,
  clockeventsUnbindDevice,
  hwStop,
} from "../../time/clockevents.ts";
import { fcall, fcallWith } from "../../tracing/ftrace.ts";
import { deviceAt } from "../../engine/device_table.ts";

/** Whether the guest has a stimer at all (`HV_MSR_SYNTIMER_AVAILABLE`, and x86 or pre-5.15 arm64). */
export function hasStimer(k: Kernel): boolean {
  const c = k.s.config;
  if (c.hyperv === "none" || !c.features.syntheticTimers) return false;
  return c.arch === "x86_64" || k.line.arm64Stimer;
}

/** `hv_stimer_init(cpu)`: configures and registers this CPU's "Hyper-V clockevent". */
export function hvStimerInit(k: Kernel, cpu: number): number {
  return fcallWith(k, "hv_stimer_init", stimerInit, cpu, null);
}

function stimerInit(k: Kernel, cpu: number): number {
  if (!hasStimer(k)) return 0;
  clockeventsConfigAndRegister(k, newDevice(k.s.config, "hv_stimer", cpu), cpu);
  return 0;
}

/**
 * `hv_ce_shutdown()` of a CPU's stimer struct `d` (looked up once by the caller; none: nothing
 * to stop): STIMER0_COUNT = 0, STIMER0_CONFIG = 0; the core's state is not touched.
 */
function hvCeShutdown(k: Kernel, d: DeviceState | undefined): void {
  fcallWith(k, "hv_ce_shutdown", ceShutdown, d, null);
}

function ceShutdown(_k: Kernel, d: DeviceState | undefined): void {
  if (d) hwStop(d);
}

/**
 * `hv_stimer_cleanup(cpu)`. 5.3–5.4: `hv_ce_shutdown()` only (no unbind: the regression, S4/S5).
 * From 5.5: Direct Mode → `hv_ce_shutdown()`; legacy → `clockevents_unbind_device()` so the LAPIC
 * takes over ("eventually calls hv_ce_shutdown()", S1). ≤5.2 (hv_synic_cleanup in hv.c): unbind,
 * then shutdown.
 */
export function hvStimerCleanup(k: Kernel, cpu: number): number {
  return fcallWith(k, "hv_stimer_cleanup", stimerCleanup, cpu, null);
}

function stimerCleanup(k: Kernel, cpu: number): number {
  if (!hasStimer(k)) return 0;
  const d = deviceAt(k.s, "hv_stimer", cpu);
  switch (k.line.stimer.cleanup) {
    case "shutdown":
      hvCeShutdown(k, d);
      return 0;
    case "unbind-then-shutdown":
      if (d) clockeventsUnbindDevice(k, d, cpu);
      // The unbind may have dropped the struct: hv_ce_shutdown() stops what is there now.
      hvCeShutdown(k, deviceAt(k.s, "hv_stimer", cpu));
      return 0;
    case "direct-shutdown-else-unbind":
      if (k.direct) hvCeShutdown(k, d);
      else if (d) clockeventsUnbindDevice(k, d, cpu);
      return 0;
  }
}

/** `hv_cpu_init()` (x86/hyperv_init:online): VP assist page and hypercall input pages; no timer effect. */
export function hvCpuInit(k: Kernel, _cpu: number): number {
  return fcall(k, "hv_cpu_init", noEffect);
}

/** `hv_cpu_die()`: frees what hv_cpu_init set up; no timer effect. */
export function hvCpuDie(k: Kernel, _cpu: number): number {
  return fcall(k, "hv_cpu_die", noEffect);
}

// The body of a function with no modelled effect (one closure for all of them).
const noEffect = () => 0;
