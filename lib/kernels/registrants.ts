/**
 * The hotplug states that built-in code registers during boot (`cpuhp_setup_state*()` callers), in
 * boot order, as one table: the clockevent, Hyper-V and mm registrants hvtick models, then the
 * fixed-number states of other subsystems every guest has (generated: lib/kernels/tables/
 * fixed.ts). Which releases have which is each release's business (lib/kernels/lines.ts: added and
 * removed by key); a row's `when` says which guests of such a release make the call.
 *
 * @module
 */

import type { MachineConfig } from "../engine/config.ts";
import { FIXED } from "./tables/fixed.ts";
import type { BootPhase } from "./phases.ts";

export { BOOT_PHASES, type BootPhase } from "./phases.ts";

/** What a guest has of Hyper-V's timer, for `when`. */
export interface HypervTimer {
  /** The guest has a stimer at all. */
  readonly stimer: boolean;
  /** It runs in Direct Mode. */
  readonly direct: boolean;
}

/** One `cpuhp_setup_state*()` call made during boot. */
export interface Registrant {
  /** `name@registering function`: what a release adds or removes. */
  readonly key: string;
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
  /** `cpuhp_setup_state_multi()`: callbacks run once per instance. */
  readonly multi?: boolean;
  /** Instances of a multi-instance state after boot. */
  readonly instances?: number;
  /** The Kconfig option the call needs beyond the minimal config (lib/kernels/configs.ts), if any. */
  readonly config?: string | null;
  /** What the registrant calls next, by symbol (lib/hotplug/symbols.ts), if it is modelled. */
  readonly then?: string;
  /**
   * What it calls before, by symbol (lib/hotplug/symbols.ts); when that makes the startup calls
   * itself, the state is registered without calls.
   */
  readonly before?: string;
  /** The module it belongs to when the config builds that code as a module (`CONFIG_HYPERV=m`). */
  readonly module?: string;
  /** Whether this guest makes the call (given that its release has it). */
  when(c: MachineConfig, hv: HypervTimer): boolean;
  /** Where the call is. */
  readonly source: string;
}

const hyperv = (c: MachineConfig) => c.hyperv !== "none";
const x86 = (c: MachineConfig) => c.arch === "x86_64";

// The registrations of the clockevent, Hyper-V and mm code hvtick models, in call order within
// each phase.
const MODELLED: readonly Registrant[] = [
  {
    key: "clockevents/arm/arch_timer:starting@arch_timer_register",
    phase: "time_init",
    state: "CPUHP_AP_ARM_ARCH_TIMER_STARTING",
    name: "clockevents/arm/arch_timer:starting",
    startup: "arch_timer_starting_cpu",
    teardown: "arch_timer_dying_cpu",
    when: (c) => !x86(c),
    source: "drivers/clocksource/arm_arch_timer.c (55:1112-1114)",
  },
  {
    key: "clockevents/hyperv/stimer:starting@hv_stimer_alloc",
    phase: "time_init",
    state: "CPUHP_AP_HYPERV_TIMER_STARTING",
    name: "clockevents/hyperv/stimer:starting",
    startup: "hv_stimer_init",
    teardown: "hv_stimer_cleanup",
    when: (c, hv) => !x86(c) && hv.stimer && hv.direct,
    source: "hv_stimer_alloc() from the out-of-tree arm64 timer probe (hyperv-stimer §6)",
  },
  {
    key: "x86/hyperv_init:online@hyperv_init",
    phase: "late_time_init",
    state: "CPUHP_AP_ONLINE_DYN",
    name: "x86/hyperv_init:online",
    startup: "hv_cpu_init",
    teardown: "hv_cpu_die",
    when: (c) => x86(c) && hyperv(c),
    source: "arch/x86/hyperv/hv_init.c hyperv_init() via apic_post_init (S12)",
  },
  {
    // 9636be85cc5b (6.4): a fixed state, CPUHP_AP_HYPERV_ONLINE, the first ONLINE-section step
    // (6.12.117 arch/x86/hyperv/hv_init.c:501; 147 in every 6.12 log).
    key: "x86/hyperv_init:online@hyperv_init#CPUHP_AP_HYPERV_ONLINE",
    phase: "late_time_init",
    state: "CPUHP_AP_HYPERV_ONLINE",
    name: "x86/hyperv_init:online",
    startup: "hv_cpu_init",
    teardown: "hv_cpu_die",
    when: (c) => x86(c) && hyperv(c),
    source: "arch/x86/hyperv/hv_init.c hyperv_init() (6.12:501)",
  },
  {
    key: "clockevents/hyperv/stimer:starting@hyperv_init",
    phase: "late_time_init",
    state: "CPUHP_AP_HYPERV_TIMER_STARTING",
    name: "clockevents/hyperv/stimer:starting",
    startup: "hv_stimer_init",
    teardown: "hv_stimer_cleanup",
    when: (c, hv) => x86(c) && hv.stimer && hv.direct,
    source: "hyperv_init() → hv_stimer_alloc() (4df4cb9e99, S1; 5.5–5.10)",
  },
  {
    key: "mm/writeback:online@page_writeback_init",
    phase: "pagecache_init",
    state: "CPUHP_AP_ONLINE_DYN",
    name: "mm/writeback:online",
    startup: "page_writeback_cpu_online",
    teardown: null,
    when: () => true,
    source: "mm/page-writeback.c page_writeback_init() (52:2083, 55:2085, 61:2206)",
  },
  {
    key: "mm/writeback:dead@page_writeback_init",
    phase: "pagecache_init",
    state: "CPUHP_MM_WRITEBACK_DEAD",
    name: "mm/writeback:dead",
    startup: null,
    teardown: "page_writeback_cpu_online",
    when: () => true,
    source: "mm/page-writeback.c page_writeback_init() (52:2085, 55:2087, 61:2208)",
  },
  {
    key: "clockevents/hyperv/stimer:starting@hv_stimer_setup_percpu_clockev",
    phase: "smp_prepare_cpus",
    state: "CPUHP_AP_HYPERV_TIMER_STARTING",
    name: "clockevents/hyperv/stimer:starting",
    startup: "hv_stimer_init",
    teardown: "hv_stimer_cleanup",
    when: (c, hv) => x86(c) && hv.stimer && hv.direct,
    source: "hv_stimer_setup_percpu_clockev() → hv_stimer_alloc() (fff7b5e6ee63, S13; 5.11+)",
  },
  {
    key: "mm/vmstat:dead@init_mm_internals",
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
    key: "mm/vmstat:online@init_mm_internals",
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
    key: "clockevents/dummy_timer:starting@dummy_timer_register",
    phase: "early_initcall",
    state: "CPUHP_AP_DUMMY_TIMER_STARTING",
    name: "clockevents/dummy_timer:starting",
    startup: "dummy_timer_starting_cpu",
    teardown: null,
    when: (c) => !x86(c),
    source: "drivers/clocksource/dummy_timer.c (55:16-36)",
  },
  {
    key: "arm64/hyperv_init:online@hyperv_init",
    phase: "early_initcall",
    state: "CPUHP_AP_ONLINE_DYN",
    name: "arm64/hyperv_init:online",
    startup: "hv_common_cpu_init",
    teardown: "hv_common_cpu_die",
    when: (c) => !x86(c) && hyperv(c),
    source: "arch/arm64/hyperv/mshyperv.c hyperv_init() (61:70)",
  },
  {
    // 52ae076c3a9b (6.4): the fixed CPUHP_AP_HYPERV_ONLINE (6.6.150
    // arch/arm64/hyperv/mshyperv.c:70, 6.18.9:111).
    key: "arm64/hyperv_init:online@hyperv_init#CPUHP_AP_HYPERV_ONLINE",
    phase: "early_initcall",
    state: "CPUHP_AP_HYPERV_ONLINE",
    name: "arm64/hyperv_init:online",
    startup: "hv_common_cpu_init",
    teardown: "hv_common_cpu_die",
    when: (c) => !x86(c) && hyperv(c),
    source: "arch/arm64/hyperv/mshyperv.c hyperv_init() (6.6.150:70)",
  },
  {
    key: "mm/compaction:online@kcompactd_init",
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
    key: "io-wq/online@io_wq_init",
    phase: "subsys_initcall",
    state: "CPUHP_AP_ONLINE_DYN",
    name: "io-wq/online",
    startup: "io_wq_cpu_online",
    teardown: "io_wq_cpu_offline",
    multi: true,
    when: () => true,
    source: "io_uring/io-wq.c io_wq_init() (61:1404; CONFIG_IO_URING, default y)",
  },
  {
    key: "hyperv/vmbus:online@vmbus_bus_init",
    phase: "subsys_initcall",
    state: "CPUHP_AP_ONLINE_DYN",
    name: "hyperv/vmbus:online",
    startup: "hv_synic_init",
    teardown: "hv_synic_cleanup",
    // vmbus_bus_init() registers the state, then connects (drivers/hv/vmbus_drv.c). With
    // CONFIG_HYPERV=m it runs when hv_vmbus.ko loads (lib/machine/modules.ts).
    before: "vmbus_percpu_work",
    then: "vmbus_connect",
    module: "hv_vmbus",
    when: (c) => hyperv(c) && c.vmbus,
    source: "drivers/hv/vmbus_drv.c vmbus_bus_init() from hv_acpi_init(), subsys_initcall",
  },
];

/** Guest conditions of generated registrants (tasks/extract/tables.ts names them). */
const CONDITIONS: Readonly<Record<string, (c: MachineConfig) => boolean>> = {
  // tmigr_init() returns before registering on a machine with one possible CPU
  // (kernel/time/timer_migration.c, 6.12).
  smp: (c) => c.cpus > 1,
};

/** The keys of the modelled registrants (lib/kernels/lines.ts says which release has which). */
export const MODELLED_KEYS: readonly string[] = MODELLED.map((r) => r.key);

/**
 * Every boot-time registration: the modelled ones, then the fixed-number states of other
 * subsystems, in call order within each phase.
 */
export const REGISTRANTS: readonly Registrant[] = [
  ...MODELLED,
  ...FIXED.map((f): Registrant => ({
    key: f.key,
    phase: f.phase,
    state: f.state,
    name: f.name,
    startup: f.startup,
    teardown: f.teardown,
    nocalls: f.nocalls,
    multi: f.multi,
    instances: f.instances,
    config: f.config,
    when: (c) => f.arches.includes(c.arch) && (f.condition === null || CONDITIONS[f.condition](c)),
    source: `${f.by} (docs/research/fixed-states.json, docs/research/registrants/)`,
  })),
];
