/** Test helpers: observe what an operation did, step by step, from the trace. */
import type { Machine, TraceEvent } from "../mod.ts";

/** Trace events `fn` produced (the machine's trace buffer must not wrap during `fn`). */
export function during<T>(m: Machine, fn: () => T): { result: T; events: TraceEvent[] } {
  const before = m.trace.length;
  const result = fn();
  return { result, events: m.trace.slice(before) };
}

/** One hotplug callback of `cpu` and the CPU's tick device right after it. */
export interface StepBinding {
  readonly idx: number;
  readonly fun: string;
  readonly device: string | null;
}

/** After each cpuhp callback for `cpu` in `events`, the tick device `cpu` is bound to. */
export function bindingsAfterEachStep(
  events: readonly TraceEvent[],
  cpu: number,
  initial: string | null,
): StepBinding[] {
  let device = initial;
  let fun = "";
  const out: StepBinding[] = [];
  for (const e of events) {
    if (e.cpu !== cpu) continue;
    if (e.type === "tick_setup_device") device = e.device;
    if (e.type === "tick_shutdown") device = null;
    if (e.type === "cpuhp_enter") fun = e.fun;
    if (e.type === "cpuhp_exit" && fun !== "cpuhp_kick_ap_work") {
      out.push({ idx: e.idx, fun, device });
    }
  }
  return out;
}

/** The distinct devices, in order of appearance, across `steps`. */
export function deviceSequence(
  steps: readonly StepBinding[],
  initial: string | null,
): (string | null)[] {
  const seq: (string | null)[] = [initial];
  for (const s of steps) if (s.device !== seq[seq.length - 1]) seq.push(s.device);
  return seq;
}
