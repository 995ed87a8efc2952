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
      bootparamHotplugCpu0: true,
      // tests/real/built/k5.4-*.log uname_a: "Linux (none) 5.4.301 #1 SMP Mon Dec 7 12:31:59 UTC
      // 2026 x86_64 GNU/Linux".
      uname: { release: "5.4.301", version: "#1 SMP Mon Dec 7 12:31:59 UTC 2026" },
      // k5.4-hv-direct-vmbus-offon.log hyperv_module: "hv_vmbus 98304 0".
      moduleSizes: { hv_vmbus: 98304 },
      kallsyms: [],
      pmDebug: true,
      virtioModules: [],
      // k5.4-hv-direct-hibernate.log /sys/power/image_size 411828224 = 2/5 of totalram:
      // 251360 pages of 262144, less the memmap's 4096: 6688.
      bootReservedPages: 6688,
      source: "docs/research/configs/5.4.301.config; tests/real/built/k5.4-*.log",
    },
  }],
};
