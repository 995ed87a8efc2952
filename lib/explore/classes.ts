/**
 * Classes of states for exploration: states equal but for their anchors (simulation time,
 * `jiffies_64`, tick counts; see pack.ts). An operation does the same to every state of a class,
 * anchors moved by the same amounts (docs/model.md §Exploration), so the search runs the model once
 * per class and operation, and keeps each state as a class number plus its anchors.
 *
 * @module
 */

import type { MachineState } from "../engine/state.ts";
import type { ExploreOperation } from "../ops/moves.ts";
import { anchorCount, anchorsOf, moveAnchors, Packer } from "./pack.ts";
import { hash64Into, hash64Of, KeySet } from "./hash.ts";
import { cloneState } from "./clone.ts";
import { classBytes, seenBytes } from "./memory.ts";
import { guestMonotonic } from "../engine/kernel.ts";
import { canonicalOrder, permuteState } from "./symmetry.ts";

/** A state's canonical class: its number, and how its CPUs are renumbered to reach it. */
export interface Canonical {
  /** The class. */
  readonly cls: number;
  /** `perm[i]` is the CPU that becomes CPU i; null when none moves. */
  readonly perm: Int32Array | null;
  /** Runs of CPUs (after renumbering) that nothing tells apart but their tick counts. */
  readonly ties: readonly Int32Array[];
}

let scratch = new Float64Array(64);

/**
 * Makes anchors (`v[at…]`, one state's, as pack.ts orders them) canonical in place: the CPUs' tick
 * counts renumbered by `perm`, then sorted within each run of `ties`.
 *
 * @example
 * ```ts
 * import { canonicalAnchors } from "./classes.ts";
 * import assert from "node:assert/strict";
 * const v = [5e6, 9, 30, 31, 29, 28, 0];
 * canonicalAnchors(v, 0, Int32Array.of(0, 3, 1, 2), [Int32Array.of(2, 3)]);
 * assert.deepEqual(v, [5e6, 9, 30, 28, 29, 31, 0]);
 * ```
 */
export function canonicalAnchors(
  v: number[] | Float64Array,
  at: number,
  perm: Int32Array | null,
  ties: readonly Int32Array[],
): void {
  const base = at + 2;
  if (perm) {
    // A scratch copy of the tick counts (this runs per transition: no allocation).
    if (scratch.length < perm.length) scratch = new Float64Array(perm.length);
    for (let i = 0; i < perm.length; i++) scratch[i] = v[base + i];
    for (let i = 0; i < perm.length; i++) v[base + i] = scratch[perm[i]];
  }
  for (const run of ties) {
    // Insertion sort: runs are short, and mostly sorted already.
    for (let i = 1; i < run.length; i++) {
      const x = v[base + run[i]];
      let j = i - 1;
      while (j >= 0 && v[base + run[j]] > x) {
        v[base + run[j + 1]] = v[base + run[j]];
        j--;
      }
      v[base + run[j + 1]] = x;
    }
  }
}

/** What one operation did to a state of a class: what it does to every state of the class. */
export interface Move {
  /** The operation (with its race side). */
  readonly op: ExploreOperation;
  /** The kernel ran it (false: refused before changing anything). */
  readonly ran: boolean;
  /** It reached the kthread_park() race: the other side runs next. */
  readonly race: boolean;
  /** The class of the state it leads to (-1 when it did not run). */
  readonly to: number;
  /**
   * What it adds to the anchors; for an operation that starts a new kernel (`absolute`), the
   * anchors it leads to, whatever they were (the new kernel's clocks and counts start over).
   */
  readonly delta: Float64Array;
  /** `delta` holds the anchors reached, not what is added (a kexec: NEW_KERNEL_KINDS). */
  readonly absolute?: boolean;
  /**
   * When it sets the reference counter's epoch (the last anchor) rather than leaving it: the new
   * epoch less the new `now` (the delta does not apply to it then).
   */
  readonly epoch: number | null;
  /**
   * Symmetry: the renumbering that makes the state reached canonical (`perm[i]`: the CPU that
   * becomes CPU i), null when none is needed; and the runs of CPUs whose tick counts are then
   * sorted (symmetry.ts canonicalOrder).
   */
  readonly perm: Int32Array | null;
  /** See `perm`. */
  readonly ties: readonly Int32Array[];
  /** Per checked invariant: checks, then violations, inside the operation. */
  readonly walk: Int32Array;
  /** The same for the check of the state it leads to (made when that state is new). */
  readonly post: Int32Array;
  /** The (invariant, kind) pairs that check violates, until each has its counterexample. */
  postKeys: readonly string[] | null;
  /** Times the search took it (its `walk` counts once each, added at the end). */
  uses: number;
  /** Times it led to a new state counted from `post` (added at the end). */
  postUses: number;
}

/**
 * What differs between two moves of one operation (the one reused and a fresh run of the model),
 * in words, or null when they agree.
 *
 * @example
 * ```ts
 * import { type Move, moveDifference } from "./classes.ts";
 * import assert from "node:assert/strict";
 * const move: Move = {
 *   op: { kind: "advance", ops: [{ kind: "advance", ns: 4e6 }] },
 *   ran: true,
 *   race: false,
 *   to: 1,
 *   delta: Float64Array.of(4e6, 1, 1, 0),
 *   epoch: null,
 *   perm: null,
 *   ties: [],
 *   walk: new Int32Array(2),
 *   post: Int32Array.of(1, 0),
 *   postKeys: null,
 *   uses: 0,
 *   postUses: 0,
 * };
 * assert.equal(moveDifference(move, { ...move, to: 2 }), "class reached: 2 (reused: 1)");
 * ```
 */
export function moveDifference(reused: Move, fresh: Move): string | null {
  const list = (xs: ArrayLike<number>) => `[${Array.from(xs).join(", ")}]`;
  const fields: [string, unknown, unknown][] = [
    ["ran", reused.ran, fresh.ran],
    ["reached the kthread_park() race", reused.race, fresh.race],
    ["class reached", reused.to, fresh.to],
    ["anchor deltas", list(reused.delta), list(fresh.delta)],
    ["anchors reached, not added", reused.absolute ?? false, fresh.absolute ?? false],
    ["epoch set from now", reused.epoch, fresh.epoch],
    ["renumbering", reused.perm && list(reused.perm), fresh.perm && list(fresh.perm)],
    ["tied CPUs", reused.ties.map(list).join(), fresh.ties.map(list).join()],
    ["invariant counts during it", list(reused.walk), list(fresh.walk)],
    ["invariant counts after it", list(reused.post), list(fresh.post)],
  ];
  const differ = fields.filter(([, a, b]) => a !== b);
  return differ.length === 0
    ? null
    : differ.map(([what, a, b]) => `${what}: ${b} (reused: ${a})`).join("; ");
}

// Whether two packed states are equal, number by number.
function equal(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One class: a state of it (its representative), that state's anchors, what was learnt. */
export interface StateClass {
  /** A state of the class; never changed (copy it). */
  readonly rep: MachineState;
  /** The representative's anchors. */
  readonly anchors: Float64Array;
  /** Guest CLOCK_MONOTONIC minus simulation time: the same in every state of the class. */
  readonly monotonic: number;
  /** The operations its states allow, in table order (null until first asked). */
  ops: ExploreOperation[] | null;
  /** Per operation: its move, then its race variant's (when it reaches the race). */
  readonly moves: Move[][];
}

/**
 * The classes a search has met, and its visited states as (class, anchors) keys. A class is
 * found by its packed numbers exactly (no hash), so two states share one only when equal but for
 * their anchors.
 *
 * @example Two ticks apart: one class, two states
 * ```ts
 * import { StateClasses } from "./classes.ts";
 * import { anchorsOf } from "./pack.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const m = vm({ cpus: 2 }).build();
 * m.advance("8ms");
 * const a = m.snapshot();
 * m.advance("8ms");
 * const b = m.snapshot();
 * const classes = new StateClasses(2);
 * const cls = classes.classOf(a);
 * assert.equal(classes.classOf(b), cls);
 * const anchors = new Float64Array(classes.width);
 * anchorsOf(b, anchors);
 * assert.ok(classes.visit(cls, anchors, 0));
 * assert.ok(!classes.visit(cls, anchors, 0));
 * assert.equal(classes.state(cls, anchors, 0).now, b.now);
 * ```
 */
export class StateClasses {
  /** Anchors per state. */
  readonly width: number;
  /** Every class met, by number. */
  readonly list: StateClass[] = [];
  // Classes by the hash of their numbers, with those numbers to compare exactly.
  readonly #ids = new Map<number, number[]>();
  readonly #numbers: Float64Array[] = [];
  readonly #packer: Packer;
  readonly #seen = new KeySet();
  readonly #hash = new Uint32Array(2);
  // Per class, its runs of tied CPUs (from the canonical form that made it).
  readonly #ties: (readonly Int32Array[])[] = [];
  // States met as they were numbered, by the hash of their numbers: those numbers, to compare
  // exactly, and their canonical form.
  readonly #seenAs = new Map<number, { numbers: Float64Array; canonical: Canonical }[]>();
  #seenHeld = 0;
  // With `anchors` false: the classes visited, by number (a class number is exact: no hash).
  #classSeen = new Uint8Array(64);
  #classStates = 0;

  /**
   * For machines of `cpus` CPUs, of which `group` are interchangeable (symmetry.ts; empty: no
   * symmetry reduction); with symmetry, states that agree on each CPU's order of
   * `clockevent_devices` are one (list_identity.ts; pack.ts `perCpuList`). `disarm`, when given,
   * takes out of a state reached what the search carries lazily (lazy_failures.ts) before it is
   * classed. With `anchors` false, a state is visited when another state of its class was: one
   * state per class is kept (docs/model.md §Exploration, "One state per class").
   */
  constructor(
    cpus: number,
    readonly group: readonly number[] = [],
    readonly disarm: ((s: MachineState) => unknown) | null = null,
    readonly anchors: boolean = true,
  ) {
    this.#packer = new Packer(group.length > 0);
    this.width = anchorCount(cpus);
  }

  /** Estimated heap bytes of the classes (memory.ts). */
  bytes = 0;

  /** Distinct states visited. */
  get states(): number {
    return this.anchors ? this.#seen.size : this.#classStates;
  }

  /**
   * The canonical class of `s` (its interchangeable CPUs renumbered in canonical order), new if
   * unmet (then `s`, or its renumbered copy, becomes its representative: do not change `s`). With
   * `disarm`, `s` itself is disarmed first.
   */
  canonical(s: MachineState, from = -1): Canonical {
    this.disarm?.(s);
    if (this.group.length === 0) return { cls: this.classOf(s), perm: null, ties: [] };
    const numbers = this.#packer.pack(s);
    // A walk that fails and rolls back to where it started reaches a state of its own class, as
    // it is numbered (then it is canonical too, but for the order of its tied CPUs, which only
    // their tick counts tell apart: the anchors, sorted by their runs): 38 % of fault injections
    // at 8 vCPUs (docs/model.md §Exploration).
    if (from >= 0 && this.#ties[from] !== undefined && equal(this.#numbers[from], numbers)) {
      return { cls: from, perm: null, ties: this.#ties[from] };
    }
    // A state met before as it is numbered has the canonical form it had then: canonicalOrder()
    // is a function of the packed numbers (every field a CPU key reads is packed, pack.ts
    // PACKED_FIELDS against cpu_key.ts KEY_OF), and so is the renumbered state's class.
    hash64Into(numbers, this.#hash);
    const key = (this.#hash[0] ^ this.#hash[1]) & 0x3fffffff;
    const known = this.#seenAs.get(key);
    if (known) {
      for (let i = 0; i < known.length; i++) {
        if (equal(known[i].numbers, numbers)) return known[i].canonical;
      }
    }
    const own = numbers.slice();
    const { perm, ties } = canonicalOrder(s, this.group);
    const moved = perm.some((p, i) => p !== i);
    const cls = moved ? this.classOf(permuteState(s, perm)) : this.#classOfPacked(s, own);
    const runs = ties.map((run) => Int32Array.from(run));
    this.#ties[cls] ??= runs;
    const canonical = { cls, perm: moved ? perm : null, ties: runs };
    if (known) known.push({ numbers: own, canonical });
    else this.#seenAs.set(key, [{ numbers: own, canonical }]);
    const held = seenBytes(own.length, this.width);
    this.#seenHeld += held;
    this.bytes += held;
    return canonical;
  }

  /**
   * Lets go of the states met as they were numbered (what `canonical()` remembers to skip their
   * canonical form the next time: 28,222 states for 127,077 calls in the 8-vCPU bench search,
   * issue 15); false when it held none. For a search at its memory budget: a cache, not what it
   * must keep, so it gives way before the search stops.
   */
  forgetSeen(): boolean {
    if (this.#seenHeld === 0) return false;
    this.#seenAs.clear();
    this.bytes -= this.#seenHeld;
    this.#seenHeld = 0;
    return true;
  }

  /**
   * The class of `s` as it is numbered, new if unmet (then `s` becomes its representative: do not
   * change it).
   */
  classOf(s: MachineState): number {
    return this.#classOfPacked(s, this.#packer.pack(s));
  }

  // classOf() with `s`'s numbers packed already.
  #classOfPacked(s: MachineState, numbers: Float64Array): number {
    hash64Into(numbers, this.#hash);
    // 30 bits of the hash: a small integer key (the numbers are compared exactly anyway).
    const key = (this.#hash[0] ^ this.#hash[1]) & 0x3fffffff;
    let ids = this.#ids.get(key);
    if (ids) {
      for (const id of ids) if (equal(this.#numbers[id], numbers)) return id;
    }
    const anchors = new Float64Array(this.width);
    anchorsOf(s, anchors);
    const id = this.list.length;
    this.list.push({ rep: s, anchors, monotonic: guestMonotonic(s) - s.now, ops: null, moves: [] });
    this.bytes += classBytes(numbers.length);
    this.#numbers.push(numbers.slice());
    if (!ids) this.#ids.set(key, ids = []);
    ids.push(id);
    return id;
  }

  /** Marks the state (class `cls`, anchors `v[at…]`) visited; false when it already was. */
  visit(cls: number, v: ArrayLike<number>, at: number): boolean {
    if (!this.anchors) return this.#visitClass(cls);
    hash64Of(cls, v, at, this.width, this.#hash);
    return this.#seen.add(this.#hash[0], this.#hash[1]);
  }

  // One state per class: the first of it visited.
  #visitClass(cls: number): boolean {
    if (cls >= this.#classSeen.length) {
      const grown = new Uint8Array(Math.max(cls + 1, this.#classSeen.length * 2));
      grown.set(this.#classSeen);
      this.#classSeen = grown;
    }
    if (this.#classSeen[cls] === 1) return false;
    this.#classSeen[cls] = 1;
    this.#classStates++;
    return true;
  }

  /** The state of class `cls` with anchors `v[at…]`, as a new value. */
  state(cls: number, v: ArrayLike<number>, at: number): MachineState {
    const c = this.list[cls];
    const s = cloneState(c.rep);
    const to = Array.from({ length: this.width }, (_, i) => v[at + i]);
    if (to.some((x, i) => x !== c.anchors[i])) moveAnchors(s, c.anchors, to);
    return s;
  }
}
