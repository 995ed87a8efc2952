/**
 * Fast-forward: `advance` jumps over a run of high-resolution ticks in closed form when nothing
 * watches individual ticks. A run is the steady state of `hrtimer_interrupt()` (hrtimer.c:
 * 1611-1700, as lib/time/tick_handlers.ts models it): every device due at the instant is a tick
 * device in ONESHOT state whose `tick_sched_timer` is due exactly then, so each round counts one
 * tick per CPU, forwards the hrtimer by one period and re-programs the device one period later
 * without clamping — and the next round is the same. The round's only cross-CPU effect is the
 * timekeeping CPU's `tick_do_update_jiffies64()`, whose sum over rounds is closed form. Anything
 * else (another device due, a clamp, a stale or doubled entry, a first round that takes the
 * `do_timer` duty) is stepped by the caller. docs/model.md §Fast-forward says why it is exact.
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import { countIrq } from "../engine/log.ts";
import { CE_STATE, type DeviceState, FEAT, TICK_DO_TIMER } from "../engine/state.ts";
import { cpuReceives } from "./clockevents.ts";
import { irqRow } from "./tick_handlers.ts";

/**
 * Stepping forced for every kernel (a diagnostic switch, not state: it never changes an outcome,
 * only how it is computed). The differential test and the bench turn it on to compare and to time
 * stepping.
 */
const forced = { on: false };

/**
 * Forces (or stops forcing) tick-by-tick stepping in every `advance`; returns the previous value.
 *
 * @example
 * ```ts
 * import { forceTickStepping } from "./fast_forward.ts";
 * import assert from "node:assert/strict";
 * const before = forceTickStepping(true);
 * assert.equal(forceTickStepping(before), true);
 * ```
 */
export function forceTickStepping(on: boolean): boolean {
  const was = forced.on;
  forced.on = on;
  return was;
}

/**
 * Whether something observes individual ticks, so that they must be stepped: tick trace events
 * (`traceTicks`), a tick observer (a recording, a breakpoint on a tick), or forced stepping. The
 * one place that decides; a new kind of tick watcher belongs here.
 *
 * @example
 * ```ts
 * import { ticksObserved } from "./fast_forward.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm().cpus(2).build().snapshot());
 * assert.equal(ticksObserved(k), false);
 * const stop = k.observers.add({ tick: () => {} });
 * assert.equal(ticksObserved(k), true);
 * stop();
 * ```
 */
export function ticksObserved(k: Kernel): boolean {
  return forced.on || k.traceTicks || k.observers.tick.length > 0;
}

/**
 * Fast-forwards the taken bucket `devices[0..count)` due at guest instant `time` over every round
 * of its ticks due at or before `guestEnd` and before `next` (the next other bucket's instant, or
 * undefined), when that run is steady (above) and at least two rounds long. Returns the number of
 * interrupts handled, or -1 when the caller must step the bucket (nothing changed).
 */
export function fastForward(
  k: Kernel,
  devices: readonly DeviceState[],
  count: number,
  time: number,
  guestEnd: number,
  next: number | undefined,
): number {
  const p = k.period;
  let last = Math.floor((guestEnd - time) / p);
  if (next !== undefined) last = Math.min(last, Math.ceil((next - time) / p) - 1);
  const rounds = last + 1;
  if (rounds < 2) return -1;
  const s = k.s;
  const cpus = s.cpus;
  const steady = k.scratch;
  let n = 0;
  let key = -1;
  for (let i = 0; i < count; i++) {
    const d = devices[i];
    // A stale entry (re-programmed or stopped since): stepping skips it too.
    if (d.hwExpires !== time) continue;
    const cpu = d.boundTo;
    // In strictly increasing CPU order: no broadcast device (-1), no device twice.
    if (cpu <= key) return -1;
    key = cpu;
    const c = cpus[cpu];
    if (
      d.handler !== "hrtimer_interrupt" || d.hwPeriod !== 0 || !d.hwEnabled || !d.hwFires ||
      (d.perCpu && !cpuReceives(k, d, c)) || c.schedExpires !== time ||
      d.state !== CE_STATE.ONESHOT || (d.features & FEAT.KTIME) !== 0 || p < d.minDeltaNs ||
      p > d.maxDeltaNs
    ) return -1;
    steady[n++] = d;
  }
  // The first round that finds no timekeeping CPU takes the duty (and traces it): step it.
  if (n === 0 || s.doTimerCpu === TICK_DO_TIMER.NONE) return -1;
  const end = time + rounds * p;
  const owner = s.doTimerCpu;
  for (let i = 0; i < n; i++) {
    const d = steady[i];
    const cpu = d.boundTo;
    const c = cpus[cpu];
    if (cpu === owner) {
      // tick_do_update_jiffies64() round by round moves last_jiffies_update by whole periods to
      // the last one at or before each round: over the run, to the last one at or before the
      // last round.
      const ticks = Math.floor((end - p - s.lastJiffiesUpdate) / p);
      if (ticks > 0) {
        s.lastJiffiesUpdate += ticks * p;
        s.jiffies += ticks;
        s.tickNextPeriod = s.lastJiffiesUpdate + p;
      }
    }
    c.ticks += rounds;
    c.schedExpires = end;
    d.nextEvent = end;
    d.hwExpires = end;
    if (k.history) {
      const row = irqRow(k, d);
      if (row) countIrq(k, row, cpu, rounds);
    }
  }
  k.timers.armAll(end, steady, n);
  return n * rounds;
}
