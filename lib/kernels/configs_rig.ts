/**
 * The config of the kernels hvtick's maintainers built from source and booted in the rig
 * (../shared/rig with `KERNEL_TREE`): x86_64 defconfig plus what the rig needs (Hyper-V as
 * modules, `CONFIG_CPU_HOTPLUG_STATE_CONTROL`, hibernation, ftrace, virtio built in) and little
 * else. The configs themselves are in docs/research/configs/; the facts below are read from them
 * and from the boots' logs (tests/real/built/).
 *
 * @module
 */

import type { ConfigPreset } from "./config_types.ts";

/** The rig's own builds of 5.4.301, 6.6.150 and 6.8.1. */
export const RIG_BUILD: ConfigPreset = {
  id: "rig-build",
  label: "hvtick's rig builds: defconfig + Hyper-V modules, state control, hibernation, ftrace",
  arches: ["x86_64"],
  lines: [{
    id: "5.4",
    facts: {
      // docs/research/configs/5.4.301.config: VMAP_STACK=y (L698), X86_MSR=y (L371), X86_CPUID=y
      // (L372); "# CONFIG_MEMCG is not set" (L142); no PADATA, ZSWAP, ZSMALLOC, LEDS_TRIGGER_CPU,
      // IRQ_POLL (CRASH_HOTPLUG does not exist in 5.4).
      options: ["VMAP_STACK", "X86_MSR", "X86_CPUID"],
      // HYPERV=m, NO_HZ_IDLE=y, PREEMPT_VOLUNTARY=y (no PREEMPT_DYNAMIC in 5.4), PM_DEBUG=y,
      // VIRTIO/VIRTIO_PCI/VIRTIO_BLK=y (built in: nothing for the rig to load).
      hyperv: "m",
      nohz: "idle",
      preemptDynamic: false,
      hotplugParallel: false,
      // NR_CPUS=64 (defconfig's).
      nrCpus: 64,
      // "# CONFIG_IRQ_REMAP is not set" (L2634; 6.6.150 L2784, 6.8.1 L2804): IRQ 0 stays on the
      // plain `IO-APIC` chip (k6.8-*.log /proc/interrupts "IO-APIC   2-edge      timer").
      irqRemap: false,
      // "# CONFIG_TRACER_SNAPSHOT is not set" (L3440; 6.6.150 L3768, 6.8.1 L3818), no latency
      // tracer: no TRACER_MAX_TRACE, two ring buffers (k5.4-hv-direct-trace.log: two
      // "cpuhp_multi_enter … (trace_rb_cpu_prepare)" per bring-up; k6.8-hv-direct-trace.log too).
      tracerMaxTrace: false,
      // "# CONFIG_SOFTLOCKUP_DETECTOR is not set" (L3354; 6.6.150 L3648, 6.8.1 L3697):
      // include/linux/nmi.h:57-58 (5.4.301; 6.6.150/6.8.1: 58-59) defines both as NULL; the
      // boot traces show no lockup_detector_online_cpu (k6.6-hv-direct-trace.log).
      nulled: ["lockup_detector_online_cpu", "lockup_detector_offline_cpu"],
      // Built-in blk-mq devices (5.4.301 block/blk-mq.c:2375; 6.6.150 3712-3718): the 8 loop
      // devices (BLK_DEV_LOOP=y, LOOP_MIN_COUNT=8: L1197-1198; BLK_MQ_F_STACKING, loop.c:2044) and
      // the QEMU pc IDE CD-ROM's SCSI queue (ATA_PIIX=y L1383, BLK_DEV_SR=y L1333): 9 hctx on
      // block/mq:dead (k5.4-hv-direct-trace.log, k6.6-hv-direct-trace.log: nine
      // blk_mq_hctx_notify_dead per offline).
      bootInstances: { "block/mq:dead": 9 },
      bootparamHotplugCpu0: true,
      // tests/real/built/k5.4-*.log uname_a: "Linux (none) 5.4.301 #1 SMP Mon Dec 7 12:31:59 UTC
      // 2026 x86_64 GNU/Linux".
      uname: { release: "5.4.301", version: "#1 SMP Mon Dec 7 12:31:59 UTC 2026" },
      // k5.4-hv-direct-vmbus-offon.log hyperv_module: "hv_vmbus 98304 0".
      moduleSizes: { hv_vmbus: 98304 },
      // k5.4-hv-legacy-vmbus-nossdt-offon.log (insmod killed in hv_acpi_init): "hv_vmbus 139264 1".
      moduleInitSizes: { hv_vmbus: 40960 },
      kallsyms: [],
      pmDebug: true,
      virtioModules: [],
      // k5.4-hv-direct-hibernate.log /sys/power/image_size 411828224 = 2/5 of totalram:
      // 251360 pages of 262144, less the memmap's 4096: 6688.
      bootReservedPages: 6688,
      // k5.4-hv-direct-vmbus-hibernate.log /sys/power/image_size 411803648: totalram 251345 to
      // 251347, 13 to 15 pages fewer than hv-direct's (hv_vmbus.ko is 47561 bytes gzip'd): 13.
      vmbusInitrdPages: 13,
      source: "docs/research/configs/5.4.301.config; tests/real/built/k5.4-*.log",
    },
  }, {
    id: "6.6",
    facts: {
      // docs/research/configs/6.6.150.config: VMAP_STACK=y (L778), X86_MSR=y (L413), X86_CPUID=y
      // (L414), CRASH_HOTPLUG=y (L289), VIRTIO_NET=y (L1551); "# CONFIG_MEMCG is not set" (L189);
      // no PADATA, ZSWAP (L899), ZSMALLOC, LEDS_TRIGGER_CPU (L2474), IRQ_POLL (L3512).
      options: ["VMAP_STACK", "X86_MSR", "X86_CPUID", "CRASH_HOTPLUG", "VIRTIO_NET"],
      // NO_HZ_FULL=y (L103), PREEMPT_VOLUNTARY=y + PREEMPT_DYNAMIC=y (L124, L128),
      // HOTPLUG_PARALLEL=y (L669), NR_CPUS=64 (L381); BOOTPARAM_HOTPLUG_CPU0 is gone (6.5).
      nohz: "full",
      preemptDynamic: true,
      hotplugParallel: true,
      bootparamHotplugCpu0: false,
      // k6.6-*.log uname_a: "Linux (none) 6.6.150 #1 SMP PREEMPT_DYNAMIC Mon Dec  7 12:53:47 UTC
      // 2026 x86_64 GNU/Linux".
      uname: { release: "6.6.150", version: "#1 SMP PREEMPT_DYNAMIC Mon Dec  7 12:53:47 UTC 2026" },
      // k6.6-hv-direct-vmbus-offon.log hyperv_module: "hv_vmbus 167936 0".
      moduleSizes: { hv_vmbus: 167936 },
      // k6.6-hv-direct-hibernate.log /sys/power/image_size 409497600 = 2/5 of totalram: 249938
      // pages of 262144, less the memmap's 4096: 8110.
      bootReservedPages: 8110,
      // k6.6-hv-direct-vmbus-hibernate.log image_size 409468928: totalram 249920 to 249922, 16 to
      // 18 pages fewer (hv_vmbus.ko gzip'd: 67658 bytes): 16.
      vmbusInitrdPages: 16,
      // Of the 9 hctx only the CD-ROM's is not stacking (block/blk-mq.c:3712): one
      // blk_mq_hctx_notify_online / _offline per hotplug (k6.6-hv-direct-trace.log).
      bootInstances: { "block/mq:dead": 9, "block/mq:online": 1 },
      source: "docs/research/configs/6.6.150.config; k6.6-*.log of the kbuild rig",
    },
  }, {
    id: "6.8",
    facts: {
      // docs/research/configs/6.8.1.config: the same options as 6.6.150's (VMAP_STACK L785,
      // X86_MSR L417, X86_CPUID L418, CRASH_HOTPLUG L292, VIRTIO_NET L1566; no MEMCG L192),
      // NO_HZ_FULL (L104), PREEMPT_DYNAMIC (L129), HOTPLUG_PARALLEL (L676), NR_CPUS=64 (L385).
      // k6.8-*.log uname_a: "Linux (none) 6.8.1 #1 SMP PREEMPT_DYNAMIC Mon Dec  7 13:08:53 UTC
      // 2026 x86_64 GNU/Linux".
      uname: { release: "6.8.1", version: "#1 SMP PREEMPT_DYNAMIC Mon Dec  7 13:08:53 UTC 2026" },
      // k6.8-hv-direct-vmbus-offon.log hyperv_module: "hv_vmbus 172032 0".
      moduleSizes: { hv_vmbus: 172032 },
      // k6.8-hv-direct-hibernate.log /sys/power/image_size 409501696 = 2/5 of totalram: 249940
      // pages of 262144, less the memmap's 4096: 8108.
      bootReservedPages: 8108,
      // k6.8-hv-direct-vmbus-hibernate.log image_size 409468928: 18 to 20 pages fewer: 18.
      vmbusInitrdPages: 18,
      source: "docs/research/configs/6.8.1.config; k6.8-*.log of the kbuild rig",
    },
  }],
};
