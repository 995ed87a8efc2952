/**
 * Platform facts a booted guest shows: the Hyper-V boot lines (arch/x86/kernel/cpu/mshyperv.c)
 * and the clocksources (drivers/clocksource/hyperv_timer.c, arch/x86/kernel/tsc.c,
 * kernel/time/jiffies.c). Sources and inferences: docs/model.md §Clocksources.
 *
 * @module
 */

import type { Kernel } from "../../engine/kernel.ts";

/** A registered clocksource: name, rating, valid for high resolution. */
interface Clocksource {
  readonly name: string;
  readonly rating: number;
  readonly hres: boolean;
}

/** The clocksources registered on this machine, best rating first (`clocksource_list` order). */
export function clocksources(k: Kernel): Clocksource[] {
  const c = k.s.config;
  const list: Clocksource[] = [];
  if (c.arch === "arm64") {
    list.push({ name: "arch_sys_counter", rating: 400, hres: true });
  } else if (c.hyperv === "none") {
    if (!tscUnsynchronized(k)) list.push({ name: "tsc", rating: 300, hres: true });
  } else {
    const ratings = k.line.hypervClocksourceRating;
    const invariant = c.features.invariantTsc;
    const page = invariant ? ratings.invariantTsc : ratings.plain;
    const msr = page - ratings.msrBelowPage;
    // hv_init_clocksource(): the TSC page when offered; the MSR as its fallback, or (6.12,
    // e5313f1c5404) always beside it with the time reference counter (hyperv_timer.c 6.12:607-623).
    if (c.features.referenceTscPage) {
      list.push({ name: "hyperv_clocksource_tsc_page", rating: page, hres: true });
    }
    if (
      c.features.referenceCounter &&
      (!c.features.referenceTscPage || k.line.hypervMsrClocksource === "always")
    ) {
      list.push({
        name: "hyperv_clocksource_msr",
        rating: c.features.referenceTscPage ? msr : page,
        hres: true,
      });
    }
    if (tscReliable(k)) list.push({ name: "tsc", rating: 300, hres: true });
  }
  // hpet_enable() registers the HPET clocksource (rating 250) where there is an HPET.
  if (c.arch === "x86_64" && c.platform.hpet) list.push({ name: "hpet", rating: 250, hres: true });
  if (c.arch === "x86_64") {
    list.push({ name: "acpi_pm", rating: 200, hres: true });
    list.push({ name: "refined-jiffies", rating: 2, hres: false });
  }
  list.push({ name: "jiffies", rating: 1, hres: false });
  return list.sort((a, b) => b.rating - a.rating);
}

/** `current_clocksource`: the best-rated one. */
export function clocksourceName(k: Kernel): string {
  return clocksources(k)[0].name;
}

/**
 * `available_clocksource`: every name followed by a space, then a newline; clocksources not valid
 * for high resolution are hidden once the reading CPU's tick is in oneshot mode
 * (available_clocksource_show).
 */
export function availableClocksources(k: Kernel): string {
  const oneshot = k.s.cpus[0].tickMode === 1;
  return clocksources(k).filter((c) => !oneshot || c.hres).map((c) => `${c.name} `).join("") + "\n";
}

/**
 * `unsynchronized_tsc()` without Hyper-V (arch/x86/kernel/tsc.c): a non-Intel CPU without
 * `constant_tsc` (QEMU's TCG `max`) has unsynchronized TSCs when there is more than one possible
 * CPU (5.10 tsc.c:1227-1253, 6.1:1228-1254) or, from e7ff4ebffe3b (6.12:1291), more than one
 * package (the QEMU guest has one). Marked unstable, the TSC is not a clocksource.
 */
export function tscUnsynchronized(k: Kernel): boolean {
  const c = k.s.config;
  if (c.platform.tscSynchronized) return false;
  return k.line.unsynchronizedTsc === "possible-cpus" ? c.cpus > 1 : false;
}

/**
 * Whether the TSC survives on Hyper-V: 5.2/5.4 mark it unstable unconditionally; 5.5 and 6.1 mark
 * it reliable with `HV_ACCESS_TSC_INVARIANT`, unstable otherwise (arch/x86/kernel/cpu/mshyperv.c:
 * 52:286, 55:293-298, 61:381-393/458).
 */
export function tscReliable(k: Kernel): boolean {
  return k.s.config.features.invariantTsc && k.line.tscReliableWithInvariantBit;
}
