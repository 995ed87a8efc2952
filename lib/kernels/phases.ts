/**
 * The boot phases in which built-in code registers hotplug states, in the order
 * `start_kernel()` and `kernel_init_freeable()` run them (init/main.c).
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
  "core_initcall",
  "postcore_initcall",
  "arch_initcall",
  "subsys_initcall",
  "device_initcall",
  "late_initcall",
] as const;

/** A boot phase. */
export type BootPhase = typeof BOOT_PHASES[number];
