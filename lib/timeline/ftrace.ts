/**
 * A recording's hotplug as ftrace's text output: what `cat /sys/kernel/tracing/trace` prints on the
 * recorded machine when `events/cpuhp/enable` was set before its operations — the kernel's own
 * file (lib/tracing/tracefs.ts), so the layout, the tasks and PIDs, the flags and the rule that a
 * CPU outside `cpu_online_mask` fires no tracepoint are those of the release (docs/model.md
 * §Tracing), and scripts that parse ftrace read it as they read a real trace.
 *
 * @module
 */

import { checkRecording } from "./recording_check.ts";
import type { Recording } from "./record.ts";
import { Machine } from "../api/machine.ts";
import { refusedNow } from "../explore/scenario.ts";

/** The tracefs files this export reads and writes. */
const EVENTS = "/sys/kernel/tracing/events/cpuhp/enable";
const TRACE = "/sys/kernel/tracing/trace";

/**
 * The recording's `cpuhp_enter` / `cpuhp_exit` events as the kernel's `trace` file shows them:
 * its operations replayed on the same configuration with the cpuhp events enabled from the
 * start (the model is deterministic, so the replay is the recorded run).
 *
 * @example
 * ```ts
 * import { record } from "./record.ts";
 * import { ftraceText } from "./ftrace.ts";
 * import assert from "node:assert/strict";
 * const text = ftraceText(record({ hyperv: "2019", kernel: "6.1", cpus: 2 }, ["offline 1"]));
 * assert.match(text, /^# tracer: nop\n#\n# entries-in-buffer\/entries-written: \d+\/\d+   #P:1\n/);
 * assert.match(text, / +cpuhp\/1-19 +\[001\] \.{5} +\d+\.\d{6}: cpuhp_enter: cpu: 0001 target: 153 step: 235 \(sched_cpu_deactivate\)\n/);
 * ```
 * @throws {TypeError|RangeError} for what is not a recording (naming where it is wrong).
 */
export function ftraceText(rec: Recording): string {
  rec = checkRecording(rec, "recording");
  const m = new Machine(rec.config);
  m.write(EVENTS, "1");
  for (const op of rec.run.operations) {
    try {
      m.run(op.operation);
    } catch (e) {
      // As in the recording: the guest refuses what it cannot do in the state it is in.
      if (!refusedNow(e, op.operation)) throw e;
    }
  }
  return m.read(TRACE);
}
