/**
 * The boot phases in which built-in code registers hotplug states, in the order
 * `start_kernel()` and `kernel_init_freeable()` run them (init/main.c; the initcall levels in
 * link order, each `*_sync` level at the end of its level).
 *
 * @module
 */

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
  // kernel_init_freeable(): padata_init() and page_alloc_init_late() run after smp_init() and
  // before do_basic_setup()'s initcalls (5.10 init/main.c:1524-1525, 6.1:1593-1594).
  "padata_init",
  "page_alloc_init_late",
  "core_initcall",
  "postcore_initcall",
  "arch_initcall",
  "subsys_initcall",
  "fs_initcall",
  "device_initcall",
  "device_initcall_sync",
  "late_initcall",
] as const;

/** A boot phase. */
export type BootPhase = typeof BOOT_PHASES[number];
