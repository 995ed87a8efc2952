/**
 * The kernel context every modelled function works on: the machine state (the one value) plus
 * what is derived from it (the kernel line's tables, the step table, the timer index).
 *
 * @module
 */

import type { DeviceState, LogRecord, MachineState } from "./state.ts";
import type { TraceEvent } from "./trace.ts";
import type { KernelLine } from "../kernels/lines.ts";
import type { Step, StepIndex } from "../hotplug/steps.ts";
import type { TimerQueue } from "./timers.ts";

/** The state and its derived indexes. */
export interface Kernel {
  /** The machine value. */
  s: MachineState;
  /** Tables of the configured kernel line. */
  readonly line: KernelLine;
  /** Hotplug steps by state number (static table plus registered steps). */
  steps: Step[];
  /** Next non-empty step per direction (derived from `steps`). */
  stepIndex: StepIndex;
  /** Hardware timer index (derived from the devices). */
  readonly timers: TimerQueue;
  /** `direct_mode_enabled`, from the config. */
  readonly direct: boolean;
  /** Whether every tick is traced, from the config. */
  readonly traceTicks: boolean;
  /** Reusable buffer for batched interrupt handling (no state). */
  readonly scratch: DeviceState[];
  /** `tick_period` (NSEC_PER_SEC / HZ), from the config. */
  readonly period: number;
  /** Observer of trace events (used to report what an operation changed). */
  listener?: ((event: TraceEvent) => void) | null;
  /**
   * Observer of hotplug steps: called before and after each callback runs (exploration checks
   * its invariants there). It only reads, and copies what it keeps: the point is reused.
   */
  onStep?: ((at: StepPoint) => void) | null;
  /** Observer of every trace event as it happens, whether or not the buffer keeps it. */
  tap?: ((event: TraceEvent) => void) | null;
  /** Observer of every tick a CPU handles (recordings count them without trace events). */
  onTick?: ((cpu: number) => void) | null;
  /**
   * Whether the kernel log and trace buffer are written. Exploration turns them off: they are
   * history, not state (the fingerprint leaves them out), and a replay regenerates them.
   */
  history: boolean;
}

/** Where a hotplug walk is, for {@linkcode Kernel.onStep}. */
export interface StepPoint {
  /** The CPU being hotplugged. */
  readonly cpu: number;
  /** The step's state number. */
  readonly state: number;
  /** Its callback symbol. */
  readonly callback: string;
  /** Whether the callback is a teardown. */
  readonly teardown: boolean;
  /** Before the callback runs, or after it returned. */
  readonly phase: "enter" | "exit";
}

/** Guest CLOCK_MONOTONIC now, ns (`ktime_get()`). */
export function ktime(k: Kernel): number {
  return k.s.now - k.s.offNs;
}

/** Nanoseconds per tick: `NSEC_PER_SEC / HZ` (kernel/time/tick-common.c `tick_period`). */
export function tickPeriod(k: Kernel): number {
  return k.period;
}

/**
 * Appends a printk record. The log is a ring of `log_buf_len` bytes (2^17, the
 * `CONFIG_LOG_BUF_SHIFT` default); the oldest records are dropped when it is full
 * (`log_make_free_space()`, kernel/printk/printk.c). Storage keeps up to twice that and
 * `dmesgView()` shows what fits, so the drop costs one splice per 128 KiB, not one per line.
 */
export function printk(k: Kernel, text: string): void {
  if (!k.history) return;
  const log = k.s.log;
  log.dmesg.push({ time: ktime(k), text });
  log.dmesgBytes += text.length + 1;
  if (log.dmesgBytes <= 2 * LOG_BUF_LEN) return;
  let drop = 0;
  while (log.dmesgBytes > LOG_BUF_LEN && drop < log.dmesg.length - 1) {
    log.dmesgBytes -= log.dmesg[drop].text.length + 1;
    drop++;
  }
  log.dmesg.splice(0, drop);
}

/** The records the ring holds: the newest that fit in `log_buf_len` (at least the last one). */
export function dmesgView(s: MachineState): LogRecord[] {
  const records = s.log.dmesg;
  let bytes = s.log.dmesgBytes;
  let first = 0;
  while (bytes > LOG_BUF_LEN && first < records.length - 1) {
    bytes -= records[first].text.length + 1;
    first++;
  }
  return records.slice(first);
}

/** `log_buf_len`: 1 << CONFIG_LOG_BUF_SHIFT (17 by default, init/Kconfig). */
export const LOG_BUF_LEN = 1 << 17;

/**
 * Records a trace event. The buffer keeps the newest `traceBuffer` events (like an ftrace ring
 * buffer in overwrite mode); `traceLost` counts the ones overwritten.
 */
export function emit(k: Kernel, event: TraceEvent): void {
  k.listener?.(event);
  k.tap?.(event);
  if (!k.history) return;
  const log = k.s.log;
  log.trace.push(event);
  const cap = k.s.config.traceBuffer;
  if (log.trace.length > cap + (cap >> 2)) {
    const drop = log.trace.length - cap;
    log.trace.splice(0, drop);
    log.traceLost += drop;
  }
}

/** The newest `traceBuffer` events, oldest first. */
export function traceView(s: MachineState): TraceEvent[] {
  const cap = s.config.traceBuffer;
  const trace = s.log.trace;
  return trace.length > cap ? trace.slice(trace.length - cap) : trace.slice();
}

/** Appends to the last printk record (`pr_cont`). */
export function printkCont(k: Kernel, text: string): void {
  if (!k.history) return;
  const log = k.s.log;
  const last = log.dmesg[log.dmesg.length - 1];
  if (!last) return printk(k, text);
  last.text += text;
  log.dmesgBytes += text.length;
}
