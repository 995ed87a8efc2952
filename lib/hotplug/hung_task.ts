/**
 * What the hung-task detector prints after a hang (kernel/hung_task.c): which modelled hangs leave
 * tasks in D state, when khungtaskd reports them, and its lines. The reports are a function of the
 * hang, the config's timeout and the time, so advancing prints them as it passes their instants.
 *
 * Which hangs it applies to (from the source):
 * - a hotplug thread sleeping in `kthread_park()` → `wait_task_inactive()` →
 *   `schedule_hrtimeout()` on a CPU whose tick is dead (5.4.301 kernel/sched/core.c:2067-2068,
 *   `set_current_state(TASK_UNINTERRUPTIBLE)`) never runs again, and the writer waits for it in
 *   `cpuhp_kick_ap_work()` → `__cpuhp_kick_ap()` → `wait_for_ap_thread()` →
 *   `wait_for_completion()` (5.4.301 kernel/cpu.c:244-248, 504; uninterruptible): both are
 *   reported;
 * - no other modelled hang is: after an oops (`acpi_soft_cpu_dead()` behind the VMbus probe's,
 *   a list walk's general protection fault) `check_hung_uninterruptible_tasks()` returns at once
 *   on `TAINT_DIE` (5.4.301 kernel/hung_task.c:183); a hang during hibernation or a resume is
 *   not checked (`hung_detector_suspended` from `PM_HIBERNATION_PREPARE`, 5.4.301:246-262); a
 *   clockevent list walk that loops spins with interrupts off (an RCU stall: lib/hotplug/
 *   rcu_stall.ts; when it is `clockevents_replace()` in the hotplug thread, the writer waiting
 *   for that thread is reported);
 *   the 5.4 VMbus rollback that leaves a CPU without a tick blocks no task the real logs show
 *   (docs/model.md §Hangs); the crashed kexec boot and the kdump capture kernel that loses its
 *   first stimer expiry stop in early boot, before khungtaskd starts.
 *
 * What is left out: `sched_show_task()`'s lines (free stack, PPID, flags and the call trace are the
 * run's), as the oops leaves out its register lines (lib/hotplug/oops.ts).
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import { KERN } from "../engine/log.ts";
import type { HangReport } from "./hang_report.ts";
import { configFacts } from "../kernels/configs.ts";
import { cpuhpTask, shellTask } from "../tracing/tasks.ts";
import { resolveCallback } from "./symbols.ts";
import { spinsWithIrqsOff } from "./rcu_stall.ts";

const NS_PER_S = 1_000_000_000;
/** `sysctl_hung_task_warnings`' boot value (5.4.301 kernel/hung_task.c:51, 6.18.9:60). */
const HUNG_TASK_WARNINGS = 10;

/**
 * `print_tainted()` (6.12.15 kernel/panic.c:518-543): `Not tainted`, or `Tainted: ` and one
 * character per flag, `G` for no proprietary module. The one taint a modelled hang can carry is
 * TAINT_WARN (`W`, flag 9): `__warn()` sets it when it prints `WARNING: CPU: …` after the cut-here
 * line (an oops' TAINT_DIE stops the checks before anything is printed).
 */
function printTainted(k: Kernel): string {
  // A WARN's first line is the cut-here line (the model leaves out a WARNING line that is the
  // run's, lib/platform/hyperv/vmbus.ts).
  const warned = k.s.log.dmesg.some((r) =>
    r.text.startsWith("WARNING: CPU: ") || r.text === "------------[ cut here ]------------"
  );
  if (!warned) return "Not tainted";
  return `Tainted: G${" ".repeat(8)}W${" ".repeat(k.line.taintFlagsCount - 10)}`;
}

/** The tasks the machine's hang leaves in D state, in task-list order (PID), or none. */
function blockedTasks(k: Kernel): { comm: string; pid: number }[] {
  const hang = k.s.hang;
  if (!hang || k.s.hotplugDisabled > 0) return [];
  // The hotplug thread spins in clockevents_replace() (running, not blocked): the writer waits
  // for it in wait_for_ap_thread().
  if (hang.callback === "clockevents_replace" && spinsWithIrqsOff(k)) return [shellTask(k)];
  if (!resolveCallback(hang.callback).waitsOnTimer) return [];
  // for_each_process_thread() walks tasks in creation order: the boot's cpuhp/N first.
  return [cpuhpTask(k, hang.cpu), shellTask(k)].sort((a, b) => a.pid - b.pid);
}

/**
 * Every report khungtaskd makes of the machine's hang, in order (at most
 * `hung_task_warnings` task reports), or none: no hang, no D-state task, no detector, or a
 * timeout of 0.
 *
 * khungtaskd wakes every `timeout` seconds from its start in boot (`watchdog()`,
 * `hung_last_checked`; [ASSUMPTION] at ktime 0: `hung_task_init()` is a subsys_initcall, well
 * within the boot's first second). The first check that finds a task blocked records its switch
 * count and `last_switch_time`; each later one reports it, blocked `(jiffies - last_switch_time) /
 * HZ` seconds (5.4.301 kernel/hung_task.c:93-141).
 *
 * @example
 * ```ts
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const m = vm().kernel("5.4").cpus(4).build();
 * m.offline(2); // the kthread_park() race: cpuhp/2 and the shell block
 * m.advance("250s");
 * assert.match(m.dmesg(), /INFO: task cpuhp\/2:\d+ blocked for more than 120 seconds\./);
 * ```
 */
export function hungTaskReports(k: Kernel): HangReport[] {
  // Most advances run on a machine that is not hung: nothing to look up.
  const tasks = blockedTasks(k);
  if (tasks.length === 0) return [];
  const facts = configFacts(k.s.config.kconfig, k.s.config.kernel);
  const timeout = facts?.hungTaskTimeout;
  // Absent: no detector. 0: khungtaskd sleeps MAX_SCHEDULE_TIMEOUT and checks nothing (6.6.150
  // kernel/hung_task.c:232-234, 369-379).
  if (!timeout) return [];
  const period = timeout * NS_PER_S;
  const recorded = (Math.floor(k.s.hang!.time / period) + 1) * period;
  // init_utsname()->release: the build's (Debian's ABI name), else the version (/proc/sys/kernel/
  // osrelease, lib/files/proc.ts).
  const release = facts?.uname.release || k.line.version;
  const build = (facts?.uname.version ?? "#1").split(" ")[0];
  const reports: HangReport[] = [];
  let warnings = HUNG_TASK_WARNINGS;
  for (let check = 1; warnings > 0; check++) {
    const lines: { text: string; level: number }[] = [];
    for (const t of tasks) {
      if (warnings === 0) break;
      warnings--;
      lines.push(
        {
          text: `INFO: task ${t.comm}:${t.pid} blocked for more than ${check * timeout} seconds.`,
          level: KERN.ERR,
        },
        { text: `      ${printTainted(k)} ${release} ${build}`, level: KERN.ERR },
        {
          text: '"echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.',
          level: KERN.ERR,
        },
      );
      if (warnings === 0 && k.line.hungTaskSuppressedNote) {
        lines.push({
          text: "Future hung task reports are suppressed, see sysctl kernel.hung_task_warnings",
          level: KERN.INFO,
        });
      }
    }
    reports.push({ time: recorded + check * period, lines });
  }
  return reports;
}

/**
 * The reports due in the guest ktime interval `(from, to]`, for an advance to print as it passes
 * them (lib/hotplug/hang_report.ts prints one).
 */
export function hungTaskReportsBetween(k: Kernel, from: number, to: number): HangReport[] {
  return hungTaskReports(k).filter((r) => r.time > from && r.time <= to);
}
