/**
 * What a row of the sysfs/procfs table (lib/files/table.ts) is.
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
  /** Writes it. */
  write?(k: Kernel, cpu: number, value: string): WriteOutcome;
}
