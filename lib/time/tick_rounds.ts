/**
 * Batched stepping: when ticks are observed (tick tracing, a tick observer), a steady run of
 * ticks (lib/time/steady.ts) is stepped round by round and CPU by CPU exactly as
 * `runInterrupts()` would — each tick counted, observed and traced at its instant, in CPU order —
 * but the run's checks are made once and its devices stay in one array from round to round,
 * instead of going through the timer index every round. The devices are armed for the round
 * after the run. When only the trace watches (no tick or event observer: nothing can look before
 * the run ends), each tick is counted in its round and the run's tick events are recorded after
 * it, building only those the trace ring keeps (`emitMany()`).
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import type { DeviceState } from "../engine/state.ts";
import { emitMany } from "../engine/log.ts";
import { countTick, irqRow, tickSchedDoTimer } from "./tick_handlers.ts";

/** `/proc/interrupts` counters of each device's row (null: counted nowhere), created in order. */
function irqCounters(k: Kernel, devices: readonly DeviceState[], n: number): (number[] | null)[] {
  const irqs = k.s.log.irqs ??= {};
  const rows: (number[] | null)[] = [];
  for (let i = 0; i < n; i++) {
    const row = irqRow(k, devices[i]);
    rows.push(row === null ? null : irqs[row] ??= new Array(k.s.config.cpus).fill(0));
  }
  return rows;
}

/**
 * Steps `rounds` rounds of the steady run in `k.scratch[0..n)` due first at guest instant `time`;
 * returns the number of interrupts handled.
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
 * import { stepRounds } from "./tick_rounds.ts";
 * const seen: number[] = [];
 * k.observers.add({ tick: (cpu) => seen.push(cpu) });
 * assert.equal(stepRounds(k, n, time, 3), 6);
 * assert.deepEqual(seen, [0, 1, 0, 1, 0, 1]);
 * ```
 */
export function stepRounds(k: Kernel, n: number, time: number, rounds: number): number {
  const s = k.s;
  const p = k.period;
  const steady = k.scratch;
  const cpus = s.cpus;
  const off = s.offNs;
  const owner = s.doTimerCpu;
  const counters = k.history ? irqCounters(k, steady, n) : null;
  const traceAfter = k.observers.tick.length === 0 && k.observers.event.length === 0;
  let t = time;
  if (traceAfter) {
    // Nothing sees a round until the run ends, so the order within a round cannot show: the
    // timekeeping CPU's jiffies update comes first, each tick is counted where it lands, and the
    // expiries every round moves one period on (hrtimer, next_event, the hardware's) are stored
    // once, as the last round leaves them.
    const mine = steady.slice(0, n).map((d) => cpus[d.boundTo]);
    const owns = mine.some((c) => c.id === owner);
    // Each device's /proc/interrupts row (a spare one when it counts nowhere) and column.
    const spare: number[] = new Array(n).fill(0);
    const rows = (counters ?? []).map((row) => row ?? spare);
    const at = Int32Array.from(mine, (c, i) => counters?.[i] ? c.id : i);
    const counted = counters !== null;
    for (let j = 0; j < rounds; j++, t += p) {
      if (owns) tickSchedDoTimer(k, owner, t);
      if (counted) {
        for (let i = 0; i < n; i++) {
          mine[i].ticks++;
          rows[i][at[i]]++;
        }
      } else {
        for (let i = 0; i < n; i++) mine[i].ticks++;
      }
    }
    s.now = t - p + off;
    for (let i = 0; i < n; i++) {
      mine[i].schedExpires = t;
      steady[i].nextEvent = t;
      steady[i].hwExpires = t;
    }
  } else {
    for (let j = 0; j < rounds; j++, t += p) {
      s.now = t + off;
      const next = t + p;
      for (let i = 0; i < n; i++) {
        // runInterrupts() for a steady device: the one-shot hardware disarms, the interrupt is
        // counted, tick_sched_timer runs (the timekeeping CPU first updates jiffies) and is
        // forwarded one period, and the device is programmed for it.
        const d = steady[i];
        const cpu = d.boundTo;
        d.hwExpires = -1;
        if (counters !== null) {
          const row = counters[i];
          if (row !== null) row[cpu]++;
        }
        if (cpu === owner) tickSchedDoTimer(k, cpu, t);
        countTick(k, d, cpu, "hrtimer_interrupt");
        cpus[cpu].schedExpires = next;
        d.nextEvent = next;
        d.hwExpires = next;
      }
    }
  }
  if (traceAfter && k.traceTicks) {
    emitMany(k, n * rounds, (e) => {
      const d = steady[e % n];
      const at = time + Math.floor(e / n) * p;
      return {
        type: "tick",
        time: at,
        cpu: d.boundTo,
        device: d.name,
        handler: "hrtimer_interrupt",
      };
    });
  }
  k.timers.armAll(t, steady, n);
  return n * rounds;
}
