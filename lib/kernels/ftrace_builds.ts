/**
 * What a kernel build's function tracer sees of the code hvtick models: which functions have an
 * ftrace entry (not inlined everywhere, not `notrace`), in address order (`set_ftrace_filter`
 * lists its functions so), which are `__init`, which calls the compiler inlined or turned into
 * tail calls (the `<-parent` a function entry shows is the function holding the return
 * address), and the PIDs boot gives the per-CPU threads. Each Debian build is its parent plus a
 * delta. Sources: the builds' System.map files (linux-image-*-amd64) and the real traces
 * (logs/*trace*.log), cited per entry.
 *
 * @module
 */

import { RIG_BUILDS } from "./ftrace_builds_rig.ts";

export type { FtraceBuild } from "./ftrace_types.ts";
import type { FtraceBuild } from "./ftrace_types.ts";

/** A parent build's call list with some calls no longer there and some new ones. */
function edited(
  list: readonly string[],
  change: { readonly remove: readonly string[]; readonly add: readonly string[] },
): string[] {
  for (const c of change.remove) {
    if (!list.includes(c)) throw new Error(`internal: ${c} is not in the parent build's list`);
  }
  return [...list.filter((c) => !change.remove.includes(c)), ...change.add];
}

// 5.10.262's System.map-5.10.0-46-amd64, in address order; hv_stimer_setup_percpu_clockev,
// hpet_time_init, setup_boot_APIC_clock and hpet_enable lie in .init.text (_sinittext
// 0xffffffff82c4c000).
const DEBIAN_5_10: FtraceBuild = {
  functions: [
    "hv_cpu_init",
    "hv_cpu_die",
    "setup_APIC_timer",
    "lapic_timer_set_oneshot",
    "lapic_timer_set_periodic",
    "lapic_timer_shutdown",
    "setup_secondary_APIC_clock",
    "clockevents_unbind_device",
    "clockevents_register_device",
    "clockevents_config_and_register",
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
    "hv_stimer_alloc",
    "hv_ce_set_oneshot",
    "hv_ce_shutdown",
    "hv_stimer_cleanup",
    "hv_stimer_legacy_cleanup",
    "hv_stimer_setup_percpu_clockev",
    "hpet_time_init",
    "setup_boot_APIC_clock",
    "hpet_enable",
  ],
  init: [
    "hv_stimer_setup_percpu_clockev",
    "hpet_time_init",
    "setup_boot_APIC_clock",
    "hpet_enable",
  ],
  // drivers/hv/hv.c defines hv_synic_init before hv_synic_cleanup; "filter +" for both in
  // logs/k5.10-hv-legacy-vmbus-trace-sbcrs.log once hv_vmbus is loaded.
  modules: { hv_vmbus: ["hv_synic_init", "hv_synic_cleanup"] },
  inlined: [
    // clockevents_switch_state() in clockevents_exchange_device(): "hv_ce_shutdown
    // <-clockevents_exchange_device" (logs/k5.10-hv-direct-trace.log).
    "clockevents_switch_state@clockevents_exchange_device",
    // Its clockevents_shutdown() of the new device too: "lapic_timer_shutdown
    // <-clockevents_exchange_device", no clockevents_shutdown entry there.
    "clockevents_shutdown@clockevents_exchange_device",
    // ...whose switch to SHUTDOWN is inlined into clockevents_shutdown() in turn.
    "clockevents_switch_state@clockevents_shutdown",
    // hv_stimer_cleanup()'s hv_ce_shutdown() leaves no entry (k5.10-hv-direct-trace.log: DYING
    // shows hv_stimer_cleanup alone).
    "hv_ce_shutdown@hv_stimer_cleanup",
    // clockevents_replace() in __clockevents_unbind(): "tick_install_replacement <-__clockevents_unbind".
    "clockevents_replace@__clockevents_unbind",
  ],
  tail: [
    // "clockevents_register_device <-hv_stimer_init", "<-hpet_enable" (every trace).
    "clockevents_register_device@clockevents_config_and_register",
    // "clockevents_register_device <-setup_boot_APIC_clock", "<-setup_secondary_APIC_clock".
    "clockevents_register_device@setup_APIC_timer",
    // "tick_install_broadcast_device <-clockevents_register_device".
    "tick_install_broadcast_device@tick_check_new_device",
    // "setup_boot_APIC_clock <-native_smp_prepare_cpus" (old_setup_percpu_clockev()).
    "setup_boot_APIC_clock@hv_stimer_setup_percpu_clockev",
    // "hv_stimer_init <-hv_synic_init", "hv_stimer_cleanup <-hv_synic_cleanup".
    "hv_stimer_init@hv_stimer_legacy_init",
    "hv_stimer_cleanup@hv_stimer_legacy_cleanup",
  ],
  // cpuhp/0-15, cpuhp/1-16, cpuhp/2-21, cpuhp/3-26, <...>-22 (migration/2), migration/3-27
  // (logs/k5.10-*trace*.log).
  kthreads: { cpuhp0: 15, cpuhp1: 16, perCpu: 5, migration: 1 },
  // 5.10 runs _cpu_down() in the writer: no worker.
  kworker: { comm: "kworker/0:1", pid: 17 },
  // logs/k5.10-hv-legacy-vmbus.log: "RIP: 0010:acpi_ns_lookup+0x7a/0x510" (lib/machine/modules.ts).
  oopsSymbols: { acpi_ns_lookup: "0x7a/0x510" },
};

// 6.1.192's System.map-6.1.0-56-amd64: __clockevents_exchange_device exists; hv_stimer_alloc
// moved after the cleanups.
const DEBIAN_6_1: FtraceBuild = {
  ...DEBIAN_5_10,
  functions: [
    "hv_cpu_init",
    "hv_cpu_die",
    "setup_APIC_timer",
    "lapic_timer_set_oneshot",
    "lapic_timer_set_periodic",
    "lapic_timer_shutdown",
    "setup_secondary_APIC_clock",
    "clockevents_unbind_device",
    "clockevents_register_device",
    "clockevents_config_and_register",
    "__clockevents_unbind",
    "clockevents_shutdown",
    "__clockevents_exchange_device",
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
  inlined: edited(DEBIAN_5_10.inlined, {
    // The exchange moved into __clockevents_exchange_device(): "hv_ce_shutdown
    // <-__clockevents_exchange_device" (logs/hv-direct-trace.log). Legacy cleanup:
    // "hv_stimer_legacy_cleanup <-hv_synic_cleanup" then "clockevents_unbind_device
    // <-hv_synic_cleanup", no hv_stimer_cleanup entry (logs/hv-legacy-vmbus-failtrace.log).
    remove: [
      "clockevents_switch_state@clockevents_exchange_device",
      "clockevents_shutdown@clockevents_exchange_device",
      "hv_ce_shutdown@hv_stimer_cleanup",
    ],
    add: [
      "clockevents_switch_state@__clockevents_exchange_device",
      "clockevents_shutdown@__clockevents_exchange_device",
      "hv_stimer_cleanup@hv_stimer_legacy_cleanup",
    ],
  }),
  tail: edited(DEBIAN_5_10.tail, {
    remove: ["hv_stimer_cleanup@hv_stimer_legacy_cleanup"],
    add: ["clockevents_unbind_device@hv_stimer_cleanup"],
  }),
  // cpuhp/0-18, cpuhp/1-19, cpuhp/2-24, cpuhp/3-29, migration/2-25 (logs/hv-*trace*.log).
  kthreads: { cpuhp0: 18, cpuhp1: 19, perCpu: 5, migration: 1 },
  // "kworker/0:1-17" (logs/hv-direct-trace.log; kworker/0:0-7 in other runs).
  kworker: { comm: "kworker/0:1", pid: 17 },
};

// 6.12.117's System.map-6.12.117+deb13-amd64: tick_cpu_dying exists, tick_handover_do_timer does
// not (inlined: "filter - tick_handover_do_timer (not traceable)" in
// logs/k6.12-hv-direct-trace.log); __clockevents_unbind moved before clockevents_config_and_register.
const DEBIAN_6_12: FtraceBuild = {
  ...DEBIAN_6_1,
  functions: [
    "hv_cpu_init",
    "hv_cpu_die",
    "setup_APIC_timer",
    "lapic_timer_set_oneshot",
    "lapic_timer_set_periodic",
    "lapic_timer_shutdown",
    "setup_secondary_APIC_clock",
    "clockevents_unbind_device",
    "clockevents_register_device",
    "__clockevents_unbind",
    "clockevents_config_and_register",
    "clockevents_shutdown",
    "__clockevents_exchange_device",
    "clockevents_exchange_device",
    "tick_offline_cpu",
    "tick_cleanup_dead_cpu",
    "tick_install_replacement",
    "tick_check_new_device",
    "tick_cpu_dying",
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
  // DYING shows hv_stimer_cleanup alone (logs/k6.12-hv-direct-trace.log), and the legacy cleanup
  // calls it as 5.10 does.
  inlined: edited(DEBIAN_6_1.inlined, {
    remove: ["hv_stimer_cleanup@hv_stimer_legacy_cleanup"],
    add: ["hv_ce_shutdown@hv_stimer_cleanup"],
  }),
  tail: edited(DEBIAN_6_1.tail, {
    remove: ["clockevents_unbind_device@hv_stimer_cleanup"],
    add: ["hv_stimer_cleanup@hv_stimer_legacy_cleanup"],
  }),
  // cpuhp/0-23, cpuhp/1-24, cpuhp/2-30, cpuhp/3-36, migration/2-32 (logs/k6.12-*trace*.log).
  kthreads: { cpuhp0: 23, cpuhp1: 24, perCpu: 6, migration: 2 },
  // "kworker/0:1-10" (logs/k6.12-hv-direct-trace.log).
  kworker: { comm: "kworker/0:1", pid: 10 },
  // The general protection fault of logs/public/pub-k6.12-hv-legacy-vmbus-failhvinit-rep2.log.
  oopsSymbols: {
    tick_cleanup_dead_cpu: "0xfd/0x190",
    takedown_cpu: "0xef/0x130",
    cpuhp_invoke_callback: "0x125/0x440",
    __cpuhp_invoke_callback_range: "0x6d/0xe0",
    _cpu_up: "0x175/0x240",
    cpu_up: "0xba/0xd0",
    cpu_subsys_online: "0x51/0xe0",
    device_online: "0x50/0x80",
    online_store: "0x92/0xc0",
    kernfs_fop_write_iter: "0x14f/0x200",
    vfs_write: "0x28c/0x440",
    ksys_write: "0x6d/0xf0",
    do_syscall_64: "0x87/0x1b0",
    entry_SYSCALL_64_after_hwframe: "0x76/0x7e",
  },
};

/** The known builds by kernel line: Debian's. */
const BUILDS: Readonly<Record<string, FtraceBuild>> = {
  "5.10": DEBIAN_5_10,
  "6.1": DEBIAN_6_1,
  "6.12": DEBIAN_6_12,
};

/**
 * The function tracer's facts for a kernel line built with config preset `kconfig`: the rig's
 * own builds (`rig-build`, lib/kernels/ftrace_builds_rig.ts) or Debian's. Any other build of a
 * line is taken to be compiled like Debian's of the same line, and 5.2–5.5 like 5.10's (their
 * clockevents code has the same shape: no `__clockevents_exchange_device`).
 *
 * @example
 * ```ts
 * import { ftraceBuild } from "./ftrace_builds.ts";
 * import assert from "node:assert/strict";
 * assert.equal(ftraceBuild("6.1").kthreads.cpuhp0, 18);
 * assert.ok(!ftraceBuild("6.12").functions.includes("tick_handover_do_timer"));
 * assert.equal(ftraceBuild("5.5"), ftraceBuild("5.10"));
 * assert.equal(ftraceBuild("5.4", "rig-build").kthreads.cpuhp0, 12);
 * ```
 */
export function ftraceBuild(line: string, kconfig = "debian"): FtraceBuild {
  return (kconfig === "rig-build" ? RIG_BUILDS[line] : undefined) ?? BUILDS[line] ?? DEBIAN_5_10;
}
