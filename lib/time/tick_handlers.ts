/**
 * What a CPU does when its tick device interrupts (kernel/time/tick-common.c, tick-sched.c,
 * tick-oneshot.c, hrtimer.c, tick-broadcast.c; v5.5, reference §2.5, §2.8, §4). hvtick models
 * every active CPU as busy: its tick never stops (an online CPU below `sched:active` idles and
 * stops it: lib/time/tick_nohz_idle.ts), high-resolution timers are enabled and the clocksource is
 * valid for high resolution.
 *
 * @module
 */

import { type Kernel, ktime } from "../engine/kernel.ts";
import { countIrq, emit, printk } from "../engine/log.ts";
import {
  CE_STATE,
  type DeviceState,
  FEAT,
  KTIME_MAX,
  TICK_DO_TIMER,
  TICKDEV_MODE,
} from "../engine/state.ts";
import {
  clockeventsProgramEvent,
  clockeventsSwitchState,
  cpuReceives,
  delivers,
} from "./clockevents.ts";
import { tickBroadcastSwitchToOneshot } from "./tick_broadcast.ts";
import { type ExecContext, runAs, taskContext } from "../engine/exec.ts";
import { recording } from "../tracing/ftrace.ts";
import { template } from "./devices.ts";
import { idlesWithNothingToRun, tickNohzIdleRestop } from "./tick_nohz_idle.ts";
import { deviceOf } from "../engine/device_table.ts";

/**
 * The `event_handler`s by symbol, for the interrupts of devices that are not high-resolution tick
 * devices (`hrtimer_interrupt` runs inline in {@linkcode runInterrupts}); a device with another
 * handler (`clockevents_handle_noop`, or none yet) does nothing when it fires.
 */
const EVENT_HANDLERS: Readonly<Record<string, (k: Kernel, d: DeviceState) => void>> = {
  tick_handle_periodic: (k, d) => tickHandlePeriodic(k, d, d.boundTo),
  tick_handle_periodic_broadcast: (k, d) => tickHandleBroadcast(k, d),
  tick_handle_oneshot_broadcast: (k, d) => tickHandleBroadcast(k, d),
};

/**
 * Every `event_handler` a device may hold: those above, `hrtimer_interrupt` (a high-resolution
 * tick device's) and `clockevents_handle_noop` (a replaced or released device's).
 *
 * @example
 * ```ts
 * import { HANDLER_SYMBOLS } from "./tick_handlers.ts";
 * import assert from "node:assert/strict";
 * assert.ok(HANDLER_SYMBOLS.includes("tick_handle_periodic"));
 * ```
 */
export const HANDLER_SYMBOLS: readonly string[] = [
  ...Object.keys(EVENT_HANDLERS),
  "hrtimer_interrupt",
  "clockevents_handle_noop",
];

/** Runs `d`'s `event_handler` on the CPU it is bound to. */
export function deviceInterrupt(k: Kernel, d: DeviceState): void {
  if (d.handler !== null) EVENT_HANDLERS[d.handler]?.(k, d);
}

/** `do_timer(ticks)` (kernel/time/timekeeping.c:2194-2198): jiffies_64 += ticks. */
function doTimer(k: Kernel, ticks: number): void {
  k.s.jiffies += ticks;
}

/** A tick `cpu` handled through `d`'s `handler`: counted, shown to tick observers, traced. */
export function countTick(k: Kernel, d: DeviceState, cpu: number, handler: string): void {
  const c = k.s.cpus[cpu];
  c.ticks++;
  const ticks = k.observers.tick;
  for (let i = 0; i < ticks.length; i++) ticks[i](cpu);
  if (k.traceTicks) {
    emit(k, { type: "tick", time: ktime(k), cpu, device: d.name, handler });
  }
}

/** `tick_periodic()` (tick-common.c:83-103) then `update_process_times()` → oneshot check. */
function tickPeriodic(k: Kernel, d: DeviceState, cpu: number): void {
  const s = k.s;
  if (s.doTimerCpu === cpu) {
    s.tickNextPeriod += k.period;
    doTimer(k, 1);
  }
  countTick(k, d, cpu, "tick_handle_periodic");
  hrtimerRunQueues(k, cpu);
}

/** `tick_handle_periodic()` (tick-common.c:108-143). */
export function tickHandlePeriodic(k: Kernel, d: DeviceState, cpu: number): void {
  const next0 = d.nextEvent;
  tickPeriodic(k, d, cpu);
  const td = k.s.cpus[cpu].tickDev === null ? null : deviceOf(k.s, k.s.cpus[cpu].tickDev!)!;
  if (!td || td.handler !== "tick_handle_periodic") return;
  if (td.state !== CE_STATE.ONESHOT) return;
  let next = next0 >= KTIME_MAX ? ktime(k) : next0;
  for (;;) {
    next += k.period;
    if (clockeventsProgramEvent(k, td, next, false) === 0) return;
    tickPeriodic(k, td, cpu);
  }
}

/** `hrtimer_run_queues()` (hrtimer.c:1724-1756): the lazy switch to high resolution. */
function hrtimerRunQueues(k: Kernel, cpu: number): void {
  const c = k.s.cpus[cpu];
  if (c.hres || !c.checkClocks) return;
  if (tickCheckOneshotChange(k, cpu)) hrtimerSwitchToHres(k, cpu);
}

/**
 * `tick_check_oneshot_change(allow_nohz = 0)` (tick-sched.c:1407-1426): the check is used up even
 * when timekeeping still reads jiffies (not valid for high resolution), until
 * `clocksource_done_booting()` asks again.
 */
function tickCheckOneshotChange(k: Kernel, cpu: number): boolean {
  const c = k.s.cpus[cpu];
  if (!c.checkClocks) return false;
  c.checkClocks = false;
  if (c.nohzMode !== 0) return false;
  return k.hresValid && tickIsOneshotAvailable(k, cpu);
}

/** `tick_is_oneshot_available()` (tick-common.c:69-78). */
function tickIsOneshotAvailable(k: Kernel, cpu: number): boolean {
  const id = k.s.cpus[cpu].tickDev;
  const d = id === null ? null : deviceOf(k.s, id)!;
  if (!d || !(d.features & FEAT.ONESHOT)) return false;
  if (!(d.features & FEAT.C3STOP)) return true;
  const bc = k.s.broadcast.dev === null ? null : deviceOf(k.s, k.s.broadcast.dev)!;
  return bc !== null && (bc.features & FEAT.ONESHOT) !== 0;
}

/** `hrtimer_switch_to_hres()` (hrtimer.c:727-741) with `tick_switch_to_oneshot()`. */
function hrtimerSwitchToHres(k: Kernel, cpu: number): void {
  const c = k.s.cpus[cpu];
  const d = c.tickDev === null ? null : deviceOf(k.s, c.tickDev)!;
  if (!d || !(d.features & FEAT.ONESHOT) || d.features & FEAT.DUMMY) {
    const why = !d
      ? " no tick device"
      : d.features & FEAT.DUMMY
      ? ` ${d.name} is not functional.`
      : ` ${d.name} does not support one-shot mode.`;
    printk(k, `Clockevents: could not switch to one-shot mode:${why}`);
    printk(k, `Could not switch to high resolution mode on CPU ${cpu}`);
    return;
  }
  c.tickMode = TICKDEV_MODE.ONESHOT;
  d.handler = "hrtimer_interrupt";
  clockeventsSwitchState(k, d, CE_STATE.ONESHOT);
  tickBroadcastSwitchToOneshot(k, cpu);
  c.hres = true;
  c.nohzMode = 2;
  tickSetupSchedTimer(k, d, cpu);
  // Back in its idle loop, a CPU with nothing to run stops the tick it has just set up.
  if (idlesWithNothingToRun(k, cpu)) tickNohzIdleRestop(k, cpu);
}

/** `tick_setup_sched_timer()` (tick-sched.c:1296-1327): the tick on the jiffies grid. */
function tickSetupSchedTimer(k: Kernel, d: DeviceState, cpu: number): void {
  const s = k.s;
  if (s.lastJiffiesUpdate === 0) s.lastJiffiesUpdate = s.tickNextPeriod;
  const period = k.period;
  const now = ktime(k);
  let expires = s.lastJiffiesUpdate;
  if (now >= expires) expires += (Math.floor((now - expires) / period) + 1) * period;
  s.cpus[cpu].schedExpires = expires;
  clockeventsProgramEvent(k, d, expires, true);
}

/**
 * Every device interrupt due at guest instant `time`: `devices[0..count)`, in (priority, sequence)
 * order. The hardware fires (a PERIODIC timer re-arms, a one-shot timer disarms); each interrupt
 * that reaches its CPU runs the device's `event_handler`. `hrtimer_interrupt()` (hrtimer.c:
 * 1611-1700) — the high-resolution tick, which all CPUs take at the same instants — runs inline:
 * `tick_sched_timer` when due, then the device is re-programmed; the common case (the next tick,
 * nothing to clamp) is collected and armed in one pass, anything else goes through
 * `clockevents_program_event()`. Returns the number of interrupts handled.
 */
export function runInterrupts(
  k: Kernel,
  devices: readonly DeviceState[],
  count: number,
  time: number,
): number {
  const s = k.s;
  const cpus = s.cpus;
  const period = k.period;
  const armed = k.scratch;
  let at = -1;
  let n = 0;
  let handled = 0;
  for (let i = 0; i < count; i++) {
    const d = devices[i];
    if (d.hwExpires !== time) continue;
    if (d.hwPeriod > 0) {
      d.hwExpires = time + d.hwPeriod;
      k.timers.arm(d.hwExpires, d);
    } else {
      d.hwExpires = -1;
    }
    if (d.handler !== "hrtimer_interrupt") {
      if (!delivers(k, d)) continue;
      handled++;
      if (k.history) countDeviceIrq(k, d, d.perCpu ? d.mask : 0);
      // In the interrupt handler of the CPU that takes it (a global device's: CPU0, through the
      // IO-APIC), on top of whatever that CPU ran: its idle task, as hvtick models no load.
      if (recording(k)) runAs(k, irqContext(k, d.perCpu ? d.mask : 0), () => deviceInterrupt(k, d));
      else deviceInterrupt(k, d);
      continue;
    }
    // delivers(), with the CPU whose tick device it is (a per-CPU device's own CPU).
    const cpu = d.boundTo;
    const c = cpus[cpu];
    if (!d.hwEnabled || !d.hwFires || (d.perCpu && !cpuReceives(k, d, c))) continue;
    handled++;
    if (k.history) countDeviceIrq(k, d, cpu);
    let expires = c.schedExpires;
    if (expires >= 0 && expires <= time) {
      const owner = s.doTimerCpu;
      if (owner === cpu || owner === TICK_DO_TIMER.NONE) tickSchedDoTimer(k, cpu, time);
      countTick(k, d, cpu, "hrtimer_interrupt");
      // hrtimer_forward(): past `now` by whole periods (one, unless ticks were missed).
      expires += time - expires < period
        ? period
        : (Math.floor((time - expires) / period) + 1) * period;
      c.schedExpires = expires;
      if (
        c.state < k.line.cpuhp.ONLINE && idlesWithNothingToRun(k, cpu) &&
        tickNohzIdleRestop(k, cpu)
      ) continue;
    }
    if (expires < 0) {
      d.nextEvent = KTIME_MAX;
      continue;
    }
    const delta = expires - time;
    if (
      (at === expires || at < 0) && d.state === CE_STATE.ONESHOT && !(d.features & FEAT.KTIME) &&
      delta >= d.minDeltaNs && delta <= d.maxDeltaNs
    ) {
      // clockevents_program_event(d, expires, false) with nothing to clamp.
      d.nextEvent = expires;
      d.hwExpires = expires;
      at = expires;
      armed[n++] = d;
    } else {
      clockeventsProgramEvent(k, d, expires, false);
    }
  }
  if (n > 0) k.timers.armAll(at, armed, n);
  return handled;
}

/** A hard-interrupt context on `cpu`, interrupting its idle task. */
function irqContext(k: Kernel, cpu: number): ExecContext {
  return taskContext(cpu, { comm: "<idle>", pid: 0 }, {
    irqsOff: true,
    hardirq: true,
    depth: k.preemptCount ? 1 : 0,
  });
}

/**
 * The `/proc/interrupts` row an interrupt of `d` counts in: the LAPIC timer's vector `LOC`
 * (apic.c `inc_irq_stat(apic_timer_irqs)`), the Direct Mode stimer's `HVS`
 * (`sysvec_hyperv_stimer0`), a message-mode stimer's `HYP` (its expiry is a SynIC message,
 * handled by `vmbus_isr()` in `sysvec_hyperv_callback`), the HPET or PIT on IRQ 0 (`timer`, routed
 * to CPU0 through the IO-APIC); null for a device counted nowhere.
 *
 * @example
 * ```ts
 * import { vm } from "../../mod.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import { irqRow } from "./tick_handlers.ts";
 * import { deviceOf } from "../engine/device_table.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm().hyperv("none").cpus(1).build().snapshot());
 * assert.equal(irqRow(k, deviceOf(k.s, k.s.cpus[0].tickDev!)!), "LOC");
 * ```
 */
export function irqRow(k: Kernel, d: DeviceState): string | null {
  return d.kind === "lapic"
    ? "LOC"
    : d.kind === "hv_stimer"
    ? (k.direct ? "HVS" : "HYP")
    : d.kind === "hpet" || d.kind === "pit"
    ? "0"
    : null;
}

function countDeviceIrq(k: Kernel, d: DeviceState, cpu: number): void {
  const row = irqRow(k, d);
  if (row) countIrq(k, row, cpu);
}

/** `tick_sched_do_timer()` + `tick_do_update_jiffies64()` (tick-sched.c:54-141). */
export function tickSchedDoTimer(k: Kernel, cpu: number, now: number): void {
  const s = k.s;
  if (s.doTimerCpu === TICK_DO_TIMER.NONE) {
    emit(k, { type: "tick_do_timer", time: now, cpu, from: s.doTimerCpu, to: cpu });
    s.doTimerCpu = cpu;
  }
  if (s.doTimerCpu !== cpu) return;
  const period = k.period;
  const delta = now - s.lastJiffiesUpdate;
  if (delta < period) return;
  const ticks = Math.floor(delta / period);
  s.lastJiffiesUpdate += ticks * period;
  doTimer(k, ticks);
  s.tickNextPeriod = s.lastJiffiesUpdate + period;
}

/**
 * The broadcast device's handler (tick-broadcast.c:318-347, 604-682): every online CPU in the
 * broadcast mask gets its tick through its own device's handler (by IPI, or directly on the CPU
 * running the handler); a oneshot-state broadcast device re-arms one period later.
 */
function tickHandleBroadcast(k: Kernel, bcdev: DeviceState): void {
  const s = k.s;
  for (const cpu of [...s.broadcast.mask]) {
    const c = s.cpus[cpu];
    if (!c.online || c.tickDev === null) continue;
    const own = deviceOf(s, c.tickDev)!;
    if (own) tickHandlePeriodic(k, own, cpu);
  }
  if (bcdev.state === CE_STATE.ONESHOT && s.broadcast.mask.length > 0) {
    clockeventsProgramEvent(
      k,
      bcdev,
      (bcdev.nextEvent >= KTIME_MAX ? ktime(k) : bcdev.nextEvent) + k.period,
      true,
    );
  }
}

/**
 * Whether `cpu` has a working tick now: its tick device is functional (not a placeholder),
 * running, and its interrupts reach the CPU; or it is driven by a working broadcast device.
 */
export function hasWorkingTick(k: Kernel, cpu: number): boolean {
  const s = k.s;
  const id = s.cpus[cpu].tickDev;
  if (id === null) return false;
  const d = deviceOf(s, id)!;
  if (d.features & FEAT.DUMMY) {
    const bc = s.broadcast.dev === null ? null : deviceOf(s, s.broadcast.dev)!;
    return bc !== null && s.broadcast.mask.includes(cpu) && bc.state !== CE_STATE.SHUTDOWN &&
      bc.hwEnabled;
  }
  // ONESHOT_STOPPED: an idle CPU's stopped tick (lib/time/tick_nohz_idle.ts), which the next
  // programming restarts (tick-oneshot.c tick_program_event()).
  if (d.state === CE_STATE.ONESHOT_STOPPED) return d.hwFires;
  if (d.state !== CE_STATE.PERIODIC && d.state !== CE_STATE.ONESHOT) return false;
  return delivers(k, d);
}

/** Why a CPU has no working tick, in words (a device's own reason when its driver has one). */
export function tickDescription(k: Kernel, cpu: number): string {
  const id = k.s.cpus[cpu].tickDev;
  if (id === null) return "its tick device is NULL";
  const d = deviceOf(k.s, id)!;
  return template(d.kind).silent?.(d, cpu) ??
    `its tick device "${d.name}" does not interrupt on this host`;
}

/**
 * `tick_cancel_sched_timer(cpu)` (tick-sched.c; from `hrtimers_dead_cpu()` up to 6.1-rc, from
 * `hrtimers_cpu_dying()` on the dying CPU with 5c0930ccaad5, and from `tick_cpu_dying()` in
 * 6.12): the tick's hrtimer is cancelled and `tick_sched` cleared. On the dying CPU its tick
 * device, left with no timer, is programmed to KTIME_MAX: `tick_program_event()` switches a
 * one-shot device to ONESHOT_STOPPED (tick-oneshot.c).
 */
export function tickCancelSchedTimer(k: Kernel, cpu: number): void {
  const c = k.s.cpus[cpu];
  const wasHres = c.hres;
  c.nohzMode = 0;
  c.schedExpires = -1;
  if (!wasHres || c.tickDev === null) return;
  const d = deviceOf(k.s, c.tickDev)!;
  if (d && d.state === CE_STATE.ONESHOT && c.online === false) {
    clockeventsSwitchState(k, d, CE_STATE.ONESHOT_STOPPED);
    d.nextEvent = KTIME_MAX;
  }
}
