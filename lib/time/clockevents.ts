/**
 * The clockevents layer (kernel/time/clockevents.c, v5.5, reference §2.1–§2.6): the device lists,
 * state switching with the driver's side effects, programming with min/max clamping, exchange,
 * unbind and replace.
 *
 * @module
 */

import { type Kernel, ktime } from "../engine/kernel.ts";
import { emitDevice, KERN, printk } from "../engine/log.ts";
import {
  current,
  type ExecContext,
  irqsave,
  irqsaveWith,
  runAs,
  taskContext,
} from "../engine/exec.ts";
import { fcall, fcallWith } from "../tracing/ftrace.ts";
import { noteDoubleAdd, walkDevices } from "./list_corruption.ts";
import {
  CE_STATE,
  type CeState,
  type CpuState,
  type DeviceState,
  FEAT,
  KTIME_MAX,
} from "../engine/state.ts";
import { candidatesIn, driverCallbacks, viaSynic } from "./devices.ts";
import {
  listAdd,
  listAddStruct,
  listDel,
  listDelStruct,
  listedStruct,
  listOrder,
} from "../engine/list.ts";
import { refillTiming } from "../engine/device.ts";
import { tickCheckNewDevice, tickCheckReplacement, tickInstallReplacement } from "./tick_setup.ts";
import { E } from "../util/errno.ts";
import { deviceOf, putDevice } from "../engine/device_table.ts";
import { freeDevice } from "./device_free.ts";

/** Looks up a registered device. */
export function dev(k: Kernel, id: string): DeviceState {
  const d = deviceOf(k.s, id);
  if (!d) throw new Error(`internal: no device ${id}`);
  return d;
}

/**
 * `clockevents_register_device()` executed on `cpu` (clockevents.c:444-469): state DETACHED,
 * added at the head of `clockevent_devices`, offered to `tick_check_new_device()` for the
 * registering CPU, then the released list is re-offered.
 */
export function clockeventsRegisterDevice(k: Kernel, d: DeviceState, cpu: number): void {
  fcallWith(k, "clockevents_register_device", registerDevice, d, cpu);
}

function registerDevice(k: Kernel, d: DeviceState, cpu: number): void {
  const s = k.s;
  const existing = deviceOf(s, d.id);
  if (existing) {
    // The struct still exists (static per-CPU memory still referenced, e.g. as the broadcast
    // device): the driver re-initialises the same struct.
    refillTiming(existing, d);
    d = existing;
  } else putDevice(s, d);
  // The struct is the state's own from here: its list link is read and set where it is.
  if (listedStruct(s, d)) {
    // Registered again while still on clockevent_devices: 5.3-5.4's hv_stimer_init() when a
    // rollback re-runs hv_synic_init() before the CPU died (their hv_stimer_cleanup() only shuts
    // the device down); 6.12's LAPIC of a CPU that comes back while that struct is still the
    // broadcast device (setup_secondary_APIC_clock(), after vmbus_percpu_work() made it so).
    // list_add() of a listed node corrupts the list (lib/time/list_corruption.ts).
    noteDoubleAdd(k, d.id);
    k.s.problems.push({
      kind: "bug",
      cpu,
      state: k.s.cpus[cpu].state,
      message: `clockevents_register_device("${d.name}") on CPU${cpu} while it is still ` +
        `registered: list_add() of a listed node corrupts clockevent_devices, which now loops ` +
        `through it (CONFIG_DEBUG_LIST would stop it: "list_add double add")`,
      time: ktime(k),
    });
  }
  d.state = CE_STATE.DETACHED;
  listAddStruct(s, d);
  emitDevice(k, "clockevents_register_device", cpu, d.name);
  // Under clockevents_lock (raw_spin_lock_irqsave).
  irqsaveWith(k, offerDevice, d, cpu);
}

// What clockevents_register_device() does under clockevents_lock once the device is listed.
function offerDevice(k: Kernel, d: DeviceState, cpu: number): void {
  tickCheckNewDevice(k, d, cpu);
  clockeventsNotifyReleased(k, cpu);
}

/**
 * `clockevents_config_and_register()`: computes the device's mult/shift and delta limits (done
 * when the model builds the device) and tail-calls `clockevents_register_device()`.
 */
export function clockeventsConfigAndRegister(k: Kernel, d: DeviceState, cpu: number): void {
  fcallWith(k, "clockevents_config_and_register", clockeventsRegisterDevice, d, cpu);
}

/** `clockevents_notify_released()`: every released device back on the list and re-offered. */
export function clockeventsNotifyReleased(k: Kernel, cpu: number): void {
  const released = k.s.released;
  while (released.length > 0) {
    const id = released.pop()!;
    listAdd(k.s, id);
    tickCheckNewDevice(k, dev(k, id), cpu);
  }
}

/**
 * `clockevents_exchange_device(old, new)` (clockevents.c:569-587): the old device goes DETACHED
 * (its driver shutdown runs) onto the released list; the new one is shut down.
 */
export function clockeventsExchangeDevice(
  k: Kernel,
  old: DeviceState | null,
  next: DeviceState | null,
): void {
  fcallWith(k, "clockevents_exchange_device", exchangeDevice, old, next);
}

function exchangeDevice(k: Kernel, old: DeviceState | null, next: DeviceState | null): void {
  if (k.line.exchangeSplit) clockeventsExchange(k, old, next);
  else exchange(k, old, next);
}

/**
 * `__clockevents_exchange_device()` (6.1, the release's `exchangeSplit`): the exchange itself,
 * which `clockevents_exchange_device()` wraps and `tick_install_broadcast_device()` calls.
 */
export function clockeventsExchange(
  k: Kernel,
  old: DeviceState | null,
  next: DeviceState | null,
): void {
  fcallWith(k, "__clockevents_exchange_device", exchange, old, next);
}

function exchange(k: Kernel, old: DeviceState | null, next: DeviceState | null): void {
  if (old) {
    clockeventsSwitchState(k, old, CE_STATE.DETACHED);
    listDelStruct(k.s, old);
    k.s.released.push(old.id);
    old.boundTo = -1;
  }
  if (next) {
    if (next.state !== CE_STATE.DETACHED) {
      throw new Error(`internal: BUG_ON(!clockevent_state_detached(${next.name}))`);
    }
    clockeventsShutdown(k, next);
  }
}

/** `clockevents_shutdown()`: SHUTDOWN and `next_event = KTIME_MAX` (clockevents.c:171-175). */
export function clockeventsShutdown(k: Kernel, d: DeviceState): void {
  fcallWith(k, "clockevents_shutdown", shutdown, d, null);
}

function shutdown(k: Kernel, d: DeviceState): void {
  clockeventsSwitchState(k, d, CE_STATE.SHUTDOWN);
  d.nextEvent = KTIME_MAX;
}

/**
 * `clockevents_switch_state()` (clockevents.c:91-165): no-op when unchanged; DUMMY devices only
 * change the state variable; otherwise the driver callback runs (modelled as its effect on the
 * hardware). Returns 0 or a negative errno.
 */
export function clockeventsSwitchState(k: Kernel, d: DeviceState, state: CeState): number {
  if (d.state === state) return 0;
  return fcallWith(k, "clockevents_switch_state", switchState, d, state);
}

function switchState(k: Kernel, d: DeviceState, state: CeState): number {
  if (!(d.features & FEAT.DUMMY)) {
    if (state === CE_STATE.PERIODIC && !(d.features & FEAT.PERIODIC)) return -E.ENOSYS;
    if (state === CE_STATE.ONESHOT && !(d.features & FEAT.ONESHOT)) return -E.ENOSYS;
    if (state === CE_STATE.ONESHOT_STOPPED && d.state !== CE_STATE.ONESHOT) return -E.EINVAL;
    // The driver callback `__clockevents_switch_state()` calls for `state`, if the driver has one
    // (looked up once: it also says what the hardware does).
    const cbs = driverCallbacks(k.s.config, d.kind);
    const cb = state === CE_STATE.DETACHED || state === CE_STATE.SHUTDOWN
      ? cbs.shutdown
      : state === CE_STATE.PERIODIC
      ? cbs.periodic
      : state === CE_STATE.ONESHOT
      ? cbs.oneshot
      : cbs.oneshotStopped;
    if (cb) fcallWith(k, cb, driverSetState, d, state);
    // With no shutdown callback the hardware is left as it is; a state with no callback of its
    // own still takes its effect.
    else if (state !== CE_STATE.DETACHED && state !== CE_STATE.SHUTDOWN) {
      driverSetState(k, d, state);
    }
  }
  d.state = state;
  return 0;
}

/**
 * The driver's `set_state_*` callback, as its effect on the (simulated) hardware; shutting down
 * (DETACHED, SHUTDOWN) runs only through the driver's shutdown callback.
 */
function driverSetState(k: Kernel, d: DeviceState, state: CeState): void {
  switch (state) {
    case CE_STATE.DETACHED:
    case CE_STATE.SHUTDOWN:
    case CE_STATE.ONESHOT_STOPPED:
      hwStop(d);
      return;
    case CE_STATE.PERIODIC: {
      d.hwEnabled = true;
      d.hwPeriod = k.period;
      hwArm(k, d, ktime(k) + d.hwPeriod);
      return;
    }
    case CE_STATE.ONESHOT:
      d.hwEnabled = true;
      d.hwPeriod = 0;
      d.hwExpires = -1;
      return;
  }
}

/** The hardware stops: nothing is armed (e.g. `hv_ce_shutdown` writes COUNT=0, CONFIG=0). */
export function hwStop(d: DeviceState): void {
  d.hwEnabled = false;
  d.hwExpires = -1;
  d.hwPeriod = 0;
}

/** Arms the device's hardware interrupt at guest time `at`, when the hardware can fire. */
export function hwArm(k: Kernel, d: DeviceState, at: number): void {
  if (!d.hwEnabled || !d.hwFires) {
    d.hwExpires = -1;
    return;
  }
  d.hwExpires = at;
  k.timers.arm(at, d);
}

/**
 * Whether an interrupt from `d` reaches a CPU now: the device fires, its CPU is up, and (legacy
 * Hyper-V stimer) the SynIC message path is enabled on that CPU.
 */
export function delivers(k: Kernel, d: DeviceState): boolean {
  if (!d.hwEnabled || !d.hwFires) return false;
  return !d.perCpu || cpuReceives(k, d, k.s.cpus[d.mask]);
}

/** The per-CPU part of {@linkcode delivers}: the CPU `c` of per-CPU device `d` takes its interrupt. */
export function cpuReceives(k: Kernel, d: DeviceState, c: CpuState): boolean {
  return c.online && (!viaSynic(d) || k.direct || c.synic);
}

/**
 * `clockevents_program_event(dev, expires, force)` (clockevents.c:303-337): stores next_event;
 * a SHUTDOWN device programs nothing; the delta is clamped to [min_delta_ns, max_delta_ns]; a
 * past expiry is -ETIME unless forced (then min_delta). The modelled hardware fires exactly at
 * the clamped time (ns → ticks rounding is not modelled).
 */
export function clockeventsProgramEvent(
  k: Kernel,
  d: DeviceState,
  expires: number,
  force: boolean,
): number {
  d.nextEvent = Math.min(expires, KTIME_MAX);
  if (d.state === CE_STATE.SHUTDOWN) return 0;
  const now = ktime(k);
  if (d.features & FEAT.KTIME) {
    hwArm(k, d, Math.max(expires, now));
    return 0;
  }
  let delta = expires - now;
  if (delta <= 0) {
    if (!force) return -E.ETIME;
    d.retries++;
    delta = d.minDeltaNs;
  }
  delta = Math.max(Math.min(delta, d.maxDeltaNs), d.minDeltaNs);
  hwArm(k, d, now + delta);
  return 0;
}

/**
 * `clockevents_unbind_device(ced, cpu)` (clockevents.c:398-438): on `cpu`, a DETACHED device is
 * just removed; the CPU's tick device is replaced by the best DETACHED spare
 * (`clockevents_replace`), else -EBUSY; a device in use elsewhere is -EBUSY.
 */
export function clockeventsUnbindDevice(k: Kernel, d: DeviceState, cpu: number): number {
  return fcall(k, "clockevents_unbind_device", () => {
    // smp_call_function_single(cpu, __clockevents_unbind): run here with interrupts off and
    // preemption disabled (get_cpu()) when `cpu` is this CPU, else in its IPI handler.
    const local = current(k).cpu === cpu;
    const ctx = local ? null : ipiContext(k, cpu);
    const body = () => fcall(k, "__clockevents_unbind", () => irqsave(k, () => unbind(k, d, cpu)));
    const ret = fcall(
      k,
      "smp_call_function_single",
      () =>
        local
          ? fcall(k, "generic_exec_single", () => irqsave(k, body))
          : runAs(k, ctx!, () => fcall(k, "__flush_smp_call_function_queue", body)),
    );
    emitDevice(k, "clockevents_unbind_device", cpu, d.name, undefined, ret);
    return ret;
  });
}

// __clockevents_unbind() under clockevents_lock.
function unbind(k: Kernel, d: DeviceState, cpu: number): number {
  const ret = clockeventsTryUnbind(k, d, cpu);
  return ret === -E.EAGAIN
    ? fcall(k, "clockevents_replace", () => clockeventsReplace(k, d, cpu))
    : ret;
}

/** The context of a function-call IPI on `cpu` (hard interrupt, its idle task assumed). */
function ipiContext(k: Kernel, cpu: number): ExecContext {
  return taskContext(cpu, { comm: "<idle>", pid: 0 }, {
    irqsOff: true,
    hardirq: true,
    depth: k.preemptCount ? 1 : 0,
  });
}

/**
 * An unbound struct leaves the model, unless it is still the broadcast device: unbinding only
 * unlinks it (`list_del_init()`, 5.10.265 kernel/time/clockevents.c:391, 379), and only
 * `tick_install_broadcast_device()` changes `tick_broadcast_device.evtdev` (tick-broadcast.c:107).
 * A DETACHED broadcast device is one registered again (the double add of lib/time/list_corruption.ts).
 */
function forget(k: Kernel, id: string): void {
  if (k.s.broadcast.dev !== id) freeDevice(k, id);
}

/** `__clockevents_try_unbind()` (clockevents.c:387-396). */
export function clockeventsTryUnbind(k: Kernel, d: DeviceState, cpu: number): number {
  if (d.state === CE_STATE.DETACHED) {
    listDel(k.s, d.id);
    forget(k, d.id);
    return 0;
  }
  return k.s.cpus[cpu].tickDev === d.id ? -E.EAGAIN : -E.EBUSY;
}

/** `clockevents_replace()` (clockevents.c:359-382), on `cpu`. */
function clockeventsReplace(k: Kernel, ced: DeviceState, cpu: number): number {
  walkDevices(k, "clockevents_replace");
  let best: DeviceState | null = null;
  // Only devices whose cpumask contains the CPU can pass tick_check_percpu().
  for (const id of listOrder(k.s, candidatesIn(k.s, cpu))) {
    const d = dev(k, id);
    if (d === ced || d.state !== CE_STATE.DETACHED) continue;
    if (!tickCheckReplacement(k, best, d, cpu)) continue;
    best = d;
  }
  if (!best) return -E.EBUSY;
  tickInstallReplacement(k, best, cpu);
  listDel(k.s, ced.id);
  const r = k.s.released.indexOf(ced.id);
  if (r >= 0) k.s.released.splice(r, 1);
  forget(k, ced.id);
  return 0;
}

/** Prints a WARN-style line for an internal kernel warning the model hits (`KERN_WARNING`). */
export function warn(k: Kernel, text: string): void {
  printk(k, `WARNING: ${text}`, KERN.WARNING);
}
