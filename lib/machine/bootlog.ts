/**
 * The kernel-log lines of a boot that hvtick models (the Hyper-V platform, the clocksources, the
 * TSC, SMP bring-up), as one table: where in boot each is printed (a boot phase, at its start or
 * its end), when it is printed at all, and its text — the release's wording (switches in
 * lib/kernels/lines.ts) and the numbers the kernel computes (clocksource registration:
 * lib/time/clocksource.ts). Lines of subsystems hvtick does not model are not printed. Checked
 * line by line against every boot in ../shared/real-kernel/logs (docs/model.md §Fidelity).
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import { KERN } from "../engine/log.ts";
import { findHost } from "../platform/hyperv/hosts.ts";
import { cpuidFeatures } from "../platform/hyperv/hosts.ts";
import { clocksources, tscReliable, tscUnsynchronized } from "../platform/hyperv/platform.ts";
import {
  clocksourceRegistration,
  jiffiesClocksource,
  refinedJiffiesClocksource,
  registeredLine,
  registerHz,
} from "../time/clocksource.ts";
import type { BootPhase } from "../kernels/phases.ts";
import { TSC_KHZ } from "../time/devices.ts";

/** One boot message: where, whether, what. */
interface BootMessage {
  /** The phase it is printed in. */
  readonly phase: BootPhase;
  /** At the phase's start (before its registrations and devices) or its end. */
  readonly at: "start" | "end";
  /** The lines (none: not printed on this guest). */
  lines(k: Kernel): string[];
  /** Where the kernel prints it. */
  readonly source: string;
  /** Its printk level, when not `KERN_INFO` (`pr_warn` is `KERN.WARNING`). */
  readonly level?: number;
}

const x86 = (k: Kernel) => k.s.config.arch === "x86_64";
const hyperv = (k: Kernel) => x86(k) && k.s.config.hyperv !== "none";
const hex = (n: number) => `0x${n.toString(16)}`;
const when = (ok: boolean, lines: string[]) => ok ? lines : [];

/** The CPUID fields of the host build line (0x40000002: build, major.minor, sp, branch, number). */
function hostBuild(k: Kernel): string[] {
  const host = findHost(k.s.config.hyperv);
  if (!host) return [];
  const [build, major, minor, sp, branch, number] = host.build;
  const f: Record<string, number> = { build, major, minor, sp, branch, number };
  return [k.line.hostBuildMessage.replace(/\{(\w+)\}/g, (_, x) => String(f[x]))];
}

/** The Hyper-V feature line (mshyperv.c `ms_hyperv_init_platform()`), when the host's values are known. */
function featureLine(k: Kernel): string[] {
  const host = findHost(k.s.config.hyperv);
  const extra = k.s.config.platform.cpuidExtra;
  if (!host || !extra || !host.loggedCpuid) return [];
  const { eax, edx } = cpuidFeatures(host, k.s.config.features);
  switch (k.line.bootLog.hypervFeatures) {
    case "features-hints":
      return [`Hyper-V: features ${hex(eax)}, hints ${hex(extra.hints)}`];
    case "features-hints-misc":
      return [`Hyper-V: features ${hex(eax)}, hints ${hex(extra.hints)}, misc ${hex(edx)}`];
    case "privilege":
      return [
        `Hyper-V: privilege flags low ${hex(eax)}, high ${hex(extra.high)}, hints ${
          hex(extra.hints)
        }, misc ${hex(edx)}`,
      ];
    case "privilege-ext": {
      // 6.18.9 mshyperv.c:460 prints with %#x (0 as "0"); the line needs the host's ECX.
      if (extra.ext === undefined) return [];
      const alt = (n: number) => (n === 0 ? "0" : hex(n));
      return [
        `Hyper-V: privilege flags low ${alt(eax)}, high ${alt(extra.high)}, ext ${
          alt(extra.ext)
        }, hints ${alt(extra.hints)}, misc ${alt(edx)}`,
      ];
    }
  }
}

/** The registration lines of the clocksources registered at this point. */
function csLines(k: Kernel, names: readonly string[]): string[] {
  const present = new Set(clocksources(k).map((c) => c.name));
  const out: string[] = [];
  for (const name of names) {
    if (!present.has(name)) continue;
    const cs = clocksourceRegistration(name);
    if (cs) out.push(registeredLine(cs));
  }
  return out;
}

/** `smp_init()`'s topology lines: 6.12's CPU topology summary, or smpboot's "Allowing" line. */
function topology(k: Kernel): string[] {
  const n = k.s.config.cpus;
  if (k.line.bootLog.topology === "smpboot") return [`smpboot: Allowing ${n} CPUs, 0 hotplug CPUs`];
  return [
    "CPU topo: Max. logical packages:   1",
    "CPU topo: Max. logical dies:       1",
    "CPU topo: Max. dies per package:   1",
    "CPU topo: Max. threads per core:   1",
    `CPU topo: Num. cores per package: ${String(n).padStart(5)}`,
    `CPU topo: Num. threads per package: ${String(n).padStart(3)}`,
    `CPU topo: Allowing ${n} present CPUs plus 0 hotplug CPUs`,
  ];
}

/** Every boot message, in the order the kernel prints them within each phase. */
export const BOOT_LOG: readonly BootMessage[] = [
  {
    phase: "start_kernel",
    at: "start",
    source: "arch/x86/kernel/cpu/hypervisor.c:79, mshyperv.c ms_hyperv_init_platform()",
    lines: (k) => [
      ...when(hyperv(k), ["Hypervisor detected: Microsoft Hyper-V"]),
      ...when(hyperv(k), featureLine(k)),
      ...when(hyperv(k) && !k.line.bootLog.hostBuildLate, hostBuild(k)),
      ...when(
        hyperv(k) && k.s.config.features.frequencyMsrs,
        [`Hyper-V: LAPIC Timer Frequency: ${
          hex(Math.floor(k.s.config.platform.apicHz / k.s.config.hz))
        }`],
      ),
    ],
  },
  {
    phase: "start_kernel",
    at: "start",
    source:
      "drivers/clocksource/hyperv_timer.c hv_init_clocksource() (from ms_hyperv_init_platform); " +
      "5.4.301 mshyperv.c:303 marks the TSC unstable first",
    lines: (k) => [
      ...when(hyperv(k) && !tscReliable(k) && k.line.bootLog.tscUnstableFirst, [
        "tsc: Marking TSC unstable due to running on Hyper-V",
      ]),
      ...when(hyperv(k), csLines(k, ["hyperv_clocksource_tsc_page", "hyperv_clocksource_msr"])),
    ],
  },
  {
    phase: "start_kernel",
    at: "start",
    source: "arch/x86/kernel/tsc.c tsc_early_init(), mshyperv.c mark_tsc_unstable()",
    lines: (k) => [
      ...when(hyperv(k) && !tscReliable(k) && !k.line.bootLog.tscUnstableFirst, [
        "tsc: Marking TSC unstable due to running on Hyper-V",
      ]),
      ...when(x86(k) && !hyperv(k), ["tsc: Fast TSC calibration using PIT"]),
      ...when(x86(k), [`tsc: Detected ${(TSC_KHZ / 1000).toFixed(3)} MHz processor`]),
      ...when(x86(k), topology(k)),
      ...when(x86(k), [
        `Booting paravirtualized kernel on ${hyperv(k) ? "Hyper-V" : "bare hardware"}`,
      ]),
      ...when(x86(k), [registeredLine(refinedJiffiesClocksource(k.s.config.hz))]),
    ],
  },
  {
    phase: "start_kernel",
    at: "start",
    // hv_init_spinlocks() (arch/x86/hyperv/hv_spinlock.c): disabled unless the host recommends
    // cluster IPIs (hint bit 3) and offers guest idle; printed where the hints are known.
    source: "arch/x86/hyperv/hv_spinlock.c hv_init_spinlocks()",
    lines: (k) => {
      const extra = k.s.config.platform.cpuidExtra;
      return when(hyperv(k) && extra !== null && (extra.hints & 8) === 0, [
        "Hyper-V: PV spinlocks disabled",
      ]);
    },
  },
  {
    phase: "start_kernel",
    at: "end",
    // 6.12 registers the jiffies clocksource from timekeeping_init() (before the HPET);
    // up to 6.1 it is init_jiffies_clocksource(), a core_initcall.
    source: "kernel/time/jiffies.c",
    lines: (k) =>
      when(x86(k) && k.line.bootLog.jiffiesEarly, [
        registeredLine(jiffiesClocksource(k.s.config.hz)),
      ]),
  },
  {
    phase: "late_time_init",
    at: "start",
    source: "arch/x86/kernel/hpet.c hpet_enable() → clocksource_register_hz()",
    lines: (k) => when(x86(k), csLines(k, ["hpet"])),
  },
  {
    phase: "late_time_init",
    at: "end",
    source: "arch/x86/kernel/tsc.c tsc_init(); 6.12 hv_common_init() host build (410779d8d81f)",
    lines: (k) => [
      ...when(hyperv(k) && k.line.bootLog.hostBuildLate, hostBuild(k)),
      ...when(x86(k) && !hyperv(k) && tscUnsynchronized(k), [
        "tsc: Marking TSC unstable due to TSCs unsynchronized",
      ]),
      ...when(x86(k) && !hyperv(k) && !tscUnsynchronized(k), [
        registeredLine(registerHz("tsc-early", 64, TSC_KHZ * 1000)),
      ]),
    ],
  },
  {
    phase: "smp_prepare_cpus",
    at: "start",
    source: "arch/x86/kernel/smpboot.c print_cpu_info() from smp_store_boot_cpu_info",
    lines: (k) => {
      const cpu = k.s.config.platform.cpu;
      return when(x86(k) && cpu !== null, [`smpboot: CPU0: ${cpu}`]);
    },
  },
  {
    phase: "core_initcall",
    at: "start",
    source: "kernel/time/jiffies.c init_jiffies_clocksource() (core_initcall, up to 6.1)",
    lines: (k) =>
      when(x86(k) && !k.line.bootLog.jiffiesEarly, [
        registeredLine(jiffiesClocksource(k.s.config.hz)),
      ]),
  },
  {
    phase: "fs_initcall",
    at: "start",
    source: "arch/x86/kernel/hpet.c hpet_late_init() → hpet_print_config",
    lines: (k) =>
      when(x86(k) && k.s.config.platform.hpet, [
        "hpet0: at MMIO 0xfed00000, IRQs 2, 8, 0",
        "hpet0: 3 comparators, 64-bit 100.000000 MHz counter",
      ]),
  },
  {
    phase: "late_initcall",
    at: "end",
    source:
      "kernel/trace/trace.c tracing_set_default_clock() (late_initcall_sync; 5.10:9533-9548, " +
      "6.1:10524-10540): sched_clock is the unstable native TSC (logs/plain.log, k5.10-plain.log)",
    level: KERN.WARNING,
    lines: (k) =>
      when(schedClockUnstable(k), [
        'Unstable clock detected, switching default tracing clock to "global"',
        "If you want to keep using the local clock, then add:",
        '  "trace_clock=local"',
        "on the kernel command line",
      ]),
  },
];

/**
 * `!sched_clock_stable()` at late_initcall: the native `sched_clock()` reads a TSC marked unstable
 * (`mark_tsc_unstable()` → `clear_sched_clock_stable()` only when `using_native_sched_clock()`:
 * 5.4.301 arch/x86/kernel/tsc.c:1148-1155). A Hyper-V guest's sched_clock is the TSC page's, so it
 * stays stable — unless, as in 5.4.301 (`bootLog.tscUnstableFirst`), `ms_hyperv_init_platform()`
 * marks the TSC unstable (mshyperv.c:303) while sched_clock is still the native one, before
 * `hv_init_clocksource()` switches it (347; hyperv_timer.c:301): the 5.4.301 rig boots print
 * `Unstable clock detected` (tests/real/built/k5.4-hv-direct-offon.log).
 */
export function schedClockUnstable(k: Kernel): boolean {
  if (!x86(k)) return false;
  if (hyperv(k)) return !tscReliable(k) && k.line.bootLog.tscUnstableFirst;
  return tscUnsynchronized(k);
}
