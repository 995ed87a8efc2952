/**
 * The 6.x releases hvtick models, each its parent plus a delta (lib/kernels/lines.ts composes them
 * with the 5.x ones): the hotplug tables read from its source (lib/kernels/tables/), the modelled
 * registrants it adds or removes, and the behaviour switches it changes, each with its source.
 *
 * @module
 */

import type { Release } from "./release.ts";
import { V6_1 } from "./tables/v6_1.ts";
import { V6_6 } from "./tables/v6_6.ts";
import { V6_8 } from "./tables/v6_8.ts";
import { V6_12 } from "./tables/v6_12.ts";
import { V6_18 } from "./tables/v6_18.ts";

/** The 6.x releases, parents first: 5.10 → 6.1 → 6.6 → 6.8 → 6.12 → 6.18. */
export const RELEASES_6: readonly Release[] = [
  {
    release: "6.1.192 (Debian 6.1.192-2)",
    version: "6.1.192",
    tables: V6_1,
    registrants: {
      add: ["arm64/hyperv_init:online@hyperv_init"],
    },
    switches: {
      // 6.1.166 include/linux/panic.h:73: TAINT_TEST makes 19 flags.
      taintFlagsCount: 19,
      // 6.1.192 kernel/cpu.c cpuhp_next_state() (453e41085183, 5.12) and fail_store() (2432-2480).
      rules: {
        skipNullCallbacks: true,
        failAcceptsMinusOne: true,
        failRejectsDeadAboveBringup: true,
        targetEqualNoop: true,
      },
      // Mainline arm64 Hyper-V guests (5.15) use arch_sys_timer; HYPERV_TIMER is x86-only (S43).
      arm64Stimer: false,
      // 61:drivers/hv/hv.c:359-360: CPU0 (VMBUS_CONNECT_CPU) is refused outright.
      vmbusConnectCpuBusy: true,
      // 6.1.192 vmbus_drv.c: no VMBus device → -ENODEV at once (2609-2616); the root handle is
      // not walked (2324-2336); the framebuffer comes from PCI (2124-2141).
      vmbus: { probe: "immediate", rootCrsDeref: false, reserveFb: "pci", synicInit: "cpuhp" },
      timerList: "v0.9",
      arm64: { psciKill: "polled", shutdownNotice: false },
      // 6.1.192 tick-broadcast.c tick_install_broadcast_device(): a replacement broadcast device
      // goes oneshot at once when tick_broadcast_oneshot_active().
      broadcastReplaceOneshot: true,
      // 54357f0c9149 (5.15): the migrate-disable column (6.1.192 trace_output.c:441-501;
      // logs/hv-direct-trace.log `d..1.`).
      ftrace: { flagColumns: 5, pidWidth: 7 },
      // 6.1.192 kernel/exit.c:954.
      oops: { prefix: false, exitIrqsNote: true },
      exchangeSplit: true,
      // 2b8272ff4a70 in 6.1.y: logs/hv-direct-trace.log "kworker/0:1-17 … cpuhp_kick_ap_work".
      cpuDownOnWorkqueue: true,
      // 6.1.192 mshyperv.c:334 "privilege flags low 0x%x, high 0x%x, hints 0x%x, misc 0x%x".
      bootLog: {
        hypervFeatures: "privilege",
        hostBuildLate: false,
        topology: "smpboot",
        jiffiesEarly: false,
        smpConfig: "x86-every-cpu1",
        maxLogicalPackages: true,
      },
      // 61:mshyperv.c:373 "Hyper-V: Host Build %d.%d.%d.%d-%d-%d".
      hostBuildMessage: "Hyper-V: Host Build {major}.{minor}.{build}.{number}-{sp}-{branch}",
      // 4c78738ead4e (5.13): 500, or 250 with HV_ACCESS_TSC_INVARIANT (hyperv_timer.c:442-534).
      hypervClocksourceRating: { plain: 500, invariantTsc: 250, msrBelowPage: 0 },
      // 6.1.192: drivers/acpi/sleep.c:11 and nvs.c:8 pr_fmt "ACPI: PM: "; process.c:41/107 two
      // freezer lines; snapshot.c:2052, swap.c:769, hibernate.c:1116, :1193-1196 (name_to_dev_t)
      // as in 5.10.
      hibernation: {
        acpiSleepPrefix: "ACPI: PM: ",
        acpiNvsPrefix: "ACPI: PM: ",
        freezer: "two-line",
      },
      // [INFERRED] as 5.15.215 (mshyperv.c:129-130): 6.1 has the dynamic state (6.1.192
      // hv_init.c:435, docs/research/registrants/6.1.json).
      kexecHvCpuDie: "dynamic-state",
      // 2f8dea1692ee in 6.1.127: 6.1.192's kernel/cpu.c:1825 gives hrtimers:dying its startup,
      // hrtimers_cpu_starting() (docs/research/kernels/6.1.json; 6.12.117: cpu.c:2175).
      hresResetOnStarting: true,
    },
  },
  {
    // unifreq/linux-6.6.y @ 3c7c31e62 ("up to 6.6.150").
    release: "6.6.150",
    version: "6.6.150",
    tables: V6_6,
    registrants: {
      // 9636be85cc5b and 52ae076c3a9b (6.4): the fixed CPUHP_AP_HYPERV_ONLINE (6.6.150
      // arch/x86/hyperv/hv_init.c:497, arch/arm64/hyperv/mshyperv.c:70).
      remove: ["x86/hyperv_init:online@hyperv_init", "arm64/hyperv_init:online@hyperv_init"],
      add: [
        "x86/hyperv_init:online@hyperv_init#CPUHP_AP_HYPERV_ONLINE",
        "arm64/hyperv_init:online@hyperv_init#CPUHP_AP_HYPERV_ONLINE",
      ],
    },
    switches: {
      // 9636be85cc5b (6.4): hv_common_cpu_die() keeps the input page (6.6.150
      // drivers/hv/hv_common.c:425-438); 6.1.166 hv_common.c:383-402 still frees it.
      hvInputPageFreedOnDie: false,
      // 6.6.150 arch/x86/kernel/cpu/mshyperv.c:501-518: a TDX VM without a paravisor.
      hypervTdxGuest: true,
      // 6.6.150 kernel/hung_task.c:145-146 (6.1.166 has no such note).
      hungTaskSuppressedNote: true,
      // 6.6.150 arch/x86/kernel/cpu/mshyperv.c:472 "Hyper-V: Host Build %d.%d.%d.%d-%d-%d".
      hostBuildMessage: "Hyper-V: Host Build {major}.{minor}.{build}.{number}-{sp}-{branch}",
      // e5313f1c5404: the MSR clocksource always, 5 below the TSC page (hyperv_timer.c:481, 502,
      // 544-546, 605-608).
      hypervClocksourceRating: { plain: 500, invariantTsc: 250, msrBelowPage: 5 },
      hypervMsrClocksource: "always",
      // fea858dc5d90 (6.2): drivers/iommu/hyperv-iommu.c:176 no longer needs x2APIC.
      hypervIrqRemapNeedsX2apic: false,
      // d385febc9a19: 6.6.150 kernel/cpu.c:3206 sets the boot CPU's target to CPUHP_ONLINE.
      bootCpuTarget: "online",
      // 0c7ffa32dbd6: announce_cpu() at boot only, "smpboot: x86: …" (smpboot.c:40, 922-924).
      bootLog: { smpConfig: "smpboot-boot-only" },
      // 005e8dddd497: 6.6.150 snapshot.c:2157 "(%d pages copied, %d zero pages)"; hibernate.c
      // :1187-1200 resume_store() takes lookup_bdev(), then MAJ:MIN (0:0 passes); freeze order
      // ascending (cpu.c:1945), disk_show's trailing space (1102-1106), swap.c:769 unnamed.
      hibernation: { imageZeroPages: true, resumeZeroRefused: false },
      // 6.6.150 kernel/time/clockevents.c:568 has no __clockevents_exchange_device();
      // tick-broadcast.c:176 calls clockevents_exchange_device() without tick_broadcast_lock.
      exchangeSplit: false,
      // e59e74dc48a3 (6.5): 6.6.150 arch/x86/kernel/topology.c:45.
      x86Cpu0Hotplug: "never",
      // b9af6418279c in 6.6.52: 6.6.150 mshyperv.c:201-202.
      kexecHvCpuDie: "fixed-state",
      // 2f8dea1692ee in 6.6.74: 6.6.150 kernel/time/hrtimer.c:2226-2232.
      hresResetOnStarting: true,
    },
  },
  {
    // sndrzt/linux-6.8 @ 68520c5dc: upstream v6.8 (3bc197e7c) with Ubuntu noble's 6.8.0-31 source;
    // Makefile SUBLEVEL 1. Ubuntu's changes to the files read here: docs/model.md §Kernel lines.
    release: "6.8.1 (Ubuntu noble 6.8.0-31 source)",
    version: "6.8.1",
    tables: V6_8,
    switches: {
      // 6.8.1 mshyperv.c:202-203: `hyperv_init_cpuhp > 0` is never true for the fixed state
      // (hv_init.c:498, 610), so hv_cpu_die() does not run on kexec.
      kexecHvCpuDie: "skipped",
      // No 2f8dea1692ee: hrtimers_prepare_cpu() resets hres_active (hrtimer.c:2166-2181) and
      // hrtimers:dying has no startup (kernel/cpu.c; docs/research/kernels/6.8.json).
      hresResetOnStarting: false,
      // 6.8.1 kernel/trace/trace_functions.c:188 `trace_ctx = tracing_gen_ctx()` after the
      // recursion lock (k6.8-hv-direct-trace.log: "<idle>-0 [000] ...2. hpet_enable").
      ftrace: { functionDepthPlusOne: true },
    },
  },
  {
    release: "6.12.117 (Debian 6.12.117-1)",
    version: "6.12.117",
    tables: V6_12,
    // 6.8's, changed as follows. Shared with 6.6/6.8 and read in 6.12.117 too: the fixed
    // CPUHP_AP_HYPERV_ONLINE (hv_init.c:501; the arm64 half, 52ae076c3a9b, [INFERRED] from 6.8.1
    // and 6.18.9 arch/arm64/hyperv/mshyperv.c:70, :111 and 6.12's enum), the MSR clocksource 5
    // below the TSC page (e5313f1c5404, hyperv_timer.c 6.12:494-516, 558-561), IR without x2APIC
    // (fea858dc5d90, hyperv-iommu.c 6.12:129-131), the boot CPU's target (d385febc9a19, kernel/cpu.c
    // 6.12:3179), announce_cpu() at boot only (smpboot.c:820), zero pages in "Image created"
    // (snapshot.c:2152), resume_store() by lookup_bdev() (hibernate.c:1249-1266); x86 CPU0 never
    // hotpluggable [INFERRED: e59e74dc48a3 (6.5); 6.8.1 topology.c:39-42, 6.18.9 setup.c:1314].
    registrants: {
      // 6.12's System.map links drivers/leds before drivers/acpi (initcall entries 516 < 528):
      // docs/research/registrants/6.12.json.
      // zs_init() is initcall entry 449, before percpu_counter_startup() (495)
      // (System.map-6.12.117+deb13-amd64; logs/k6.12-hv-direct-trace.log: zs_cpu_prepare first).
      reorder: [
        {
          move: "leds/trigger:starting@ledtrig_cpu_init",
          before: "acpi/cpu-drv:online@acpi_processor_driver_init",
        },
        {
          move: "mm/zsmalloc:prepare@zs_init",
          before: "lib/percpu_cnt:online@percpu_counter_startup",
        },
      ],
      // acpi_processor_driver_init() calls cpuhp_setup_state(), not _nocalls (6.12.117
      // drivers/acpi/processor_driver.c:268; logs/k6.12-hv-direct-trace.log: acpi_soft_cpu_online
      // for CPUs 0-3 at boot).
      change: { "acpi/cpu-drv:online@acpi_processor_driver_init": { nocalls: false } },
    },
    switches: {
      timerList: "v0.10",
      // 6.12.117 arch/x86/kernel/dumpstack.c:426 "Oops: %s: …".
      oops: { prefix: true },
      // Function entries show the code's preempt depth again (logs/k6.12-hv-direct-trace.log
      // "<idle>-0 [000] ...1. hpet_enable", as 6.1 and 6.6) [GAP: the 6.12.117 change not read;
      // its trace_functions.c:196 still calls tracing_gen_ctx() after the lock].
      ftrace: { functionDepthPlusOne: false },
      // take_cpu_down() (6.12:1268-1293): the tick moved to tick_cpu_dying (CPUHP_AP_TICK_DYING).
      takeCpuDownTick: false,
      // 6.12.117: hv_common.c:290 host build from hyperv_init (410779d8d81f); topology.c:508
      // "CPU topo:"; jiffies before hpet; no "Max logical packages" (logs/k6.12-*.log,
      // logs/public/pub-k6.12-*).
      bootLog: {
        hostBuildLate: true,
        topology: "cpu-topo",
        jiffiesEarly: true,
        maxLogicalPackages: false,
      },
      // e7ff4ebffe3b: packages, not possible CPUs (tsc.c 6.12:1291); logs/k6.12-plain.log runs on tsc.
      unsynchronizedTsc: "packages",
      // 87c9741a38c4: vmbus_bus_init() runs hv_synic_init() as per-CPU work items
      // (6.12.117 vmbus_drv.c:1419-1432), then registers the state nocalls.
      vmbus: { synicInit: "workqueue" },
      // 6.12.117: kernel/cpu.c:1918 from nr_cpu_ids - 1 down (logs/k6.12-hv-direct-hibernate.log:
      // CPU 3, 2, 1); swap.c:793 "for %s compression", :887 the compressed size;
      // hibernate.c:1166-1167 the last space becomes the newline (logs: "[platform] shutdown reboot
      // suspend test_resume").
      hibernation: {
        freezeOrder: "descending",
        namedCompressor: true,
        diskTrailingSpace: false,
      },
      // The Debian build's ftrace shows __clockevents_exchange_device (logs/k6.12-hv-direct-trace.log
      // `hv_ce_shutdown <-__clockevents_exchange_device`), which 6.6.150 and 6.8.1 do not have.
      exchangeSplit: true,
      // 2f8dea1692ee in 6.12.11: 6.12.117's kernel/cpu.c:2175 gives hrtimers:dying its startup,
      // hrtimers_cpu_starting() (docs/research/kernels/6.12.json).
      hresResetOnStarting: true,
      // [INFERRED] b9af6418279c (6.11) is in 6.12; 6.18.9 mshyperv.c:205-206.
      kexecHvCpuDie: "fixed-state",
      // [INFERRED] 7f828d5fff7d (6.11) is in 6.12; 6.18.9 hyperv_timer.c:151-155.
      stimerTdxLowRating: true,
    },
  },
  {
    // unifreq/linux-6.18.y @ 8e15a5ffa ("update to v6.18.9").
    release: "6.18.9",
    version: "6.18.9",
    tables: V6_18,
    registrants: {
      // kcompactd_init() registers no state any more (6.18.9 mm/compaction.c:3323-3332).
      remove: ["mm/compaction:online@kcompactd_init"],
    },
    switches: {
      // 6.18.9 include/linux/panic.h:83: 20 flags.
      taintFlagsCount: 20,
      // 6.18.9 drivers/hv/vmbus_drv.c:2702-2718: no WARN_ON, no wait for the offers on resume.
      vmbusResumeWaitsForOffers: false,
      // 6.18.9 arch/x86/kernel/cpu/mshyperv.c:460 adds `ext %#x`.
      bootLog: { hypervFeatures: "privilege-ext" },
      // 6.18.9 kernel/power/hibernate.c:152-160: pm_test_delay (5) seconds.
      hibernation: { debugWait: "hibernation debug: Waiting for 5 second(s)." },
      // 6.18.9 clockevents.c:576 has no __clockevents_exchange_device(); tick-broadcast.c:176
      // calls clockevents_exchange_device() without tick_broadcast_lock.
      exchangeSplit: false,
      // 3a7f7785eae7 (6.15): 6.18.9 drivers/hv/hv.c:428-500.
      vmbusOfflineMovesChannels: true,
    },
  },
];
