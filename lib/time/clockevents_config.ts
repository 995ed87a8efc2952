/**
 * `clockevents_config()` arithmetic: mult/shift and the min/max deltas in nanoseconds
 * (kernel/time/clockevents.c `clockevents_config`, `cev_delta2ns`; kernel/time/clocksource.c
 * `clocks_calc_mult_shift`; v5.5, reference §2.2). 64-bit kernel arithmetic is done in BigInt.
 *
 * @module
 */

const NSEC_PER_SEC = 1_000_000_000n;
const U64 = (1n << 64n) - 1n;
const UINT_MAX = 0xffffffffn;

/** The conversion factors and limits a configured clockevent device ends up with. */
export interface DeviceTiming {
  /** ns → ticks multiplier. */
  readonly mult: number;
  /** ns → ticks shift. */
  readonly shift: number;
  /** Smallest programmable delta, ns. */
  readonly minDeltaNs: number;
  /** Largest programmable delta, ns. */
  readonly maxDeltaNs: number;
}

/** `clocks_calc_mult_shift(&mult, &shift, from, to, maxsec)`. */
export function clocksCalcMultShift(
  from: bigint,
  to: bigint,
  maxsec: bigint,
): { mult: bigint; shift: number } {
  let tmp = (maxsec * from) >> 32n;
  let sftacc = 32n;
  while (tmp) {
    tmp >>= 1n;
    sftacc--;
  }
  let mult = 0n;
  let sft = 32;
  for (; sft > 0; sft--) {
    tmp = (to << BigInt(sft)) & U64;
    tmp += from / 2n;
    tmp /= from;
    if ((tmp >> sftacc) === 0n) break;
  }
  mult = tmp & UINT_MAX;
  return { mult, shift: sft };
}

/** `cev_delta2ns(latch, evt, ismax)`. */
export function cevDelta2ns(latch: bigint, mult: bigint, shift: number, ismax: boolean): bigint {
  let clc = (latch << BigInt(shift)) & U64;
  if (clc >> BigInt(shift) !== latch) clc = U64;
  const rnd = mult - 1n;
  if (clc + rnd <= U64 && (!ismax || mult <= (1n << BigInt(shift)))) clc += rnd;
  clc /= mult;
  return clc > 1000n ? clc : 1000n;
}

/**
 * Computes what `clockevents_config_and_register(dev, freq, minTicks, maxTicks)` stores for a
 * ONESHOT-capable device.
 *
 * @example
 * ```ts
 * import { clockeventsConfig } from "./clockevents_config.ts";
 * import assert from "node:assert/strict";
 * // Hyper-V stimer: 10 MHz, 1 .. 0xffffffff ticks
 * const t = clockeventsConfig(10_000_000, 1, 0xffffffff);
 * assert.deepEqual([t.mult, t.shift, t.minDeltaNs, t.maxDeltaNs], [21474836, 31, 1000, 429496739101]);
 * ```
 */
export function clockeventsConfig(
  freq: number,
  minTicks: number,
  maxTicks: number | bigint,
): DeviceTiming {
  const f = BigInt(freq);
  const maxT = BigInt(maxTicks);
  let sec = maxT / f;
  if (!sec) sec = 1n;
  else if (sec > 600n && maxT > UINT_MAX) sec = 600n;
  const { mult, shift } = clocksCalcMultShift(NSEC_PER_SEC, f, sec);
  return {
    mult: Number(mult),
    shift,
    minDeltaNs: Number(cevDelta2ns(BigInt(minTicks), mult, shift, false)),
    maxDeltaNs: Number(cevDelta2ns(maxT, mult, shift, true)),
  };
}

/**
 * Timing of the non-deadline `lapic` device, which is not configured by `clockevents_config()`:
 * shift 32, mult = `div_sc(lapic_timer_period / APIC_DIVISOR, TICK_NSEC, 32)`, min/max from
 * `clockevent_delta2ns(0xF / 0x7FFFFFFF)` (arch/x86/kernel/apic/apic.c, v5.5, reference §2.2).
 *
 * @example
 * ```ts
 * import { lapicTiming } from "./clockevents_config.ts";
 * import assert from "node:assert/strict";
 * assert.equal(lapicTiming(800_000, 250).mult, 53687091);
 * ```
 */
export function lapicTiming(lapicTimerPeriod: number, hz: number): DeviceTiming {
  const APIC_DIVISOR = 16n;
  const tickNsec = tickNsecFor(hz);
  const mult = ((BigInt(lapicTimerPeriod) / APIC_DIVISOR) << 32n) / BigInt(tickNsec);
  return {
    mult: Number(mult),
    shift: 32,
    minDeltaNs: Number(cevDelta2ns(0xfn, mult, 32, false)),
    maxDeltaNs: Number(cevDelta2ns(0x7fffffffn, mult, 32, false)),
  };
}

/**
 * `TICK_NSEC` for a HZ value: `(NSEC_PER_SEC + HZ/2) / HZ` (include/linux/jiffies.h via
 * `ACTHZ`; exact for the HZ values hvtick accepts).
 *
 * @example
 * ```ts
 * import { tickNsecFor } from "./clockevents_config.ts";
 * import assert from "node:assert/strict";
 * assert.equal(tickNsecFor(250), 4_000_000);
 * assert.equal(tickNsecFor(300), 3_333_333);
 * ```
 */
export function tickNsecFor(hz: number): number {
  return Math.floor((1_000_000_000 + Math.floor(hz / 2)) / hz);
}
