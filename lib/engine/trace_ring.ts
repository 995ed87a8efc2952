/**
 * The trace buffer as the running kernel holds it: events packed into parallel typed arrays, names
 * interned, materialised into {@linkcode TraceEvent} objects only when read (`trace`, a snapshot,
 * a hibernation image). A booted 2048-vCPU machine keeps 40,960 events; as objects they were two
 * thirds of its heap and most of a hotplug walk's garbage-collection time (each kept event is
 * promoted out of the young generation). The machine value (a snapshot) still holds plain events:
 * the ring starts from those (`base`, shared, never changed) and packs what the model emits after.
 *
 * @module
 */

import { cpuhpEnterEvent, TRACE_EVENT_TYPES, type TraceEvent } from "./trace.ts";

// Event kinds: an event type's index in the one list of them (what `trace --type` takes).
const TYPES = TRACE_EVENT_TYPES;
const KIND = new Map<string, number>(TYPES.map((t, i) => [t, i]));
const ENTER = KIND.get("cpuhp_enter")!, EXIT = KIND.get("cpuhp_exit")!, TICK = KIND.get("tick")!;
const DO_TIMER = KIND.get("tick_do_timer")!, HANG = KIND.get("hang")!;
// Flags: cpuhp_enter's `multi`; a clockevent event's `previous` and `ret` keys (present, even
// when `previous` is undefined: tick_setup_device of a CPU that had no device).
const MULTI = 1, PREVIOUS = 2, RET = 4;

/** Columns of one packed event (what each holds depends on its kind). */
interface Columns {
  time: Float64Array;
  kind: Uint8Array;
  flags: Uint8Array;
  cpu: Int16Array;
  /** cpuhp: idx; tick_do_timer: from; hang: idx. */
  a: Int16Array;
  /** cpuhp_enter: target; cpuhp_exit: state; tick_do_timer: to. */
  b: Int16Array;
  /** cpuhp_enter: on; cpuhp_exit: ret; clockevent: ret. */
  c: Int32Array;
  /** cpuhp_exit: on. */
  d: Int16Array;
  /** Interned: cpuhp_enter's fun, a clockevent's or tick's device, a hang's reason. */
  s1: Uint16Array;
  /** Interned: a clockevent's previous device (NONE: undefined), a tick's handler. */
  s2: Uint16Array;
}

function columns(n: number): Columns {
  return {
    time: new Float64Array(n),
    kind: new Uint8Array(n),
    flags: new Uint8Array(n),
    cpu: new Int16Array(n),
    a: new Int16Array(n),
    b: new Int16Array(n),
    c: new Int32Array(n),
    d: new Int16Array(n),
    s1: new Uint16Array(n),
    s2: new Uint16Array(n),
  };
}

// Whether `v` fits an Int16 / Int32 column exactly (a model event's values always do: CPU and
// state numbers, errnos; anything else is kept as an object).
const i16 = (v: number): boolean => (v << 16) >> 16 === v;
const i32 = (v: number): boolean => (v | 0) === v;

// The interned-name id of an absent `previous` (and the first id that does not fit).
const NONE = 0xffff;

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
  // Events that do not pack (a value outside a column's range), by slot.
  #loose: Map<number, TraceEvent> | null = null;
  #names: string[] = [];
  #ids = new Map<string, number>();

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
    if (!this.#pack(slot, e)) (this.#loose ??= new Map()).set(slot, e);
    else this.#loose?.delete(slot);
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
    if (this.#enter(slot, time, cpu, target, idx, fun, on, multi)) this.#loose?.delete(slot);
    else {
      const e = cpuhpEnterEvent(time, cpu, target, idx, fun, on, multi);
      (this.#loose ??= new Map()).set(slot, e);
    }
  }

  /**
   * Appends a `cpuhp_exit` event from its fields, as {@linkcode TraceRing.push} of
   * `{ type, time, cpu, state, idx, ret, on }` would.
   */
  pushExit(time: number, cpu: number, state: number, idx: number, ret: number, on: number): void {
    const slot = this.#next();
    if (this.#exit(slot, time, cpu, state, idx, ret, on)) this.#loose?.delete(slot);
    else {
      const e = { type: "cpuhp_exit" as const, time, cpu, state, idx, ret, on };
      (this.#loose ??= new Map()).set(slot, e);
    }
  }

  // The slot of a new newest event (the columns grown when full).
  #next(): number {
    let cap = this.#cols.time.length;
    if (this.#count === cap) {
      if (cap >= this.#max) throw new Error(`internal: trace ring past ${this.#max} events`);
      this.#grow();
      cap = this.#cols.time.length;
    }
    const slot = this.#head + this.#count;
    this.#count++;
    return slot >= cap ? slot - cap : slot;
  }

  #enter(
    slot: number,
    time: number,
    cpu: number,
    target: number,
    idx: number,
    fun: string,
    on: number,
    multi: boolean,
  ): boolean {
    const c = this.#cols;
    c.time[slot] = time;
    c.kind[slot] = ENTER;
    c.flags[slot] = multi ? MULTI : 0;
    c.cpu[slot] = cpu;
    c.a[slot] = idx;
    c.b[slot] = target;
    c.c[slot] = on;
    return this.#putName(c.s1, slot, fun) && c.time[slot] === time && i16(cpu) && i16(idx) &&
      i16(target) && i32(on);
  }

  #exit(
    slot: number,
    time: number,
    cpu: number,
    state: number,
    idx: number,
    ret: number,
    on: number,
  ): boolean {
    const c = this.#cols;
    c.time[slot] = time;
    c.kind[slot] = EXIT;
    c.flags[slot] = 0;
    c.cpu[slot] = cpu;
    c.a[slot] = idx;
    c.b[slot] = state;
    c.c[slot] = ret;
    c.d[slot] = on;
    return c.time[slot] === time && i16(cpu) && i16(idx) && i16(state) && i32(ret) && i16(on);
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
    const cap = this.#cols.time.length;
    if (this.#loose) {
      for (let i = 0; i < fromPacked; i++) this.#loose.delete((this.#head + i) % cap);
    }
    if (fromPacked > 0) this.#head = (this.#head + fromPacked) % cap;
    this.#count -= fromPacked;
    return fromBase + fromPacked;
  }

  /** The events from the `from`-th oldest on, as fresh plain objects (base events are shared). */
  events(from: number): TraceEvent[] {
    const out: TraceEvent[] = [];
    const baseLeft = this.#base.length - this.#baseStart;
    for (let i = this.#baseStart + Math.min(from, baseLeft); i < this.#base.length; i++) {
      out.push(this.#base[i]);
    }
    const cap = this.#cols.time.length;
    for (let i = Math.max(0, from - baseLeft); i < this.#count; i++) {
      out.push(this.#unpack((this.#head + i) % cap));
    }
    return out;
  }

  #grow(): void {
    const old = this.#cols;
    const cap = old.time.length;
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
    const id = this.#name(s);
    col[slot] = id;
    return id !== NONE;
  }

  // The id of name `s` (NONE and above do not fit a name column: such an event stays an object).
  #name(s: string): number {
    let id = this.#ids.get(s);
    if (id === undefined) {
      if (this.#names.length >= NONE) return NONE;
      id = this.#names.length;
      this.#names.push(s);
      this.#ids.set(s, id);
    }
    return id;
  }

  // Packs `e` into `slot`; false when a value does not fit (the caller keeps the object).
  #pack(slot: number, e: TraceEvent): boolean {
    const c = this.#cols;
    c.time[slot] = e.time;
    c.kind[slot] = KIND.get(e.type)!;
    c.cpu[slot] = e.cpu;
    let flags = 0;
    let fits = i16(e.cpu) && c.time[slot] === e.time;
    switch (e.type) {
      case "cpuhp_enter":
        return this.#enter(slot, e.time, e.cpu, e.target, e.idx, e.fun, e.on, e.multi === true);
      case "cpuhp_exit":
        return this.#exit(slot, e.time, e.cpu, e.state, e.idx, e.ret, e.on);
      case "tick":
        fits &&= this.#putName(c.s1, slot, e.device) && this.#putName(c.s2, slot, e.handler);
        break;
      case "tick_do_timer":
        fits &&= i16(e.from) && i16(e.to);
        c.a[slot] = e.from;
        c.b[slot] = e.to;
        break;
      case "hang":
        fits &&= i16(e.idx) && this.#putName(c.s1, slot, e.reason);
        c.a[slot] = e.idx;
        break;
      default:
        // A clockevent event: its optional keys as its emitter wrote them (present or absent).
        fits &&= this.#putName(c.s1, slot, e.device);
        if ("previous" in e) {
          flags |= PREVIOUS;
          if (e.previous === undefined) c.s2[slot] = NONE;
          else fits &&= this.#putName(c.s2, slot, e.previous);
        }
        if ("ret" in e) {
          flags |= RET;
          fits &&= e.ret !== undefined && i32(e.ret);
          c.c[slot] = e.ret ?? 0;
        }
    }
    c.flags[slot] = flags;
    return fits;
  }

  // The event in `slot`, with its keys in the order its emitter wrote them.
  #unpack(slot: number): TraceEvent {
    const loose = this.#loose?.get(slot);
    if (loose) return loose;
    const c = this.#cols;
    const kind = c.kind[slot];
    const time = c.time[slot], cpu = c.cpu[slot], flags = c.flags[slot];
    const names = this.#names;
    switch (kind) {
      case ENTER:
        return cpuhpEnterEvent(
          time,
          cpu,
          c.b[slot],
          c.a[slot],
          names[c.s1[slot]],
          c.c[slot],
          (flags & MULTI) !== 0,
        );
      case EXIT:
        return {
          type: "cpuhp_exit",
          time,
          cpu,
          state: c.b[slot],
          idx: c.a[slot],
          ret: c.c[slot],
          on: c.d[slot],
        };
      case TICK:
        return { type: "tick", time, cpu, device: names[c.s1[slot]], handler: names[c.s2[slot]] };
      case DO_TIMER:
        return { type: "tick_do_timer", time, cpu, from: c.a[slot], to: c.b[slot] };
      case HANG:
        return { type: "hang", time, cpu, idx: c.a[slot], reason: names[c.s1[slot]] };
      default: {
        const e: Record<string, unknown> = {
          type: TYPES[kind],
          time,
          cpu,
          device: names[c.s1[slot]],
        };
        if (flags & PREVIOUS) e.previous = c.s2[slot] === NONE ? undefined : names[c.s2[slot]];
        if (flags & RET) e.ret = c.c[slot];
        return e as unknown as TraceEvent;
      }
    }
  }
}
