/**
 * The shape of a kernel config preset (lib/kernels/configs.ts, configs_distro.ts).
 *
 * @module
 */

import type { ConfigId, KernelId } from "../engine/ids.ts";

/** A config preset's facts for one kernel line. */
export interface ConfigFacts {
  /** Optional Kconfig options it enables (registrants gated by them are made). */
  readonly options: readonly string[];
  /** `CONFIG_HYPERV`: built in (`y`: VMbus registers at boot) or a module (`m`). */
  readonly hyperv: "y" | "m";
  /** The tick mode: `CONFIG_NO_HZ_IDLE` or `CONFIG_NO_HZ_FULL`. */
  readonly nohz: "idle" | "full";
  /** `CONFIG_PREEMPT_DYNAMIC`. */
  readonly preemptDynamic: boolean;
  /**
   * `CONFIG_IRQ_REMAP`: drivers/iommu/hyperv-iommu.c's interrupt remapping is built (all of it is
   * inside `#ifdef CONFIG_IRQ_REMAP`, 6.8.1 hyperv-iommu.c:27-343). Default: yes (the
   * distributions').
   */
  readonly irqRemap?: boolean;
  /**
   * `CONFIG_TRACER_MAX_TRACE` (a latency tracer or the snapshot): `tracer_alloc_buffers()` gives
   * the global trace array a `max_buffer`, one more ring buffer on `trace/RB:prepare` (5.4.301
   * kernel/trace/trace.c:8457-8458). Default: yes (the distributions').
   */
  readonly tracerMaxTrace?: boolean;
  /**
   * Callbacks of the static `cpuhp_hp_states[]` the config defines as NULL (their step keeps its
   * name but calls nothing, and no `cpuhp_enter` is traced for it). Default: none.
   */
  readonly nulled?: readonly string[];
  /**
   * Instances the config's built-in drivers add during boot to a multi-instance state, by state
   * name, without calls (`cpuhp_state_add_instance_nocalls()`): each one's callback runs, and is
   * traced, at every later hotplug of a CPU. Default: none.
   */
  readonly bootInstances?: Readonly<Record<string, number>>;
  /** `CONFIG_NR_CPUS` (default 8192: the distributions' `MAXSMP`). */
  readonly nrCpus?: number;
  /** `CONFIG_HOTPLUG_PARALLEL` (6.5+ x86_64). */
  readonly hotplugParallel: boolean;
  /** `CONFIG_BOOTPARAM_HOTPLUG_CPU0` exists (it was removed in 6.5) and is not set. */
  readonly bootparamHotplugCpu0: boolean;
  /** `uname -r` and `uname -v`. */
  readonly uname: { readonly release: string; readonly version: string };
  /** Module sizes `/proc/modules` shows, bytes. */
  readonly moduleSizes: Readonly<Record<string, number>>;
  /**
   * The sizes of the modules' init sections, bytes: `/proc/modules` adds them while the module is
   * still loading (5.4.301 kernel/module.c:4532 `init_layout.size + core_layout.size`; freed when
   * its init returns). Unknown (0) where no log showed a module stuck in its init.
   */
  readonly moduleInitSizes?: Readonly<Record<string, number>>;
  /**
   * The Hyper-V timer symbols of the build, `TYPE name` in address order as `/proc/kallsyms` lists
   * them (`t`: static), or none when the build's symbol table is not known.
   */
  readonly kallsyms: readonly string[];
  /**
   * `CONFIG_DETECT_HUNG_TASK`'s `CONFIG_DEFAULT_HUNG_TASK_TIMEOUT`, seconds: khungtaskd reports a
   * task blocked in D state that long (kernel/hung_task.c). Absent: the detector is not built (or
   * the preset's config is not known to set it): no warning.
   */
  readonly hungTaskTimeout?: number;
  /** `CONFIG_PM_DEBUG`: `/sys/power/pm_test` exists, and kernel/power/ prints its pr_debug lines. */
  readonly pmDebug: boolean;
  /** The virtio drivers built as modules (the others are built in), in load order. */
  readonly virtioModules: readonly string[];
  /**
   * Pages of the rig's QEMU pc guest that are not in `totalram_pages()` when `pm_init()` runs,
   * other than the memmap (which grows with the memory: 64 bytes per page): the firmware's e820
   * holes, the kernel image, the initramfs (freed later). hvtick does not model those parts one by
   * one; the count is read from the boot log named in `source`.
   */
  readonly bootReservedPages: number;
  /**
   * Pages the rig's initramfs of a VMbus profile (`hv_vmbus.ko` and what loads it) holds beyond
   * the others', still reserved when `pm_init()` runs (the initrd is freed later): read from the
   * `image_size` of the two profiles' boots. Default: none.
   */
  readonly vmbusInitrdPages?: number;
  /** Where the facts come from. */
  readonly source: string;
}

/** One preset: its id, what it is, and its facts per kernel line (parents first, then deltas). */
export interface ConfigPreset {
  /** The id users pass to `.kconfig()`. */
  readonly id: ConfigId;
  /** What it is. */
  readonly label: string;
  /** Facts by kernel line id: the first is whole, each later one changes the one before it. */
  readonly lines: readonly { readonly id: KernelId; readonly facts: Partial<ConfigFacts> }[];
  /** Architectures it exists for. */
  readonly arches: readonly string[];
}
