/**
 * A report a kernel watchdog prints after a hang (the hung-task detector, RCU's stall detector):
 * its instant and its lines; an advance prints each as it passes its instant.
 *
 * @module
 */

import { type Kernel, ktime } from "../engine/kernel.ts";
import { printk } from "../engine/log.ts";

/** One report: when (guest ktime, ns) and its lines, each with its log level. */
export interface HangReport {
  /** The instant, guest ktime in ns. */
  readonly time: number;
  /** The lines, in order. */
  readonly lines: readonly { readonly text: string; readonly level: number }[];
}

/** Prints one report at the current instant (an advance stops at `report.time` first). */
export function printHangReport(k: Kernel, report: HangReport): void {
  if (ktime(k) !== report.time) {
    throw new RangeError(`report of ${report.time} ns printed at ${ktime(k)} ns`);
  }
  for (const l of report.lines) printk(k, l.text, l.level);
}
