/**
 * Trace events. Hotplug events carry the fields of the kernel's `cpuhp_enter` / `cpuhp_exit`
 * tracepoints (include/trace/events/cpuhp.h); the clockevent and tick events are hvtick's own,
 * named after the kernel functions they mirror.
 *
 * @module
 */

import {
  type Check,
  check,
  integer,
  invalid,
  isPlainObject,
  listed,
  object,
  oneOf,
  optional,
  readInput,
  string,
} from "../util/check.ts";

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
 * @throws {TypeError|RangeError} for what is not a cpuhp_enter or cpuhp_exit event.
 */
export function tracepointText(e: CpuhpEnterEvent | CpuhpExitEvent): string {
  const event = traceEventCheck()(readInput(e, "event"), "event");
  if (event.type !== "cpuhp_enter" && event.type !== "cpuhp_exit") {
    invalid("event.type", event.type, "cpuhp_enter or cpuhp_exit", "range");
  }
  return cpuhpText(event as CpuhpEnterEvent | CpuhpExitEvent);
}

/**
 * The `cpuhp_enter` event of these fields, its keys in the order the trace buffer keeps them
 * (`multi` last, present only when set): the one place that builds it (the tracepoint in
 * lib/hotplug/invoke.ts, the packed ring's reads in lib/engine/trace_ring.ts).
 *
 * @example
 * ```ts
 * import { cpuhpEnterEvent } from "./trace.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(Object.keys(cpuhpEnterEvent(0, 1, 0, 206, "f", 1, true)), [
 *   "type", "time", "cpu", "target", "idx", "fun", "on", "multi",
 * ]);
 * assert.equal("multi" in cpuhpEnterEvent(0, 1, 0, 206, "f", 1, false), false);
 * ```
 */
export function cpuhpEnterEvent(
  time: number,
  cpu: number,
  target: number,
  idx: number,
  fun: string,
  on: number,
  multi: boolean,
): CpuhpEnterEvent {
  const e = { type: "cpuhp_enter" as const, time, cpu, target, idx, fun, on };
  return multi ? { ...e, multi: true } : e;
}

/**
 * {@linkcode tracepointText} of an event the model made (not checked: the hot path of a traced
 * hotplug walk).
 *
 * @example
 * ```ts
 * import { cpuhpText } from "./trace.ts";
 * import assert from "node:assert/strict";
 * const e = { type: "cpuhp_enter", time: 0, cpu: 1, target: 0, idx: 206, fun: "f", on: 1 } as const;
 * assert.equal(cpuhpText(e), "cpuhp_enter: cpu: 0001 target:   0 step: 206 (f)");
 * ```
 */
export function cpuhpText(e: CpuhpEnterEvent | CpuhpExitEvent): string {
  const cpu = String(e.cpu).padStart(4, "0");
  const idx = String(e.idx).padStart(3);
  return e.type === "cpuhp_enter"
    ? `${e.multi ? "cpuhp_multi_enter" : "cpuhp_enter"}: cpu: ${cpu} target: ${
      String(e.target).padStart(3)
    } step: ${idx} (${e.fun})`
    : `cpuhp_exit:  cpu: ${cpu}  state: ${String(e.state).padStart(3)} step: ${idx} ret: ${e.ret}`;
}

/**
 * The types of {@linkcode ClockeventEvent}, in the order lib/engine/trace_devices.ts indexes them.
 *
 * @example
 * ```ts
 * import { CLOCKEVENT_TYPES } from "./trace.ts";
 * import assert from "node:assert/strict";
 * assert.equal(CLOCKEVENT_TYPES[1], "tick_setup_device");
 * ```
 */
export const CLOCKEVENT_TYPES = [
  "clockevents_register_device",
  "tick_setup_device",
  "clockevents_unbind_device",
  "clockevents_shutdown",
  "tick_shutdown",
  "tick_install_broadcast_device",
] as const satisfies readonly ClockeventEvent["type"][];

/** Every trace event type (what `trace --type` takes). */
export const TRACE_EVENT_TYPES: readonly TraceEvent["type"][] = [
  "cpuhp_enter",
  "cpuhp_exit",
  "tick",
  "tick_do_timer",
  "hang",
  ...CLOCKEVENT_TYPES,
];

/**
 * A check of a trace event from outside (a snapshot's trace, a recording's events): its type's
 * fields, CPU numbers below `cpus`.
 *
 * @example
 * ```ts
 * import { traceEventCheck } from "./trace.ts";
 * import assert from "node:assert/strict";
 * const event = traceEventCheck(2);
 * const e = { type: "tick_do_timer", time: 5, cpu: 1, from: -2, to: 1 };
 * assert.equal(event(e, "e"), e);
 * assert.throws(() => event({ ...e, cpu: 2 }, "e"), /e.cpu: 2 is not a CPU number/);
 * assert.throws(() => event({ ...e, type: "tick" }, "e"), /e: unknown key "from"/);
 * ```
 */
export function traceEventCheck(cpus = Number.MAX_SAFE_INTEGER): Check<TraceEvent> {
  const cpu = integer(0, cpus - 1, `a CPU number (an integer from 0 to ${cpus - 1})`);
  const state = integer(0, Number.MAX_SAFE_INTEGER, "a hotplug state number");
  const ret = integer(Number.MIN_SAFE_INTEGER);
  const base = { time: integer(0), cpu };
  const clockevent = object<ClockeventEvent>({
    ...base,
    type: oneOf(CLOCKEVENT_TYPES, "an event type"),
    device: string(),
    previous: optional(string()),
    ret: optional(ret),
  }, "a clockevent event");
  const byType: Readonly<Record<TraceEvent["type"], Check<TraceEvent>>> = {
    cpuhp_enter: object<CpuhpEnterEvent>({
      ...base,
      type: oneOf(["cpuhp_enter"] as const),
      target: state,
      idx: state,
      fun: string(),
      on: cpu,
      multi: optional(oneOf([true] as const)),
    }, "a cpuhp_enter event"),
    cpuhp_exit: object<CpuhpExitEvent>({
      ...base,
      type: oneOf(["cpuhp_exit"] as const),
      state,
      idx: state,
      ret,
      on: cpu,
    }, "a cpuhp_exit event"),
    tick: object<TickEvent>({
      ...base,
      type: oneOf(["tick"] as const),
      device: string(),
      handler: string(),
    }, "a tick event"),
    tick_do_timer: object<DoTimerEvent>({
      ...base,
      type: oneOf(["tick_do_timer"] as const),
      from: integer(-2, cpus - 1, "a CPU number, -1 (none) or -2 (boot)"),
      to: integer(-1, cpus - 1, "a CPU number or -1 (none)"),
    }, "a tick_do_timer event"),
    hang: object<HangEvent>({
      ...base,
      type: oneOf(["hang"] as const),
      idx: state,
      reason: string(),
    }, "a hang event"),
    ...Object.fromEntries(CLOCKEVENT_TYPES.map((t) => [t, clockevent])) as Record<
      ClockeventEvent["type"],
      Check<TraceEvent>
    >,
  };
  const types = Object.keys(byType);
  return check("a trace event", (v, at) => {
    if (!isPlainObject(v)) invalid(at, v, "a trace event (an object with a type)", "type");
    const type = (v as { type?: unknown }).type;
    if (typeof type !== "string" || !Object.hasOwn(byType, type)) {
      invalid(
        `${at}.type`,
        type,
        "a trace event type",
        typeof type === "string" ? "range" : "type",
        `; valid: ${listed(types)}`,
      );
    }
    return byType[type as TraceEvent["type"]](v, at);
  });
}
