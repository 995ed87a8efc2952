/**
 * Fast-forward: when nothing observes individual ticks, `advance` jumps over a steady run of
 * ticks (lib/time/steady.ts) in closed form. A round's only cross-CPU effect is the timekeeping
 * CPU's `tick_do_update_jiffies64()`, whose sum over the rounds is closed form; every other effect
 * is per CPU and the same each round. docs/model.md §Fast-forward says why it is exact.
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import { countIrq } from "../engine/log.ts";
import { watchesEveryTick } from "../engine/stops.ts";
import { irqRow } from "./tick_handlers.ts";

/**
 * Stepping forced for every kernel: each bucket through `runInterrupts()`, neither batched nor
 * jumped (a diagnostic switch, not state: it never changes an outcome, only how it is computed).
 * The differential test steps with it; the bench times the reference loop with it.
 */
const forced = { on: false };

/**
 * Forces (or stops forcing) plain tick-by-tick stepping in every `advance`; returns the previous
 * value.
 *
 * @example
 * ```ts
 * import { forceTickStepping, steppingForced } from "./fast_forward.ts";
 * import assert from "node:assert/strict";
 * const before = forceTickStepping(true);
 * assert.equal(steppingForced(), true);
 * forceTickStepping(before);
 * ```
 */
export function forceTickStepping(on: boolean): boolean {
  const was = forced.on;
  forced.on = on;
  return was;
}

/** Whether plain stepping is forced (see {@linkcode forceTickStepping}). */
export function steppingForced(): boolean {
  return forced.on;
}

/**
 * Whether something observes individual ticks, so that they must be stepped: tick trace events
 * (`traceTicks`) or an observer that sees every tick, device change or event
 * ({@linkcode watchesEveryTick}: a recording, a breakpoint, `runUntil`). The one place that
 * decides; a new kind of tick watcher belongs here or in `watchesEveryTick`.
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
  return k.traceTicks || watchesEveryTick(k);
}

/**
 * Jumps over `rounds` rounds of the steady run in `k.scratch[0..n)` due first at guest instant
 * `time`: every CPU's tick count, hrtimer, device and interrupt counts, and jiffies, end where the
 * rounds one by one would put them, and the devices are armed for the round after. Returns the
 * number of interrupts handled.
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
 * import { fastForward } from "./fast_forward.ts";
 * const jiffies = k.s.jiffies;
 * assert.equal(fastForward(k, n, time, 1000), 2000);
 * assert.equal(k.s.jiffies, jiffies + 1000);
 * assert.equal(k.timers.peek(), time + 1000 * k.period);
 * ```
 */
export function fastForward(k: Kernel, n: number, time: number, rounds: number): number {
  const s = k.s;
  const p = k.period;
  const steady = k.scratch;
  const end = time + rounds * p;
  const owner = s.doTimerCpu;
  for (let i = 0; i < n; i++) {
    const d = steady[i];
    const cpu = d.boundTo;
    const c = s.cpus[cpu];
    if (cpu === owner) {
      // tick_do_update_jiffies64() round by round moves last_jiffies_update by whole periods to
      // the last one at or before each round: over the run, to the last one at or before the
      // last round (each round's floor((t - last) / p) telescopes).
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
