/**
 * What RCU's CPU stall detector prints after a hang that leaves a CPU spinning with interrupts off
 * (kernel/rcu/tree_stall.h): the one modelled is a walk of a looping `clockevent_devices`
 * (lib/time/list_corruption.ts) under `clockevents_lock` with interrupts off — that CPU never
 * passes a quiescent state again, so another CPU's scheduling-clock interrupt reports it
 * (`print_other_cpu_stall()`). A hotplug thread asleep in `kthread_park()` on a CPU without a
 * tick is no stall: that CPU is idle, an extended quiescent state (lib/hotplug/hung_task.ts
 * reports its blocked tasks instead); after an oops the faulting task is gone and its CPU idles.
 *
 * Printed: the report's first line, `rcu: INFO: rcu_sched detected stalls on CPUs/tasks:` (pr_fmt
 * "rcu: ", 5.4.301 kernel/rcu/tree.c:18; `rcu_preempt` with PREEMPT_RCU, which PREEMPT_DYNAMIC
 * builds select: docs/research/configs/6.6.150.config:128,152). Left out, as the run's: the
 * per-CPU lines (idle, softirq and fqs counts), the `(detected by …, t=…, g=…, q=…)` line and the
 * backtraces.
 *
 * When: [ASSUMPTION] a grace period waits for the spinning CPU from the hang on (an idle guest
 * starts one within moments: any `call_rcu()` does); the first report comes
 * `CONFIG_RCU_CPU_STALL_TIMEOUT` (21 s, the Kconfig default the rig's configs keep:
 * docs/research/configs/5.4.301.config:3403) after it, each next one `3 *
 * rcu_jiffies_till_stall_check() + 3` jiffies after the last (5.4.301 tree_stall.h:418,
 * 6.12.15:661).
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import { KERN } from "../engine/log.ts";
import { configFacts } from "../kernels/configs.ts";
import type { HangReport } from "./hang_report.ts";

const NS_PER_S = 1_000_000_000;
/**
 * `CONFIG_RCU_CPU_STALL_TIMEOUT`'s Kconfig default, seconds (5.4.301 kernel/rcu/Kconfig.debug:
 * 60-64; 6.6.150:71-75).
 */
const RCU_CPU_STALL_TIMEOUT = 21;

/** The walks of `clockevent_devices` that hold `clockevents_lock` with interrupts off. */
const LOCKED_WALKS = ["clockevents_replace", "unbind_device_store", "tick_cleanup_dead_cpu"];

/** Whether the machine's hang is a CPU spinning with interrupts off (a looping list walk). */
export function spinsWithIrqsOff(k: Kernel): boolean {
  const hang = k.s.hang;
  const corrupt = k.s.ceCorrupt;
  return !!hang && !!corrupt && !corrupt.unlinked && LOCKED_WALKS.includes(hang.callback);
}

/**
 * The stall reports due in the guest ktime interval `(from, to]`.
 *
 * @example
 * ```ts
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * // 6.12 on QEMU, legacy stimer, CPU2's LAPIC the broadcast device: an offline, an online (the
 * // LAPIC registered again: the list loops), then the next offline walks it for ever.
 * const m = vm().hyperv("qemu").vmbus().kernel("6.12").features({ stimerDirectMode: false })
 *   .synicFirst(2).build();
 * for (const line of ["race passes", "offline 2", "online 2", "offline 2"]) m.run(line);
 * m.advance("22s");
 * assert.match(m.dmesg(), /\] rcu: INFO: rcu_preempt detected stalls on CPUs\/tasks:\n/);
 * ```
 */
export function rcuStallReportsBetween(k: Kernel, from: number, to: number): HangReport[] {
  if (!spinsWithIrqsOff(k)) return [];
  const hz = k.s.config.hz;
  const timeout = RCU_CPU_STALL_TIMEOUT * NS_PER_S;
  // 3 * rcu_jiffies_till_stall_check() + 3 jiffies, in ns.
  const again = 3 * timeout + Math.round((3 * NS_PER_S) / hz);
  const facts = configFacts(k.s.config.kconfig, k.s.config.kernel);
  const name = facts?.preemptDynamic ? "rcu_preempt" : "rcu_sched";
  const text = `rcu: INFO: ${name} detected stalls on CPUs/tasks:`;
  const first = k.s.hang!.time + timeout;
  const out: HangReport[] = [];
  const start = first > from ? 0 : Math.floor((from - first) / again) + 1;
  for (let n = start;; n++) {
    const time = first + n * again;
    if (time > to) break;
    if (time > from) out.push({ time, lines: [{ text, level: KERN.ERR }] });
  }
  return out;
}
