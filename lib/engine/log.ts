/**
 * The kernel's history: the printk ring (`dmesg`) and the trace buffer. Both are history, not
 * state: the fingerprint leaves them out, exploration turns them off (`Kernel.history`) and a
 * replay regenerates them. Trace observers see every event either way.
 *
 * @module
 */

import type { LogRecord, MachineState } from "./state.ts";
import type { ClockeventEvent, TraceEvent } from "./trace.ts";
import { deviceEvent, pushDevice } from "./trace_devices.ts";
import { type Kernel, ktime } from "./kernel.ts";
import { formatSeconds } from "../util/duration.ts";

/** `log_buf_len`: 1 << CONFIG_LOG_BUF_SHIFT (17 by default, init/Kconfig). */
export const LOG_BUF_LEN = 1 << 17;

/**
 * The printk log levels (include/linux/kern_levels.h): `pr_err()` is `ERR`, `pr_info()` `INFO`,
 * `pr_debug()` `DEBUG` (compiled in with `-DDEBUG`: kernel/power/Makefile under CONFIG_PM_DEBUG).
 *
 * @example
 * ```ts
 * import { KERN } from "./log.ts";
 * import assert from "node:assert/strict";
 * assert.equal(KERN.ERR, 3);
 * ```
 */
export const KERN = {
  EMERG: 0,
  ALERT: 1,
  CRIT: 2,
  ERR: 3,
  WARNING: 4,
  NOTICE: 5,
  INFO: 6,
  DEBUG: 7,
} as const;

/** `CONSOLE_LOGLEVEL_MOTORMOUTH`: what `console_verbose()` sets (include/linux/printk.h). */
export const CONSOLE_LOGLEVEL_MOTORMOUTH = 15;

/**
 * `console_loglevel` at boot from the command line, parameter by parameter as the kernel parses
 * them (the last one wins): `quiet` → `CONSOLE_LOGLEVEL_QUIET` (4), `debug` →
 * `CONSOLE_LOGLEVEL_DEBUG` (10), `loglevel=N` → N; else `CONSOLE_LOGLEVEL_DEFAULT` (7, Debian's
 * config) (init/main.c `quiet_kernel`, `debug_kernel`, `loglevel`).
 *
 * @example
 * ```ts
 * import { bootConsoleLoglevel } from "./log.ts";
 * import assert from "node:assert/strict";
 * assert.equal(bootConsoleLoglevel("console=ttyS0 quiet"), 4);
 * assert.equal(bootConsoleLoglevel("quiet loglevel=7 no_console_suspend"), 7);
 * assert.equal(bootConsoleLoglevel(""), 7);
 * ```
 */
export function bootConsoleLoglevel(cmdline: string): number {
  // The machine's own command line, asked for again and again: compared by reference first.
  if (cmdline === lastCmdline) return lastLevel;
  let level = BOOT_LOGLEVELS.get(cmdline);
  if (level === undefined) {
    level = parseLoglevel(cmdline);
    // A pure function of the string, asked on every printk: parsed once per command line.
    if (BOOT_LOGLEVELS.size >= 64) BOOT_LOGLEVELS.clear();
    BOOT_LOGLEVELS.set(cmdline, level);
  }
  lastCmdline = cmdline;
  lastLevel = level;
  return level;
}

const BOOT_LOGLEVELS = new Map<string, number>();
let lastCmdline: string | undefined = undefined;
let lastLevel = 7;

function parseLoglevel(cmdline: string): number {
  let level = 7;
  for (const p of cmdline.split(/\s+/)) {
    if (p === "quiet") level = 4;
    else if (p === "debug") level = 10;
    else if (/^loglevel=\d+$/.test(p)) level = Number(p.slice(9));
  }
  return level;
}

/** `console_loglevel` now: changed by `console_verbose()`, else the command line's. */
export function consoleLoglevel(s: MachineState): number {
  return s.consoleLoglevel ?? bootConsoleLoglevel(s.config.cmdline);
}

/** Records kept of the console's output (its newest; the harness compares the last few). */
const CONSOLE_KEPT = 4096;

/**
 * Appends a printk record at `level` (default `KERN_INFO`). The log is a ring of `log_buf_len`
 * bytes (2^17, the `CONFIG_LOG_BUF_SHIFT` default); the oldest records are dropped when it is full
 * (`log_make_free_space()`, kernel/printk/printk.c). Storage keeps up to twice that and
 * `dmesgView()` shows what fits, so the drop costs one splice per 128 KiB, not one per line. A
 * record below `console_loglevel` also goes to the console (`suppress_message_printing()`); a
 * suspended console prints it when it resumes, so the console's order is the log's.
 */
export function printk(k: Kernel, text: string, level: number = KERN.INFO): void {
  if (!k.history) return;
  const log = k.s.log;
  const record = level === KERN.INFO ? { time: ktime(k), text } : { time: ktime(k), text, level };
  log.dmesg.push(record);
  if (level < consoleLoglevel(k.s)) {
    const console = log.console ??= [];
    console.push(record);
    if (console.length > 2 * CONSOLE_KEPT) console.splice(0, console.length - CONSOLE_KEPT);
  }
  log.dmesgBytes += text.length + 1;
  if (log.dmesgBytes > 2 * LOG_BUF_LEN) dropOldestRecords(log);
}

// printk()'s drop of the oldest records down to `log_buf_len` bytes (at least the newest kept),
// once per 128 KiB: apart, so that printk() stays small and its optimised code has no loop that
// never ran (--trace-deopt: printk deoptimised at the drop's first run, "Insufficient type feedback
// for compare operation").
function dropOldestRecords(log: MachineState["log"]): void {
  const records = log.dmesg;
  let bytes = log.dmesgBytes, drop = 0;
  while (bytes > LOG_BUF_LEN && drop < records.length - 1) {
    bytes -= records[drop].text.length + 1;
    drop++;
  }
  log.dmesgBytes = bytes;
  records.splice(0, drop);
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

/**
 * Records as `dmesg` prints them: `[seconds.micros] text` per line.
 *
 * @example
 * ```ts
 * import { stamped } from "./log.ts";
 * import assert from "node:assert/strict";
 * assert.equal(stamped([{ time: 1_500_000, text: "x" }]), "[    0.001500] x\n");
 * ```
 */
export function stamped(records: readonly LogRecord[]): string {
  return records.map((r) => {
    const [sec, us] = formatSeconds(r.time).split(".");
    return `[${sec.padStart(5)}.${us}] ${r.text}\n`;
  }).join("");
}

/** What the console printed, oldest first (the newest records kept). */
export function consoleView(s: MachineState): LogRecord[] {
  const c = s.log.console ?? [];
  return c.slice(Math.max(0, c.length - CONSOLE_KEPT));
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
  k.trace.push(event);
  trimTrace(k);
}

/**
 * {@linkcode emit} of the clockevent event of these fields at `ktime(k)` (lib/engine/trace_devices.ts
 * `deviceEvent()`: `previous` kept for `tick_setup_device` and `tick_install_broadcast_device`, `ret`
 * for `clockevents_unbind_device`), built only when an observer takes it: else written straight
 * into the trace buffer.
 *
 * @example
 * ```ts
 * import { emitDevice } from "./log.ts";
 * import { ktime } from "./kernel.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm().cpus(2).build().snapshot());
 * emitDevice(k, "tick_setup_device", 1, "Hyper-V clockevent", undefined);
 * assert.deepEqual(k.trace.events(k.trace.length - 1)[0], {
 *   type: "tick_setup_device", time: ktime(k), cpu: 1, device: "Hyper-V clockevent", previous: undefined,
 * });
 * ```
 */
export function emitDevice(
  k: Kernel,
  type: ClockeventEvent["type"],
  cpu: number,
  device: string,
  previous?: string,
  ret = 0,
): void {
  if (k.observers.event.length > 0) {
    return emit(k, deviceEvent(type, ktime(k), cpu, device, previous, ret));
  }
  if (!k.history) return;
  pushDevice(k.trace, type, ktime(k), cpu, device, previous, ret);
  trimTrace(k);
}

/**
 * The ring's overwrite, after each event put in `k.trace`: past `traceBuffer` + a quarter, all but
 * the newest `traceBuffer` go and `traceLost` counts them. {@linkcode emit} calls it; so does a
 * hot path that packs its event into the ring from its fields (`k.trace.pushEnter`, with history
 * kept and no event observer) instead of building the object.
 *
 * @example
 * ```ts
 * import { trimTrace } from "./log.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm().cpus(2).traceBuffer(16).build().snapshot());
 * const lost = k.s.log.traceLost;
 * while (k.trace.length <= 20) k.trace.pushExit(1, 0, 0, 0, 0, 0);
 * trimTrace(k);
 * assert.equal(k.trace.length, 16);
 * assert.equal(k.s.log.traceLost, lost + 5);
 * ```
 */
export function trimTrace(k: Kernel): void {
  const ring = k.trace;
  const cap = k.s.config.traceBuffer;
  if (ring.length > cap + (cap >> 2)) {
    const drop = ring.length - cap;
    ring.dropOldest(drop);
    k.s.log.traceLost += drop;
  }
}

/**
 * How many more events the trace buffer takes before {@linkcode trimTrace} drops any: a hot path
 * that packs events into `k.trace` may push that many with no `trimTrace()` between them.
 *
 * @example
 * ```ts
 * import { traceRoom, trimTrace } from "./log.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm().cpus(2).traceBuffer(16).build().snapshot());
 * const lost = k.s.log.traceLost;
 * for (let i = traceRoom(k); i > 0; i--) k.trace.pushExit(1, 0, 0, 0, 0, 0);
 * trimTrace(k);
 * assert.equal(k.s.log.traceLost, lost);
 * assert.equal(traceRoom(k), 0);
 * ```
 */
export function traceRoom(k: Kernel): number {
  const cap = k.s.config.traceBuffer;
  return cap + (cap >> 2) - k.trace.length;
}

/**
 * For `count` trace events recorded at once with no event observer (what `count` calls of
 * {@linkcode emit} would leave): drops the old events they would overwrite, counts those and the
 * new ones that would be overwritten too in `traceLost`, and returns how many of the `count` the
 * ring keeps, the newest. The caller then pushes exactly those into `k.trace`, oldest first, and
 * builds none of the others (no one could read them before they were overwritten).
 *
 * @example
 * ```ts
 * import { traceKept } from "./log.ts";
 * import { createKernel } from "../machine/kernel.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = createKernel(vm().cpus(2).traceBuffer(16).build().snapshot());
 * const before = k.s.log.traceLost + k.trace.length;
 * const kept = traceKept(k, 100);
 * for (let e = 100 - kept; e < 100; e++) k.trace.pushExit(e, 0, 0, 0, 0, 0);
 * assert.equal(k.s.log.traceLost + k.trace.length, before + 100);
 * assert.equal(k.trace.events(k.trace.length - 1)[0].time, 99);
 * ```
 */
export function traceKept(k: Kernel, count: number): number {
  const log = k.s.log;
  const cap = k.s.config.traceBuffer;
  const high = cap + (cap >> 2);
  // emit()'s ring: a push past `high` entries drops all but the newest `cap`.
  const ring = k.trace;
  let length = ring.length;
  let left = count;
  let lost = 0;
  const first = Math.max(1, high + 1 - length);
  if (left >= first) {
    left -= first;
    lost += length + first - cap;
    const cycle = high + 1 - cap;
    const cycles = Math.floor(left / cycle);
    left -= cycles * cycle;
    lost += cycles * cycle;
    length = cap;
  }
  length += left;
  // The ring holds the newest `length` of the old entries followed by the new events.
  const fresh = Math.min(length, count);
  ring.dropOldest(ring.length - (length - fresh));
  log.traceLost += lost;
  return fresh;
}

/** Whether an event would be seen at all (kept, or observed): when not, callers need not build it. */
export function traced(k: Kernel): boolean {
  return k.history || k.observers.event.length > 0;
}

/** The newest `traceBuffer` events, oldest first. */
export function traceView(k: Kernel): TraceEvent[] {
  const cap = k.s.config.traceBuffer;
  return k.trace.events(Math.max(0, k.trace.length - cap));
}

/**
 * The machine value with its trace buffer as plain events (the running kernel keeps it packed,
 * lib/engine/trace_ring.ts), a stopped walk's state before its operation too (`k.walkTrace`):
 * what a snapshot or a hibernation image copies. Shares all but `log` (and `walk`) with `k.s`.
 *
 * @example
 * ```ts
 * import { withTrace } from "./log.ts";
 * import { boot } from "../machine/boot.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const k = boot(vm().cpus(2).build().config);
 * assert.equal(withTrace(k).log.trace.length, k.trace.length);
 * ```
 */
export function withTrace(k: Kernel): MachineState {
  const s = { ...k.s, log: { ...k.s.log, trace: k.trace.events(0) } };
  const w = s.walk;
  if (w && k.walkTrace) {
    const before = { ...w.before, log: { ...w.before.log, trace: k.walkTrace.events(0) } };
    s.walk = { ...w, before };
  }
  return s;
}

/**
 * Counts `n` (default one) interrupts on `cpu` in `/proc/interrupts` row `row` (the kernel's
 * per-CPU `irq_stat` counters and `kstat_irqs`; statistics, kept with the log: exploration does
 * not keep them).
 */
export function countIrq(k: Kernel, row: string, cpu: number, n = 1): void {
  if (!k.history) return;
  const irqs = k.s.log.irqs ??= {};
  (irqs[row] ??= new Array(k.s.config.cpus).fill(0))[cpu] += n;
}
