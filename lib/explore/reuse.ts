/**
 * The class-reuse bookkeeping of a search: the model runs an operation once per class of states
 * (classes.ts) and the other states of the class take the same move — the same checks counted,
 * their anchors moved by the same amounts (docs/model.md §Exploration says why that is exact).
 * With a user's predicate nothing is reused; with `verify` every reuse is checked against a run of
 * the model.
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import { guestMonotonic } from "../engine/kernel.ts";
import type { MachineState } from "../engine/state.ts";
import { TimerQueue } from "../engine/timers.ts";
import { TraceRing } from "../engine/trace_ring.ts";
import { kernelOn } from "../machine/kernel.ts";
import { hasWorkingTick } from "../time/tick_handlers.ts";
import { applyMove, type ExploreOperation, moveScript, raceVariant } from "../ops/moves.ts";
import { anchorsOf } from "./pack.ts";
import { cloneState } from "./clone.ts";
import { moveBytes } from "./memory.ts";
import { type Move, moveDifference, type StateClass, StateClasses } from "./classes.ts";
import type { Checker } from "./checker.ts";
import { NEW_KERNEL_KINDS } from "./invariants.ts";
import { type Counterexamples, keyOf } from "./counterexamples.ts";

/** How a search reuses moves. */
export interface ReuseOptions {
  /** Reuse at all (false with a user's predicate: it may read anything, anchors included). */
  readonly reuse: boolean;
  /** Run the model on every state too, and throw where it differs from the reused move. */
  readonly verify: boolean;
  /** The interchangeable CPUs (symmetry.ts), explored once per orbit; empty: no reduction. */
  readonly group?: readonly number[];
  /** What to take out of a state reached before classing it (lazy_failures.ts); none when absent. */
  readonly disarm?: (s: MachineState) => unknown;
  /** A move known without running the model (lazy_failures.ts fromPlainWalk), or null. */
  readonly derive?: (cls: number, op: ExploreOperation) => Move | null;
  /** Keep states of one class apart by their anchors (default true; false: one per class). */
  readonly anchors?: boolean;
}

/** The moves a search has learnt, and how it takes them. */
export class Reuse {
  /** The classes met. */
  readonly classes: StateClasses;
  /** Operations the model ran itself. */
  modelRuns = 0;
  /** Estimated heap bytes of the moves learnt (memory.ts). */
  bytes = 0;
  readonly #timers = new TimerQueue();
  // The trace ring of every kernel it runs (they keep no history: nothing is written to it).
  readonly #trace = new TraceRing();
  // Reused moves count their checks once per use, added up when the search ends.
  readonly #moves: Move[] = [];
  // Moves are reused and not checked against the model.
  readonly #plain: boolean;

  /** For a search from `root`, checking with `checker`, recording in `tree`. */
  constructor(
    readonly root: Kernel,
    readonly checker: Checker,
    readonly tree: Counterexamples,
    readonly options: ReuseOptions,
  ) {
    this.classes = new StateClasses(
      root.s.cpus.length,
      options.group,
      options.disarm ?? null,
      options.anchors !== false,
    );
    this.#plain = options.reuse && !options.verify;
  }

  /**
   * Runs `op` with the full model on a copy of `input` (node `node`'s state), checking the
   * invariants at every step (violations recorded for that node unless `quiet`) and in the state it
   * leads to (counted only: that state is checked for real when it is new).
   */
  #run(
    input: MachineState,
    op: ExploreOperation,
    node: number,
    quiet: boolean,
    cls: number,
  ): Move {
    const { checker, classes } = this;
    const A = classes.width;
    const k = kernelOn(this.root, cloneState(input), this.#timers, this.#trace);
    const before = { now: k.s.now, monotonic: guestMonotonic(k.s) };
    let race = false;
    let ran = false;
    const walk = checker.counted(() => {
      k.observers.add({
        step: (at) => {
          const step = k.steps[at.state];
          const cb = at.teardown ? step.teardown! : step.startup!;
          if (at.phase === "enter" && cb.waitsOnTimer && !hasWorkingTick(k, at.cpu)) race = true;
          // A callback with no modelled effect leaves the state as it was before it ran
          // (checked then): its exit would repeat that check.
          if (at.phase === "exit" && !cb.run) return;
          checker.check(k, at, before, node, op);
        },
      });
      ran = applyMove({ k }, op);
    }, quiet ? [] : undefined);
    // All a refused operation did; one that ran adds where it led. Every move is made by the one
    // literal below (one shape: the search's loop reads its fields monomorphically), with no
    // spread of a refused move's fields per model run.
    if (!ran) {
      return moveOf(
        op,
        ran,
        race,
        -1,
        new Float64Array(A),
        false,
        null,
        null,
        [],
        walk,
        new Int32Array(walk.length),
        null,
      );
    }
    const violated: string[] = [];
    // A new kernel's clocks start over: its state is checked against itself.
    const absolute = NEW_KERNEL_KINDS.includes(op.kind);
    const after = absolute
      ? { now: k.s.now, monotonic: guestMonotonic(k.s), booted: true }
      : before;
    const post = checker.counted(() => checker.check(k, null, after, node, op), violated);
    const postKeys = violated.length ? violated.map((name) => keyOf(name, op.kind)) : null;
    // The anchors reached: for a new kernel the move itself, else less those it started from (in
    // place, the same subtraction per anchor).
    const delta = new Float64Array(A);
    anchorsOf(k.s, delta);
    // A walk that rolls back to where it started reaches its own class: looked at first.
    const { cls: to, perm, ties } = classes.canonical(k.s, cls);
    let epoch: number | null = null;
    if (!absolute) {
      const from = new Float64Array(A);
      anchorsOf(input, from);
      epoch = delta[A - 1] === from[A - 1] ? null : delta[A - 1] - delta[0];
      for (let i = 0; i < A; i++) delta[i] -= from[i];
      if (epoch !== null) delta[A - 1] = 0;
    }
    return moveOf(op, ran, race, to, delta, absolute, epoch, perm, ties, walk, post, postKeys);
  }

  /**
   * The move of operation `g` of class `cls` (its race variant when `variant` is 1) from node
   * `node`: the one learnt, or the model's run on the node's state (made by `state` when needed).
   * Its checks are counted for this use.
   * @throws {Error} with `verify`, when a reused move differs from the model's run.
   */
  move(
    cls: number,
    g: number,
    variant: number,
    op: ExploreOperation,
    node: number,
    state: () => MachineState,
  ): Move {
    return this.learnt(this.classes.list[cls], g, variant) ??
      this.#learn(cls, g, variant, op, node, state);
  }

  /**
   * The move learnt for operation `g` of class `c` (its race variant when `variant` is 1), its use
   * counted, when it is taken again as it is (no verify, no user predicate); else undefined, and
   * {@linkcode Reuse.move} makes it. Most moves are such: this path is kept small, for the
   * search's loop to inline it.
   */
  learnt(c: StateClass, g: number, variant: number): Move | undefined {
    const learnt = this.#plain ? c.moves[g]?.[variant] : undefined;
    if (learnt !== undefined) learnt.uses++;
    return learnt;
  }

  #learn(
    cls: number,
    g: number,
    variant: number,
    op: ExploreOperation,
    node: number,
    state: () => MachineState,
  ): Move {
    const { reuse, verify } = this.options;
    const known = (this.classes.list[cls].moves[g] ??= []);
    let move = reuse ? known[variant] : undefined;
    if (move === undefined) {
      // A fault injection its walk does not read, taken from the plain walk (lazy_failures.ts).
      const derived = this.#plain && variant === 0 ? this.options.derive?.(cls, op) : null;
      if (derived) move = derived;
      else {
        move = this.#run(state(), op, node, false, cls);
        this.modelRuns++;
      }
      if (reuse) {
        known[variant] = move;
        this.#moves.push(move);
        this.bytes += moveBytes(move.delta.length, move.walk.length);
      }
    } else if (verify) {
      const differs = moveDifference(move, this.#run(state(), op, node, true, cls));
      if (differs) {
        const after = this.tree.pathTo(node, null).flat().join("; ");
        throw new Error(
          `explore verify: "${moveScript(op).join("; ")}" after ${JSON.stringify(after)} does ` +
            `not do what it did to another state of its class: ${differs}`,
        );
      }
    }
    if (reuse) move.uses++;
    else this.checker.add(move.walk, 1);
    return move;
  }

  /** The race variant of operation `g` of class `c`: made once per class and operation. */
  variant(c: StateClass, g: number): ExploreOperation {
    const side = c.rep.parkRace === "passes" ? "sleeps" : "passes";
    return c.moves[g]?.[1]?.op ?? raceVariant(c.ops![g], side);
  }

  /**
   * Writes into `out` the anchors of the state `move` leads to from anchors `from[at…]`, in the
   * canonical numbering of the class it reaches.
   */
  anchorsAfter(move: Move, from: Float64Array, at: number, out: Float64Array): void {
    const A = this.classes.width;
    const d = move.delta;
    const perm = move.perm;
    // Each anchor written once: now and jiffies, the tick counts (anchors 2 on) renumbered as they
    // are written (out[2 + i] is what CPU perm[i]'s becomes: classes.ts canonicalAnchors, without
    // its copy), then the epoch, the last anchor, which no renumbering moves.
    const n = A - 3;
    if (move.absolute) {
      out[0] = d[0];
      out[1] = d[1];
      if (perm === null) { for (let i = 2; i < 2 + n; i++) out[i] = d[i]; }
      else for (let i = 0; i < n; i++) out[2 + i] = d[2 + perm[i]];
      out[A - 1] = d[A - 1];
    } else {
      out[0] = from[at] + d[0];
      out[1] = from[at + 1] + d[1];
      if (perm === null) { for (let i = 2; i < 2 + n; i++) out[i] = from[at + i] + d[i]; }
      else {
        for (let i = 0; i < n; i++) {
          const p = 2 + perm[i];
          out[2 + i] = from[at + p] + d[p];
        }
      }
      out[A - 1] = move.epoch === null ? from[at + A - 1] + d[A - 1] : out[0] + move.epoch;
    }
    const ties = move.ties;
    // The tick counts sorted within each run of tied CPUs (canonicalAnchors' insertion sort, here
    // rather than called: this runs per transition, and runs are short and mostly sorted).
    for (let r = 0; r < ties.length; r++) {
      const run = ties[r];
      for (let i = 1; i < run.length; i++) {
        const x = out[2 + run[i]];
        let j = i - 1;
        while (j >= 0 && out[2 + run[j]] > x) {
          out[2 + run[j + 1]] = out[2 + run[j]];
          j--;
        }
        out[2 + run[j + 1]] = x;
      }
    }
  }

  /**
   * The check of a new state `id` (class `move.to`, anchors `v`) that `move` led to from a state
   * of class `c` with anchors `from[at…]`: counted from the move, unless it would record a
   * counterexample not found yet (then it runs on the state itself). The anchors are passed where
   * they are, not their time: a number that big passed on would be boxed, once per transition.
   */
  arrived(
    move: Move,
    v: Float64Array,
    id: number,
    c: StateClass,
    from: Float64Array,
    at: number,
  ): void {
    if (move.postKeys?.every((key) => this.tree.has(key))) move.postKeys = null;
    if (move.postKeys) this.#checkReached(move, v, c, from, at, id, null);
    else if (this.options.reuse) move.postUses++;
    else this.checker.add(move.post, 1);
  }

  /**
   * A state `move` led to from node `node` (a state of class `c`, anchors `from[at…]`) that was
   * visited before: its checks were counted then, but a violation there is also a counterexample
   * for this kind of last operation when none was found yet — the shortest sequence ending in that
   * kind that reaches a violating state, whichever path reached the state first (with symmetry,
   * the first path reaches its orbit, not the state). Checked on the state itself, counts left out.
   */
  revisited(
    move: Move,
    v: Float64Array,
    node: number,
    c: StateClass,
    from: Float64Array,
    at: number,
  ): void {
    if (!move.postKeys || move.postKeys.every((key) => this.tree.has(key))) return;
    this.checker.counted(() => this.#checkReached(move, v, c, from, at, node, move.op));
  }

  /**
   * Checks, as node `node` reached by `last`, the state `move` led to (class `move.to`, anchors
   * `v`) from a state of class `c` with anchors `from[at…]`: on the state itself, made from its
   * class, its clocks before the move those of `from` (or, for a new kernel, its own).
   */
  #checkReached(
    move: Move,
    v: Float64Array,
    c: StateClass,
    from: Float64Array,
    at: number,
    node: number,
    last: ExploreOperation | null,
  ): void {
    const k = kernelOn(this.root, this.classes.state(move.to, v, 0), this.#timers, this.#trace);
    const now = from[at];
    const before = move.absolute
      ? { now: v[0], monotonic: guestMonotonic(k.s), booted: true }
      : { now, monotonic: now + c.monotonic };
    this.checker.check(k, null, before, node, last);
  }

  /**
   * With one state per class (`anchors` false), after class `cls`'s operations have all been
   * taken: no other state of it is expanded, so nothing takes its moves again. Their counts are
   * added now and the moves let go (at 8 vCPUs with every kind, about 30 a class, most of what the
   * search held). Otherwise nothing.
   */
  release(cls: number): void {
    if (this.classes.anchors) return;
    for (const move of this.#moves) {
      this.checker.add(move.walk, move.uses);
      this.checker.add(move.post, move.postUses);
      move.uses = move.postUses = 0;
      this.bytes -= moveBytes(move.delta.length, move.walk.length);
    }
    this.#moves.length = 0;
    this.classes.list[cls].moves.length = 0;
  }

  /** Adds every reused move's counts, once per use (when the search ends). */
  settle(): void {
    for (const move of this.#moves) {
      this.checker.add(move.walk, move.uses);
      this.checker.add(move.post, move.postUses);
    }
  }
}

// A move, its fields always in this order (see Reuse.#run).
function moveOf(
  op: ExploreOperation,
  ran: boolean,
  race: boolean,
  to: number,
  delta: Float64Array,
  absolute: boolean,
  epoch: number | null,
  perm: Int32Array | null,
  ties: readonly Int32Array[],
  walk: Int32Array,
  post: Int32Array,
  postKeys: readonly string[] | null,
): Move {
  return {
    op,
    ran,
    race,
    to,
    delta,
    absolute,
    epoch,
    perm,
    ties,
    walk,
    post,
    postKeys,
    uses: 0,
    postUses: 0,
  };
}
