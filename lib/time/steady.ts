/**
 * A steady run of ticks: what `advance` may batch (lib/time/tick_rounds.ts) or jump over
 * (lib/time/fast_forward.ts). It is the steady state of `hrtimer_interrupt()` (hrtimer.c:
 * 1611-1700, as lib/time/tick_handlers.ts `runInterrupts()` models it): every device due at the
 * instant is a tick device in ONESHOT state whose `tick_sched_timer` is due exactly then, so each
 * round counts one tick per CPU, forwards the hrtimer by one period and re-programs the device one
 * period later without clamping — and the next round finds the same. Anything else (another
 * device due, a clamp, a stale or doubled entry, a first round that takes the `do_timer` duty) is
 * stepped by `runInterrupts()`.
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import { CE_STATE, type DeviceState, FEAT, TICK_DO_TIMER } from "../engine/state.ts";
import { cpuReceives } from "./clockevents.ts";

/**
 * How many rounds of a bucket due at guest instant `time` fall at or before `guestEnd` and before
 * `next` (the next other bucket's instant, or undefined): a round every `tick_period`.
 *
 * @example
 * ```ts
 * import { roundsBefore } from "./steady.ts";
 * import assert from "node:assert/strict";
 * assert.equal(roundsBefore(1000, 1000, 5500, undefined), 5);
 * assert.equal(roundsBefore(1000, 1000, 5500, 3000), 2);
 * ```
 */
export function roundsBefore(
  period: number,
  time: number,
  guestEnd: number,
  next: number | undefined,
): number {
  let last = Math.floor((guestEnd - time) / period);
  if (next !== undefined) last = Math.min(last, Math.ceil((next - time) / period) - 1);
  return last + 1;
}

/**
 * Whether the taken bucket `devices[0..count)` due at guest instant `time` is a steady run: then
 * its live devices, in order, are copied to `k.scratch` and their number returned; else -1.
 *
 * @example
 * ```ts
 * import { vm } from "../../mod.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import { steadyTicks } from "./steady.ts";
 * import assert from "node:assert/strict";
 * const m = vm().cpus(2).hz(1000).build();
 * m.advance("10ms"); // both CPUs on the high-resolution tick
 * const k = createKernel(m.snapshot());
 * const { time, devices, count } = k.timers.take()!;
 * const n = steadyTicks(k, devices, count, time);
 * assert.equal(n, 2);
 * assert.equal(k.scratch[1].boundTo, 1);
 * ```
 */
export function steadyTicks(
  k: Kernel,
  devices: readonly DeviceState[],
  count: number,
  time: number,
): number {
  // The first round that finds no timekeeping CPU takes the duty (and traces it).
  if (k.s.doTimerCpu === TICK_DO_TIMER.NONE) return -1;
  const p = k.period;
  const cpus = k.s.cpus;
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
  return n === 0 ? -1 : n;
}
