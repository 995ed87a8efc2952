/**
 * The trace buffer as the running kernel holds it: events packed into parallel typed arrays, names
 * interned, materialised into {@linkcode TraceEvent} objects only when read (`trace`, a snapshot,
 * a hibernation image). A booted 2048-vCPU machine keeps 40,960 events; as objects they were two
 * thirds of its heap and most of a hotplug walk's garbage-collection time (each kept event is
 * promoted out of the young generation). The machine value (a snapshot) still holds plain events:
 * the ring starts from those (`base`, shared, never changed) and packs what the model emits after,
 * 15 bytes an event: its time as the difference from the event before (a ring is written in time
 * order), summed back in order when read.
 *
 * @module
 */

import { cpuhpEnterEvent, TRACE_EVENT_TYPES, type TraceEvent } from "./trace.ts";
import { NONE, TraceNames } from "./trace_names.ts";

// Event kinds: an event type's index in the one list of them (what `trace --type` takes).
const TYPES = TRACE_EVENT_TYPES;
const KIND = new Map<string, number>(TYPES.map((t, i) => [t, i]));
const ENTER = KIND.get("cpuhp_enter")!, EXIT = KIND.get("cpuhp_exit")!, TICK = KIND.get("tick")!;
const DO_TIMER = KIND.get("tick_do_timer")!, HANG = KIND.get("hang")!;
// Flags, above the kind's bits: cpuhp_enter's `multi`; a clockevent event's `previous` and `ret`
// keys (present, even when `previous` is undefined: tick_setup_device of a CPU that had no device).
const KIND_BITS = 0x1f, MULTI = 0x20, PREVIOUS = 0x40, RET = 0x80;
if (TYPES.length > KIND_BITS + 1) {
  throw new Error("internal: trace event kinds past the ring's bits");
}

/**
 * Columns of one packed event, 15 bytes; every small field a 16-bit column (a signed value kept as
 * its low 16 bits and read back sign-extended, a name as its interned id). What `a`, `b`, `c`, `s`
 * hold depends on the kind: cpuhp_enter idx, target, on, fun; cpuhp_exit idx, state, ret, on; tick
 * handler, -, -, device; tick_do_timer from, to; hang idx, -, -, reason; a clockevent event
 * previous (NONE: undefined), -, ret, device.
 */
interface Columns {
  /** Time minus the time of the newest event before it (the oldest's time is `#headTime`). */
  dt: Int32Array;
  /** Kind (low bits) and flags. */
  kind: Uint8Array;
  cpu: Uint16Array;
  a: Uint16Array;
  b: Uint16Array;
  c: Uint16Array;
  s: Uint16Array;
}

function columns(n: number): Columns {
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

// A 16-bit column's value read back as the signed number it was.
const signed = (v: number): number => (v << 16) >> 16;

// Whether `v` fits a 16-bit column exactly (a model event's values always do: CPU and state
// numbers, errnos; anything else is kept as an object).
const i16 = (v: number): boolean => (v << 16) >> 16 === v;

/**
 * The newest trace events, packed: `base` (plain events the ring started from, shared) followed
 * by the packed ones, oldest first; `push` keeps `emit()`'s ring (lib/engine/log.ts).
 *
 * @example
 * ```ts
 * import { TraceRing } from "./trace_ring.ts";
 * import assert from "node:assert/strict";
 * const ring = new TraceRing([{ type: "tick_do_timer", time: 1, cpu: 0, from: -2, to: 0 }]);
 * ring.push({ type: "tick", time: 2, cpu: 1, device: "Hyper-V clockevent", handler: "f" });
 * assert.equal(ring.length, 2);
 * assert.deepEqual(ring.events(0).map((e) => e.time), [1, 2]);
 * assert.equal(ring.dropOldest(1), 1);
 * assert.deepEqual(ring.events(0), [
 *   { type: "tick", time: 2, cpu: 1, device: "Hyper-V clockevent", handler: "f" },
 * ]);
 * ```
 */
export class TraceRing {
  #base: readonly TraceEvent[];
  #baseStart = 0;
  #cols: Columns = columns(0);
  // Packed events: slots head .. head+count-1 (mod capacity).
  #head = 0;
  #count = 0;
  // The time of the oldest packed event, and of the newest (what the next event's `dt` is from).
  #headTime = 0;
  #lastTime = 0;
  // Events that do not pack (a value outside a column's range), by slot.
  #loose: Map<number, TraceEvent> | null = null;
  #names = new TraceNames();

  #max: number;

  /**
   * A ring holding `base` (not copied: it must not change) that packs at most `max` events (its
   * columns grow to that as events come).
   */
  constructor(base: readonly TraceEvent[] = [], max = Number.MAX_SAFE_INTEGER) {
    this.#base = base;
    this.#max = max;
  }

  /** How many events it holds. */
  get length(): number {
    return this.#base.length - this.#baseStart + this.#count;
  }

  /** Appends `e` as the newest event (the ring must hold fewer than `max` packed). */
  push(e: TraceEvent): void {
    const slot = this.#next();
    if (this.#time(slot, e.time) && this.#pack(slot, e)) this.#loose?.delete(slot);
    else this.#keepLoose(slot, e);
  }

  /**
   * Appends a `cpuhp_enter` event from its fields, as {@linkcode TraceRing.push} of
   * `{ type, time, cpu, target, idx, fun, on }` (and `multi: true` when `multi`) would, without
   * the object (a hotplug walk's hot path).
   */
  pushEnter(
    time: number,
    cpu: number,
    target: number,
    idx: number,
    fun: string,
    on: number,
    multi: boolean,
  ): void {
    const slot = this.#next();
    if (this.#time(slot, time) && this.#enter(slot, cpu, target, idx, fun, on, multi)) {
      this.#loose?.delete(slot);
    } else this.#keepLoose(slot, cpuhpEnterEvent(time, cpu, target, idx, fun, on, multi));
  }

  /**
   * Appends a `cpuhp_exit` event from its fields, as {@linkcode TraceRing.push} of
   * `{ type, time, cpu, state, idx, ret, on }` would.
   */
  pushExit(time: number, cpu: number, state: number, idx: number, ret: number, on: number): void {
    const slot = this.#next();
    if (this.#time(slot, time) && this.#exit(slot, cpu, state, idx, ret, on)) {
      this.#loose?.delete(slot);
    } else this.#keepLoose(slot, { type: "cpuhp_exit", time, cpu, state, idx, ret, on });
  }

  /**
   * Appends the `cpuhp_enter` and `cpuhp_exit` of a callback that ran nothing and returned 0, at
   * one time: what {@linkcode TraceRing.pushEnter} (not multi) then {@linkcode TraceRing.pushExit}
   * with `ret` 0 append, written together (most of a hotplug walk's events are such pairs).
   */
  pushEnterExit(
    time: number,
    cpu: number,
    target: number,
    idx: number,
    fun: string,
    on: number,
    state: number,
  ): void {
    const c = this.#cols;
    const cap = c.dt.length;
    const count = this.#count;
    const dt = time - this.#lastTime;
    const id = count === 0 || count + 2 > cap ? NONE : this.#names.idAt(idx, fun);
    // Anything the columns cannot give back exactly (or the first event, or a full ring) goes one
    // event at a time.
    if (
      id === NONE || (dt | 0) !== dt || this.#lastTime + dt !== time || !i16(cpu) || !i16(idx) ||
      !i16(target) || !i16(on) || !i16(state)
    ) {
      this.pushEnter(time, cpu, target, idx, fun, on, false);
      this.pushExit(time, cpu, state, idx, 0, on);
      return;
    }
    let slot = this.#head + count;
    if (slot >= cap) slot -= cap;
    let next = slot + 1;
    if (next >= cap) next -= cap;
    this.#count = count + 2;
    this.#lastTime = time;
    if (this.#loose) {
      this.#loose.delete(slot);
      this.#loose.delete(next);
    }
    c.dt[slot] = dt;
    c.kind[slot] = ENTER;
    c.cpu[slot] = cpu;
    c.a[slot] = idx;
    c.b[slot] = target;
    c.c[slot] = on;
    c.s[slot] = id;
    c.dt[next] = 0;
    c.kind[next] = EXIT;
    c.cpu[next] = cpu;
    c.a[next] = idx;
    c.b[next] = state;
    c.c[next] = 0;
    c.s[next] = on;
  }

  // The slot of a new newest event (the columns grown when full).
  #next(): number {
    let cap = this.#cols.dt.length;
    if (this.#count === cap) {
      if (cap >= this.#max) throw new Error(`internal: trace ring past ${this.#max} events`);
      this.#grow();
      cap = this.#cols.dt.length;
    }
    const slot = this.#head + this.#count;
    this.#count++;
    return slot >= cap ? slot - cap : slot;
  }

  // Stores `time` in `slot` as the difference from the newest event before it; false when that
  // does not give `time` back exactly (the event is then kept as an object, with its own time).
  #time(slot: number, time: number): boolean {
    const last = this.#lastTime;
    this.#lastTime = time;
    // The only event: the oldest, whose time is `#headTime` (its `dt` is never read).
    if (this.#count === 1) {
      this.#headTime = time;
      return true;
    }
    const dt = time - last;
    this.#cols.dt[slot] = dt;
    return (dt | 0) === dt && last + dt === time;
  }

  // Keeps `e`, which does not pack, as the object in `slot`.
  #keepLoose(slot: number, e: TraceEvent): void {
    (this.#loose ??= new Map()).set(slot, e);
  }

  #enter(
    slot: number,
    cpu: number,
    target: number,
    idx: number,
    fun: string,
    on: number,
    multi: boolean,
  ): boolean {
    const c = this.#cols;
    c.kind[slot] = multi ? ENTER | MULTI : ENTER;
    c.cpu[slot] = cpu;
    c.a[slot] = idx;
    c.b[slot] = target;
    c.c[slot] = on;
    const id = this.#names.idAt(idx, fun);
    c.s[slot] = id;
    return id !== NONE && i16(cpu) && i16(idx) && i16(target) && i16(on);
  }

  #exit(slot: number, cpu: number, state: number, idx: number, ret: number, on: number): boolean {
    const c = this.#cols;
    c.kind[slot] = EXIT;
    c.cpu[slot] = cpu;
    c.a[slot] = idx;
    c.b[slot] = state;
    c.c[slot] = ret;
    c.s[slot] = on;
    return i16(cpu) && i16(idx) && i16(state) && i16(ret) && i16(on);
  }

  /** Drops the oldest `n` events (at most all); returns how many it dropped. */
  dropOldest(n: number): number {
    const fromBase = Math.min(n, this.#base.length - this.#baseStart);
    this.#baseStart += fromBase;
    if (this.#baseStart === this.#base.length) {
      this.#base = [];
      this.#baseStart = 0;
    }
    const fromPacked = Math.min(n - fromBase, this.#count);
    if (fromPacked > 0) {
      const cap = this.#cols.dt.length;
      // The new oldest event's time, summed from the old one's (before its slots are let go).
      const loose = this.#loose;
      if (fromPacked < this.#count) {
        let time = this.#headTime;
        if (loose === null || loose.size === 0) {
          // No event kept as an object: the differences alone, summed in the same order, in the
          // two runs of slots either side of the wrap (a drop is a quarter of the ring).
          const dt = this.#cols.dt;
          const first = this.#head + 1, last = this.#head + fromPacked;
          for (let slot = first, end = Math.min(last, cap - 1); slot <= end; slot++) {
            time += dt[slot];
          }
          for (let slot = Math.max(first, cap) - cap; slot <= last - cap; slot++) time += dt[slot];
        } else {
          for (let i = 1; i <= fromPacked; i++) time = this.#timeAt((this.#head + i) % cap, time);
        }
        this.#headTime = time;
      }
      for (let i = 0; loose && i < fromPacked; i++) loose.delete((this.#head + i) % cap);
      this.#head = (this.#head + fromPacked) % cap;
      this.#count -= fromPacked;
    }
    return fromBase + fromPacked;
  }

  // The time of the event in `slot`, the event before it being at `previous`.
  #timeAt(slot: number, previous: number): number {
    const loose = this.#loose?.get(slot);
    return loose ? loose.time : previous + this.#cols.dt[slot];
  }

  /** The events from the `from`-th oldest on, as fresh plain objects (base events are shared). */
  events(from: number): TraceEvent[] {
    const out: TraceEvent[] = [];
    const baseLeft = this.#base.length - this.#baseStart;
    for (let i = this.#baseStart + Math.min(from, baseLeft); i < this.#base.length; i++) {
      out.push(this.#base[i]);
    }
    const cap = this.#cols.dt.length;
    const first = Math.max(0, from - baseLeft);
    let time = this.#headTime;
    for (let i = 0; i < this.#count; i++) {
      const slot = (this.#head + i) % cap;
      if (i > 0) time = this.#timeAt(slot, time);
      if (i >= first) out.push(this.#unpack(slot, time));
    }
    return out;
  }

  #grow(): void {
    const old = this.#cols;
    const cap = old.dt.length;
    const next = columns(Math.min(this.#max, Math.max(64, cap * 2)));
    const loose = this.#loose;
    this.#loose = null;
    // Oldest first from slot 0: the wrapped tail, then the head.
    const tail = Math.min(this.#count, cap - this.#head);
    for (const key of Object.keys(old) as (keyof Columns)[]) {
      const from = old[key], to = next[key];
      to.set(from.subarray(this.#head, this.#head + tail) as never);
      to.set(from.subarray(0, this.#count - tail) as never, tail);
    }
    if (loose) {
      this.#loose = new Map();
      for (let i = 0; i < this.#count; i++) {
        const e = loose.get((this.#head + i) % cap);
        if (e) this.#loose.set(i, e);
      }
    }
    this.#cols = next;
    this.#head = 0;
  }

  // Stores name `s`'s id in `col[slot]`; false when the name table is full.
  #putName(col: Uint16Array, slot: number, s: string): boolean {
    const id = this.#names.id(s);
    col[slot] = id;
    return id !== NONE;
  }

  // Packs `e` but its time into `slot`; false when a value does not fit (the caller keeps the object).
  #pack(slot: number, e: TraceEvent): boolean {
    const c = this.#cols;
    let kind = KIND.get(e.type)!;
    c.cpu[slot] = e.cpu;
    let fits = i16(e.cpu);
    switch (e.type) {
      case "cpuhp_enter":
        return this.#enter(slot, e.cpu, e.target, e.idx, e.fun, e.on, e.multi === true);
      case "cpuhp_exit":
        return this.#exit(slot, e.cpu, e.state, e.idx, e.ret, e.on);
      case "tick":
        fits &&= this.#putName(c.s, slot, e.device) && this.#putName(c.a, slot, e.handler);
        break;
      case "tick_do_timer":
        fits &&= i16(e.from) && i16(e.to);
        c.a[slot] = e.from;
        c.b[slot] = e.to;
        break;
      case "hang":
        fits &&= i16(e.idx) && this.#putName(c.s, slot, e.reason);
        c.a[slot] = e.idx;
        break;
      default:
        // A clockevent event: its optional keys as its emitter wrote them (present or absent).
        fits &&= this.#putName(c.s, slot, e.device);
        if ("previous" in e) {
          kind |= PREVIOUS;
          if (e.previous === undefined) c.a[slot] = NONE;
          else fits &&= this.#putName(c.a, slot, e.previous);
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

  // The event in `slot`, at `time`, with its keys in the order its emitter wrote them.
  #unpack(slot: number, time: number): TraceEvent {
    const loose = this.#loose?.get(slot);
    if (loose) return loose;
    const c = this.#cols;
    const kind = c.kind[slot] & KIND_BITS, flags = c.kind[slot];
    const cpu = signed(c.cpu[slot]);
    const names = this.#names.list;
    switch (kind) {
      case ENTER:
        return cpuhpEnterEvent(
          time,
          cpu,
          signed(c.b[slot]),
          signed(c.a[slot]),
          names[c.s[slot]],
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
        return { type: "tick", time, cpu, device: names[c.s[slot]], handler: names[c.a[slot]] };
      case DO_TIMER:
        return { type: "tick_do_timer", time, cpu, from: signed(c.a[slot]), to: signed(c.b[slot]) };
      case HANG:
        return { type: "hang", time, cpu, idx: signed(c.a[slot]), reason: names[c.s[slot]] };
      default: {
        const e: Record<string, unknown> = {
          type: TYPES[kind],
          time,
          cpu,
          device: names[c.s[slot]],
        };
        if (flags & PREVIOUS) e.previous = c.a[slot] === NONE ? undefined : names[c.a[slot]];
        if (flags & RET) e.ret = signed(c.c[slot]);
        return e as unknown as TraceEvent;
      }
    }
  }
}
