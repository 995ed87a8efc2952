/**
 * The function tracer's facts (lib/kernels/ftrace_builds.ts) for the kernels hvtick's maintainers
 * built from source and booted in the rig (the `rig-build` config preset): 5.4.301, 6.6.150 and
 * 6.8.1. The traceable functions' order is the order the builds' `set_ftrace_filter` lists them
 * in (tests/real/built/k*-trace.log, or the kbuild helper's logs of the runs not yet in the set);
 * a function those lists do not show (it is not in the boot-time filter) keeps its place of the
 * Debian build of the same shape [INFERRED: same source files, same link order].
 *
 * @module
 */

import type { FtraceBuild } from "./ftrace_types.ts";

// The calls the 5.10 Debian build inlines and turns into tail calls (ftrace_builds.ts
// DEBIAN_5_10): the clockevents code of these builds has its shape (no
// __clockevents_exchange_device: 6.6.150 and 6.8.1 kernel/time/clockevents.c:568).
const INLINED_5_10 = [
  "clockevents_switch_state@clockevents_exchange_device",
  "clockevents_shutdown@clockevents_exchange_device",
  "clockevents_switch_state@clockevents_shutdown",
  "hv_ce_shutdown@hv_stimer_cleanup",
  "clockevents_replace@__clockevents_unbind",
];
const TAIL_5_10 = [
  "clockevents_register_device@clockevents_config_and_register",
  "clockevents_register_device@setup_APIC_timer",
  "tick_install_broadcast_device@tick_check_new_device",
  "setup_boot_APIC_clock@hv_stimer_setup_percpu_clockev",
  "hv_stimer_init@hv_stimer_legacy_init",
  "hv_stimer_cleanup@hv_stimer_legacy_cleanup",
];

// k5.4-hv-direct-trace.log set_ftrace_filter: hv_cpu_init, setup_APIC_timer, the lapic_timer_*,
// setup_secondary_APIC_clock, clockevents_register_device, clockevents_config_and_register,
// clockevents_unbind_device, __clockevents_unbind, clockevents_shutdown,
// clockevents_exchange_device, tick_install_replacement, tick_check_new_device,
// tick_install_broadcast_device, hv_stimer_alloc, hv_stimer_init, hv_ce_shutdown,
// hv_ce_set_oneshot, hv_stimer_cleanup; "filter - hv_stimer_legacy_init (not traceable)": 5.4
// has no legacy stimer functions, nor hv_stimer_setup_percpu_clockev (hv_stimer_alloc() is
// called by vmbus_bus_init(), 5.4.301 drivers/hv/vmbus_drv.c).
const RIG_5_4: FtraceBuild = {
  functions: [
    "hv_cpu_init",
    "hv_cpu_die",
    "setup_APIC_timer",
    "lapic_timer_set_oneshot",
    "lapic_timer_set_periodic",
    "lapic_timer_shutdown",
    "setup_secondary_APIC_clock",
    "clockevents_register_device",
    "clockevents_config_and_register",
    "clockevents_unbind_device",
    "__clockevents_unbind",
    "clockevents_shutdown",
    "clockevents_exchange_device",
    "tick_offline_cpu",
    "tick_cleanup_dead_cpu",
    "tick_install_replacement",
    "tick_check_new_device",
    "tick_handover_do_timer",
    "tick_shutdown",
    "tick_install_broadcast_device",
    "tick_broadcast_offline",
    "hv_stimer_alloc",
    "hv_stimer_init",
    "hv_ce_shutdown",
    "hv_ce_set_oneshot",
    "hv_stimer_cleanup",
    "hpet_time_init",
    "setup_boot_APIC_clock",
    "hpet_enable",
  ],
  init: ["hpet_time_init", "setup_boot_APIC_clock", "hpet_enable"],
  modules: { hv_vmbus: ["hv_synic_init", "hv_synic_cleanup"] },
  // vmbus_bus_init() is inlined into hv_acpi_init() (k5.4-hv-direct-vmbus-trace.log:
  // "hv_stimer_alloc <-hv_acpi_init").
  inlined: [...INLINED_5_10, "vmbus_bus_init@hv_acpi_init"],
  // 5.4.301 drivers/clocksource/hyperv_timer.c:105-129: the void hv_stimer_init() ends in
  // clockevents_config_and_register() (k5.4-hv-direct-vmbus-trace.log:
  // "clockevents_config_and_register <-hv_synic_init").
  tail: [...TAIL_5_10, "clockevents_config_and_register@hv_stimer_init"],
  // cpuhp/0-12, cpuhp/1-13, cpuhp/2-18, cpuhp/3-23 (k5.4-*-trace.log).
  kthreads: { cpuhp0: 12, cpuhp1: 13, perCpu: 5, migration: 1 },
  // 5.4 runs _cpu_down() in the writer: no worker.
  kworker: { comm: "kworker/0:1", pid: 17 },
  // k5.4-hv-legacy-vmbus-nossdt-offon.log: "RIP: 0010:acpi_ns_lookup+0x7a/0x4b0".
  // k5.4-hv-direct-vmbus-hibernate-resume.log: "RIP: 0010:vmbus_bus_resume+0x8b/0xa0 [hv_vmbus]".
  oopsSymbols: { acpi_ns_lookup: "0x7a/0x4b0", vmbus_bus_resume: "0x8b/0xa0" },
};

// k6.6-hv-direct-trace.log and k6.8-hv-direct-trace.log set_ftrace_filter (the same list):
// …, tick_install_broadcast_device, hv_stimer_init, hv_stimer_legacy_init, hv_ce_set_oneshot,
// hv_ce_shutdown, hv_stimer_cleanup, hv_stimer_legacy_cleanup, hv_stimer_alloc.
const RIG_6_6: FtraceBuild = {
  ...RIG_5_4,
  // 6.6.150 hyperv_timer.c:130-151: hv_stimer_init() returns 0 after
  // clockevents_config_and_register(), no tail call (k6.6-hv-direct-trace.log "<-hv_stimer_init").
  tail: TAIL_5_10,
  functions: [
    "hv_cpu_init",
    "hv_cpu_die",
    "setup_APIC_timer",
    "lapic_timer_set_oneshot",
    "lapic_timer_set_periodic",
    "lapic_timer_shutdown",
    "setup_secondary_APIC_clock",
    "clockevents_register_device",
    "clockevents_config_and_register",
    "clockevents_unbind_device",
    "__clockevents_unbind",
    "clockevents_shutdown",
    "clockevents_exchange_device",
    "tick_offline_cpu",
    "tick_cleanup_dead_cpu",
    "tick_install_replacement",
    "tick_check_new_device",
    "tick_handover_do_timer",
    "tick_shutdown",
    "tick_install_broadcast_device",
    "tick_broadcast_offline",
    "hv_stimer_init",
    "hv_stimer_legacy_init",
    "hv_ce_set_oneshot",
    "hv_ce_shutdown",
    "hv_stimer_cleanup",
    "hv_stimer_legacy_cleanup",
    "hv_stimer_alloc",
    "hv_stimer_setup_percpu_clockev",
    "hpet_time_init",
    "setup_boot_APIC_clock",
    "hpet_enable",
  ],
  // "filter - hv_stimer_setup_percpu_clockev (not traceable)" after boot: __init.
  init: [
    "hv_stimer_setup_percpu_clockev",
    "hpet_time_init",
    "setup_boot_APIC_clock",
    "hpet_enable",
  ],
  // cpuhp/0-18, cpuhp/1-19, cpuhp/2-24, cpuhp/3-29, migration/2-25 (k6.6-*trace*.log).
  kthreads: { cpuhp0: 18, cpuhp1: 19, perCpu: 5, migration: 1 },
  // "kworker/0:0-8" (k6.6-hv-direct-trace.log; other runs: kworker/0:1-14, -11, -12).
  kworker: { comm: "kworker/0:0", pid: 8 },
  // k6.6-hv-direct-vmbus-hibernate-resume.log: "RIP: 0010:vmbus_bus_resume+0xa0/0xc0 [hv_vmbus]".
  oopsSymbols: { vmbus_bus_resume: "0xa0/0xc0" },
};

// 6.8.1: as 6.6.150 (k6.8-*trace*.log: the same filter list and kthread PIDs).
const RIG_6_8: FtraceBuild = {
  ...RIG_6_6,
  // "kworker/0:1-9" (k6.8-hv-direct-trace.log; other runs: kworker/0:1-12, kworker/0:0-8).
  kworker: { comm: "kworker/0:1", pid: 9 },
  // k6.8-hv-direct-vmbus-hibernate-resume.log: "RIP: 0010:vmbus_bus_resume+0xa1/0xd0 [hv_vmbus]";
  // k6.8-hv-direct-target-onback.log: "RIP: 0010:enqueue_hrtimer+0x82/0x90".
  oopsSymbols: { vmbus_bus_resume: "0xa1/0xd0", enqueue_hrtimer: "0x82/0x90" },
};

/** The rig's builds by kernel line. */
export const RIG_BUILDS: Readonly<Record<string, FtraceBuild>> = {
  "5.4": RIG_5_4,
  "6.6": RIG_6_6,
  "6.8": RIG_6_8,
};
