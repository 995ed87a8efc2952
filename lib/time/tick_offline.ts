/**
 * What the tick layer does when a CPU goes offline, and across suspend (kernel/time/
 * tick-common.c, clockevents.c; v5.5, reference §2.7): hand over the timekeeping duty, leave
 * broadcast, and after death drop the CPU's tick device and its per-CPU devices.
 *
 * @module
 */

import { type Kernel, ktime } from "../engine/kernel.ts";
import { emit, emitDevice } from "../engine/log.ts";
import { irqsaveWith } from "../engine/exec.ts";
import { fcallWith } from "../tracing/ftrace.ts";
import { CE_STATE, type DeviceState, TICK_DO_TIMER, TICKDEV_MODE } from "../engine/state.ts";
import { clockeventsExchangeDevice, clockeventsShutdown, dev, hwStop } from "./clockevents.ts";
import { freeDevice } from "./device_free.ts";
import { DEVICE_KINDS, PER_CPU_KINDS } from "./devices.ts";
import { listDelStruct, listedStruct } from "../engine/list.ts";
import { walkDevices } from "./list_corruption.ts";
import { resetHrtimerBase } from "./hrtimer_base.ts";

const GLOBAL_KINDS = DEVICE_KINDS.filter((kind) => !PER_CPU_KINDS.includes(kind));
import { tickBroadcastOffline } from "./tick_broadcast.ts";
import { deviceAt, perCpuDevice } from "../engine/device_table.ts";

/**
 * `tick_handover_do_timer()` on the dying CPU (tick-common.c:410-418): if it owns the duty,
 * the first online CPU takes it (the dying CPU has already left `cpu_online_mask`).
 */
export function tickHandoverDoTimer(k: Kernel, cpu: number): void {
  fcallWith(k, "tick_handover_do_timer", handoverDoTimer, cpu, null);
}

function handoverDoTimer(k: Kernel, cpu: number): void {
  const s = k.s;
  if (s.doTimerCpu !== cpu) return;
  const first = s.cpus.find((c) => c.online);
  const to = first ? first.id : TICK_DO_TIMER.NONE;
  emit(k, { type: "tick_do_timer", time: ktime(k), cpu, from: cpu, to });
  s.doTimerCpu = to;
}

/**
 * `tick_offline_cpu()` → `tick_broadcast_offline()` on the dying CPU, under clockevents_lock
 * (5.10.262 kernel/time/clockevents.c:622-627).
 */
export function tickOfflineCpu(k: Kernel, cpu: number): void {
  fcallWith(k, "tick_offline_cpu", offlineCpu, cpu, null);
}

function offlineCpu(k: Kernel, cpu: number): void {
  irqsaveWith(k, tickBroadcastOffline, cpu, null);
}

/** The dying CPU's timer hardware stops (x86 `__cpu_disable` → `clear_local_APIC()`, death). */
export function stopDyingCpuTimers(k: Kernel, cpu: number): void {
  // Indexed loops here and below: they run once per offline, mostly before they are optimised,
  // where `for…of` builds an iterator and a result per element.
  for (let i = 0; i < PER_CPU_KINDS.length; i++) {
    const d = perCpuDevice(k.s, i, cpu);
    if (d) hwStop(d);
  }
}

/**
 * A registered device of the dead CPU (its cpumask is exactly the CPU) that is still listed and
 * not the broadcast device: unregistered (`list_del()`, then freed), its struct resolved once.
 */
function unregisterDead(k: Kernel, d: DeviceState): void {
  const s = k.s;
  if (!listedStruct(s, d)) return;
  const id = d.id;
  if (s.broadcast.dev === id) return;
  if (d.state !== CE_STATE.DETACHED) {
    throw new Error(`internal: BUG_ON(!clockevent_state_detached(${d.name}))`);
  }
  listDelStruct(s, d);
  freeDevice(k, id);
}

/**
 * `tick_cleanup_dead_cpu()` on the control CPU (clockevents.c:633-659): `tick_shutdown()`
 * detaches the tick device without a driver call; the released list is dropped; every per-CPU
 * device of the dead CPU that is not the broadcast device is unregistered.
 */
export function tickCleanupDeadCpu(k: Kernel, cpu: number): void {
  fcallWith(k, "tick_cleanup_dead_cpu", cleanupLocked, cpu, null);
}

function cleanupLocked(k: Kernel, cpu: number): void {
  irqsaveWith(k, cleanupDeadCpu, cpu, null);
}

// The state number of `hrtimers:prepare` in a kernel's step table (found once per table: a
// table is fixed while it is in use, and this runs on every offline).
const PREPARE = new WeakMap<Kernel["steps"], number>();
function prepareState(k: Kernel): number {
  let state = PREPARE.get(k.steps);
  if (state === undefined) {
    state = k.steps.findIndex((step) => step.name === "hrtimers:prepare");
    PREPARE.set(k.steps, state);
  }
  return state;
}

// Under clockevents_lock.
function cleanupDeadCpu(k: Kernel, cpu: number): void {
  const s = k.s;
  const c = s.cpus[cpu];
  fcallWith(k, "tick_shutdown", tickShutdown, cpu, null);
  // Released structs leave every list (list_del poisons them); one that is still the broadcast
  // device stays referenced (tick_broadcast_device.evtdev), so hvtick keeps it.
  // Emptied by pop(), which keeps the array's room: a new array (or `length = 0`) gave its store
  // back, and the next offline's release into it allocated one again (about 150 bytes a cycle).
  const released = s.released;
  while (released.length > 0) {
    const id = released.pop()!;
    if (s.broadcast.dev !== id) freeDevice(k, id);
  }
  // list_for_each_entry_safe(dev, tmp, &clockevent_devices, list): the dead CPU's devices (its
  // per-CPU structs, and a global device pinned to it), in that order.
  walkDevices(k, "tick_cleanup_dead_cpu");
  for (let i = 0; i < PER_CPU_KINDS.length; i++) {
    const d = perCpuDevice(s, i, cpu);
    if (d) unregisterDead(k, d);
  }
  for (let i = 0; i < GLOBAL_KINDS.length; i++) {
    const d = deviceAt(s, GLOBAL_KINDS[i], 0);
    if (d?.mask === cpu) unregisterDead(k, d);
  }
  // hres_active is hrtimer_cpu_base's: neither tick_shutdown() nor the dying CPU's
  // hrtimers_cpu_dying() clears it (6.8.1 tick-common.c:420-437, hrtimer.c:2224-2262); only
  // hrtimers_prepare_cpu() or hrtimers_cpu_starting() does (lib/hotplug/symbols.ts), before
  // anything reads it again — unless the line lacks hrtimers_cpu_starting() and the CPU stops at
  // or above hrtimers:prepare (2f8dea1692ee). hvtick clears it here in every other case, so that
  // dead CPUs' states do not differ by a value nothing reads; the same for the base's `online`
  // (lib/time/hrtimer_base.ts), which a CPU never brought up has set.
  const prepare = prepareState(k);
  if (k.line.hresResetOnStarting || c.target < prepare) resetHrtimerBase(c);
  c.nohzMode = 0;
  c.schedExpires = -1;
  c.checkClocks = false;
}

/** `tick_shutdown()` of the dead `cpu` (on the control CPU). */
function tickShutdown(k: Kernel, cpu: number): void {
  const c = k.s.cpus[cpu];
  c.tickMode = TICKDEV_MODE.PERIODIC;
  if (c.tickDev === null) return;
  const d = dev(k, c.tickDev);
  // tick_shutdown() marks it DETACHED without a driver call, then releases it through
  // clockevents_exchange_device(dev, NULL) (5.10.262 kernel/time/tick-common.c:413-429).
  d.state = CE_STATE.DETACHED;
  clockeventsExchangeDevice(k, d, null);
  d.handler = "clockevents_handle_noop";
  k.observers.deviceChanged(cpu, null, d.name);
  emitDevice(k, "tick_shutdown", cpu, d.name);
  c.tickDev = null;
}

/**
 * `tick_suspend()` via `timekeeping_suspend()` (syscore, only the boot CPU running): the local
 * tick device is shut down (`clockevents_shutdown`).
 */
export function tickSuspend(k: Kernel, cpu: number): void {
  const id = k.s.cpus[cpu].tickDev;
  if (id !== null) clockeventsShutdown(k, dev(k, id));
}
