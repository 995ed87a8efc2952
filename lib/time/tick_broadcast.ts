/**
 * The broadcast tick device (kernel/time/tick-broadcast.c, v5.5, reference §2.3–§2.5, §2.7).
 * hvtick keeps no CPU in `tick_broadcast_on` (no idle driver asks for broadcast), so only
 * placeholder (DUMMY) devices put CPUs in the broadcast mask.
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import { emitDevice } from "../engine/log.ts";
import { CE_STATE, type DeviceState, FEAT, KTIME_MAX, TICKDEV_MODE } from "../engine/state.ts";
import { irqsave, irqsaveWith } from "../engine/exec.ts";
import { fcall, fcallWith } from "../tracing/ftrace.ts";
import {
  clockeventsExchange,
  clockeventsExchangeDevice,
  clockeventsProgramEvent,
  clockeventsShutdown,
  clockeventsSwitchState,
  dev,
} from "./clockevents.ts";
import { tickSetupPeriodic } from "./tick_setup.ts";

function setBit(mask: number[], cpu: number): void {
  const i = mask.indexOf(cpu);
  if (i < 0) {
    mask.push(cpu);
    mask.sort((a, b) => a - b);
  }
}

function clearBit(mask: number[], cpu: number): void {
  const i = mask.indexOf(cpu);
  if (i >= 0) mask.splice(i, 1);
}

/** `tick_check_broadcast_device()` (tick-broadcast.c:76-95). */
function tickCheckBroadcastDevice(
  k: Kernel,
  cur: DeviceState | null,
  d: DeviceState,
): boolean {
  if (d.features & (FEAT.DUMMY | FEAT.PERCPU | FEAT.C3STOP)) return false;
  if (k.s.broadcast.mode === TICKDEV_MODE.ONESHOT && !(d.features & FEAT.ONESHOT)) return false;
  return !cur || d.rating > cur.rating;
}

/** `tick_install_broadcast_device()` (tick-broadcast.c:97-120). */
export function tickInstallBroadcastDevice(k: Kernel, d: DeviceState, cpu: number): void {
  // With the release's exchangeSplit it runs under tick_broadcast_lock and calls
  // __clockevents_exchange_device() (6.1.192 tick-broadcast.c:160-190); 5.10.262 neither (94-120).
  fcallWith(k, "tick_install_broadcast_device", installMaybeLocked, d, cpu);
}

function installMaybeLocked(k: Kernel, d: DeviceState, cpu: number): void {
  if (k.line.exchangeSplit) irqsaveWith(k, installBroadcastDevice, d, cpu);
  else installBroadcastDevice(k, d, cpu);
}

function installBroadcastDevice(k: Kernel, d: DeviceState, cpu: number): void {
  const bc = k.s.broadcast;
  const cur = bc.dev === null ? null : dev(k, bc.dev);
  if (!tickCheckBroadcastDevice(k, cur, d)) return;
  if (k.line.exchangeSplit) clockeventsExchange(k, cur, d);
  else clockeventsExchangeDevice(k, cur, d);
  if (cur) cur.handler = "clockevents_handle_noop";
  bc.dev = d.id;
  // The broadcast device's interrupts come first in an instant (timer key -1).
  d.boundTo = -1;
  emitDevice(k, "tick_install_broadcast_device", cpu, d.name, cur?.name);
  if (bc.mask.length > 0) tickSetupPeriodic(k, d, true);
  if (!(d.features & FEAT.ONESHOT)) return;
  // "If the system already runs in oneshot mode, switch the newly registered broadcast device to
  // oneshot mode explicitly" (5.13; 6.1.192 tick-broadcast.c): its handler becomes
  // tick_handle_oneshot_broadcast at once (logs/public/pub-k6.1-hv-legacy-vmbus-*.log); 5.10
  // only notifies the CPUs, and the replacement keeps clockevents_handle_noop until a CPU next
  // switches to oneshot (pub-k5.10-hv-legacy-vmbus-failhvinit.log, after OP 3).
  if (k.line.broadcastReplaceOneshot && bc.mode === TICKDEV_MODE.ONESHOT) {
    tickBroadcastSwitchToOneshot(k, cpu);
    return;
  }
  for (const c of k.s.cpus) c.checkClocks = true;
}

/** `tick_device_uses_broadcast()` (tick-broadcast.c:163-242). */
export function tickDeviceUsesBroadcast(k: Kernel, d: DeviceState, cpu: number): boolean {
  // Under tick_broadcast_lock (raw_spin_lock_irqsave).
  return fcallWith(k, "tick_device_uses_broadcast", usesBroadcastLocked, d, cpu);
}

function usesBroadcastLocked(k: Kernel, d: DeviceState, cpu: number): boolean {
  return irqsaveWith(k, usesBroadcast, d, cpu);
}

function usesBroadcast(k: Kernel, d: DeviceState, cpu: number): boolean {
  const bc = k.s.broadcast;
  const bcdev = bc.dev === null ? null : dev(k, bc.dev);
  if (d.features & FEAT.DUMMY) {
    d.handler = "tick_handle_periodic";
    setBit(bc.mask, cpu);
    if (bcdev) {
      if (bc.mode === TICKDEV_MODE.PERIODIC) tickSetupPeriodic(k, bcdev, true);
      else tickBroadcastSetupOneshot(k, bcdev, cpu);
    }
    return true;
  }
  if (!(d.features & FEAT.C3STOP)) clearBit(bc.mask, cpu);
  clearBit(bc.mask, cpu); // not in tick_broadcast_on
  if (bc.mode === TICKDEV_MODE.ONESHOT) {
    clearBit(bc.oneshotMask, cpu);
    return false;
  }
  if (bc.mask.length === 0 && bcdev) clockeventsShutdown(k, bcdev);
  if (bcdev && !(bcdev.features & FEAT.HRTIMER)) return bc.mask.includes(cpu);
  return false;
}

/** `tick_broadcast_setup_oneshot()` (tick-broadcast.c:870-910), simplified to the mask update. */
function tickBroadcastSetupOneshot(k: Kernel, bcdev: DeviceState, cpu: number): void {
  const bc = k.s.broadcast;
  if (bcdev.handler !== "tick_handle_oneshot_broadcast") {
    const wasPeriodic = bcdev.state === CE_STATE.PERIODIC;
    bcdev.handler = "tick_handle_oneshot_broadcast";
    const others = bc.mask.filter((c) => c !== cpu);
    for (const c of others) setBit(bc.oneshotMask, c);
    if (wasPeriodic && others.length > 0) {
      clockeventsSwitchState(k, bcdev, CE_STATE.ONESHOT);
      clockeventsProgramEvent(k, bcdev, k.s.tickNextPeriod + k.period, true);
    } else {
      bcdev.nextEvent = KTIME_MAX;
    }
  } else {
    clearBit(bc.oneshotMask, cpu);
  }
}

/** `tick_broadcast_switch_to_oneshot()` (tick-broadcast.c:883-942). */
export function tickBroadcastSwitchToOneshot(k: Kernel, cpu: number): void {
  fcall(k, "tick_broadcast_switch_to_oneshot", () =>
    irqsave(k, () => {
      const bc = k.s.broadcast;
      bc.mode = TICKDEV_MODE.ONESHOT;
      if (bc.dev !== null) tickBroadcastSetupOneshot(k, dev(k, bc.dev), cpu);
    }));
}

/**
 * `tick_broadcast_offline()` (tick-broadcast.c:442-463, 963-972): the dead CPU leaves every
 * broadcast mask; in periodic mode an emptied mask shuts the broadcast device down.
 */
export function tickBroadcastOffline(k: Kernel, cpu: number): void {
  // Under tick_broadcast_lock (raw_spin_lock: interrupts are already off).
  fcallWith(k, "tick_broadcast_offline", broadcastOfflineLocked, cpu, null);
}

function broadcastOfflineLocked(k: Kernel, cpu: number): void {
  irqsaveWith(k, broadcastOffline, cpu, null);
}

function broadcastOffline(k: Kernel, cpu: number): void {
  const bc = k.s.broadcast;
  clearBit(bc.mask, cpu);
  clearBit(bc.oneshotMask, cpu);
  if (bc.mode === TICKDEV_MODE.PERIODIC && bc.mask.length === 0 && bc.dev !== null) {
    clockeventsShutdown(k, dev(k, bc.dev));
  }
}
