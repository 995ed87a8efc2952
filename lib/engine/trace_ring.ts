/**
 * The trace buffer as the running kernel holds it: events packed into parallel typed arrays, names
 * interned, materialised into {@linkcode TraceEvent} objects only when read (`trace`, a snapshot,
 * a hibernation image). A booted 2048-vCPU machine keeps 40,960 events; as objects they were two
 * thirds of its heap and most of a hotplug walk's garbage-collection time (each kept event is
 * promoted out of the young generation). The machine value (a snapshot) still holds plain events:
 * the ring starts from those (`base`, shared, never changed) and packs what the model emits after,
 * 15 bytes an event: its time as the difference from the event before (a ring is written in time
 * order), summed back in order when read; a run of quiet hotplug callbacks' pairs is one such
 * record (lib/engine/trace_runs.ts), and so is a callback's enter with the exit right after it.
 *
 * @module
 */

import { cpuhpEnterEvent, type TraceEvent } from "./trace.ts";
import { NONE, TraceNames } from "./trace_names.ts";
import {
  type Columns,
  columns,
  i16,
  packEnter,
  packEvent,
  packExit,
  PAIR,
  pairEventsTo,
  pairExit,
  RUN,
  signed,
  unpackEvent,
} from "./trace_columns.ts";
import { type CpuhpRun, TraceRuns } from "./trace_runs.ts";
import { grownColumns } from "./trace_grow.ts";

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
  // Packed records: slots head .. head+count-1 (mod capacity). A slot is one event, a run of
  // cpuhp pairs (kind RUN, lib/engine/trace_runs.ts) or one pair (PAIR); `#events` is how many
  // events they hold, the oldest slot's first `#headSkip` being dropped (drops are event-exact:
  // a run or pair partly overwritten keeps its newest events).
  #head = 0;
  #count = 0;
  #events = 0;
  #headSkip = 0;
  // The time of the oldest packed event, and of the newest (what the next event's `dt` is from).
  #headTime = 0;
  #lastTime = 0;
  // The newest record's slot when pushEnter() packed it, else -1: pushExit() may make it a PAIR.
  #enterSlot = -1;
  // Events that do not pack (a value outside a column's range), by slot.
  #loose: Map<number, TraceEvent> | null = null;
  #names = new TraceNames();
  #runs = new TraceRuns();

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
    out.#runs = this.#runs;
    return out;
  }

  /** How many events it holds. */
  get length(): number {
    return this.#baseLen - this.#baseStart + this.#events;
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
      this.#enterSlot = slot;
    } else this.#keepLoose(slot, cpuhpEnterEvent(time, cpu, target, idx, fun, on, multi));
  }

  /**
   * Appends a `cpuhp_exit` event from its fields, as {@linkcode TraceRing.push} of
   * `{ type, time, cpu, state, idx, ret, on }` would: into the record of the `cpuhp_enter`
   * {@linkcode TraceRing.pushEnter} appended last when it is its exit at the same time with
   * nothing between them (a callback that ran no event of its own), which then reads back as both.
   */
  pushExit(time: number, cpu: number, state: number, idx: number, ret: number, on: number): void {
    const enter = this.#enterSlot, c = this.#cols;
    this.#enterSlot = -1;
    if (enter >= 0 && time === this.#lastTime && pairExit(c, enter, cpu, state, idx, ret, on)) {
      return void this.#events++;
    }
    const slot = this.#next();
    if (this.#time(slot, time) && packExit(this.#cols, slot, cpu, state, idx, ret, on)) {
      this.#loose?.delete(slot);
    } else this.#keepLoose(slot, { type: "cpuhp_exit", time, cpu, state, idx, ret, on });
  }

  /**
   * Appends the `cpuhp_enter` and `cpuhp_exit` of each callback of `run` (lib/engine/trace_runs.ts)
   * at one time, for `cpu` towards `target` with control CPU `control`, as ONE record: what
   * {@linkcode TraceRing.pushEnter} and {@linkcode TraceRing.pushExit} of each pair in turn
   * append, read back the same. False, appending nothing, when the record cannot give them back
   * exactly (a number past a 16-bit column, a time the ring's difference does not keep, the run
   * table full): the caller then appends the pairs one by one.
   */
  pushRun(time: number, cpu: number, target: number, control: number, run: CpuhpRun): boolean {
    const id = this.#runs.id(run);
    if (id === NONE || !i16(cpu) || !i16(target) || !i16(control)) return false;
    const dt = time - this.#lastTime;
    if (this.#count > 0 && ((dt | 0) !== dt || this.#lastTime + dt !== time)) return false;
    const slot = this.#next();
    this.#time(slot, time);
    this.#loose?.delete(slot);
    const c = this.#cols;
    c.kind[slot] = RUN;
    c.cpu[slot] = cpu;
    c.a[slot] = id;
    c.b[slot] = target;
    c.c[slot] = control;
    // Its size, for a drop (every record passes there); under 1024 events: a pair per state.
    const size = this.#runs.size(id);
    c.s[slot] = size;
    // #next() counted one event.
    this.#events += size - 1;
    return true;
  }

  /**
   * Room for `count` events the caller packs into `columns`, a slot each, at times `first` ..
   * `last`: the first's slot, its `dt` written; the caller writes the rest (the others' `dt`s sum to
   * `last - first` exactly). -1 when they cannot go so (nothing packed yet, an object kept, no
   * room, a `dt` that does not pack): push them (lib/engine/trace_ticks.ts, a run's ticks).
   */
  reserve(count: number, first: number, last: number): number {
    this.#enterSlot = -1;
    const need = this.#count + count;
    while (need > this.#cols.dt.length && this.#cols.dt.length < this.#max) this.#grow();
    const cap = this.#cols.dt.length, end = this.#head + this.#count, dt = first - this.#lastTime;
    if (
      this.#count === 0 || (this.#loose?.size ?? 0) > 0 || need > cap || (dt | 0) !== dt ||
      this.#lastTime + dt !== first
    ) return -1;
    const slot = end - (end >= cap ? cap : 0);
    this.#cols.dt[slot] = dt;
    this.#count = need;
    this.#events += count;
    this.#lastTime = last;
    return slot;
  }

  /** The packed columns (see {@linkcode TraceRing.reserve}). */
  get columns(): Columns {
    return this.#cols;
  }
  /** The id the ring packs name `s` as ({@linkcode NONE}: the name table is full). */
  nameId(s: string): number {
    return this.#names.id(s);
  }

  // How many events the record in `slot` holds (before any of it is dropped).
  #sizeOf(slot: number): number {
    const kind = this.#cols.kind[slot];
    return kind === RUN ? this.#cols.s[slot] : (kind & RUN) === PAIR ? 2 : 1;
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
    this.#events++;
    this.#enterSlot = -1;
    // The wrap as a subtraction made every call (of 0 until the ring wraps), not one first made
    // when it first wraps: optimised code that never saw it would deoptimise there (--trace-deopt:
    // "Insufficient type feedback for binary operation") and stay off TurboFan for thousands of calls.
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

  // Keeps `e`, which does not pack, as the object in `slot` (its kind one event's, not a run's).
  #keepLoose(slot: number, e: TraceEvent): void {
    this.#cols.kind[slot] = 0;
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
    const fromPacked = Math.min(n - fromBase, this.#events);
    if (fromPacked > 0) this.#dropPacked(fromPacked);
    return fromBase + fromPacked;
  }

  // Drops the oldest `n` packed events (1 ≤ n ≤ #events): whole records, then the first events of
  // a run when the drop ends inside it.
  #dropPacked(n: number): void {
    const cap = this.#cols.dt.length;
    const loose = this.#loose !== null && this.#loose.size > 0 ? this.#loose : null;
    if (n === this.#events) {
      for (let i = 0; loose && i < this.#count; i++) loose.delete((this.#head + i) % cap);
      this.#head = (this.#head + this.#count) % cap;
      this.#count = 0;
      this.#events = 0;
      this.#headSkip = 0;
      this.#enterSlot = -1;
      return;
    }
    // The new oldest record's time, summed from the old one's (before their slots are let go).
    const dt = this.#cols.dt;
    let slot = this.#head, time = this.#headTime, skip = this.#headSkip, left = n, slots = 0;
    for (;;) {
      const rest = this.#sizeOf(slot) - skip;
      if (left < rest) {
        skip += left;
        break;
      }
      left -= rest;
      skip = 0;
      loose?.delete(slot);
      slots++;
      slot = slot + 1 === cap ? 0 : slot + 1;
      const kept = loose?.get(slot);
      time = kept ? kept.time : time + dt[slot];
      if (left === 0) break;
    }
    this.#head = slot;
    this.#headTime = time;
    this.#headSkip = skip;
    this.#count -= slots;
    this.#events -= n;
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
    const c = this.#cols;
    // Packed events still to pass over before the first one wanted.
    let skip = Math.max(0, from - baseLeft);
    let time = this.#headTime;
    for (let i = 0; i < this.#count; i++) {
      const slot = (this.#head + i) % cap;
      if (i > 0) time = this.#timeAt(slot, time);
      const first = i === 0 ? this.#headSkip : 0;
      const size = this.#sizeOf(slot);
      if (skip >= size - first) {
        skip -= size - first;
        continue;
      }
      if (c.kind[slot] === RUN) {
        const cpu = signed(c.cpu[slot]), target = signed(c.b[slot]), control = signed(c.c[slot]);
        this.#runs.eventsTo(out, c.a[slot], time, cpu, target, control, first + skip, size);
      } else if (size === 2) pairEventsTo(out, c, this.#names, slot, time, first + skip);
      else out.push(this.#unpack(slot, time));
      skip = 0;
    }
  }

  #grow(): void {
    const g = grownColumns(this.#cols, this.#head, this.#count, this.#max, this.#loose);
    [this.#cols, this.#loose, this.#head] = [g.cols, g.loose, 0];
  }

  // The event in `slot`, at `time` (the object kept when it did not pack).
  #unpack(slot: number, time: number): TraceEvent {
    return this.#loose?.get(slot) ?? unpackEvent(this.#cols, this.#names, slot, time);
  }
}
