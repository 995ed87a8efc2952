/**
 * The 5.x releases hvtick models, each its parent plus a delta (lib/kernels/lines.ts composes them
 * with the 6.x ones): the hotplug tables read from its source (lib/kernels/tables/), the modelled
 * registrants it adds or removes, and the behaviour switches it changes, each with its source.
 *
 * @module
 */

import type { Release } from "./release.ts";
import { MODELLED_KEYS } from "./registrants.ts";
import { V5_2 } from "./tables/v5_2.ts";
import { V5_4 } from "./tables/v5_4.ts";
import { V5_5 } from "./tables/v5_5.ts";
import { V5_10 } from "./tables/v5_10.ts";
import { V5_15 } from "./tables/v5_15.ts";

// Modelled registrants that not every release has: the stimer's STARTING state (added by
// 4df4cb9e99 in 5.5, allocated from hyperv_init() until fff7b5e6ee63 moved it to the
// setup_percpu_clockev hook: 5.10.262 has the hook, docs/research/registrants/5.10.json),
// mainline arm64 Hyper-V init (5.15) and io_uring's io-wq (5.2–5.5 registered no state).
const LATER = [
  "clockevents/hyperv/stimer:starting@hv_stimer_alloc",
  "clockevents/hyperv/stimer:starting@hyperv_init",
  "clockevents/hyperv/stimer:starting@hv_stimer_setup_percpu_clockev",
  "arm64/hyperv_init:online@hyperv_init",
  "io-wq/online@io_wq_init",
  "x86/hyperv_init:online@hyperv_init#CPUHP_AP_HYPERV_ONLINE",
  "arm64/hyperv_init:online@hyperv_init#CPUHP_AP_HYPERV_ONLINE",
];

/** The 5.x releases, parents first. */
export const RELEASES_5: readonly Release[] = [
  {
    release: "v5.2.1",
    version: "5.2.1",
    tables: V5_2,
    registrants: { add: MODELLED_KEYS.filter((k) => !LATER.includes(k)) },
    switches: {
      rules: {
        skipNullCallbacks: false,
        failAcceptsMinusOne: false,
        failRejectsDeadAboveBringup: false,
        targetEqualNoop: false,
      },
      // drivers/hv/hv.c: hv_synic_init registers the stimer in both modes; hv_synic_cleanup
      // unbinds then shuts it down (hyperv-stimer §1, §3.1).
      // 5.2.1 drivers/hv/vmbus_drv.c:1263 vmbus_bus_init() → hv_synic_alloc(), which allocates
      // each CPU's clk_evt (drivers/hv/hv.c:174-208).
      stimer: { direct: "vmbus", cleanup: "unbind-then-shutdown", alloc: "hv_synic_alloc" },
      arm64Stimer: true,
      // 52:arch/x86/kernel/i8253.c: the PIT whenever there is no HPET (tick-deltas §3).
      pit: "always",
      vmbusConnectCpuBusy: false,
      vmbusHibernation: false,
      vmbusResumeWaitsForOffers: true,
      // 5.10.262 drivers/hv/vmbus_drv.c: hv_acpi_init() waits 5*HZ for the ACPI probe
      // (2675-2679), vmbus_acpi_add() walks _CRS up to the root handle, vmbus_reserve_fb() uses
      // screen_info (2231-2234), vmbus_bus_init() registers with cpuhp_setup_state() (1449).
      // Read in 5.10; 5.2–5.5 are taken to be the same [INFERRED: the fixes are 2022–2023].
      vmbus: { probe: "wait", rootCrsDeref: true, reserveFb: "screen_info", synicInit: "cpuhp" },
      timerList: "v0.8",
      pmPrefix: "PM: ",
      imageMessage: "Creating hibernation image:",
      // As 5.10.262 (below) [INFERRED], but for the texts the pr_fmt change to "PM: hibernation: "
      // shortened ("pm: add more logging on hibernation failure", Luigi Semenzato, linux-pm
      // 2020-01-02: "hibernation debug: …", "Hibernation image created", "Failed to load
      // hibernation image", "resume from hibernation failed").
      hibernation: {
        freezeOrder: "ascending",
        acpiSleepPrefix: "ACPI: ",
        acpiNvsPrefix: "PM: ",
        freezer: "one-line",
        imageZeroPages: false,
        namedCompressor: false,
        diskTrailingSpace: true,
        debugWait: "hibernation debug: Waiting for 5 seconds.",
        imageCreated: "Hibernation image created",
        loadFailed: "Failed to load hibernation image, recovering.",
        resumeFailed: "resume from hibernation failed",
        resumeZeroRefused: true,
      },
      arm64: { psciKill: "plain", shutdownNotice: true },
      // 52:arch/x86/kernel/cpu/mshyperv.c "Hyper-V Host Build:%d-%d.%d-%d-%d.%d".
      hostBuildMessage: "Hyper-V Host Build:{build}-{major}.{minor}-{sp}-{branch}.{number}",
      // 52:drivers/clocksource/hyperv_timer.c: rating 400 either way.
      hypervClocksourceRating: { plain: 400, invariantTsc: 400, msrBelowPage: 0 },
      hypervMsrClocksource: "fallback",
      // 5.10 kernel/cpu.c:947-949, 6.1:1072-1074.
      takeCpuDownTick: true,
      // 5.10.262 tick-broadcast.c tick_install_broadcast_device(): tick_clock_notify() only.
      broadcastReplaceOneshot: false,
      // 52:mshyperv.c:223 "features 0x%x, hints 0x%x"; 52:smpboot.c:849, 1354, 1452.
      bootLog: {
        hypervFeatures: "features-hints",
        tscUnstableFirst: false,
        hostBuildLate: false,
        topology: "smpboot",
        jiffiesEarly: false,
        smpConfig: "x86-every-cpu1",
        maxLogicalPackages: true,
      },
      // drivers/iommu/hyperv-iommu.c 5.10:145-147, 6.1:125-128 (x2APIC required; the guests have
      // none, so IRQ 0's chip is IO-APIC: logs/public/pub-k5.10-*, pub-k6.1-*).
      hypervIrqRemapNeedsX2apic: true,
      // boot_cpu_hotplug_init() sets only the state (5.10:2584-2590, 6.1:2768-2774).
      bootCpuTarget: "zero",
      // 5.10 tsc.c:1227-1253 unsynchronized_tsc() (the same test in 5.2–6.1).
      unsynchronizedTsc: "possible-cpus",
      // 52:mshyperv.c:286 marks the TSC unstable unconditionally.
      tscReliableWithInvariantBit: false,
      // 52:kernel/trace/trace_output.c trace_print_context "%16s-%-5d", four flag columns.
      ftrace: { flagColumns: 4, pidWidth: 5, functionDepthPlusOne: false },
      oops: { prefix: false, exitIrqsNote: false },
      exchangeSplit: false,
      cpuDownOnWorkqueue: false,
      // 5.4.301 arch/x86/kernel/topology.c:40-52 (CONFIG_BOOTPARAM_HOTPLUG_CPU0, `cpu0_hotplug`).
      x86Cpu0Hotplug: "cpu0_hotplug",
      // 5.4.301 mshyperv.c:130-140 hv_machine_shutdown(): only the kexec handler, no cpuhp state
      // is removed (the dynamic-state removal, dfe94d4086e4, is 5.12).
      kexecHvCpuDie: "none",
      // 5.4.301 kernel/kexec_core.c:1172 pr_emerg [INFERRED for 5.2 and 5.5: the pr_notice patch
      // was posted in 2019, after 5.4's merge window; 5.10.265 has it].
      kexecStartingLevel: "emerg",
      // 5.4.301 hyperv_timer.c:121: rating 1000.
      stimerTdxLowRating: false,
      // 5.4.301 drivers/hv/hv.c:262-289: a channel on the CPU refuses with -EBUSY.
      vmbusOfflineMovesChannels: false,
      // Mainline before 2f8dea1692ee: hrtimers_prepare_cpu() resets hres_active (5.2's tables have
      // no hrtimers:dying startup).
      hresResetOnStarting: false,
      // 5.4.301 arch/x86/hyperv/hv_init.c:198-211 hv_cpu_die(): `*input_arg = NULL;
      // free_page(input_pg)` (5.2: the same function [INFERRED], no 5.2 arch/ tree read).
      hvInputPageFreedOnDie: true,
      // No HV_ISOLATION_TYPE_TDX before 6.6 (6.1.166 arch/x86/kernel/cpu/mshyperv.c has none).
      hypervTdxGuest: false,
      // 5.4.301 kernel/hung_task.c:128-140: no note when the warnings are spent.
      hungTaskSuppressedNote: false,
      // 5.4.301 include/linux/kernel.h:599.
      taintFlagsCount: 18,
    },
  },
  {
    // unifreq/linux-5.4.y @ 101662a61 ("up to 5.4.301"; its own commits touch none of the files
    // read here: docs/model.md §Kernel lines).
    release: "5.4.301",
    version: "5.4.301",
    tables: V5_4,
    registrants: {
      // kswapd_init() (mm/vmscan.c:4159-4161, module_init) registers before
      // percpu_counter_startup(): mm/ links before lib/, and a real 5.4.301 boot lists
      // "181: mm/vmscan:online", "182: lib/percpu_cnt:online" (kbuild rig, k5.4-hv-direct-offon).
      // msr_init() and cpuid_init() (arch/x86/kernel/msr.c:222, cpuid.c:165, module_init; built
      // in only with X86_MSR=y / X86_CPUID=y) run before it: arch/ links before mm/
      // (k5.4-hv-direct-offon: "179: x86/msr:online", "180: x86/cpuid:online", "181: mm/vmscan").
      // tracer_alloc_buffers() adds temp_buffer and global_trace's buffer (5.4.301
      // kernel/trace/trace.c:9330, 9338), and its max_buffer with CONFIG_TRACER_MAX_TRACE
      // (8457-8458): three ring buffers, as hvtick takes 5.10's builds to have; two without
      // (tests/real/built/k5.4-hv-direct-trace.log). 5.2 and 5.5 stay as they were (none).
      change: { "trace/RB:preapre@tracer_alloc_buffers": { instances: 3 } },
      reorder: [{
        move: "mm/vmscan:online@kswapd_init",
        before: "lib/percpu_cnt:online@percpu_counter_startup",
      }, {
        move: "x86/msr:online@msr_init",
        before: "mm/vmscan:online@kswapd_init",
      }, {
        move: "x86/cpuid:online@cpuid_init",
        before: "mm/vmscan:online@kswapd_init",
      }],
    },
    switches: {
      // fd1fea6834d0 (5.3): hv_stimer_cleanup only shuts the stimer down, no unbind (S4, S5);
      // 5.4.301 drivers/hv/hv.c:291 calls hv_stimer_cleanup(), hyperv_timer.c as in 5.4.6.
      // 5.4.301 drivers/hv/vmbus_drv.c:1396: vmbus_bus_init() → hv_stimer_alloc()
      // (k5.4-hv-direct-vmbus-trace.log: "insmod-130 … hv_stimer_alloc <-hv_acpi_init").
      stimer: { direct: "vmbus", cleanup: "shutdown", alloc: "vmbus_bus_init" },
      // 5.4.301 arch/x86/kernel/i8253.c:32-38 use_pit(): apic_needs_pit() decides.
      pit: "apic_needs_pit",
      // VMbus suspend/resume for hibernation (S33; 5.4.301 vmbus_drv.c:2221 vmbus_bus_suspend).
      vmbusHibernation: true,
      // 5.4.301 arch/arm64/kernel/psci.c:97 "killed (polled %d ms)"; smp.c:339 pr_notice.
      arm64: { psciKill: "polled", shutdownNotice: true },
      // 5.4.301 drivers/hv/hv.c:252-261: CPU0 (VMBUS_CONNECT_CPU) is refused while VMbus is
      // connected (not in 5.4.6, hv.c:250-278).
      vmbusConnectCpuBusy: true,
      // 5.4.301 kernel/trace/trace_output.c:576 "%16s-%-7d" (795d6379a47b backported).
      ftrace: { flagColumns: 4, pidWidth: 7 },
      // 5.4.301 arch/x86/kernel/cpu/mshyperv.c:229 "features 0x%x, hints 0x%x, misc 0x%x";
      // mark_tsc_unstable("running on Hyper-V") (303) comes before hv_init_clocksource() (347)
      // (tests/real/built/k5.4-*.log: "tsc: Marking TSC unstable …", then the TSC page line).
      bootLog: { hypervFeatures: "features-hints-misc", tscUnstableFirst: true },
      // 5.4.301 drivers/hv/vmbus_drv.c:2027-2049 vmbus_reserve_fb(): a zero screen_info.lfb_base
      // is skipped without a word (k5.4-hv-direct-vmbus-offon.log: no "Unexpected framebuffer").
      vmbus: { reserveFb: "screen_info-silent" },
      // 2f8dea1692ee in 5.4.290: 5.4.301 kernel/time/hrtimer.c:2074-2080 hrtimers_cpu_starting().
      hresResetOnStarting: true,
    },
  },
  {
    release: "v5.5 (tables read from v5.5-rc5)",
    version: "5.5",
    tables: V5_5,
    registrants: {
      add: [
        "clockevents/hyperv/stimer:starting@hv_stimer_alloc",
        "clockevents/hyperv/stimer:starting@hyperv_init",
      ],
      // As 5.2 (no ring buffers modelled), not as 5.4.301's.
      change: { "trace/RB:preapre@tracer_alloc_buffers": { instances: 0 } },
    },
    switches: {
      // 4df4cb9e99: Direct Mode in CPUHP_AP_HYPERV_TIMER_STARTING; legacy unbinds (S1).
      // 5.5-rc5 arch/x86/hyperv/hv_init.c:327: hyperv_init() → hv_stimer_alloc().
      stimer: { direct: "starting", cleanup: "direct-shutdown-else-unbind", alloc: "boot" },
      // 55:mshyperv.c:293-298: reliable with HV_ACCESS_TSC_INVARIANT.
      tscReliableWithInvariantBit: true,
      // Mainline 5.5 has none of what 5.4.301 took from stable: 55:drivers/hv/hv.c:260-278 refuses
      // only for a channel; the 5-digit pid column (52/55 trace_output.c "%16s-%-5d"); the
      // feature line as 5.2's [INFERRED: 5.5's arch/x86 not read]; no hrtimers:dying startup.
      vmbusConnectCpuBusy: false,
      ftrace: { flagColumns: 4, pidWidth: 5 },
      // The TSC and clocksource lines and vmbus_reserve_fb() as 5.2's and 5.10's [INFERRED: 5.5's
      // mshyperv.c and vmbus_drv.c not read], not as the 5.4.301 backports.
      bootLog: { hypervFeatures: "features-hints", tscUnstableFirst: false },
      vmbus: { reserveFb: "screen_info" },
      hresResetOnStarting: false,
    },
  },
  {
    release: "5.10.262 (Debian 5.10.262-1)",
    version: "5.10.262",
    tables: V5_10,
    registrants: {
      remove: ["clockevents/hyperv/stimer:starting@hyperv_init"],
      add: [
        "clockevents/hyperv/stimer:starting@hv_stimer_setup_percpu_clockev",
        "io-wq/online@io_wq_init",
      ],
      // Debian's config has CONFIG_TRACER_MAX_TRACE: tracer_alloc_buffers() adds three ring
      // buffers (docs/research/registrants/5.10.json; logs/k5.10-hv-direct-trace.log: three
      // trace_rb_cpu_prepare calls per bring-up); hvtick takes any 5.10 build to have it. 5.2–5.5
      // stay as they were (none).
      change: { "trace/RB:preapre@tracer_alloc_buffers": { instances: 3 } },
      // percpu_counter_startup() registers :online then :dead, and runs (initcall entry 422)
      // before acpi_processor_driver_init() (441, :online then :dead) and topology_sysfs_init()
      // (479): System.map-5.10.0-46-amd64; docs/research/registrants/5.10.json; the boot trace
      // of logs/k5.10-hv-direct-trace.log (compute_batch_value before topology_add_dev).
      reorder: [
        {
          move: "lib/percpu_cnt:online@percpu_counter_startup",
          before: "acpi/cpu-drv:dead@acpi_processor_driver_init",
        },
        {
          move: "lib/percpu_cnt:dead@percpu_counter_startup",
          before: "acpi/cpu-drv:dead@acpi_processor_driver_init",
        },
        {
          move: "acpi/cpu-drv:online@acpi_processor_driver_init",
          before: "acpi/cpu-drv:dead@acpi_processor_driver_init",
        },
        // msr_init() and cpuid_init() (built in only with X86_MSR=y, X86_CPUID=y: the rig's
        // builds) stay before it: arch/ links before lib/ (tests/real/built/k6.8-*-offon.log:
        // "193: x86/msr:online", "194: x86/cpuid:online", "195: lib/percpu_cnt:online").
        { move: "x86/msr:online@msr_init", before: "lib/percpu_cnt:online@percpu_counter_startup" },
        {
          move: "x86/cpuid:online@cpuid_init",
          before: "lib/percpu_cnt:online@percpu_counter_startup",
        },
      ],
    },
    switches: {
      // 5.10.262 kernel/cpu.c: every state is visited (no cpuhp_next_state()); write_cpuhp_fail()
      // refuses -1 (2259-2294); target_store() is a no-op for an equal target (64ea6e44f85b,
      // backported; 2238-2243). Real: pub-k5.10-hv-direct-failhvinit.log (fail=-1: EINVAL).
      rules: {
        skipNullCallbacks: false,
        failAcceptsMinusOne: false,
        failRejectsDeadAboveBringup: false,
        targetEqualNoop: true,
      },
      // 9e0333ae38ee (5.6): 250 whether or not HV_ACCESS_TSC_INVARIANT (hyperv_timer.c:392-427).
      hypervClocksourceRating: { plain: 250, invariantTsc: 250, msrBelowPage: 0 },
      // 5.10.262 kernel/power/hibernate.c:12 pr_fmt; snapshot.c:1972 "Creating image:".
      pmPrefix: "PM: hibernation: ",
      imageMessage: "Creating image:",
      // 5.10.262: kernel/cpu.c:1428 for_each_online_cpu; drivers/acpi/sleep.c:76 PREFIX "ACPI: ",
      // nvs.c:173 "PM: "; process.c:138-143 one line; snapshot.c:2006 "(%d pages copied)";
      // swap.c:770 "Using %u thread(s) for compression"; hibernate.c:1090-1095 disk_show "%s "
      // then "\n"; hibernate.c:121 "debug: Waiting for 5 seconds.".
      hibernation: {
        debugWait: "debug: Waiting for 5 seconds.",
        imageCreated: "Image created",
        loadFailed: "Failed to load image, recovering.",
        resumeFailed: "resume failed",
      },
      // 2f8dea1692ee in 5.10.234: 5.10.262's kernel/cpu.c:1665 gives hrtimers:dying its startup,
      // hrtimers_cpu_starting() (docs/research/kernels/5.10.json).
      hresResetOnStarting: true,
      // dfe94d4086e4 (5.12, in stable 5.10): 5.10.265 arch/x86/kernel/cpu/mshyperv.c:142-143
      // removes the dynamic state on kexec [INFERRED for Debian 5.10.262: the unifreq tree
      // stands in for it]; kernel/kexec_core.c:1182 pr_notice.
      kexecHvCpuDie: "dynamic-state",
      kexecStartingLevel: "notice",
      // 5.10.262 drivers/hv/hv.c:252-254: CPU0 is refused while VMbus is connected.
      vmbusConnectCpuBusy: true,
      // 795d6379a47b: "%16s-%-7d" (5.10.262 trace_output.c:590-626; logs/k5.10-hv-direct-trace.log).
      ftrace: { flagColumns: 4, pidWidth: 7 },
      // 5.10.262 mshyperv.c:305 "features 0x%x, hints 0x%x, misc 0x%x" (logs/k5.10-*.log).
      bootLog: {
        hypervFeatures: "features-hints-misc",
        // 5.10.262 mshyperv.c:428 hv_init_clocksource(), then 437 mark_tsc_unstable().
        tscUnstableFirst: false,
        hostBuildLate: false,
        topology: "smpboot",
        jiffiesEarly: false,
        smpConfig: "x86-every-cpu1",
        maxLogicalPackages: true,
      },
    },
  },
  {
    // unifreq/linux-5.15.y @ 5c88653f6 ("up to 5.15.215").
    release: "5.15.215",
    version: "5.15.215",
    tables: V5_15,
    registrants: {
      // 5.15.215 arch/arm64/hyperv/mshyperv.c:70 (mainline arm64 Hyper-V guests, 5.15).
      add: ["arm64/hyperv_init:online@hyperv_init"],
    },
    switches: {
      // 5.15.215 kernel/cpu.c: cpuhp_next_state() (640-674); fail_store() takes -1 (2377) and
      // refuses DEAD states above BRINGUP (2397); target_store() no-op when equal (2346-2351).
      rules: {
        skipNullCallbacks: true,
        failAcceptsMinusOne: true,
        failRejectsDeadAboveBringup: true,
        targetEqualNoop: true,
      },
      // Mainline arm64 Hyper-V guests use arch_sys_timer; HYPERV_TIMER is x86-only (S43).
      arm64Stimer: false,
      // 5.15.215 kernel/time/timer_list.c:259.
      timerList: "v0.9",
      // 5.15.215 arch/arm64/kernel/smp.c:347 pr_debug; psci.c:98 "(polled %d ms)".
      arm64: { psciKill: "polled", shutdownNotice: false },
      // 5.15.215 tick-broadcast.c:184-193: a replacement goes oneshot at once.
      broadcastReplaceOneshot: true,
      // 5.15.215 kernel/trace/trace_output.c:492-503: the migrate-disable column.
      ftrace: { flagColumns: 5, pidWidth: 7 },
      // 5.15.215 mshyperv.c:332 "privilege flags low 0x%x, high 0x%x, hints 0x%x, misc 0x%x";
      // :371 the host build line in the old format.
      bootLog: { hypervFeatures: "privilege" },
      // 5.15.215 hyperv_timer.c:441, 478, 530-532: 500, or 250 with HV_ACCESS_TSC_INVARIANT; the
      // MSR clocksource only without the TSC page (558-575).
      hypervClocksourceRating: { plain: 500, invariantTsc: 250, msrBelowPage: 0 },
      // 5.15.215 drivers/acpi/sleep.c:11, nvs.c:8 pr_fmt "ACPI: PM: "; process.c:138-143 one line.
      hibernation: { acpiSleepPrefix: "ACPI: PM: ", acpiNvsPrefix: "ACPI: PM: " },
      // 5.15.215 mshyperv.c:129-130: cpuhp_remove_state(hyperv_init_cpuhp) of the dynamic state.
      kexecHvCpuDie: "dynamic-state",
      // 2f8dea1692ee in 5.15.177: 5.15.215 kernel/time/hrtimer.c:2162-2168.
      hresResetOnStarting: true,
    },
  },
];
