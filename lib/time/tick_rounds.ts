/**
 * Batched stepping: when ticks are observed (tick tracing, a tick observer), a steady run of
 * ticks (lib/time/steady.ts) is stepped round by round and CPU by CPU exactly as
 * `runInterrupts()` would — each tick counted, observed and traced at its instant, in CPU order —
 * but the run's checks are made once and its devices stay in one array from round to round,
 * instead of going through the timer index every round. The devices are armed for the round
 * after the run. When only the trace watches (no tick or event observer: nothing can look before
 * the run ends), each tick is counted in its round and the run's tick events are recorded after
 * it: only those the trace ring keeps, written into its columns with no event object
 * (`traceKept()`, lib/engine/trace_ticks.ts `pushTickRounds()`).
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import type { CpuState, DeviceState } from "../engine/state.ts";
import { traceKept } from "../engine/log.ts";
import { pushTickRounds } from "../engine/trace_ticks.ts";
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
  const counters = k.history ? irqCounters(k, k.scratch, n) : null;
  if (k.observers.tick.length === 0 && k.observers.event.length === 0) {
    stepQuiet(k, n, time, rounds, counters);
  } else stepWatched(k, n, time, rounds, counters);
  k.timers.armAll(time + rounds * k.period, k.scratch, n);
  return n * rounds;
}

// Nothing sees a round until the run ends, so the order within a round cannot show: the
// timekeeping CPU's jiffies update comes first, each tick is counted where it lands, and the
// expiries every round moves one period on (hrtimer, next_event, the hardware's) are stored once,
// as the last round leaves them. The run's tick events are written after it, only those the ring
// keeps. Each loop is a small function of its own over arrays of one shape each (one CPU struct
// map, one counter array kind, an Int32Array): V8 compiles a loop on-stack (OSR) in the first run
// and enters that code from then on. In one big function, the code after a loop had no type
// feedback when the loop was compiled, and it deoptimised there at every run (--trace-deopt: "exit
// from OSR'd inner loop", "Insufficient type feedback"), so each advance ran partly unoptimised.
function stepQuiet(
  k: Kernel,
  n: number,
  time: number,
  rounds: number,
  counters: (number[] | null)[] | null,
): void {
  const s = k.s;
  const mine: CpuState[] = new Array(n);
  // Each device's /proc/interrupts row and column (a spare row, by device, when it counts nowhere).
  const rows: number[][] = new Array(n);
  const at = new Int32Array(n);
  const owns = gather(k, n, counters, mine, rows, at);
  const end = countRounds(k, owns, time, rounds, mine, rows, at, n);
  s.now = end - k.period + s.offNs;
  storeExpiries(k.scratch, mine, n, end);
  if (k.traceTicks && k.history) traceRounds(k, n, time, rounds);
}

// Fills `mine`, `rows` and `at` for the run in `k.scratch[0..n)`; whether the timekeeping CPU is
// in it.
function gather(
  k: Kernel,
  n: number,
  counters: (number[] | null)[] | null,
  mine: CpuState[],
  rows: number[][],
  at: Int32Array,
): boolean {
  const steady = k.scratch;
  const cpus = k.s.cpus;
  const owner = k.s.doTimerCpu;
  const spare: number[] = new Array(n).fill(0);
  let owns = false;
  for (let i = 0; i < n; i++) {
    const cpu = steady[i].boundTo;
    const row = counters === null ? null : counters[i];
    mine[i] = cpus[cpu];
    rows[i] = row ?? spare;
    at[i] = row === null ? i : cpu;
    if (cpu === owner) owns = true;
  }
  return owns;
}

// Counts `rounds` rounds from guest instant `time`; returns the instant of the round after them.
function countRounds(
  k: Kernel,
  owns: boolean,
  time: number,
  rounds: number,
  mine: CpuState[],
  rows: number[][],
  at: Int32Array,
  n: number,
): number {
  const p = k.period;
  const owner = k.s.doTimerCpu;
  let t = time;
  for (let j = 0; j < rounds; j++, t += p) {
    if (owns) tickSchedDoTimer(k, owner, t);
    countRound(mine, rows, at, n);
  }
  return t;
}

// One round's ticks, each counted on its CPU and in its /proc/interrupts cell.
function countRound(mine: CpuState[], rows: number[][], at: Int32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    mine[i].ticks++;
    rows[i][at[i]]++;
  }
}

// The hrtimer, next_event and hardware expiry of each CPU and device of the run: `end`.
function storeExpiries(steady: DeviceState[], mine: CpuState[], n: number, end: number): void {
  for (let i = 0; i < n; i++) {
    mine[i].schedExpires = end;
    steady[i].nextEvent = end;
    steady[i].hwExpires = end;
  }
}

// The `tick` events of `rounds` rounds of the run in `k.scratch[0..n)` from guest instant `time`,
// in the order stepping emits them (round by round, CPU order within one): only those the ring
// keeps are written, straight into its columns.
function traceRounds(k: Kernel, n: number, time: number, rounds: number): void {
  const steady = k.scratch;
  const cpus = new Int32Array(n);
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    cpus[i] = steady[i].boundTo;
    names.push(steady[i].name);
  }
  const total = n * rounds;
  const first = total - traceKept(k, total);
  pushTickRounds(k.trace, time, k.period, cpus, names, "hrtimer_interrupt", first, total);
}

// A tick or event observer sees every tick as it happens: each round, CPU by CPU, exactly as
// runInterrupts() steps it. A round per call, as in stepQuiet() (an inner loop here was compiled
// on-stack and deoptimised at each of its exits: --trace-deopt "exit from OSR'd inner loop").
function stepWatched(
  k: Kernel,
  n: number,
  time: number,
  rounds: number,
  counters: (number[] | null)[] | null,
): void {
  const p = k.period;
  const off = k.s.offNs;
  const owner = k.s.doTimerCpu;
  for (let j = 0, t = time; j < rounds; j++, t += p) {
    k.s.now = t + off;
    watchRound(k, n, t, owner, counters);
  }
}

// One round at guest instant `t` with its observers (`owner`: the timekeeping CPU).
function watchRound(
  k: Kernel,
  n: number,
  t: number,
  owner: number,
  counters: (number[] | null)[] | null,
): void {
  const steady = k.scratch;
  const cpus = k.s.cpus;
  const next = t + k.period;
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
