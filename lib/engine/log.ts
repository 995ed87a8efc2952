/**
 * The kernel's history: the printk ring (`dmesg`) and the trace buffer. Both are history, not
 * state: the fingerprint leaves them out, exploration turns them off (`Kernel.history`) and a
 * replay regenerates them. Trace observers see every event either way.
 *
 * @module
 */

import type { LogRecord, MachineState } from "./state.ts";
import type { TraceEvent } from "./trace.ts";
import { type Kernel, ktime } from "./kernel.ts";

/** `log_buf_len`: 1 << CONFIG_LOG_BUF_SHIFT (17 by default, init/Kconfig). */
export const LOG_BUF_LEN = 1 << 17;

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

/** Appends to the last printk record (`pr_cont`). */
export function printkCont(k: Kernel, text: string): void {
  if (!k.history) return;
  const log = k.s.log;
  const last = log.dmesg[log.dmesg.length - 1];
  if (!last) return printk(k, text);
  last.text += text;
  log.dmesgBytes += text.length;
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

/**
 * Records a trace event: every event observer sees it; the buffer keeps the newest
 * `traceBuffer` events (like an ftrace ring buffer in overwrite mode) and `traceLost` counts the
 * ones overwritten.
 */
export function emit(k: Kernel, event: TraceEvent): void {
  const observers = k.observers.event;
  for (let i = 0; i < observers.length; i++) observers[i](event);
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

/** Whether an event would be seen at all (kept, or observed): when not, callers need not build it. */
export function traced(k: Kernel): boolean {
  return k.history || k.observers.event.length > 0;
}

/** The newest `traceBuffer` events, oldest first. */
export function traceView(s: MachineState): TraceEvent[] {
  const cap = s.config.traceBuffer;
  const trace = s.log.trace;
  return trace.length > cap ? trace.slice(trace.length - cap) : trace.slice();
}

/**
 * Counts one interrupt on `cpu` in `/proc/interrupts` row `row` (the kernel's per-CPU `irq_stat`
 * counters and `kstat_irqs`; statistics, kept with the log: exploration does not keep them).
 */
export function countIrq(k: Kernel, row: string, cpu: number): void {
  if (!k.history) return;
  const irqs = k.s.log.irqs ??= {};
  (irqs[row] ??= new Array(k.s.config.cpus).fill(0))[cpu]++;
}
