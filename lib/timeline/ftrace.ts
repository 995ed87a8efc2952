/**
 * The cpuhp tracepoints of a recording as ftrace's text output (`cat /sys/kernel/tracing/trace`
 * with the nop tracer and `events/cpuhp` enabled), so scripts that parse ftrace can read it.
 * Layout: kernel/trace/trace.c `print_event_info`, `print_func_help_header_irq`;
 * kernel/trace/trace_output.c `trace_print_context`, `trace_print_lat_fmt`; event text:
 * include/trace/events/cpuhp.h (read in 5.5-rc5).
 *
 * @module
 */

import type { Recording } from "./record.ts";
import { KERNEL_LINES } from "../kernels/lines.ts";
import { isAtomic, sectionOf } from "../engine/line.ts";
import { formatSeconds } from "../util/duration.ts";
import { tracepointText } from "../engine/trace.ts";

// Who runs a callback: the writer of the sysfs file on the control CPU (PREPARE, BRINGUP/TEARDOWN
// and the kick of the AP's thread), the AP's idle task for STARTING steps, its stopper thread
// (take_cpu_down) for DYING steps, its cpuhp/N thread for ONLINE steps. PIDs are stand-ins (numbered as a boot creates
// the per-CPU threads); the header says so.
interface Task {
  readonly comm: string;
  readonly pid: number;
}
const WRITER: Task = { comm: "bash", pid: 1000 };
// STARTING steps run in the AP's idle task (notify_cpu_starting), which ftrace prints as <idle>-0.
const IDLE: Task = { comm: "<idle>", pid: 0 };
const perCpuPid = (cpu: number, slot: number) => 12 + 6 * cpu + slot;

/**
 * Renders the recording's `cpuhp_enter` / `cpuhp_exit` events as ftrace text.
 *
 * @example
 * ```ts
 * import { record } from "./record.ts";
 * import { ftraceText } from "./ftrace.ts";
 * import assert from "node:assert/strict";
 * const text = ftraceText(record({ hyperv: "2019", kernel: "5.5", cpus: 2 }, ["offline 1"]));
 * assert.match(text, /^# tracer: nop\n#\n# entries-in-buffer\/entries-written: \d+\/\d+   #P:1\n/);
 * assert.match(text, / +cpuhp\/1-\d+ +\[001\] \.\.\.\. +0\.000000: cpuhp_enter: cpu: 0001 target: 138 step: 206 \(sched_cpu_deactivate\)\n/);
 * ```
 */
export function ftraceText(rec: Recording): string {
  const line = KERNEL_LINES[rec.config.kernel];
  const rows: string[] = [];
  // An exit is printed by the task that printed its enter.
  const open = new Map<number, Task[]>();
  for (const { event: e } of rec.events) {
    if (e.type !== "cpuhp_enter" && e.type !== "cpuhp_exit") continue;
    const stack = open.get(e.cpu) ?? [];
    open.set(e.cpu, stack);
    let task: Task;
    if (e.type === "cpuhp_enter") {
      const section = sectionOf(line, e.idx);
      task = e.on !== e.cpu || section === "PREPARE" || section === "TEARDOWN"
        ? WRITER
        : !isAtomic(line, e.idx)
        ? { comm: `cpuhp/${e.cpu}`, pid: perCpuPid(e.cpu, 0) }
        : e.target >= e.idx
        ? IDLE
        : { comm: `migration/${e.cpu}`, pid: perCpuPid(e.cpu, 1) };
      stack.push(task);
    } else task = stack.pop() ?? WRITER;
    const flags = isAtomic(line, e.idx) ? "d..1" : "....";
    const time = formatSeconds(e.time).padStart(12);
    const text = tracepointText(e);
    rows.push(
      `${task.comm.padStart(16)}-${String(task.pid).padEnd(5)} [${
        String(e.on).padStart(3, "0")
      }] ${flags} ${time}: ${text}`,
    );
  }
  const online = rec.run.operations.at(-1)?.states ?? rec.run.start.states;
  // #P is num_online_cpus() when the trace is read: the end of the recording.
  const cpus = online.filter((s) => s.online).length;
  const sp = "  ";
  return [
    "# tracer: nop",
    "#",
    `# entries-in-buffer/entries-written: ${rows.length}/${rows.length}   #P:${cpus}`,
    "#",
    `#                          ${sp}  _-----=> irqs-off`,
    `#                          ${sp} / _----=> need-resched`,
    `#                          ${sp}| / _---=> hardirq/softirq`,
    `#                          ${sp}|| / _--=> preempt-depth`,
    `#                          ${sp}||| /     delay`,
    `#           TASK-PID ${sp}CPU#  ||||    TIMESTAMP  FUNCTION`,
    `#              | |   ${sp}  |   ||||       |         |`,
    `# hvtick: Linux ${rec.config.kernel} on Hyper-V ${rec.config.hyperv}; PIDs are stand-ins (bash-1000 writes the sysfs file)`,
    ...rows,
    "",
  ].join("\n");
}
