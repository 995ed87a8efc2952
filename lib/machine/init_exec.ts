/**
 * PID 1's name in the trace once `kernel_init` has exec'd the rig's `/init` (saved_cmdlines,
 * lib/tracing/ftrace.ts `saveCmdline`).
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import { nulledCallbacks } from "../kernels/configs.ts";
import { template } from "../time/devices.ts";
import { ftraceOf, isTraceable, saveCmdline } from "../tracing/ftrace.ts";
import { deviceOf } from "../engine/device_table.ts";

/**
 * `kernel_init` execs `/init`: pid 1 is the shell from here on, and saved_cmdlines takes its new
 * comm (renaming boot's `swapper/0-1` entries, {@linkcode saveCmdline}) at its first switch on a
 * CPU that has committed an event since. That is at once when idle CPUs commit events on their
 * own: NO_HZ idle stopping the tick of a CPU with no timer queued switches its device to
 * ONESHOT_STOPPED (6.6.150 kernel/time/tick-sched.c:941-948, tick-oneshot.c:25-33), whose
 * callback, if it has one (clockevents.c:123-133: the LAPIC's `lapic_timer_shutdown`, not the
 * Hyper-V stimer's), the function tracer may trace. An idle CPU has no timer queued only without
 * the soft-lockup watchdog's per-CPU hrtimer (kernel/watchdog.c:555-558): the builds with
 * `# CONFIG_SOFTLOCKUP_DETECTOR is not set` (lib/kernels/configs_rig.ts `nulled`). Real:
 * k6.6-hv-legacy-vmbus-trace.log (142 idle `lapic_timer_shutdown` between 3.0 s and insmod, every
 * boot entry `init-1`); k6.6-hv-direct-trace.log (stimer ticks: `swapper/0-1`) and the Debian
 * builds' k6.12-hv-legacy-vmbus-trace.log (watchdog built: no idle stop, `swapper/0-1`).
 *
 * @example
 * ```ts
 * import { initExec } from "./init_exec.ts";
 * import { vm } from "../../mod.ts";
 * import { createKernel } from "./kernel.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm({ kernel: "6.1" }).build().snapshot());
 * k.s.log.ftrace = { tracer: "function", filter: [], on: true, events: [], written: 1, entries: [
 *   { time: 0, cpu: 0, comm: "swapper/0", pid: 1, flags: ".....", text: "setup_APIC_timer <-setup_boot_APIC_clock" },
 * ] };
 * initExec(k); // a Debian build: its watchdog keeps a timer queued on every idle CPU
 * assert.equal(k.s.log.ftrace.entries[0].comm, "swapper/0");
 * ```
 */
export function initExec(k: Kernel): void {
  const ft = ftraceOf(k);
  if (!ft || !ft.on || ft.tracer !== "function") return;
  if (!nulledCallbacks(k.s.config).includes("lockup_detector_online_cpu")) return;
  const traced = (fn: string | undefined) =>
    !!fn && (ft.filter.length === 0 || ft.filter.includes(fn)) && isTraceable(k, fn);
  const idleStops = k.s.cpus.some((c) => {
    const d = c.online && c.tickDev ? deviceOf(k.s, c.tickDev)! : undefined;
    return !!d && traced(template(d.kind).callbacks(k.s.config).oneshotStopped);
  });
  if (idleStops) saveCmdline(ft, k.s.config.shell);
}
