/**
 * Trace events. Hotplug events carry the fields of the kernel's `cpuhp_enter` / `cpuhp_exit`
 * tracepoints (include/trace/events/cpuhp.h); the clockevent and tick events are hvtick's own,
 * named after the kernel functions they mirror.
 *
 * @module
 */

/** Fields every trace event has. */
export interface TraceEventBase {
  /** Guest CLOCK_MONOTONIC time, ns. */
  readonly time: number;
  /** The CPU the event concerns (for cpuhp events: the CPU being hotplugged). */
  readonly cpu: number;
}

/** `cpuhp_enter`: a hotplug callback starts. */
export interface CpuhpEnterEvent extends TraceEventBase {
  /** Event name. */
  readonly type: "cpuhp_enter";
  /** `target` field: the target state of the operation. */
  readonly target: number;
  /** `idx` field: the state whose callback runs. */
  readonly idx: number;
  /** `fun` field: the callback symbol. */
  readonly fun: string;
  /** The CPU executing the callback (the control CPU or the hotplugged CPU). */
  readonly on: number;
  /** A multi-instance state's callback for one instance (`cpuhp_multi_enter`). */
  readonly multi?: true;
}

/** `cpuhp_exit`: a hotplug callback returned. */
export interface CpuhpExitEvent extends TraceEventBase {
  /** Event name. */
  readonly type: "cpuhp_exit";
  /** `state` field: the CPU's hotplug state when the callback returned. */
  readonly state: number;
  /** `idx` field: the state whose callback ran. */
  readonly idx: number;
  /** `ret` field: the callback's return value. */
  readonly ret: number;
  /** The CPU that executed the callback. */
  readonly on: number;
}

/** A clockevent device changed hands or state. */
export interface ClockeventEvent extends TraceEventBase {
  /**
   * `clockevents_register_device`, `tick_setup_device` (the CPU's tick device is now `device`),
   * `clockevents_unbind_device`, `clockevents_shutdown` (driver shutdown), `tick_shutdown`
   * (tick device released after the CPU died), `tick_install_broadcast_device`.
   */
  readonly type:
    | "clockevents_register_device"
    | "tick_setup_device"
    | "clockevents_unbind_device"
    | "clockevents_shutdown"
    | "tick_shutdown"
    | "tick_install_broadcast_device";
  /** Device name. */
  readonly device: string;
  /** The device it replaced, when there was one. */
  readonly previous?: string;
  /** Return value, for unbind. */
  readonly ret?: number;
}

/** A tick interrupt handled by a CPU (recorded only with the builder's `traceTicks()`). */
export interface TickEvent extends TraceEventBase {
  /** Event name. */
  readonly type: "tick";
  /** The device that delivered it. */
  readonly device: string;
  /** The `event_handler` that ran. */
  readonly handler: string;
}

/** Timekeeping duty moved (`tick_do_timer_cpu`). */
export interface DoTimerEvent extends TraceEventBase {
  /** Event name. */
  readonly type: "tick_do_timer";
  /** Previous owner (-1 NONE, -2 BOOT). */
  readonly from: number;
  /** New owner (-1 NONE). */
  readonly to: number;
}

/** The machine hung. */
export interface HangEvent extends TraceEventBase {
  /** Event name. */
  readonly type: "hang";
  /** Hotplug state of the waiting step. */
  readonly idx: number;
  /** Why. */
  readonly reason: string;
}

/** Any trace event. */
export type TraceEvent =
  | CpuhpEnterEvent
  | CpuhpExitEvent
  | ClockeventEvent
  | TickEvent
  | DoTimerEvent
  | HangEvent;

/**
 * The text of a `cpuhp_enter` / `cpuhp_exit` event after its name, in the tracepoint's own
 * TP_printk format (include/trace/events/cpuhp.h: 55:33, 55:88).
 *
 * @example
 * ```ts
 * import { tracepointText } from "./trace.ts";
 * import assert from "node:assert/strict";
 * const e = { type: "cpuhp_exit", time: 0, cpu: 1, state: 205, idx: 206, ret: 0, on: 1 } as const;
 * assert.equal(tracepointText(e), "cpuhp_exit:  cpu: 0001  state: 205 step: 206 ret: 0");
 * ```
 */
export function tracepointText(e: CpuhpEnterEvent | CpuhpExitEvent): string {
  const cpu = String(e.cpu).padStart(4, "0");
  const idx = String(e.idx).padStart(3);
  return e.type === "cpuhp_enter"
    ? `${e.multi ? "cpuhp_multi_enter" : "cpuhp_enter"}: cpu: ${cpu} target: ${
      String(e.target).padStart(3)
    } step: ${idx} (${e.fun})`
    : `cpuhp_exit:  cpu: ${cpu}  state: ${String(e.state).padStart(3)} step: ${idx} ret: ${e.ret}`;
}
