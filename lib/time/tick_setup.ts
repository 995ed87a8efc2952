/**
 * Choosing and setting up a CPU's tick device (kernel/time/tick-common.c, v5.5, reference §2.3,
 * §2.4): `tick_check_new_device`, `tick_check_percpu`, `tick_check_preferred`,
 * `tick_setup_device`, `tick_setup_periodic`, `tick_setup_oneshot`.
 *
 * @module
 */

import { type Kernel, ktime } from "../engine/kernel.ts";
import { emit, emitDevice } from "../engine/log.ts";
import {
  ALL_CPUS,
  CE_STATE,
  type DeviceState,
  FEAT,
  TICK_DO_TIMER,
  TICKDEV_MODE,
} from "../engine/state.ts";
import {
  clockeventsExchangeDevice,
  clockeventsProgramEvent,
  clockeventsShutdown,
  clockeventsSwitchState,
  dev,
} from "./clockevents.ts";
import { tickDeviceUsesBroadcast, tickInstallBroadcastDevice } from "./tick_broadcast.ts";
import { fcall, fcallWith } from "../tracing/ftrace.ts";

/** `cpumask_test_cpu(cpu, mask)`. */
export function maskHas(mask: number, cpu: number): boolean {
  return mask === ALL_CPUS || mask === cpu;
}

/** `cpumask_equal(a, b)` for the masks hvtick models (one CPU, or all possible CPUs). */
export function maskEqual(k: Kernel, a: number, b: number): boolean {
  if (a === b) return true;
  const one = k.s.config.cpus === 1;
  return one && (a === ALL_CPUS || a === 0) && (b === ALL_CPUS || b === 0);
}

/** `tick_check_percpu()` (tick-common.c:285-299). Global devices' IRQs can always be moved. */
export function tickCheckPercpu(
  k: Kernel,
  curdev: DeviceState | null,
  newdev: DeviceState,
  cpu: number,
): boolean {
  if (!maskHas(newdev.mask, cpu)) return false;
  if (maskEqual(k, newdev.mask, cpu)) return true;
  if (curdev && maskEqual(k, curdev.mask, cpu)) return false;
  return true;
}

/** `tick_check_preferred()` (tick-common.c:301-319), on `cpu`. */
export function tickCheckPreferred(
  k: Kernel,
  curdev: DeviceState | null,
  newdev: DeviceState,
  cpu: number,
): boolean {
  if (!(newdev.features & FEAT.ONESHOT)) {
    if (curdev && curdev.features & FEAT.ONESHOT) return false;
    if (k.s.cpus[cpu].tickMode === TICKDEV_MODE.ONESHOT) return false;
  }
  return !curdev || newdev.rating > curdev.rating || !maskEqual(k, curdev.mask, newdev.mask);
}

/** `tick_check_replacement()` (tick-common.c:325-332). */
export function tickCheckReplacement(
  k: Kernel,
  curdev: DeviceState | null,
  newdev: DeviceState,
  cpu: number,
): boolean {
  return tickCheckPercpu(k, curdev, newdev, cpu) && tickCheckPreferred(k, curdev, newdev, cpu);
}

/** `tick_check_new_device()` on the registering CPU (tick-common.c:338-379). */
export function tickCheckNewDevice(k: Kernel, newdev: DeviceState, cpu: number): void {
  fcallWith(k, "tick_check_new_device", checkNewDevice, newdev, cpu);
}

function checkNewDevice(k: Kernel, newdev: DeviceState, cpu: number): void {
  const td = k.s.cpus[cpu];
  let curdev = td.tickDev === null ? null : dev(k, td.tickDev);
  if (
    !tickCheckPercpu(k, curdev, newdev, cpu) || !tickCheckPreferred(k, curdev, newdev, cpu)
  ) {
    tickInstallBroadcastDevice(k, newdev, cpu);
    return;
  }
  if (curdev && k.s.broadcast.dev === curdev.id) {
    clockeventsShutdown(k, curdev);
    curdev = null;
  }
  clockeventsExchangeDevice(k, curdev, newdev);
  tickSetupDevice(k, newdev, cpu);
  if (newdev.features & FEAT.ONESHOT) td.checkClocks = true;
}

/** `tick_install_replacement()` (tick-common.c:274-283), on `cpu`. */
export function tickInstallReplacement(k: Kernel, newdev: DeviceState, cpu: number): void {
  fcall(k, "tick_install_replacement", () => {
    const td = k.s.cpus[cpu];
    clockeventsExchangeDevice(k, td.tickDev === null ? null : dev(k, td.tickDev), newdev);
    tickSetupDevice(k, newdev, cpu);
    if (newdev.features & FEAT.ONESHOT) td.checkClocks = true;
  });
}

/** `tick_setup_device()` (tick-common.c:201-272). */
export function tickSetupDevice(k: Kernel, newdev: DeviceState, cpu: number): void {
  fcallWith(k, "tick_setup_device", setupDevice, newdev, cpu);
}

function setupDevice(k: Kernel, newdev: DeviceState, cpu: number): void {
  const s = k.s;
  const td = s.cpus[cpu];
  let handler: string | null = null;
  let nextEvent = 0;
  let previous: string | undefined;
  if (td.tickDev === null) {
    if (s.doTimerCpu === TICK_DO_TIMER.BOOT) {
      s.doTimerCpu = cpu;
      s.tickNextPeriod = ktime(k);
      emit(k, { type: "tick_do_timer", time: ktime(k), cpu, from: TICK_DO_TIMER.BOOT, to: cpu });
    }
    td.tickMode = TICKDEV_MODE.PERIODIC;
  } else {
    const old = dev(k, td.tickDev);
    previous = old.name;
    handler = old.handler;
    nextEvent = old.nextEvent;
    old.handler = "clockevents_handle_noop";
  }
  td.tickDev = newdev.id;
  newdev.boundTo = cpu;
  k.observers.deviceChanged(cpu, newdev.name, previous ?? null);
  emitDevice(k, "tick_setup_device", cpu, newdev.name, previous);
  if (tickDeviceUsesBroadcast(k, newdev, cpu)) return;
  if (td.tickMode === TICKDEV_MODE.PERIODIC) tickSetupPeriodic(k, newdev, false);
  else tickSetupOneshot(k, newdev, handler, nextEvent);
}

/**
 * `tick_setup_periodic(dev, broadcast)` (tick-common.c:148-176): PERIODIC state when the device
 * can and broadcast is not in oneshot mode, else oneshot emulation from `tick_next_period`.
 */
export function tickSetupPeriodic(k: Kernel, d: DeviceState, broadcast: boolean): void {
  fcallWith(k, "tick_setup_periodic", setupPeriodic, d, broadcast);
}

function setupPeriodic(k: Kernel, d: DeviceState, broadcast: boolean): void {
  d.handler = broadcast ? "tick_handle_periodic_broadcast" : "tick_handle_periodic";
  if (d.features & FEAT.DUMMY) return;
  if (d.features & FEAT.PERIODIC && k.s.broadcast.mode !== TICKDEV_MODE.ONESHOT) {
    clockeventsSwitchState(k, d, CE_STATE.PERIODIC);
    return;
  }
  clockeventsSwitchState(k, d, CE_STATE.ONESHOT);
  const period = k.period;
  let next = k.s.tickNextPeriod;
  const now = ktime(k);
  if (next <= now) next += Math.floor((now - next) / period) * period;
  while (clockeventsProgramEvent(k, d, next, false) !== 0) next += period;
}

/** `tick_setup_oneshot()` (tick-oneshot.c:61-68). */
export function tickSetupOneshot(
  k: Kernel,
  d: DeviceState,
  handler: string | null,
  nextEvent: number,
): void {
  fcall(k, "tick_setup_oneshot", () => {
    d.handler = handler;
    clockeventsSwitchState(k, d, CE_STATE.ONESHOT);
    clockeventsProgramEvent(k, d, nextEvent, true);
  });
}
