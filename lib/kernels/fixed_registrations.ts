/**
 * Fixed-number hotplug states that built-in code of every Hyper-V guest registers at boot, besides
 * the clockevent ones hvtick models (their callbacks have no modelled effect). Transcribed from
 * docs/research/fixed-states.json, which has each call's file:line in the 5.2.1, 5.4.6 (arch/
 * from 5.4.0), 5.5-rc5 and 6.1 trees, the initcall that makes it, its Kconfig and confidence;
 * config-sensitive registrants (drivers for hardware a Hyper-V guest lacks) are left out. State
 * numbers come from each line's `enum cpuhp_state`.
 *
 * @module
 */

import type { BootPhase } from "./registrations.ts";

/** One fixed-number registration and where each kernel line makes it. */
export interface FixedRegistration {
  /** The name shown in `hotplug/states`. */
  readonly name: string;
  /** The `enum cpuhp_state` name. */
  readonly state: string;
  /** When it runs during boot. */
  readonly phase: BootPhase;
  /** Startup callback, or null. */
  readonly startup: string | null;
  /** Teardown callback, or null. */
  readonly teardown: string | null;
  /** `cpuhp_setup_state_nocalls()`. */
  readonly nocalls: boolean;
  /** `cpuhp_setup_state_multi()` (no instances are modelled, so no calls). */
  readonly multi: boolean;
  /** Who makes the call. */
  readonly by: string;
  /** Per kernel line, per architecture: the call's file:line. */
  readonly in: Readonly<Record<string, Readonly<Partial<Record<"x86_64" | "arm64", string>>>>>;
}

/** Every fixed-number registration, in boot order. */
export const FIXED_REGISTRATIONS: readonly FixedRegistration[] = [
  {
    name: "slub:dead",
    state: "CPUHP_SLUB_DEAD",
    phase: "start_kernel",
    startup: null,
    teardown: "slub_cpu_dead",
    nocalls: true,
    multi: false,
    by: "kmem_cache_init() from mm_init() in start_kernel",
    in: {
      "5.2": { arm64: "mm/slub.c:4256", x86_64: "mm/slub.c:4256" },
      "5.4": { arm64: "mm/slub.c:4257", x86_64: "mm/slub.c:4257" },
      "5.5": { arm64: "mm/slub.c:4258", x86_64: "mm/slub.c:4258" },
      "6.1": { arm64: "mm/slub.c:4864", x86_64: "mm/slub.c:4864" },
    },
  },
  {
    name: "fs/buffer:dead",
    state: "CPUHP_FS_BUFF_DEAD",
    phase: "start_kernel",
    startup: null,
    teardown: "buffer_exit_cpu_dead",
    nocalls: true,
    multi: false,
    by: "buffer_init() from vfs_caches_init() in start_kernel",
    in: {
      "5.2": { arm64: "fs/buffer.c:3469", x86_64: "fs/buffer.c:3469" },
      "5.4": { arm64: "fs/buffer.c:3465", x86_64: "fs/buffer.c:3465" },
      "5.5": { arm64: "fs/buffer.c:3482", x86_64: "fs/buffer.c:3482" },
      "6.1": { arm64: "fs/buffer.c:3037", x86_64: "fs/buffer.c:3037" },
    },
  },
  {
    name: "lib/radix:dead",
    state: "CPUHP_RADIX_DEAD",
    phase: "start_kernel",
    startup: null,
    teardown: "radix_tree_cpu_dead",
    nocalls: true,
    multi: false,
    by: "radix_tree_init() from start_kernel",
    in: {
      "5.2": { arm64: "lib/radix-tree.c:1614", x86_64: "lib/radix-tree.c:1614" },
      "5.4": { arm64: "lib/radix-tree.c:1614", x86_64: "lib/radix-tree.c:1614" },
      "5.5": { arm64: "lib/radix-tree.c:1614", x86_64: "lib/radix-tree.c:1614" },
      "6.1": { arm64: "lib/radix-tree.c:1604", x86_64: "lib/radix-tree.c:1604" },
    },
  },
  {
    name: "mm/page_alloc:dead",
    state: "CPUHP_PAGE_ALLOC_DEAD",
    phase: "start_kernel",
    startup: null,
    teardown: "page_alloc_cpu_dead",
    nocalls: true,
    multi: false,
    by: "page_alloc_init() from start_kernel",
    in: {
      "5.2": { arm64: "mm/page_alloc.c:7527", x86_64: "mm/page_alloc.c:7527" },
      "5.4": { arm64: "mm/page_alloc.c:7650", x86_64: "mm/page_alloc.c:7650" },
      "5.5": { arm64: "mm/page_alloc.c:7652", x86_64: "mm/page_alloc.c:7652" },
    },
  },
  {
    name: "trace/RB:preapre",
    state: "CPUHP_TRACE_RB_PREPARE",
    phase: "start_kernel",
    startup: "trace_rb_cpu_prepare",
    teardown: null,
    nocalls: false,
    multi: true,
    by: "tracer_alloc_buffers() from early_trace_init() in start_kernel",
    in: {
      "5.2": { x86_64: "kernel/trace/trace.c:9084" },
      "5.4": { x86_64: "kernel/trace/trace.c:9118" },
      "5.5": { x86_64: "kernel/trace/trace.c:9293" },
    },
  },
  {
    name: "mm/page_alloc:pcp",
    state: "CPUHP_PAGE_ALLOC",
    phase: "start_kernel",
    startup: "page_alloc_cpu_online",
    teardown: "page_alloc_cpu_dead",
    nocalls: true,
    multi: false,
    by: "page_alloc_init() from start_kernel",
    in: {
      "6.1": { arm64: "mm/page_alloc.c:8639", x86_64: "mm/page_alloc.c:8639" },
    },
  },
  {
    name: "trace/RB:prepare",
    state: "CPUHP_TRACE_RB_PREPARE",
    phase: "start_kernel",
    startup: "trace_rb_cpu_prepare",
    teardown: null,
    nocalls: false,
    multi: true,
    by: "tracer_alloc_buffers() from early_trace_init() in start_kernel",
    in: {
      "6.1": { x86_64: "kernel/trace/trace.c:10163" },
    },
  },
  {
    name: "irqchip/arm/gicv3:starting",
    state: "CPUHP_AP_IRQ_GIC_STARTING",
    phase: "init_IRQ",
    startup: "gic_starting_cpu",
    teardown: null,
    nocalls: true,
    multi: false,
    by:
      "gic_smp_init() from gic_init_bases() (gic_acpi_init, IRQCHIP_ACPI_DECLARE on MADT GICD v3)",
    in: {
      "5.2": { arm64: "drivers/irqchip/irq-gic-v3.c:944" },
      "5.4": { arm64: "drivers/irqchip/irq-gic-v3.c:1123" },
      "5.5": { arm64: "drivers/irqchip/irq-gic-v3.c:1132" },
      "6.1": { arm64: "drivers/irqchip/irq-gic-v3.c:1307" },
    },
  },
  {
    name: "softirq:dead",
    state: "CPUHP_SOFTIRQ_DEAD",
    phase: "early_initcall",
    startup: null,
    teardown: "takeover_tasklets",
    nocalls: true,
    multi: false,
    by: "spawn_ksoftirqd() early_initcall",
    in: {
      "5.2": { arm64: "kernel/softirq.c:682", x86_64: "kernel/softirq.c:682" },
      "5.4": { arm64: "kernel/softirq.c:682", x86_64: "kernel/softirq.c:682" },
      "5.5": { arm64: "kernel/softirq.c:682", x86_64: "kernel/softirq.c:682" },
      "6.1": { arm64: "kernel/softirq.c:981", x86_64: "kernel/softirq.c:981" },
    },
  },
  {
    name: "arm64/fpsimd:dead",
    state: "CPUHP_ARM64_FPSIMD_DEAD",
    phase: "core_initcall",
    startup: null,
    teardown: "fpsimd_cpu_dead",
    nocalls: true,
    multi: false,
    by: "fpsimd_init() core_initcall -> fpsimd_hotplug_init()",
    in: {
      "5.2": { arm64: "arch/arm64/kernel/fpsimd.c:1334" },
      "5.4": {
        arm64:
          "arch/arm64/kernel/fpsimd.c:1388 (v5.4.0 tree: cruxcode/linux-kernel-5.4; 5.4.6 mirror has no arch/x86|arm64)",
      },
      "5.5": { arm64: "arch/arm64/kernel/fpsimd.c:1388" },
      "6.1": { arm64: "arch/arm64/kernel/fpsimd.c:2026" },
    },
  },
  {
    name: "arm64/debug_monitors:starting",
    state: "CPUHP_AP_ARM64_DEBUG_MONITORS_STARTING",
    phase: "postcore_initcall",
    startup: "clear_os_lock",
    teardown: null,
    nocalls: false,
    multi: false,
    by: "debug_monitors_init() postcore_initcall",
    in: {
      "5.2": { arm64: "arch/arm64/kernel/debug-monitors.c:135" },
      "5.4": {
        arm64:
          "arch/arm64/kernel/debug-monitors.c:135 (v5.4.0 tree: cruxcode/linux-kernel-5.4; 5.4.6 mirror has no arch/x86|arm64)",
      },
      "5.5": { arm64: "arch/arm64/kernel/debug-monitors.c:135" },
      "6.1": { arm64: "arch/arm64/kernel/debug-monitors.c:135" },
    },
  },
  {
    name: "perf/arm64/hw_breakpoint:starting",
    state: "CPUHP_AP_PERF_ARM_HW_BREAKPOINT_STARTING",
    phase: "arch_initcall",
    startup: "hw_breakpoint_reset",
    teardown: null,
    nocalls: false,
    multi: false,
    by: "arch_hw_breakpoint_init() arch_initcall",
    in: {
      "5.2": { arm64: "arch/arm64/kernel/hw_breakpoint.c:994" },
      "5.4": {
        arm64:
          "arch/arm64/kernel/hw_breakpoint.c:999 (v5.4.0 tree: cruxcode/linux-kernel-5.4; 5.4.6 mirror has no arch/x86|arm64)",
      },
      "5.5": { arm64: "arch/arm64/kernel/hw_breakpoint.c:999" },
      "6.1": { arm64: "arch/arm64/kernel/hw_breakpoint.c:1007" },
    },
  },
  {
    name: "iommu/iova:dead",
    state: "CPUHP_IOMMU_IOVA_DEAD",
    phase: "arch_initcall",
    startup: null,
    teardown: "iova_cpuhp_dead",
    nocalls: false,
    multi: true,
    by:
      "iova_cache_get() called from iommu_dma_init() arch_initcall (drivers/iommu/dma-iommu.c:1698-1700)",
    in: {
      "6.1": { arm64: "drivers/iommu/iova.c:260", x86_64: "drivers/iommu/iova.c:260" },
    },
  },
  {
    name: "block/softirq:dead",
    state: "CPUHP_BLOCK_SOFTIRQ_DEAD",
    phase: "subsys_initcall",
    startup: null,
    teardown: "blk_softirq_cpu_dead",
    nocalls: true,
    multi: false,
    by: "blk_softirq_init() subsys_initcall",
    in: {
      "5.2": { arm64: "block/blk-softirq.c:155", x86_64: "block/blk-softirq.c:155" },
      "5.4": { arm64: "block/blk-softirq.c:155", x86_64: "block/blk-softirq.c:155" },
      "5.5": { arm64: "block/blk-softirq.c:151", x86_64: "block/blk-softirq.c:151" },
    },
  },
  {
    name: "block/mq:dead",
    state: "CPUHP_BLK_MQ_DEAD",
    phase: "subsys_initcall",
    startup: null,
    teardown: "blk_mq_hctx_notify_dead",
    nocalls: false,
    multi: true,
    by: "blk_mq_init() subsys_initcall",
    in: {
      "5.2": { arm64: "block/blk-mq.c:3547", x86_64: "block/blk-mq.c:3547" },
      "5.4": { arm64: "block/blk-mq.c:3548", x86_64: "block/blk-mq.c:3548" },
      "5.5": { arm64: "block/blk-mq.c:3528", x86_64: "block/blk-mq.c:3528" },
      "6.1": { arm64: "block/blk-mq.c:4892", x86_64: "block/blk-mq.c:4892" },
    },
  },
  {
    name: "mm/memctrl:dead",
    state: "CPUHP_MM_MEMCQ_DEAD",
    phase: "subsys_initcall",
    startup: null,
    teardown: "memcg_hotplug_cpu_dead",
    nocalls: true,
    multi: false,
    by: "mem_cgroup_init() subsys_initcall",
    in: {
      "5.2": { arm64: "mm/memcontrol.c:6473", x86_64: "mm/memcontrol.c:6473" },
      "5.4": { arm64: "mm/memcontrol.c:6955", x86_64: "mm/memcontrol.c:6955" },
      "5.5": { arm64: "mm/memcontrol.c:6846", x86_64: "mm/memcontrol.c:6846" },
      "6.1": { arm64: "mm/memcontrol.c:7270", x86_64: "mm/memcontrol.c:7270" },
    },
  },
  {
    name: "net/dev:dead",
    state: "CPUHP_NET_DEV_DEAD",
    phase: "subsys_initcall",
    startup: null,
    teardown: "dev_cpu_dead",
    nocalls: true,
    multi: false,
    by: "net_dev_init() subsys_initcall",
    in: {
      "5.2": { arm64: "net/core/dev.c:9872", x86_64: "net/core/dev.c:9872" },
      "5.4": { arm64: "net/core/dev.c:10236", x86_64: "net/core/dev.c:10236" },
      "5.5": { arm64: "net/core/dev.c:10469", x86_64: "net/core/dev.c:10469" },
      "6.1": { arm64: "net/core/dev.c:11428", x86_64: "net/core/dev.c:11428" },
    },
  },
  {
    name: "perf/arm/pmu_acpi:starting",
    state: "CPUHP_AP_PERF_ARM_ACPI_STARTING",
    phase: "subsys_initcall",
    startup: "arm_pmu_acpi_cpu_starting",
    teardown: null,
    nocalls: false,
    multi: false,
    by: "arm_pmu_acpi_init() subsys_initcall",
    in: {
      "5.2": { arm64: "drivers/perf/arm_pmu_acpi.c:283" },
      "5.4": { arm64: "drivers/perf/arm_pmu_acpi.c:355" },
      "5.5": { arm64: "drivers/perf/arm_pmu_acpi.c:355" },
      "6.1": { arm64: "drivers/perf/arm_pmu_acpi.c:354" },
    },
  },
  {
    name: "perf/arm/pmu:starting",
    state: "CPUHP_AP_PERF_ARM_STARTING",
    phase: "subsys_initcall",
    startup: "arm_perf_starting_cpu",
    teardown: "arm_perf_teardown_cpu",
    nocalls: false,
    multi: true,
    by: "arm_pmu_hp_init() subsys_initcall",
    in: {
      "5.2": { arm64: "drivers/perf/arm_pmu.c:887" },
      "5.4": { arm64: "drivers/perf/arm_pmu.c:887" },
      "5.5": { arm64: "drivers/perf/arm_pmu.c:887" },
      "6.1": { arm64: "drivers/perf/arm_pmu.c:968" },
    },
  },
  {
    name: "block/softirq:dead",
    state: "CPUHP_BLOCK_SOFTIRQ_DEAD",
    phase: "subsys_initcall",
    startup: null,
    teardown: "blk_softirq_cpu_dead",
    nocalls: true,
    multi: false,
    by: "blk_mq_init() subsys_initcall (blk-softirq.c was folded into blk-mq.c)",
    in: {
      "6.1": { arm64: "block/blk-mq.c:4889", x86_64: "block/blk-mq.c:4889" },
    },
  },
  {
    name: "block/bio:dead",
    state: "CPUHP_BIO_DEAD",
    phase: "subsys_initcall",
    startup: null,
    teardown: "bio_cpu_dead",
    nocalls: false,
    multi: true,
    by: "init_bio() subsys_initcall",
    in: {
      "6.1": { arm64: "block/bio.c:1746", x86_64: "block/bio.c:1746" },
    },
  },
  {
    name: "block/mq:online",
    state: "CPUHP_AP_BLK_MQ_ONLINE",
    phase: "subsys_initcall",
    startup: "blk_mq_hctx_notify_online",
    teardown: "blk_mq_hctx_notify_offline",
    nocalls: false,
    multi: true,
    by: "blk_mq_init() subsys_initcall",
    in: {
      "6.1": { arm64: "block/blk-mq.c:4894", x86_64: "block/blk-mq.c:4894" },
    },
  },
  {
    name: "x86/mce:dead",
    state: "CPUHP_X86_MCE_DEAD",
    phase: "device_initcall",
    startup: null,
    teardown: "mce_cpu_dead",
    nocalls: false,
    multi: false,
    by: "mcheck_init_device() device_initcall_sync",
    in: {
      "5.2": { x86_64: "arch/x86/kernel/cpu/mce/core.c:2371" },
      "5.4": {
        x86_64:
          "arch/x86/kernel/cpu/mce/core.c:2446 (v5.4.0 tree: cruxcode/linux-kernel-5.4; 5.4.6 mirror has no arch/x86|arm64)",
      },
      "5.5": { x86_64: "arch/x86/kernel/cpu/mce/core.c:2509" },
      "6.1": { x86_64: "arch/x86/kernel/cpu/mce/core.c:2743" },
    },
  },
  {
    name: "acpi/cpu-drv:dead",
    state: "CPUHP_ACPI_CPUDRV_DEAD",
    phase: "device_initcall",
    startup: null,
    teardown: "acpi_soft_cpu_dead",
    nocalls: true,
    multi: false,
    by: "acpi_processor_driver_init() module_init (device_initcall when built in)",
    in: {
      "5.2": {
        arm64: "drivers/acpi/processor_driver.c:310",
        x86_64: "drivers/acpi/processor_driver.c:310",
      },
      "5.4": {
        arm64: "drivers/acpi/processor_driver.c:332",
        x86_64: "drivers/acpi/processor_driver.c:332",
      },
      "5.5": {
        arm64: "drivers/acpi/processor_driver.c:332",
        x86_64: "drivers/acpi/processor_driver.c:332",
      },
      "6.1": {
        arm64: "drivers/acpi/processor_driver.c:276",
        x86_64: "drivers/acpi/processor_driver.c:276",
      },
    },
  },
  {
    name: "lib/percpu_cnt:dead",
    state: "CPUHP_PERCPU_CNT_DEAD",
    phase: "device_initcall",
    startup: null,
    teardown: "percpu_counter_cpu_dead",
    nocalls: true,
    multi: false,
    by: "percpu_counter_startup() module_init (device_initcall)",
    in: {
      "5.2": { arm64: "lib/percpu_counter.c:232", x86_64: "lib/percpu_counter.c:232" },
      "5.4": { arm64: "lib/percpu_counter.c:232", x86_64: "lib/percpu_counter.c:232" },
      "5.5": { arm64: "lib/percpu_counter.c:232", x86_64: "lib/percpu_counter.c:232" },
      "6.1": { arm64: "lib/percpu_counter.c:251", x86_64: "lib/percpu_counter.c:251" },
    },
  },
  {
    name: "base/topology:prepare",
    state: "CPUHP_TOPOLOGY_PREPARE",
    phase: "device_initcall",
    startup: "topology_add_dev",
    teardown: "topology_remove_dev",
    nocalls: false,
    multi: false,
    by: "topology_sysfs_init() device_initcall",
    in: {
      "5.2": { arm64: "drivers/base/topology.c:116", x86_64: "drivers/base/topology.c:116" },
      "5.4": { arm64: "drivers/base/topology.c:138", x86_64: "drivers/base/topology.c:138" },
      "5.5": { arm64: "drivers/base/topology.c:138", x86_64: "drivers/base/topology.c:138" },
      "6.1": { arm64: "drivers/base/topology.c:189", x86_64: "drivers/base/topology.c:189" },
    },
  },
  {
    name: "base/cacheinfo:online",
    state: "CPUHP_AP_BASE_CACHEINFO_ONLINE",
    phase: "device_initcall",
    startup: "cacheinfo_cpu_online",
    teardown: "cacheinfo_cpu_pre_down",
    nocalls: false,
    multi: false,
    by: "cacheinfo_sysfs_init() device_initcall",
    in: {
      "5.4": { x86_64: "drivers/base/cacheinfo.c:663" },
      "5.5": { x86_64: "drivers/base/cacheinfo.c:663" },
      "6.1": { x86_64: "drivers/base/cacheinfo.c:712" },
    },
  },
  {
    name: "printk:dead",
    state: "CPUHP_PRINTK_DEAD",
    phase: "late_initcall",
    startup: null,
    teardown: "console_cpu_notify",
    nocalls: true,
    multi: false,
    by: "printk_late_init() late_initcall",
    in: {
      "5.2": { arm64: "kernel/printk/printk.c:2919", x86_64: "kernel/printk/printk.c:2919" },
      "5.4": { arm64: "kernel/printk/printk.c:2929", x86_64: "kernel/printk/printk.c:2929" },
      "5.5": { arm64: "kernel/printk/printk.c:2929", x86_64: "kernel/printk/printk.c:2929" },
      "6.1": { arm64: "kernel/printk/printk.c:3343", x86_64: "kernel/printk/printk.c:3343" },
    },
  },
];
