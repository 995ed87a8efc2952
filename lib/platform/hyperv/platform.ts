/**
 * Platform facts a booted guest shows: the Hyper-V boot lines (arch/x86/kernel/cpu/mshyperv.c)
 * and the clocksources (drivers/clocksource/hyperv_timer.c, arch/x86/kernel/tsc.c,
 * kernel/time/jiffies.c). Sources and inferences: docs/model.md §Clocksources.
 *
 * @module
 */

import type { Kernel } from "../../engine/kernel.ts";
import { findHost } from "./hosts.ts";
import { HYPERV_APIC_HZ } from "../../time/devices.ts";

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
    list.push({ name: "tsc", rating: 300, hres: true }, { name: "hpet", rating: 250, hres: true });
  } else {
    const ratings = k.line.hypervClocksourceRating;
    const rating = c.features.invariantTsc ? ratings.invariantTsc : ratings.plain;
    const name = c.features.referenceTscPage
      ? "hyperv_clocksource_tsc_page"
      : "hyperv_clocksource_msr";
    if (c.features.referenceCounter || c.features.referenceTscPage) {
      list.push({ name, rating, hres: true });
    }
    if (tscReliable(k)) list.push({ name: "tsc", rating: 300, hres: true });
  }
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
 * Whether the TSC survives on Hyper-V: 5.2/5.4 mark it unstable unconditionally; 5.5 and 6.1 mark
 * it reliable with `HV_ACCESS_TSC_INVARIANT`, unstable otherwise (arch/x86/kernel/cpu/mshyperv.c:
 * 52:286, 55:293-298, 61:381-393/458).
 */
function tscReliable(k: Kernel): boolean {
  return k.s.config.features.invariantTsc && k.line.tscReliableWithInvariantBit;
}

/** A `{field}` format with its fields filled in. */
function format(text: string, fields: Readonly<Record<string, number>>): string {
  return text.replace(/\{(\w+)\}/g, (_, f) => String(fields[f]));
}

/**
 * Lines an x86 Hyper-V guest prints about the host early in boot: `Hypervisor detected:`
 * (arch/x86/kernel/cpu/hypervisor.c), the host build (5.x `Hyper-V Host Build:%d-%d.%d-%d-%d.%d`;
 * 6.1 `Hyper-V: Host Build %d.%d.%d.%d-%d-%d` with the fields reordered), the LAPIC timer
 * frequency, and `tsc: Marking TSC unstable due to running on Hyper-V` (mshyperv.c). The
 * features/hints line is not printed: the hints value (CPUID 0x40000004) is not modelled.
 */
export function bootMessages(k: Kernel): string[] {
  const c = k.s.config;
  const host = findHost(c.hyperv);
  if (!host || c.arch !== "x86_64") return [];
  const [build, major, minor, sp, branch, number] = host.build;
  const lines = [
    "Hypervisor detected: Microsoft Hyper-V",
    format(k.line.hostBuildMessage, { build, major, minor, sp, branch, number }),
  ];
  if (c.features.frequencyMsrs) {
    lines.push(
      `Hyper-V: LAPIC Timer Frequency: 0x${Math.floor(HYPERV_APIC_HZ / c.hz).toString(16)}`,
    );
  }
  if (!tscReliable(k)) lines.push("tsc: Marking TSC unstable due to running on Hyper-V");
  return lines;
}
