/**
 * Hotplug states that built-in code registers during boot, in boot order (`cpuhp_setup_state*()`
 * callers), as data. Only the registrants hvtick models or that every guest of the kind has; other
 * subsystems register more (docs/model.md §CPU hotplug).
 *
 * @module
 */

import type { MachineConfig } from "../engine/config.ts";
import type { KernelLine } from "../engine/line.ts";
import { FIXED_REGISTRATIONS } from "./fixed_registrations.ts";

/** Boot phases, in the order `start_kernel()` / `kernel_init_freeable()` run them. */
export const BOOT_PHASES = [
  "start_kernel",
  "init_IRQ",
  "time_init",
  "late_time_init",
  "pagecache_init",
  "smp_prepare_cpus",
  "init_mm_internals",
  "early_initcall",
  "smp_init",
  "core_initcall",
  "postcore_initcall",
  "arch_initcall",
  "subsys_initcall",
  "device_initcall",
  "late_initcall",
] as const;

/** A boot phase. */
export type BootPhase = typeof BOOT_PHASES[number];

/** One `cpuhp_setup_state*()` call made during boot. */
export interface Registration {
  /** When it runs. */
  readonly phase: BootPhase;
  /** The requested state: an enum name, or `CPUHP_AP_ONLINE_DYN` for the dynamic range. */
  readonly state: string;
  /** The name shown in `hotplug/states`. */
  readonly name: string;
  /** Startup callback symbol, or null. */
  readonly startup: string | null;
  /** Teardown callback symbol, or null. */
  readonly teardown: string | null;
  /** `cpuhp_setup_state_nocalls()`: the startup is not run on CPUs already up. */
  readonly nocalls?: boolean;
  /** `cpuhp_setup_state_multi()`: callbacks run per instance (hvtick models none). */
  readonly multi?: boolean;
  /** What the registrant calls next, by symbol (lib/hotplug/symbols.ts), if it is modelled. */
  readonly then?: string;
  /** Whether this guest makes the call. */
  when(c: MachineConfig, line: KernelLine, hyperv: { stimer: boolean; direct: boolean }): boolean;
  /** Where the call is. */
  readonly source: string;
}

const hyperv = (c: MachineConfig) => c.hyperv !== "none";
const x86 = (c: MachineConfig) => c.arch === "x86_64";

// The registrations of the clockevent, Hyper-V and mm code hvtick models, in call order within
// each phase.
const MODELLED: readonly Registration[] = [
  {
    phase: "time_init",
    state: "CPUHP_AP_ARM_ARCH_TIMER_STARTING",
    name: "clockevents/arm/arch_timer:starting",
    startup: "arch_timer_starting_cpu",
    teardown: "arch_timer_dying_cpu",
    when: (c) => !x86(c),
    source: "drivers/clocksource/arm_arch_timer.c (55:1112-1114)",
  },
  {
    phase: "time_init",
    state: "CPUHP_AP_HYPERV_TIMER_STARTING",
    name: "clockevents/hyperv/stimer:starting",
    startup: "hv_stimer_init",
    teardown: "hv_stimer_cleanup",
    when: (c, line, hv) => !x86(c) && line.stimer.direct === "starting" && hv.stimer && hv.direct,
    source: "hv_stimer_alloc() from the out-of-tree arm64 timer probe (hyperv-stimer §6)",
  },
  {
    phase: "late_time_init",
    state: "CPUHP_AP_ONLINE_DYN",
    name: "x86/hyperv_init:online",
    startup: "hv_cpu_init",
    teardown: "hv_cpu_die",
    when: (c) => x86(c) && hyperv(c),
    source: "arch/x86/hyperv/hv_init.c hyperv_init() via apic_post_init (S12)",
  },
  {
    phase: "late_time_init",
    state: "CPUHP_AP_HYPERV_TIMER_STARTING",
    name: "clockevents/hyperv/stimer:starting",
    startup: "hv_stimer_init",
    teardown: "hv_stimer_cleanup",
    when: (c, line, hv) => x86(c) && line.id === "5.5" && hv.stimer && hv.direct,
    source: "hyperv_init() → hv_stimer_alloc() (4df4cb9e99, S1; 5.5–5.10)",
  },
  {
    phase: "pagecache_init",
    state: "CPUHP_AP_ONLINE_DYN",
    name: "mm/writeback:online",
    startup: "page_writeback_cpu_online",
    teardown: null,
    when: () => true,
    source: "mm/page-writeback.c page_writeback_init() (52:2083, 55:2085, 61:2206)",
  },
  {
    phase: "pagecache_init",
    state: "CPUHP_MM_WRITEBACK_DEAD",
    name: "mm/writeback:dead",
    startup: null,
    teardown: "page_writeback_cpu_online",
    when: () => true,
    source: "mm/page-writeback.c page_writeback_init() (52:2085, 55:2087, 61:2208)",
  },
  {
    phase: "smp_prepare_cpus",
    state: "CPUHP_AP_HYPERV_TIMER_STARTING",
    name: "clockevents/hyperv/stimer:starting",
    startup: "hv_stimer_init",
    teardown: "hv_stimer_cleanup",
    when: (c, line, hv) => x86(c) && line.id === "6.1" && hv.stimer && hv.direct,
    source: "hv_stimer_setup_percpu_clockev() → hv_stimer_alloc() (fff7b5e6ee63, S13; 5.11+)",
  },
  {
    phase: "init_mm_internals",
    state: "CPUHP_MM_VMSTAT_DEAD",
    name: "mm/vmstat:dead",
    startup: null,
    teardown: "vmstat_cpu_dead",
    nocalls: true,
    when: () => true,
    source: "mm/vmstat.c init_mm_internals() (52:1954, 55:1963, 61:2094)",
  },
  {
    phase: "init_mm_internals",
    state: "CPUHP_AP_ONLINE_DYN",
    name: "mm/vmstat:online",
    startup: "vmstat_cpu_online",
    teardown: "vmstat_cpu_down_prep",
    nocalls: true,
    when: () => true,
    source: "mm/vmstat.c init_mm_internals() (52:1959, 55:1968, 61:2099)",
  },
  {
    phase: "early_initcall",
    state: "CPUHP_AP_DUMMY_TIMER_STARTING",
    name: "clockevents/dummy_timer:starting",
    startup: "dummy_timer_starting_cpu",
    teardown: null,
    when: (c) => !x86(c),
    source: "drivers/clocksource/dummy_timer.c (55:16-36)",
  },
  {
    phase: "early_initcall",
    state: "CPUHP_AP_ONLINE_DYN",
    name: "arm64/hyperv_init:online",
    startup: "hv_common_cpu_init",
    teardown: "hv_common_cpu_die",
    when: (c, line) => !x86(c) && hyperv(c) && !line.arm64Stimer,
    source: "arch/arm64/hyperv/mshyperv.c hyperv_init() (61:70)",
  },
  {
    phase: "subsys_initcall",
    state: "CPUHP_AP_ONLINE_DYN",
    name: "mm/compaction:online",
    startup: "kcompactd_cpu_online",
    teardown: null,
    nocalls: true,
    when: () => true,
    source: "mm/compaction.c kcompactd_init() (52:2728, 55:2722, 61:3062; CONFIG_COMPACTION)",
  },
  {
    phase: "subsys_initcall",
    state: "CPUHP_AP_ONLINE_DYN",
    name: "io-wq/online",
    startup: "io_wq_cpu_online",
    teardown: "io_wq_cpu_offline",
    multi: true,
    when: (_c, line) => line.id === "6.1",
    source: "io_uring/io-wq.c io_wq_init() (61:1404; CONFIG_IO_URING, default y)",
  },
  {
    phase: "subsys_initcall",
    state: "CPUHP_AP_ONLINE_DYN",
    name: "hyperv/vmbus:online",
    startup: "hv_synic_init",
    teardown: "hv_synic_cleanup",
    // vmbus_bus_init() registers the state, then connects (drivers/hv/vmbus_drv.c).
    then: "vmbus_connect",
    when: hyperv,
    source: "drivers/hv/vmbus_drv.c vmbus_bus_init() from hv_acpi_init(), subsys_initcall",
  },
];

/**
 * Every boot-time registration: the modelled ones, then the fixed-number states of other
 * subsystems (lib/kernels/fixed_registrations.ts), in call order within each phase.
 */
export const REGISTRATIONS: readonly Registration[] = [
  ...MODELLED,
  ...FIXED_REGISTRATIONS.map((f): Registration => ({
    phase: f.phase,
    state: f.state,
    name: f.name,
    startup: f.startup,
    teardown: f.teardown,
    nocalls: f.nocalls,
    multi: f.multi,
    when: (c, line) => f.in[line.id]?.[c.arch] !== undefined,
    source: `${f.by} (${
      Object.entries(f.in).map(([l, w]) => `${l}: ${Object.values(w)[0]}`).join(", ")
    })`,
  })),
];
