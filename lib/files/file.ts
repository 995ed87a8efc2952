/**
 * What the file table (lib/files/table.ts) knows of one sysfs, procfs or tracefs file.
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import type { WriteOutcome } from "../hotplug/sysfs.ts";

/** One sysfs/procfs file. */
export interface SysfsFile {
  /** Path pattern; a `(\d+)` group is the CPU number. */
  readonly pattern: RegExp;
  /** Example path, for listings and help. */
  readonly example: string;
  /** `ls -l` mode. */
  readonly mode: "0444" | "0644" | "0200" | "0400";
  /** Kernel source of the file. */
  readonly source: string;
  /** Writing it runs CPU hotplug (so it blocks while a hotplug operation is stuck). */
  readonly hotplug?: boolean;
  /** Whether the file exists for this CPU (-1 for a file of no CPU; default: yes). */
  exists?(k: Kernel, cpu: number): boolean;
  /** Reads it. */
  read?(k: Kernel, cpu: number): string;
  /**
   * Writes it; `append` when opened with `O_APPEND` (`>>`) rather than `O_TRUNC` (`>`), which
   * matters to the files whose open truncates (tracefs `trace`, `set_ftrace_filter`).
   */
  write?(k: Kernel, cpu: number, value: string, append: boolean): WriteOutcome;
}
