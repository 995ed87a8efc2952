/**
 * Comparing an ftrace text (`cat trace | grep -v '^#'`): each line's task, CPU, flags and event
 * text, timestamps left out. Entries are compared task by task, in each task's own order: a task
 * runs on one CPU at a time, so its entries are in program order, while the interleaving of
 * different tasks' entries (merged from per-CPU buffers by timestamp) follows the run's timing.
 * The columns that vary from run to run are masked first (lib/fidelity/exclusions.ts, the
 * `trace-*` rules).
 *
 * @module
 */

import { type Reading, reading } from "./reading.ts";

/** One parsed entry. */
export interface TraceEntry {
  readonly comm: string;
  readonly pid: number;
  readonly cpu: number;
  readonly flags: string;
  readonly text: string;
  /** Its line in the log. */
  readonly line: number;
}

const ENTRY = /^\s*(.*)-(\d+)\s+\[(\d+)\]\s+(\S+)\s+\d+\.\d+: (.*)$/;

/** Parses trace lines (`comm-pid [cpu] flags timestamp: text`); others are skipped. */
export function parseTrace(lines: readonly string[], at: number): TraceEntry[] {
  const out: TraceEntry[] = [];
  lines.forEach((l, i) => {
    const m = ENTRY.exec(l);
    if (!m) return;
    out.push({
      comm: m[1],
      pid: Number(m[2]),
      cpu: Number(m[3]),
      flags: m[4],
      text: m[5],
      line: at + i,
    });
  });
  return out;
}

const hardirq = (e: TraceEntry) => /^..[hH]/.test(e.flags);

/** The task an entry is grouped under. */
function taskKey(e: TraceEntry): string {
  if (hardirq(e)) return `irq@cpu${e.cpu}`;
  if (e.pid === 0) return `idle@cpu${e.cpu}`;
  // A bound worker runs on its CPU (kworker/N:M); an unbound one (kworker/uN:M) anywhere.
  if (/^kworker\/\d/.test(e.comm)) return `kworker@cpu${e.cpu}`;
  if (/^kworker\//.test(e.comm)) return "kworker";
  if (LOADER.test(e.comm)) return "loader";
  return `pid ${e.pid}`;
}

/** The process loading a module: the rig's busybox `insmod`, hvtick's `modprobe`. */
const LOADER = /^(?:insmod|modprobe)$/;

/**
 * The compared form of an entry: need-resched masked (trace-need-resched); a worker's name and
 * PID masked (trace-worker); the module loader's name, PID and CPU masked (trace-loader); the CPU
 * of an unbound task, PID 1, masked (trace-unbound-cpu); in
 * hard-interrupt context the interrupted task and its preemption depth masked (trace-hardirq);
 * the comm masked where the real trace could not resolve it (trace-comm-cache, `unresolved`).
 */
function value(e: TraceEntry, unresolved: ReadonlySet<number>): string {
  let flags = `${e.flags[0]}.${e.flags.slice(2)}`;
  let task = `${e.comm}-${e.pid}`;
  if (/^kworker\//.test(e.comm)) task = "<kworker>";
  else if (LOADER.test(e.comm)) task = "<loader>";
  else if (unresolved.has(e.pid)) task = `<...>-${e.pid}`;
  if (hardirq(e)) {
    task = "<irq>";
    flags = `${flags.slice(0, 3)}<depth>${flags.slice(4)}`;
  }
  const unbound = e.pid === 1 || LOADER.test(e.comm);
  const cpu = unbound && !hardirq(e) ? "<cpu>" : String(e.cpu).padStart(3, "0");
  return `${task} [${cpu}] ${flags} ${e.text}`;
}

/**
 * An idle CPU stopping its tick and starting it again when woken (NO_HZ idle: the LAPIC goes
 * ONESHOT_STOPPED, then ONESHOT), between two steps of a hotplug operation: whether the CPU idles
 * long enough for that depends on the run's timing (logs/hv-legacy-trace.log shows it once before
 * `take_cpu_down()`, plain-trace.log's same offline does not). hvtick models no idle time, so
 * such pairs are left out of the real side (trace-nohz-idle). The stop may come in the hard
 * interrupt that found no timer left on the idle CPU (`hrtimer_interrupt()` → ONESHOT_STOPPED:
 * tests/real/built's 5.4.301 traces on LAPIC ticks, `<idle>-0 [003] d.h. lapic_timer_shutdown`).
 */
function withoutIdleTickStops(entries: TraceEntry[]): TraceEntry[] {
  const stop = "lapic_timer_shutdown <-clockevents_switch_state";
  const start = "lapic_timer_set_oneshot <-clockevents_switch_state";
  const drop = new Set<number>();
  entries.forEach((e, i) => {
    if (e.pid !== 0 || e.text !== stop) return;
    const next = entries.findIndex((x, j) => j > i && x.pid === 0 && x.cpu === e.cpu);
    if (next >= 0 && entries[next].text === start && !hardirq(entries[next])) {
      drop.add(i);
      drop.add(next);
    }
  });
  return entries.filter((_, i) => !drop.has(i));
}

/**
 * The dying CPU's LAPIC going ONESHOT_STOPPED in its stopper thread when its tick's hrtimer is
 * cancelled: only when no other hrtimer is still queued on that CPU, which depends on what ran
 * there (logs/hv-legacy-trace.log and k6.12-hv-legacy-vmbus-failtrace.log show it,
 * k6.12-hv-legacy-vmbus-trace.log's offline does not). Left out on both sides
 * (trace-oneshot-stopped).
 */
function withoutStopperStops(entries: TraceEntry[]): TraceEntry[] {
  return entries.filter((e) =>
    !(/^(?:migration\/\d+|<\.\.\.>)$/.test(e.comm) &&
      e.text === "lapic_timer_shutdown <-clockevents_switch_state")
  );
}

/**
 * The readings of a real trace and of the model's, keyed `trace TASK #N`.
 *
 * @example
 * ```ts
 * import { traceReadings } from "./trace.ts";
 * import assert from "node:assert/strict";
 * const real = ["           <...>-22      [002] d..1     9.823844: hv_stimer_cleanup <-cpuhp_invoke_callback"];
 * const model = ["     migration/2-22      [002] d..1     0.000000: hv_stimer_cleanup <-cpuhp_invoke_callback"];
 * const r = traceReadings(real, model, 10);
 * assert.deepEqual(r.expected.map((x) => x.value), r.got.map((x) => x.value));
 * assert.equal(r.expected[0].key, "trace pid 22 #0");
 * ```
 */
export function traceReadings(
  real: readonly string[],
  model: readonly string[],
  at: number,
): { expected: Reading[]; got: Reading[] } {
  const a = withoutStopperStops(withoutIdleTickStops(parseTrace(real, at)));
  const b = withoutStopperStops(parseTrace(model, at));
  const unresolved = new Set(a.filter((e) => e.comm === "<...>").map((e) => e.pid));
  const readings = (entries: TraceEntry[]) => {
    const count = new Map<string, number>();
    return entries.map((e) => {
      const key = taskKey(e);
      const n = count.get(key) ?? 0;
      count.set(key, n + 1);
      return reading(`trace ${key} #${n}`, value(e, unresolved), e.line);
    });
  };
  return { expected: readings(a), got: readings(b) };
}
