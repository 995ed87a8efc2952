/**
 * Which kernel-log lines the harness compares, and what in them differs from run to run.
 *
 * A line is compared when it comes from a subsystem hvtick models (the table below: Hyper-V
 * platform setup, clocksources and clockevents, SMP bring-up and CPU hotplug, VMbus,
 * hibernation's CPU steps, oops and panic reports). Lines of other subsystems (ACPI tables, PCI,
 * memory, filesystems) are outside the model and are neither produced nor compared. Within a
 * compared line, run-dependent values (the timestamp, measured frequencies, BogoMIPS, counts of
 * pages, elapsed times) are masked by the rules below, each with its reason; docs/model.md lists
 * them too.
 *
 * @module
 */

/** A modelled subsystem: a line pattern, and where the kernel prints it. */
export interface RelevantLines {
  /** What the lines are. */
  readonly what: string;
  /** Matches a line (timestamp removed). */
  readonly pattern: RegExp;
}

/** The kernel-log lines of the subsystems hvtick models. */
export const RELEVANT: readonly RelevantLines[] = [
  {
    what: "hypervisor detection and Hyper-V platform lines (arch/x86/kernel/cpu/mshyperv.c)",
    pattern: /^(?:Hypervisor detected: |Hyper-V[: ]|Booting paravirtualized kernel on )/,
  },
  {
    what: "clocksource registration and switches (kernel/time/clocksource.c)",
    pattern: /^clocksource: /,
  },
  { what: "TSC stability and calibration (arch/x86/kernel/tsc.c)", pattern: /^tsc: / },
  {
    what: "HPET setup (arch/x86/kernel/hpet.c; its RTC emulation is not modelled)",
    pattern: /^hpet\d+: /,
  },
  {
    what:
      "SMP bring-up and CPU hotplug (arch/x86/kernel/smpboot.c, kernel/smp.c, kernel/cpu.c, arch/x86/kernel/cpu/topology.c)",
    pattern:
      /^(?:smpboot: |smp: |x86: Booting SMP configuration:|\.\.\.\. node |CPU\d+ is up|(?:Disabling|Enabling) non-boot CPUs|CPU topo: )/,
  },
  { what: "VMbus (drivers/hv/)", pattern: /^hv_vmbus: / },
  // Hibernation's transitions: where it starts and ends, the platform's sleep-state and NVS steps
  // around the CPUs going down and up, the image's creation, its write and read (which CPUs
  // compress it, the swap device), the pm_test waits, the restore, the refusals. Not compared:
  // the task freezer, the OOM killer's toggle, the console's suspension note and the memory
  // accounting (preallocation, nosave ranges, bitmaps), none of which involves CPUs or timers.
  {
    what: "hibernation (kernel/power/, drivers/acpi/sleep.c and nvs.c, arch/x86/power/cpu.c)",
    pattern:
      /^(?:PM: hibernation: (?:hibernation entry|hibernation exit|Creating image:|Need to copy |Image created|debug: |resume from hibernation|resume failed|Failed to load image|Wrote |Read )|PM: Image |PM: Cannot |PM: Using \d+ thread\(s\) for |PM: (?:Compressing and saving|Loading and decompressing) image data |PM: S\|$|(?:ACPI: )?PM: (?:Saving|Restoring) platform NVS|ACPI: (?:PM: )?(?:Preparing to enter|Waking up from) system sleep state|CPU0 is offline\.$)/,
  },
  {
    what: "oops and panic reports (arch/x86/mm/fault.c, kernel/panic.c)",
    pattern:
      /^(?:BUG: |Oops: |general protection fault|RIP: 0010:|Kernel panic - not syncing: |Modules linked in: )/,
  },
];

/** A run-dependent value inside a compared line, masked before comparing. */
export interface Mask {
  /** The value. */
  readonly pattern: RegExp;
  /** What replaces it. */
  readonly with: string;
  /** Why it differs from run to run on the same kernel. */
  readonly reason: string;
}

/** Run-dependent values in compared lines. */
export const MASKS: readonly Mask[] = [
  {
    pattern: /^tsc: Refined TSC clocksource calibration: \d+\.\d+ MHz$/,
    with: "tsc: Refined TSC clocksource calibration: <MHz> MHz",
    reason: "measured against the HPET at boot",
  },
  {
    pattern:
      /^(clocksource: tsc(?:-early)?: mask: 0xffffffffffffffff) max_cycles: 0x[0-9a-f]+, max_idle_ns: \d+ ns$/,
    with: "$1 max_cycles: <calibrated>, max_idle_ns: <calibrated> ns",
    reason: "follows from the measured TSC frequency",
  },
  {
    pattern: /^(\.\.\.\. node {2}#0, CPUs:) .*$/,
    with: "$1 <announced>",
    reason:
      "announce_cpu() continues this line with pr_cont for each AP; where an AP's own message cuts it depends on timing (5.10, 6.1; 6.12 kicks all APs first)",
  },
  {
    pattern: /^(smpboot: Total of \d+ processors activated) \(\d+\.\d+ BogoMIPS\)$/,
    with: "$1 (<BogoMIPS>)",
    reason: "loops_per_jiffy is measured (or taken from the measured TSC)",
  },
  {
    pattern: /^(PM: hibernation: Image created) \(\d+ pages copied(, \d+ zero pages)?\)$/,
    with: "$1 (<pages>)",
    reason: "depends on memory use",
  },
  {
    pattern: /^(PM: hibernation: Need to copy) \d+ pages$/,
    with: "$1 <pages> pages",
    reason: "depends on memory use",
  },
  {
    pattern:
      /^(PM: hibernation: (?:Wrote|Read)) \d+ kbytes in \d+\.\d+ seconds \(\d+\.\d+ MB\/s\)$/,
    with: "$1 <kbytes> kbytes in <seconds> seconds (<speed> MB/s)",
    reason: "the image's size (memory use) and the disk's speed",
  },
  {
    pattern:
      /^(PM: (?:Compressing and saving|Loading and decompressing) image data) \(\d+ pages\)\.\.\.$/,
    with: "$1 (<pages> pages)...",
    reason: "the image's size: depends on memory use",
  },
  {
    pattern: /^(PM: Image size after compression:) \d+ kbytes$/,
    with: "$1 <kbytes> kbytes",
    reason: "the image's size and how well it compresses: depends on memory use",
  },
];

const STAMP = /^\[\s*\d+\.\d+\] ?/;

/**
 * Lines of the modelled subsystems that are left out all the same, because whether the kernel
 * prints them at all differs from run to run on the same kernel.
 */
export const RUN_DEPENDENT: readonly { readonly pattern: RegExp; readonly reason: string }[] = [
  {
    pattern:
      /^tsc: (?:Fast TSC calibration (?:using PIT|failed)|Unable to calibrate against PIT|using (?:HPET|PMTIMER) reference calibration)$/,
    reason:
      "how tsc_init() measures the TSC without Hyper-V (quick PIT calibration, or against the " +
      "PIT/HPET later) depends on the timing of the measurement: both occur in the plain logs",
  },
  {
    pattern: /^PM: Image (?:saving|loading) progress: +\d+%$/,
    reason:
      "save_image_lzo()/load_image_lzo() print one at each tenth of the image's pages from 0% " +
      "(5.10 swap.c:792, :1420): 10 or 11 lines, as the page count is or is not a multiple of " +
      "ten; hvtick does not model the image's pages",
  },
  {
    pattern: /^tsc: Detected \d+\.\d+ MHz processor$/,
    reason:
      "the measured frequency, printed where the measurement ends: early, or after the HPET " +
      "registers when the quick PIT calibration fails (logs/k5.10-plain.log)",
  },
];

/**
 * Compared lines whose moment the run decides: they are compared in the whole log (`dmesg` after
 * the operations) as a sequence of their own, when the real log has any (a short run may end
 * before the moment comes), and left out of the windows read after each operation (`dmesg` since
 * the last one, `dmesg | tail`, `dmesg | grep`). A `Modules linked in:` line right before one
 * belongs to it.
 */
export const UNTIMED: readonly { readonly pattern: RegExp; readonly reason: string }[] = [
  {
    pattern: /^RIP: 0010:enqueue_hrtimer\b/,
    reason: "6.8.1's WARN_ON_ONCE(!base->cpu_base->online) (kernel/time/hrtimer.c:1088) fires " +
      "at the first hrtimer a task arms on a CPU brought back from hrtimers:prepare; which " +
      "task the scheduler places there first, and when, is the run's (the real log: `cat`, " +
      "1.2 s after the CPU came back, kvfree_call_rcu → hrtimer_start_range_ns; in " +
      "k6.8-hv-direct-partial.log and k6.8-hv-direct-target-back.log no task ran there before " +
      "the run ended, and no warning came); hvtick prints it when the CPU becomes active " +
      "(lib/time/hrtimer_base.ts)",
  },
];

/**
 * Relevant lines (in compared form) split into those compared in place and the untimed ones.
 *
 * @example
 * ```ts
 * import { splitUntimed } from "./dmesg.ts";
 * import assert from "node:assert/strict";
 * const lines = ["smpboot: Booting Node 0 Processor 2 APIC 0x2", "Modules linked in: hv_vmbus", "RIP: 0010:enqueue_hrtimer+0x82/0x90"];
 * assert.deepEqual(splitUntimed(lines), { timed: [lines[0]], untimed: lines.slice(1) });
 * ```
 */
export function splitUntimed(lines: readonly string[]): { timed: string[]; untimed: string[] } {
  const untimed = new Set<number>();
  lines.forEach((l, i) => {
    if (!UNTIMED.some((u) => u.pattern.test(l))) return;
    untimed.add(i);
    if (i > 0 && lines[i - 1].startsWith("Modules linked in: ")) untimed.add(i - 1);
  });
  return {
    timed: lines.filter((_, i) => !untimed.has(i)),
    untimed: lines.filter((_, i) => untimed.has(i)),
  };
}

/** Whether a kernel-log line (timestamp removed) is one hvtick models. */
export function isRelevant(text: string): boolean {
  return RELEVANT.some((r) => r.pattern.test(text)) &&
    !RUN_DEPENDENT.some((r) => r.pattern.test(text));
}

/**
 * The compared form of a kernel-log line: timestamp removed, run-dependent values masked.
 *
 * @example
 * ```ts
 * import { comparable } from "./dmesg.ts";
 * import assert from "node:assert/strict";
 * assert.equal(comparable("[    3.927224] smpboot: CPU 2 is now offline"), "smpboot: CPU 2 is now offline");
 * assert.equal(
 *   comparable("[    1.504821] tsc: Refined TSC clocksource calibration: 2596.101 MHz"),
 *   "tsc: Refined TSC clocksource calibration: <MHz> MHz",
 * );
 * ```
 */
export function comparable(line: string): string {
  const text = line.replace(STAMP, "");
  for (const m of MASKS) if (m.pattern.test(text)) return text.replace(m.pattern, m.with);
  return text;
}

/** The relevant lines of a kernel log, in order, in compared form. */
export function relevantLines(lines: readonly string[]): string[] {
  return lines.map((l) => l.replace(STAMP, "")).filter(isRelevant).map(comparable);
}

/**
 * The relevant lines compared where they stand (the untimed ones left out).
 *
 * @example
 * ```ts
 * import { timedLines } from "./dmesg.ts";
 * import assert from "node:assert/strict";
 * const log = ["[    9.97] smpboot: Booting Node 0 Processor 2 APIC 0x2", "[   11.19] RIP: 0010:enqueue_hrtimer+0x82/0x90"];
 * assert.deepEqual(timedLines(log), ["smpboot: Booting Node 0 Processor 2 APIC 0x2"]);
 * ```
 */
export function timedLines(lines: readonly string[]): string[] {
  return splitUntimed(relevantLines(lines)).timed;
}
