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

import { cpuhpEnterEvent, type TraceEvent } from "./trace.ts";
import { NONE, TraceNames } from "./trace_names.ts";
import {
  type Columns,
  columns,
  ENTER,
  EXIT,
  i16,
  packEnter,
  packEvent,
  packExit,
  unpackEvent,
} from "./trace_columns.ts";

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
  // The oldest events: plain ones (shared, never changed), or a ring that no longer changes (a
  // branch's, see `branch()`); `#baseLen` is how many it holds, `#baseStart` how many are dropped.
  #base: readonly TraceEvent[] | TraceRing;
  #baseLen: number;
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
  constructor(base: readonly TraceEvent[] | TraceRing = [], max = Number.MAX_SAFE_INTEGER) {
    this.#base = base;
    this.#baseLen = base.length;
    this.#max = max;
  }

  /**
   * A ring that starts with this one's events and packs its own after them: this one becomes its
   * base, shared, so it must not change from then on (nothing is copied: a replay of a stopped walk
   * goes on from the trace before its operation this way, lib/api/run_until.ts). The name table is
   * shared too (it only appends; its ids never change).
   *
   * @example
   * ```ts
   * import { TraceRing } from "./trace_ring.ts";
   * import assert from "node:assert/strict";
   * const ring = new TraceRing([{ type: "tick_do_timer", time: 1, cpu: 0, from: -2, to: 0 }]);
   * ring.push({ type: "tick", time: 2, cpu: 1, device: "Hyper-V clockevent", handler: "f" });
   * const branch = ring.branch();
   * branch.push({ type: "tick", time: 3, cpu: 1, device: "Hyper-V clockevent", handler: "f" });
   * assert.equal(branch.dropOldest(1), 1);
   * assert.deepEqual(branch.events(0).map((e) => e.time), [2, 3]);
   * assert.deepEqual(branch.events(1).map((e) => e.time), [3]);
   * assert.equal(ring.length, 2);
   * ```
   */
  branch(): TraceRing {
    const out = new TraceRing(this, this.#max);
    out.#names = this.#names;
    return out;
  }

  /** How many events it holds. */
  get length(): number {
    return this.#baseLen - this.#baseStart + this.#count;
  }

  /** Appends `e` as the newest event (the ring must hold fewer than `max` packed). */
  push(e: TraceEvent): void {
    const slot = this.#next();
    if (this.#time(slot, e.time) && packEvent(this.#cols, this.#names, slot, e)) {
      this.#loose?.delete(slot);
    } else this.#keepLoose(slot, e);
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
    if (
      this.#time(slot, time) &&
      packEnter(this.#cols, this.#names, slot, cpu, target, idx, fun, on, multi)
    ) {
      this.#loose?.delete(slot);
    } else this.#keepLoose(slot, cpuhpEnterEvent(time, cpu, target, idx, fun, on, multi));
  }

  /**
   * Appends a `cpuhp_exit` event from its fields, as {@linkcode TraceRing.push} of
   * `{ type, time, cpu, state, idx, ret, on }` would.
   */
  pushExit(time: number, cpu: number, state: number, idx: number, ret: number, on: number): void {
    const slot = this.#next();
    if (this.#time(slot, time) && packExit(this.#cols, slot, cpu, state, idx, ret, on)) {
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
    // The wrap as a subtraction made every call (of 0 until the ring wraps), not one first made
    // when it first wraps: optimised code that never saw it would deoptimise there (--trace-deopt:
    // "Insufficient type feedback for binary operation") and stay off TurboFan for thousands of calls.
    const end = this.#head + count;
    const slot = end - (end >= cap ? cap : 0);
    const next = slot + 1 - (slot + 1 >= cap ? cap : 0);
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
    // The wrap made every call, as in pushEnterExit().
    return slot - (slot >= cap ? cap : 0);
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

  /** Drops the oldest `n` events (at most all); returns how many it dropped. */
  dropOldest(n: number): number {
    const fromBase = Math.min(n, this.#baseLen - this.#baseStart);
    this.#baseStart += fromBase;
    if (this.#baseStart === this.#baseLen) {
      this.#base = [];
      this.#baseLen = 0;
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
    return TraceRing.#eventsOf(this, from);
  }

  // `top.events(from)`: the rings down to plain events, each with the place its own events start
  // from (a loop, not a recursion: a long session stacks one branch per stopped walk until its base
  // drops).
  static #eventsOf(top: TraceRing, from: number): TraceEvent[] {
    const rings: TraceRing[] = [];
    const froms: number[] = [];
    let ring = top;
    for (;;) {
      rings.push(ring);
      froms.push(from);
      from = ring.#baseStart + Math.min(from, ring.#baseLen - ring.#baseStart);
      const base = ring.#base;
      if (!(base instanceof TraceRing)) break;
      ring = base;
    }
    const out: TraceEvent[] = [];
    const plain = ring.#base as readonly TraceEvent[];
    for (let i = from; i < plain.length; i++) out.push(plain[i]);
    for (let i = rings.length - 1; i >= 0; i--) rings[i].#packedTo(out, froms[i]);
    return out;
  }

  // Appends the packed events from the `from`-th oldest of the ring on to `out`.
  #packedTo(out: TraceEvent[], from: number): void {
    const baseLeft = this.#baseLen - this.#baseStart;
    const cap = this.#cols.dt.length;
    const first = Math.max(0, from - baseLeft);
    let time = this.#headTime;
    for (let i = 0; i < this.#count; i++) {
      const slot = (this.#head + i) % cap;
      if (i > 0) time = this.#timeAt(slot, time);
      if (i >= first) out.push(this.#unpack(slot, time));
    }
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

  // The event in `slot`, at `time` (the object kept when it did not pack).
  #unpack(slot: number, time: number): TraceEvent {
    return this.#loose?.get(slot) ?? unpackEvent(this.#cols, this.#names, slot, time);
  }
}
