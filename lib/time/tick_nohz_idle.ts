/**
 * NO_HZ idle for a CPU that has nothing to run. hvtick models every active CPU as busy (its tick
 * never stops), but a CPU that is online and not active — below `sched:active`, e.g. left at
 * `smpboot/threads:online` by a failed offline's rollback — runs no task but its per-CPU kthreads
 * (`is_cpu_allowed()`: 5.4.301 kernel/sched/core.c:1558-1567), so once its hotplug thread is done
 * its idle loop stops the tick (`do_idle()` → `cpuidle_idle_call()` → `tick_nohz_idle_stop_tick()`:
 * kernel/sched/idle.c:129-195, 225-264; kernel/time/tick-sched.c:974-1017) and nothing
 * starts it again until the CPU is hotplugged once more (`tick_nohz_idle_exit()`, the restart:
 * tick-sched.c:679-698, 880-899).
 *
 * The tick's hrtimer is moved to the CPU's next timer-wheel event (`tick_nohz_next_event()`,
 * tick-sched.c:706-788). hvtick models no timer-wheel timers, so that is none: the hrtimer is
 * cancelled and the device goes ONESHOT_STOPPED with `next_event` KTIME_MAX (tick-sched.c:854-858,
 * tick-oneshot.c:27-33) — unless the CPU had the timekeeping duty: it gives it up and sleeps at most
 * `timekeeping_max_deferment()`, the clocksource's `max_idle_ns` (tick-sched.c:766-779, 806-812),
 * and after that wake-up stops again. In 5.4.301 a CPU brought back up may also wake for a timer
 * that is no longer there: `timers_dead_cpu()` moves the dead CPU's timers away with
 * `detach_timer()`, which leaves their buckets' `pending_map` bits set, and `timers_prepare_cpu()`
 * does not clear them (kernel/time/timer.c:1989-2014, 818-843), so `__next_timer_interrupt()` finds
 * a bucket with nothing in it (timer.c:1550-1566). Nine real runs of k5.4-hv-direct-failprep's
 * operations show both: CPU2's tick stopped and its LOC count still, with `next_timer` KTIME_MAX
 * and its LAPIC in mode 4 in four, and in five a jiffy-aligned `next_timer` 53–120 s ahead (one a
 * level-3 bucket boundary: jiffies ≡ 0 mod 512) and mode 3, with no timer queued on CPU2 since it
 * came back and no hrtimer on it but the tick's (docs/research/real-pending/README.md). hvtick
 * takes the first outcome; the harness compares either (lib/fidelity/exclusions.ts
 * `idle-tick-stop`).
 *
 * @module
 */

import { type Kernel, ktime } from "../engine/kernel.ts";
import { emit } from "../engine/log.ts";
import { runAsWith, taskContext } from "../engine/exec.ts";
import { CE_STATE, KTIME_MAX, TICK_DO_TIMER } from "../engine/state.ts";
import { IDLE } from "../tracing/tasks.ts";
import { recording } from "../tracing/ftrace.ts";
import { clockeventsProgramEvent, clockeventsSwitchState } from "./clockevents.ts";
import { deviceOf } from "../engine/device_table.ts";

const activeStates = new WeakMap<Kernel["steps"], number>();

/** `CPUHP_AP_ACTIVE` (`sched:active`) of the kernel's step table: a CPU at or above it is active. */
function schedActive(k: Kernel): number {
  let n = activeStates.get(k.steps);
  if (n === undefined) {
    n = k.steps.find((s) => s.id === "CPUHP_AP_ACTIVE")?.state ?? 0;
    activeStates.set(k.steps, n);
  }
  return n;
}

/**
 * Whether `cpu` idles with nothing to run: online, not active, and its tick on the high-resolution
 * `tick_sched_timer` (`NOHZ_MODE_HIGHRES`; a periodic tick device cannot stop: `can_stop_idle_tick()`,
 * tick-sched.c:935-936).
 *
 * @example
 * ```ts
 * import { idlesWithNothingToRun } from "./tick_nohz_idle.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm({ cpus: 2 }).build().snapshot());
 * assert.equal(idlesWithNothingToRun(k, 1), false); // online and active
 * ```
 */
export function idlesWithNothingToRun(k: Kernel, cpu: number): boolean {
  const c = k.s.cpus[cpu];
  if (!c.online || c.nohzMode !== 2 || c.state >= schedActive(k)) return false;
  // [GAP] The timekeeping CPU sleeps at most its clocksource's max_idle_ns, which hvtick knows
  // only for the clocksources whose rate it models (not arm64's arch_sys_counter): there it is
  // left ticking.
  return k.maxDefermentNs !== null || k.s.doTimerCpu !== cpu;
}

/** Whether `cpu`'s tick is stopped: its `tick_sched_timer` is not at the next tick. */
function tickStopped(k: Kernel, cpu: number): boolean {
  const c = k.s.cpus[cpu];
  if (!c.online || c.nohzMode !== 2) return false;
  return c.schedExpires < 0 || c.schedExpires > nextTick(k);
}

/** The first tick after now on the jiffies grid (`hrtimer_forward()` of the tick). */
function nextTick(k: Kernel): number {
  const now = ktime(k);
  const period = k.period;
  const base = k.s.lastJiffiesUpdate;
  return now < base ? base : base + (Math.floor((now - base) / period) + 1) * period;
}

/**
 * `tick_nohz_next_event()` + `tick_nohz_stop_tick()` with no timer-wheel event: the sched timer's
 * new expiry (-1: cancelled). The timekeeping CPU gives up the duty and sleeps at most
 * `timekeeping_max_deferment()` from `last_jiffies_update`.
 */
function stopExpiry(k: Kernel, cpu: number): number {
  const s = k.s;
  if (s.doTimerCpu !== cpu) return -1;
  emit(k, { type: "tick_do_timer", time: ktime(k), cpu, from: cpu, to: TICK_DO_TIMER.NONE });
  s.doTimerCpu = TICK_DO_TIMER.NONE;
  return s.lastJiffiesUpdate + k.maxDefermentNs!;
}

/**
 * The idle CPU's tick stops (`__tick_nohz_idle_stop_tick()`, in its idle task with interrupts
 * off): when `cpu` {@linkcode idlesWithNothingToRun} and its tick still runs.
 *
 * @example
 * ```ts
 * import { tickNohzIdleStop } from "./tick_nohz_idle.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const m = vm({ cpus: 2 }).build();
 * m.advance("10ms"); // past the first ticks: high resolution, the tick on its hrtimer
 * const k = createKernel(m.snapshot());
 * const next = k.s.cpus[1].schedExpires;
 * tickNohzIdleStop(k, 1); // an active CPU: nothing changes
 * assert.ok(next > 0);
 * assert.equal(k.s.cpus[1].schedExpires, next);
 * ```
 */
export function tickNohzIdleStop(k: Kernel, cpu: number): void {
  if (!idlesWithNothingToRun(k, cpu) || tickStopped(k, cpu)) return;
  // Arguments, not a closure: a closure's captured variables make every call (each walk's)
  // allocate a context, also when the tick runs on.
  if (recording(k)) runAsWith(k, taskContext(cpu, IDLE, { irqsOff: true }), stopTick, k, cpu, 0);
  else stopTick(k, cpu);
}

// `tick_nohz_stop_tick()` in the idle task: the sched timer's new expiry, the device after it.
function stopTick(k: Kernel, cpu: number): void {
  k.s.cpus[cpu].schedExpires = stopExpiry(k, cpu);
  programTick(k, cpu);
}

/**
 * From the tick interrupt of a CPU that {@linkcode idlesWithNothingToRun}: back in its idle loop
 * it stops the tick again (`do_idle()` goes round and calls `tick_nohz_idle_stop_tick()` once
 * more, kernel/sched/idle.c:225-264), unless the CPU is running its hotplug thread. Returns
 * whether it did.
 */
export function tickNohzIdleRestop(k: Kernel, cpu: number): boolean {
  if (k.awake?.includes(cpu)) return false;
  k.s.cpus[cpu].schedExpires = stopExpiry(k, cpu);
  programTick(k, cpu);
  return true;
}

/**
 * Runs `f(k, a, b)` (a hotplug walk of `cpu`) with the CPU awake: a stopped tick restarts first
 * ({@linkcode tickNohzIdleExit}), and while its hotplug thread runs the CPU is busy, whatever its
 * state (its tick interrupts do not stop the tick). Arguments, not a closure: every walk asks.
 *
 * @example
 * ```ts
 * import { whileAwake } from "./tick_nohz_idle.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm({ cpus: 2 }).build().snapshot());
 * assert.equal(whileAwake(k, 1, (k, a: number, b: number) => k.awake!.includes(1) ? a + b : 0, 3, 4), 7);
 * assert.equal(k.awake!.includes(1), false);
 * ```
 */
export function whileAwake<A, B, T>(
  k: Kernel,
  cpu: number,
  f: (k: Kernel, a: A, b: B) => T,
  a: A,
  b: B,
): T {
  tickNohzIdleExit(k, cpu);
  // A stack, not a Set: walks nest, and a Set emptied by delete() shrinks its table (a runtime
  // call and a new table on every walk).
  const awake = k.awake ??= [];
  awake.push(cpu);
  try {
    return f(k, a, b);
  } finally {
    awake.pop();
  }
}

/**
 * A CPU whose tick is stopped leaves its idle loop to run its hotplug thread
 * (`tick_nohz_idle_exit()` → `tick_nohz_restart_sched_tick()`): the tick's hrtimer goes back to
 * the next tick and the device is programmed again (out of ONESHOT_STOPPED: tick-oneshot.c:35-41).
 *
 * @example
 * ```ts
 * import { tickNohzIdleExit } from "./tick_nohz_idle.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm({ cpus: 2 }).build().snapshot());
 * const before = k.s.cpus[1].schedExpires;
 * tickNohzIdleExit(k, 1); // its tick runs: nothing changes
 * assert.equal(k.s.cpus[1].schedExpires, before);
 * ```
 */
export function tickNohzIdleExit(k: Kernel, cpu: number): void {
  if (!tickStopped(k, cpu)) return;
  // Arguments, not a closure, as in tickNohzIdleStop().
  if (recording(k)) runAsWith(k, taskContext(cpu, IDLE, { irqsOff: true }), restartTick, k, cpu, 0);
  else restartTick(k, cpu);
}

// `tick_nohz_restart_sched_tick()`: the sched timer back at the next tick, the device after it.
function restartTick(k: Kernel, cpu: number): void {
  k.s.cpus[cpu].schedExpires = nextTick(k);
  programTick(k, cpu);
}

/** The CPU's tick device follows its sched timer: stopped when there is none. */
function programTick(k: Kernel, cpu: number): void {
  const c = k.s.cpus[cpu];
  if (c.tickDev === null) return;
  const d = deviceOf(k.s, c.tickDev)!;
  if (c.schedExpires < 0) {
    if (d.state === CE_STATE.ONESHOT) clockeventsSwitchState(k, d, CE_STATE.ONESHOT_STOPPED);
    d.nextEvent = KTIME_MAX;
    return;
  }
  if (d.state === CE_STATE.ONESHOT_STOPPED) clockeventsSwitchState(k, d, CE_STATE.ONESHOT);
  clockeventsProgramEvent(k, d, c.schedExpires, true);
}
