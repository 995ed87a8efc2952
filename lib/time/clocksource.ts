/**
 * Clocksource registration arithmetic (kernel/time/clocksource.c `clocks_calc_mult_shift()`,
 * `clocks_calc_max_nsecs()`, `__clocksource_update_freq_scale()`; kernel/time/jiffies.c), in
 * exact 64-bit integers, and the line `clocksource_register_*()` prints:
 * `clocksource: NAME: mask: 0x… max_cycles: 0x…, max_idle_ns: … ns`.
 *
 * @module
 */

import { TSC_KHZ } from "./devices.ts";

const U64 = (1n << 64n) - 1n;
const NSEC_PER_SEC = 1_000_000_000n;

/** `clocks_calc_mult_shift(from, to, maxsec)` (clocksource.c:57-83 in 6.1). */
export function clocksCalcMultShift(
  from: bigint,
  to: bigint,
  maxsec: bigint,
): { mult: bigint; shift: bigint } {
  let sftacc = 32n;
  let tmp = (maxsec * from) >> 32n;
  while (tmp) {
    tmp >>= 1n;
    sftacc--;
  }
  let sft = 32n;
  for (; sft > 0n; sft--) {
    tmp = ((to << sft) + from / 2n) / from;
    if ((tmp >> sftacc) === 0n) break;
  }
  return { mult: tmp & 0xffffffffn, shift: sft };
}

/** `clocksource_max_adjustment()`: 11% of mult. */
const maxAdjustment = (mult: bigint) => (mult * 11n / 100n) & 0xffffffffn;

/** `clocks_calc_max_nsecs()`: max cycles before a 64-bit overflow (or the mask), and half its ns. */
export function clocksCalcMaxNsecs(
  mult: bigint,
  shift: bigint,
  maxadj: bigint,
  mask: bigint,
): { maxCycles: bigint; maxIdleNs: bigint } {
  let maxCycles = U64 / (mult + maxadj);
  if (maxCycles > mask) maxCycles = mask;
  const maxNsecs = ((maxCycles * (mult - maxadj)) & U64) >> shift;
  return { maxCycles, maxIdleNs: maxNsecs >> 1n };
}

/** A clocksource as registered: what the kernel prints about it. */
export interface RegisteredClocksource {
  /** Its name. */
  readonly name: string;
  /** `mask`. */
  readonly mask: bigint;
  /** `mult`. */
  readonly mult: bigint;
  /** `shift`. */
  readonly shift: bigint;
  /** `max_cycles`. */
  readonly maxCycles: bigint;
  /** `max_idle_ns`. */
  readonly maxIdleNs: bigint;
}

/** `__clocksource_update_freq_scale(cs, 1, freq)` for `clocksource_register_hz(cs, freq)`. */
export function registerHz(name: string, maskBits: number, freq: number): RegisteredClocksource {
  const mask = maskBits >= 64 ? U64 : (1n << BigInt(maskBits)) - 1n;
  const f = BigInt(freq);
  let sec = mask / f;
  if (sec === 0n) sec = 1n;
  else if (sec > 600n && mask > 0xffffffffn) sec = 600n;
  let { mult, shift } = clocksCalcMultShift(f, NSEC_PER_SEC, sec);
  let maxadj = maxAdjustment(mult);
  while (mult + maxadj > 0xffffffffn || mult - maxadj < 0n) {
    mult >>= 1n;
    shift--;
    maxadj = maxAdjustment(mult);
  }
  return { name, mask, mult, shift, ...clocksCalcMaxNsecs(mult, shift, maxadj, mask) };
}

/** `JIFFIES_SHIFT` (kernel/time/tick-internal.h): 8 for HZ ≥ 67. */
function jiffiesShift(hz: number): bigint {
  return hz < 34 ? 6n : hz < 67 ? 7n : 8n;
}

/** `TICK_NSEC`: `(NSEC_PER_SEC + HZ/2) / HZ`. */
const tickNsec = (hz: number) => (NSEC_PER_SEC + BigInt(hz) / 2n) / BigInt(hz);

/** The `jiffies` clocksource: `mult = TICK_NSEC << JIFFIES_SHIFT` (jiffies.c), registered without a freq. */
export function jiffiesClocksource(hz: number): RegisteredClocksource {
  const shift = jiffiesShift(hz);
  const mult = tickNsec(hz) << shift;
  const mask = 0xffffffffn;
  return {
    name: "jiffies",
    mask,
    mult,
    shift,
    ...clocksCalcMaxNsecs(mult, shift, maxAdjustment(mult), mask),
  };
}

/** `register_refined_jiffies(CLOCK_TICK_RATE)` (jiffies.c; x86 passes the PIT's 1193182 Hz). */
export function refinedJiffiesClocksource(
  hz: number,
  cyclesPerSecond = 1_193_182,
): RegisteredClocksource {
  const HZ = BigInt(hz);
  const cps = BigInt(cyclesPerSecond);
  const cyclesPerTick = (cps + HZ / 2n) / HZ;
  const shiftHz = ((cps << 8n) + cyclesPerTick / 2n) / cyclesPerTick;
  const nsecPerTick = ((NSEC_PER_SEC << 8n) + (shiftHz & 0xffffffffn) / 2n) /
    (shiftHz & 0xffffffffn);
  const shift = jiffiesShift(hz);
  const mult = ((nsecPerTick & 0xffffffffn) << shift) & 0xffffffffn;
  const mask = 0xffffffffn;
  return {
    name: "refined-jiffies",
    mask,
    mult,
    shift,
    ...clocksCalcMaxNsecs(mult, shift, maxAdjustment(mult), mask),
  };
}

/**
 * The line a registration prints.
 *
 * @example
 * ```ts
 * import { registerHz, registeredLine } from "./clocksource.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   registeredLine(registerHz("hpet", 32, 100_000_000)),
 *   "clocksource: hpet: mask: 0xffffffff max_cycles: 0xffffffff, max_idle_ns: 19112604467 ns",
 * );
 * ```
 */
export function registeredLine(cs: RegisteredClocksource): string {
  return `clocksource: ${cs.name}: mask: 0x${cs.mask.toString(16)} max_cycles: 0x${
    cs.maxCycles.toString(16)
  }, max_idle_ns: ${cs.maxIdleNs} ns`;
}

/**
 * The registration of a clocksource hvtick's platforms register, by name: the Hyper-V reference
 * counters (10 MHz, 64 bits: drivers/clocksource/hyperv_timer.c), the HPET (100 MHz, 32 bits), the
 * ACPI PM timer (3.579545 MHz, 24 bits), the TSC; null for the jiffies clocksources (registered
 * without a frequency: {@linkcode jiffiesClocksource}).
 *
 * @example
 * ```ts
 * import { clocksourceRegistration } from "./clocksource.ts";
 * import assert from "node:assert/strict";
 * assert.equal(clocksourceRegistration("hpet")?.maxIdleNs, 19112604467n);
 * assert.equal(clocksourceRegistration("jiffies"), null);
 * ```
 */
export function clocksourceRegistration(name: string): RegisteredClocksource | null {
  return name.startsWith("hyperv_clocksource")
    ? registerHz(name, 64, 10_000_000)
    : name === "hpet"
    ? registerHz("hpet", 32, 100_000_000)
    : name === "acpi_pm"
    ? registerHz("acpi_pm", 24, 3_579_545)
    : name === "tsc"
    ? registerHz("tsc", 64, TSC_KHZ * 1000)
    : null;
}
