/**
 * The packed form of one trace event (what lib/engine/trace_ring.ts keeps per slot): its kind and
 * small fields in parallel typed-array columns, its names as ids of the ring's
 * {@linkcode TraceNames}, read back as the same event with its keys in the order its emitter wrote
 * them. An event's time is the ring's (a difference from the event before).
 *
 * @module
 */

import { cpuhpEnterEvent, TRACE_EVENT_TYPES, type TraceEvent } from "./trace.ts";
import { NONE, type TraceNames } from "./trace_names.ts";

// Event kinds: an event type's index in the one list of them (what `trace --type` takes).
const TYPES = TRACE_EVENT_TYPES;
const KIND = new Map<string, number>(TYPES.map((t, i) => [t, i]));
const ENTER = KIND.get("cpuhp_enter")!, EXIT = KIND.get("cpuhp_exit")!;
/** The kind of a `tick` event. */
export const TICK = KIND.get("tick")!;
const DO_TIMER = KIND.get("tick_do_timer")!, HANG = KIND.get("hang")!;
// Flags, above the kind's bits: cpuhp_enter's `multi`; a clockevent event's `previous` and `ret`
// keys (present, even when `previous` is undefined: tick_setup_device of a CPU that had no device).
const KIND_BITS = 0x1f, MULTI = 0x20, PREVIOUS = 0x40, RET = 0x80;
/**
 * The kind of a ring record that stands for a run of `cpuhp_enter`/`cpuhp_exit` pairs
 * (lib/engine/trace_runs.ts): the last kind value, past every event type's. Its columns: `a` the
 * run's id, `b` the target, `c` the control CPU, `s` how many events it stands for.
 */
export const RUN = KIND_BITS;
/**
 * The kind of a ring record that stands for one callback's `cpuhp_enter` (or `cpuhp_multi_enter`:
 * flag `MULTI`) and the `cpuhp_exit` right after it, at one time with `ret` 0: the enter's columns
 * (`a` idx, `b` target, `c` on, `s` fun), and flag `BELOW` when the exit's `state` is `idx - 1`
 * (else `idx`). A walk's callbacks with a modelled effect but no event of their own between their
 * tracepoints are most of those that go through `invoke()` (lib/hotplug/invoke.ts).
 */
export const PAIR = KIND_BITS - 1;
const BELOW = 0x40;
if (TYPES.length > PAIR) {
  throw new Error("internal: trace event kinds past the ring's bits");
}

/**
 * Columns of one packed event, 15 bytes; every small field a 16-bit column (a signed value kept as
 * its low 16 bits and read back sign-extended, a name as its interned id). What `a`, `b`, `c`, `s`
 * hold depends on the kind: cpuhp_enter idx, target, on, fun; cpuhp_exit idx, state, ret, on; tick
 * handler, -, -, device; tick_do_timer from, to; hang idx, -, -, reason; a clockevent event
 * previous (NONE: undefined), -, ret, device; a run of cpuhp pairs ({@linkcode RUN}) its id,
 * target, control CPU, its number of events; a {@linkcode PAIR} as its cpuhp_enter.
 */
export interface Columns {
  /** Time minus the time of the newest event before it (the ring keeps the oldest's). */
  dt: Int32Array;
  /** Kind (low bits) and flags. */
  kind: Uint8Array;
  /** The event's CPU. */
  cpu: Uint16Array;
  /** A small field (see above). */
  a: Uint16Array;
  /** A small field (see above). */
  b: Uint16Array;
  /** A small field (see above). */
  c: Uint16Array;
  /** A name's id, or a small field (see above). */
  s: Uint16Array;
}

/**
 * Columns for `n` events.
 *
 * @example
 * ```ts
 * import { columns } from "./trace_columns.ts";
 * import assert from "node:assert/strict";
 * assert.equal(columns(64).cpu.length, 64);
 * ```
 */
export function columns(n: number): Columns {
  return {
    dt: new Int32Array(n),
    kind: new Uint8Array(n),
    cpu: new Uint16Array(n),
    a: new Uint16Array(n),
    b: new Uint16Array(n),
    c: new Uint16Array(n),
    s: new Uint16Array(n),
  };
}

/**
 * A 16-bit column's value read back as the signed number it was.
 *
 * @example
 * ```ts
 * import { signed } from "./trace_columns.ts";
 * import assert from "node:assert/strict";
 * assert.equal(signed(new Uint16Array([-22])[0]), -22);
 * assert.equal(signed(300), 300);
 * ```
 */
export const signed = (v: number): number => (v << 16) >> 16;

/**
 * Whether `v` fits a 16-bit column exactly (a model event's values always do: CPU and state
 * numbers, errnos; anything else is kept as an object).
 *
 * @example
 * ```ts
 * import { i16 } from "./trace_columns.ts";
 * import assert from "node:assert/strict";
 * assert.equal(i16(-22), true);
 * assert.equal(i16(40000), false);
 * assert.equal(i16(1.5), false);
 * ```
 */
export const i16 = (v: number): boolean => (v << 16) >> 16 === v;

/**
 * Packs a `cpuhp_enter` event's fields but its time into `slot`; false when a value does not fit
 * (the caller keeps the object).
 *
 * @example
 * ```ts
 * import { columns, packEnter, unpackEvent } from "./trace_columns.ts";
 * import { TraceNames } from "./trace_names.ts";
 * import assert from "node:assert/strict";
 * const c = columns(2), names = new TraceNames();
 * assert.equal(packEnter(c, names, 0, 1, 0, 206, "sched_cpu_deactivate", 1, false), true);
 * assert.deepEqual(unpackEvent(c, names, 0, 9), {
 *   type: "cpuhp_enter", time: 9, cpu: 1, target: 0, idx: 206, fun: "sched_cpu_deactivate", on: 1,
 * });
 * assert.equal(packEnter(c, names, 1, 1, 0, 70000, "f", 1, true), false);
 * ```
 */
export function packEnter(
  c: Columns,
  names: TraceNames,
  slot: number,
  cpu: number,
  target: number,
  idx: number,
  fun: string,
  on: number,
  multi: boolean,
): boolean {
  c.kind[slot] = multi ? ENTER | MULTI : ENTER;
  c.cpu[slot] = cpu;
  c.a[slot] = idx;
  c.b[slot] = target;
  c.c[slot] = on;
  const id = names.idAt(idx, fun);
  c.s[slot] = id;
  return id !== NONE && i16(cpu) && i16(idx) && i16(target) && i16(on);
}

/**
 * Packs a `cpuhp_exit` event's fields but its time into `slot`, like {@linkcode packEnter}.
 *
 * @example
 * ```ts
 * import { columns, packExit, unpackEvent } from "./trace_columns.ts";
 * import { TraceNames } from "./trace_names.ts";
 * import assert from "node:assert/strict";
 * const c = columns(2);
 * assert.equal(packExit(c, 0, 1, 205, 206, -16, 1), true);
 * assert.deepEqual(unpackEvent(c, new TraceNames(), 0, 9), {
 *   type: "cpuhp_exit", time: 9, cpu: 1, state: 205, idx: 206, ret: -16, on: 1,
 * });
 * assert.equal(packExit(c, 1, 1, 205, 206, 0, 70000), false);
 * ```
 */
export function packExit(
  c: Columns,
  slot: number,
  cpu: number,
  state: number,
  idx: number,
  ret: number,
  on: number,
): boolean {
  c.kind[slot] = EXIT;
  c.cpu[slot] = cpu;
  c.a[slot] = idx;
  c.b[slot] = state;
  c.c[slot] = ret;
  c.s[slot] = on;
  return i16(cpu) && i16(idx) && i16(state) && i16(ret) && i16(on);
}

/**
 * Packs a `tick` event's fields but its time into `slot`, its names given as their ids in the
 * ring's {@linkcode TraceNames}; false when a value does not fit (the caller keeps the object).
 *
 * @example
 * ```ts
 * import { columns, packTick, unpackEvent } from "./trace_columns.ts";
 * import { TraceNames } from "./trace_names.ts";
 * import assert from "node:assert/strict";
 * const c = columns(2), names = new TraceNames();
 * const device = names.id("Hyper-V clockevent"), handler = names.id("hrtimer_interrupt");
 * assert.equal(packTick(c, 0, 3, device, handler), true);
 * assert.deepEqual(unpackEvent(c, names, 0, 9), {
 *   type: "tick", time: 9, cpu: 3, device: "Hyper-V clockevent", handler: "hrtimer_interrupt",
 * });
 * assert.equal(packTick(c, 1, 70000, device, handler), false);
 * ```
 */
export function packTick(
  c: Columns,
  slot: number,
  cpu: number,
  device: number,
  handler: number,
): boolean {
  c.kind[slot] = TICK;
  c.cpu[slot] = cpu;
  c.s[slot] = device;
  c.a[slot] = handler;
  return device !== NONE && handler !== NONE && i16(cpu);
}

/**
 * Makes the `cpuhp_enter` packed in `slot` the {@linkcode PAIR} of it and a `cpuhp_exit` at the
 * same time with these fields; false, changing nothing, when they are not its exit as a pair
 * keeps it (another CPU, state or `on`, `ret` not 0, a `state` other than `idx` or `idx - 1`).
 *
 * @example
 * ```ts
 * import { columns, packEnter, pairExit, pairEventsTo } from "./trace_columns.ts";
 * import { TraceNames } from "./trace_names.ts";
 * import type { TraceEvent } from "./trace.ts";
 * import assert from "node:assert/strict";
 * const c = columns(1), names = new TraceNames();
 * packEnter(c, names, 0, 1, 0, 177, "hv_synic_cleanup", 1, false);
 * assert.equal(pairExit(c, 0, 1, 176, 177, -16, 1), false);
 * assert.equal(pairExit(c, 0, 1, 176, 177, 0, 1), true);
 * const out: TraceEvent[] = [];
 * pairEventsTo(out, c, names, 0, 9, 0);
 * assert.deepEqual(out, [
 *   { type: "cpuhp_enter", time: 9, cpu: 1, target: 0, idx: 177, fun: "hv_synic_cleanup", on: 1 },
 *   { type: "cpuhp_exit", time: 9, cpu: 1, state: 176, idx: 177, ret: 0, on: 1 },
 * ]);
 * ```
 */
export function pairExit(
  c: Columns,
  slot: number,
  cpu: number,
  state: number,
  idx: number,
  ret: number,
  on: number,
): boolean {
  const kind = c.kind[slot];
  if (
    (kind & ~MULTI) !== ENTER || ret !== 0 || signed(c.cpu[slot]) !== cpu ||
    signed(c.a[slot]) !== idx || signed(c.c[slot]) !== on || (state !== idx && state !== idx - 1)
  ) return false;
  c.kind[slot] = (kind & MULTI) | PAIR | (state === idx ? 0 : BELOW);
  return true;
}

/**
 * Appends to `out` the events of the {@linkcode PAIR} in `slot` written at `time`, from its
 * `from`-th on (0: both; 1: the exit), as fresh objects.
 */
export function pairEventsTo(
  out: TraceEvent[],
  c: Columns,
  names: TraceNames,
  slot: number,
  time: number,
  from: number,
): void {
  const flags = c.kind[slot];
  const cpu = signed(c.cpu[slot]), idx = signed(c.a[slot]), on = signed(c.c[slot]);
  if (from === 0) {
    const fun = names.list[c.s[slot]];
    out.push(cpuhpEnterEvent(time, cpu, signed(c.b[slot]), idx, fun, on, (flags & MULTI) !== 0));
  }
  const state = (flags & BELOW) !== 0 ? idx - 1 : idx;
  out.push({ type: "cpuhp_exit", time, cpu, state, idx, ret: 0, on });
}

// Stores name `s`'s id in `col[slot]`; false when the name table is full.
function putName(names: TraceNames, col: Uint16Array, slot: number, s: string): boolean {
  const id = names.id(s);
  col[slot] = id;
  return id !== NONE;
}

/**
 * Packs `e` but its time into `slot`; false when a value does not fit (the caller keeps the
 * object). {@linkcode unpackEvent} gives it back.
 *
 * @example
 * ```ts
 * import { columns, packEvent, unpackEvent } from "./trace_columns.ts";
 * import { TraceNames } from "./trace_names.ts";
 * import assert from "node:assert/strict";
 * const c = columns(4), names = new TraceNames();
 * const e = { type: "tick_setup_device", time: 7, cpu: 1, device: "lapic", previous: undefined } as const;
 * assert.equal(packEvent(c, names, 2, e), true);
 * assert.deepEqual(unpackEvent(c, names, 2, 7), e);
 * assert.equal("previous" in unpackEvent(c, names, 2, 7), true);
 * assert.equal(packEvent(c, names, 3, { ...e, cpu: 70000 }), false);
 * ```
 */
export function packEvent(c: Columns, names: TraceNames, slot: number, e: TraceEvent): boolean {
  let kind = KIND.get(e.type)!;
  c.cpu[slot] = e.cpu;
  let fits = i16(e.cpu);
  switch (e.type) {
    case "cpuhp_enter":
      return packEnter(c, names, slot, e.cpu, e.target, e.idx, e.fun, e.on, e.multi === true);
    case "cpuhp_exit":
      return packExit(c, slot, e.cpu, e.state, e.idx, e.ret, e.on);
    case "tick":
      return packTick(c, slot, e.cpu, names.id(e.device), names.id(e.handler));
    case "tick_do_timer":
      fits &&= i16(e.from) && i16(e.to);
      c.a[slot] = e.from;
      c.b[slot] = e.to;
      break;
    case "hang":
      fits &&= i16(e.idx) && putName(names, c.s, slot, e.reason);
      c.a[slot] = e.idx;
      break;
    default:
      // A clockevent event: its optional keys as its emitter wrote them (present or absent).
      fits &&= putName(names, c.s, slot, e.device);
      if ("previous" in e) {
        kind |= PREVIOUS;
        if (e.previous === undefined) c.a[slot] = NONE;
        else fits &&= putName(names, c.a, slot, e.previous);
      }
      if ("ret" in e) {
        kind |= RET;
        fits &&= e.ret !== undefined && i16(e.ret);
        c.c[slot] = e.ret ?? 0;
      }
  }
  c.kind[slot] = kind;
  return fits;
}

/**
 * The event packed in `slot`, at `time`, with its keys in the order its emitter wrote them (see
 * {@linkcode packEvent}).
 */
export function unpackEvent(c: Columns, names: TraceNames, slot: number, time: number): TraceEvent {
  const kind = c.kind[slot] & KIND_BITS, flags = c.kind[slot];
  const cpu = signed(c.cpu[slot]);
  const list = names.list;
  switch (kind) {
    case ENTER:
      return cpuhpEnterEvent(
        time,
        cpu,
        signed(c.b[slot]),
        signed(c.a[slot]),
        list[c.s[slot]],
        signed(c.c[slot]),
        (flags & MULTI) !== 0,
      );
    case EXIT:
      return {
        type: "cpuhp_exit",
        time,
        cpu,
        state: signed(c.b[slot]),
        idx: signed(c.a[slot]),
        ret: signed(c.c[slot]),
        on: signed(c.s[slot]),
      };
    case TICK:
      return { type: "tick", time, cpu, device: list[c.s[slot]], handler: list[c.a[slot]] };
    case DO_TIMER:
      return { type: "tick_do_timer", time, cpu, from: signed(c.a[slot]), to: signed(c.b[slot]) };
    case HANG:
      return { type: "hang", time, cpu, idx: signed(c.a[slot]), reason: list[c.s[slot]] };
    default: {
      const e: Record<string, unknown> = { type: TYPES[kind], time, cpu, device: list[c.s[slot]] };
      if (flags & PREVIOUS) e.previous = c.a[slot] === NONE ? undefined : list[c.a[slot]];
      if (flags & RET) e.ret = signed(c.c[slot]);
      return e as unknown as TraceEvent;
    }
  }
}
