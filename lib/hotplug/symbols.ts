/**
 * What hotplug callbacks mean, by kernel symbol: the one registry that says what a callback does
 * to the model, whether it waits on a timer on the CPU being hotplugged, and how its own failure
 * is explained. A step table resolves its symbols here once, when it is built (the kernel's
 * `struct cpuhp_step` carries its functions; the state keeps names so it stays serialisable).
 * Symbols not listed run as no-ops: traced, fault-injectable and rolled back like any other.
 * Boot-time calls a registrant makes after its `cpuhp_setup_state()` are here too.
 *
 * @module
 */

import { type Callback, type HotplugOp, type Kernel, ktime } from "../engine/kernel.ts";
import { HangSignal } from "./cpuhp.ts";
import { irqsave } from "../engine/exec.ts";
import { fcall } from "../tracing/ftrace.ts";
import { bringupAp, bringupCpu, kickApAlive, takedownCpu, tickCpuDying } from "./lifecycle.ts";
import { tickCancelSchedTimer } from "../time/tick_handlers.ts";
import { firstHrtimerOnCpu, resetHrtimerBase } from "../time/hrtimer_base.ts";
import { hvCpuDie, hvCpuInit, hvStimerCleanup, hvStimerInit } from "../platform/hyperv/stimer.ts";
import {
  hvSynicCleanup,
  hvSynicInit,
  vmbusConnect,
  vmbusPercpuWork,
  vmbusProtoVersion,
} from "../platform/hyperv/vmbus.ts";
import {
  archTimerDyingCpu,
  archTimerStartingCpu,
  dummyTimerStartingCpu,
} from "../platform/arch/arm64.ts";

/** What one symbol means (every field optional: a symbol may only wait, or only explain). */
interface Meaning {
  /** Its effect (see {@linkcode Callback.run}). */
  readonly run?: (k: Kernel, op: HotplugOp) => number;
  /** Why it cannot finish without a tick (see {@linkcode Callback.waitsOnTimer}). */
  readonly waitsOnTimer?: string;
  /** Why it refused (see {@linkcode Callback.explain}). */
  readonly explain?: (k: Kernel, cpu: number, ret: number) => string | null;
}

const SYMBOLS: Readonly<Record<string, Meaning>> = {
  bringup_cpu: { run: (k, op) => bringupCpu(k, op) },
  cpuhp_kick_ap_alive: { run: (k, op) => kickApAlive(k, op) },
  cpuhp_bringup_ap: { run: (k, op) => bringupAp(k, op) },
  takedown_cpu: { run: (k, op) => takedownCpu(k, op) },
  tick_cpu_dying: { run: (k, op) => tickCpuDying(k, op) },
  // hrtimers_cpu_dying() (5c0930ccaad5; 5.10.262 and 6.1.192 have the backport): on the dying
  // CPU, tick_cancel_sched_timer() and the hrtimers migrate away (6.1 hrtimer.c; the tick
  // device, with no timer left, goes ONESHOT_STOPPED: plain-trace.log `lapic_timer_shutdown
  // <-clockevents_switch_state` in the stopper thread).
  hrtimers_cpu_dying: {
    run: (k, op) =>
      fcall(k, "hrtimers_cpu_dying", () => {
        // Under the CPU's hrtimer base lock (raw_spin_lock); then `old_base->online = 0`
        // (6.8.1 kernel/time/hrtimer.c:2255; lib/time/hrtimer_base.ts).
        irqsave(k, () => tickCancelSchedTimer(k, op.cpu));
        k.s.cpus[op.cpu].hrtimersOffline = true;
        return 0;
      }),
  },
  // hrtimers_prepare_cpu() resets hres_active and sets the base online on the control CPU before
  // the CPU boots (6.8.1 kernel/time/hrtimer.c:2166-2188); with 2f8dea1692ee it no longer does
  // (6.6.150 hrtimer.c:2208-2222) and hrtimers_cpu_starting() does both on the CPU (:2224-2238).
  hrtimers_prepare_cpu: {
    run: (k, op) => {
      if (k.line.hresResetOnStarting) return 0;
      resetHrtimerBase(k.s.cpus[op.cpu]);
      return 0;
    },
  },
  hrtimers_cpu_starting: {
    run: (k, op) => {
      resetHrtimerBase(k.s.cpus[op.cpu]);
      return 0;
    },
  },
  // sched_cpu_activate(): from here the scheduler places tasks on the CPU, and the first hrtimer
  // one of them arms is queued on the CPU's base (lib/time/hrtimer_base.ts).
  sched_cpu_activate: {
    run: (k, op) => {
      firstHrtimerOnCpu(k, op.cpu);
      return 0;
    },
  },
  // hrtimers_dead_cpu() → tick_cancel_sched_timer(): tick_sched zeroed (tick-sched.c:1365-1376).
  hrtimers_dead_cpu: {
    run: (k, op) => {
      tickCancelSchedTimer(k, op.cpu);
      return 0;
    },
  },
  // acpi_soft_cpu_dead() → acpi_bus_get_device() takes the ACPI namespace mutex (5.10
  // drivers/acpi/processor_driver.c:129-139); a task that oopsed holding it never releases it
  // (logs/k5.10-hv-legacy-vmbus.log: the offline prints "CPU 2 is now offline", then stops).
  acpi_soft_cpu_dead: {
    run: (k, op) => {
      if (!k.s.acpiNamespaceHeld) return 0;
      throw new HangSignal({
        cpu: op.cpu,
        state: op.step ?? -1,
        stateName: "acpi/cpu-drv:dead",
        callback: "acpi_soft_cpu_dead",
        reason: "acpi_soft_cpu_dead() waits for the ACPI namespace mutex, which the task that " +
          "oopsed in hv_vmbus's probe still holds",
        symptom: "",
        time: ktime(k),
      });
    },
  },
  hv_cpu_init: { run: (k, op) => hvCpuInit(k, op.cpu) },
  hv_cpu_die: { run: (k, op) => hvCpuDie(k, op.cpu) },
  hv_synic_init: { run: (k, op) => hvSynicInit(k, op.cpu) },
  hv_synic_cleanup: {
    run: (k, op) => hvSynicCleanup(k, op.cpu),
    // The two -EBUSY refusals of hv_synic_cleanup() (lib/platform/hyperv/vmbus.ts).
    explain: (k, cpu) =>
      cpu === 0 && k.line.vmbusConnectCpuBusy
        ? "hv_synic_cleanup() refused: CPU0 is VMBUS_CONNECT_CPU and VMbus is connected, so it cannot go offline"
        : k.line.vmbusOfflineMovesChannels
        ? `hv_synic_cleanup() refused: a VMbus channel is bound to CPU${cpu} and hv_pick_new_cpu() moves channels only with VMBus 5.3 or later (this host negotiated ${
          vmbusProtoVersion(k).join(".")
        }), so the CPU cannot go offline`
        : `hv_synic_cleanup() refused: a VMbus channel is bound to CPU${cpu} and VMbus is connected, so the CPU cannot go offline`,
  },
  hv_stimer_init: { run: (k, op) => hvStimerInit(k, op.cpu) },
  hv_stimer_cleanup: { run: (k, op) => hvStimerCleanup(k, op.cpu) },
  arch_timer_starting_cpu: { run: (k, op) => archTimerStartingCpu(k, op.cpu) },
  arch_timer_dying_cpu: { run: (k, op) => archTimerDyingCpu(k, op.cpu) },
  dummy_timer_starting_cpu: { run: (k, op) => dummyTimerStartingCpu(k, op.cpu) },
  // smpboot_park_threads() → kthread_park() → wait_task_inactive() → schedule_hrtimeout() on the
  // CPU's own hotplug thread (Dexuan Cui's analysis, S4; hyperv-stimer §7.1). The sleep happens
  // when the parked thread is still queued: a race that hvtick takes unless the state says
  // `parkRace: "passes"` (docs/model.md §Hangs).
  smpboot_park_threads: {
    waitsOnTimer: "parks the per-CPU threads with kthread_park(), whose wait_task_inactive() " +
      "sleeps in schedule_hrtimeout() on this CPU: that hrtimer never fires",
  },
};

// One resolved callback per symbol: step tables share them.
const RESOLVED = new Map<string, Callback>();

/**
 * The callback of symbol `name`, with what it means.
 *
 * @example
 * ```ts
 * import { resolveCallback } from "./symbols.ts";
 * import assert from "node:assert/strict";
 * assert.notEqual(resolveCallback("hv_stimer_cleanup").run, null);
 * assert.equal(resolveCallback("sched_cpu_deactivate").run, null);
 * assert.match(resolveCallback("smpboot_park_threads").waitsOnTimer!, /kthread_park/);
 * ```
 */
export function resolveCallback(name: string): Callback {
  let cb = RESOLVED.get(name);
  if (!cb) {
    const m = SYMBOLS[name] ?? {};
    cb = Object.freeze({
      name,
      run: m.run ?? null,
      waitsOnTimer: m.waitsOnTimer ?? null,
      explain: m.explain ?? null,
    });
    RESOLVED.set(name, cb);
  }
  return cb;
}

/**
 * What a boot-time registrant does right after its `cpuhp_setup_state()` returns, by symbol:
 * `vmbus_bus_init()` registers `hyperv/vmbus:online`, then `vmbus_connect()`
 * (drivers/hv/vmbus_drv.c).
 */
const AFTER_REGISTRATION: Readonly<Record<string, (k: Kernel) => void>> = {
  vmbus_connect: vmbusConnect,
};

/**
 * What a registrant does before its call, by symbol; true when that made the startup calls itself
 * (the state is then registered `_nocalls`).
 */
const BEFORE_REGISTRATION: Readonly<Record<string, (k: Kernel) => boolean>> = {
  vmbus_percpu_work: vmbusPercpuWork,
};

/** Runs the call `name` a registrant makes before registering (see the table above). */
export function runBeforeRegistration(k: Kernel, name: string): boolean {
  const f = BEFORE_REGISTRATION[name];
  if (!f) throw new Error(`internal: no modelled boot-time call ${name}`);
  return f(k);
}

/** Runs the boot-time call `name` (see the table above). */
export function runAfterRegistration(k: Kernel, name: string): void {
  const f = AFTER_REGISTRATION[name];
  if (!f) throw new Error(`internal: no modelled boot-time call ${name}`);
  f(k);
}
