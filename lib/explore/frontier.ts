/**
 * The breadth-first loop of `explore()` (search.ts): levels of states, each expanded operation by
 * operation. It is a plain method the search calls again after each progress report, not the
 * search's generator itself: V8 deoptimizes a generator's on-stack-replaced loop each time the
 * loop exits, which kept the loop half-compiled (bench: 0.8 M states/s, issue 15).
 *
 * A level is rows of numbers (levels.ts): node, class, then the state's anchors (pack.ts).
 *
 * @module
 */

import { type ExploreOperation, MOVES, type OperationKind } from "../ops/moves.ts";
import type { Kernel } from "../engine/kernel.ts";
import type { MachineState } from "../engine/state.ts";
import type { Counterexamples } from "./counterexamples.ts";
import type { Reuse } from "./reuse.ts";
import type { Move, StateClass } from "./classes.ts";
import { opsBytes, stateBytes } from "./memory.ts";
import { symmetricTwins, takes } from "./move_orbits.ts";
import { Levels } from "./levels.ts";

/** Progress of a running search (reported by `exploration()`, search.ts). */
export interface ExploreProgress {
  /** Distinct states so far. */
  readonly states: number;
  /** Operations run so far. */
  readonly transitions: number;
  /** Depth being explored. */
  readonly depth: number;
  /** Estimated heap bytes the search holds (memory.ts). */
  readonly bytes: number;
}

/** What bounds a search (search.ts validates them). */
export interface FrontierLimits {
  /** Longest operation sequence. */
  readonly depth: number;
  /** The operation kinds, in table order. */
  readonly kinds: readonly OperationKind[];
  /** Stop after this many distinct states. */
  readonly maxStates: number;
  /** Stop before the estimated heap exceeds this. */
  readonly maxBytes: number;
  /** Transitions between progress reports. */
  readonly every: number;
  /**
   * Make progress reports (default true). False when nobody reads them (`explore()`): then run()
   * returns only at the end, and its loop stays compiled for the whole search.
   */
  readonly reports?: boolean;
  /** Asked between operations (ExploreOptions.shouldStop). */
  readonly shouldStop?: () => boolean | string;
  /** One move per run of CPUs a state cannot tell apart (ExploreOptions.symmetricMoves). */
  readonly symmetricMoves?: boolean;
}

/**
 * A breadth-first search from one state, run in slices: {@linkcode Frontier.run} returns when a
 * progress report is due (they wait in `reports`) or the search is over.
 *
 * @example A 2-vCPU machine to depth 2
 * ```ts
 * import { Frontier } from "./frontier.ts";
 * import { Checker, checkedInvariants } from "./checker.ts";
 * import { Counterexamples } from "./counterexamples.ts";
 * import { Reuse } from "./reuse.ts";
 * import { workspace } from "./workspace.ts";
 * import assert from "node:assert/strict";
 * const { root, config, options } = workspace({ cpus: 2 });
 * const tree = new Counterexamples(root, config, options);
 * const checker = new Checker(checkedInvariants(root), root, tree.record);
 * const reuse = new Reuse(root, checker, tree, { reuse: true, verify: false });
 * const cls = reuse.classes.classOf(root.s);
 * const anchors = reuse.classes.list[cls].anchors;
 * reuse.classes.visit(cls, anchors, 0);
 * const kinds = ["online", "offline", "advance"] as const;
 * const limits = { depth: 2, kinds, maxStates: 100, maxBytes: 2 ** 30, every: 5 };
 * const f = new Frontier(root, reuse, tree, limits, cls, anchors);
 * while (f.run()) f.reports.length = 0;
 * assert.equal(f.stopped, null);
 * assert.equal(f.depthCovered, 2);
 * assert.ok(reuse.classes.states > 1);
 * ```
 */
export class Frontier {
  /** Operations run. */
  transitions = 0;
  /** Every sequence up to this length was explored. */
  depthCovered = 0;
  /** Why the search stopped early (null: it did not). */
  stopped: string | null = null;
  /** Progress reports due, oldest first: the caller hands them on and empties the list. */
  readonly reports: ExploreProgress[] = [];
  // Row width: node, class, anchors.
  readonly #w: number;
  // The level being expanded and the next (levels.ts), and row #i's chunk and where it starts.
  readonly #levels: Levels;
  #rows: Float64Array;
  #at = 0;
  // Where the expansion is: depth, row, operation of the row's class.
  #depth = 0;
  #i = 0;
  #g = 0;
  // What the visited states and the queued level hold (the classes and moves count their own).
  #stateHeld: number;
  #runsAtReport = 0;
  #untilReport: number;
  // What #halt reads may have changed since it last found nothing (set by what changes it).
  #due = true;
  // The anchors an operation leads to.
  readonly #v: Float64Array;
  readonly #reporting: boolean;
  // Per class, the operations a state leaves out by its own symmetry (move_orbits.ts), and its
  // runs of tied CPUs (from the canonical form that first queued it).
  readonly #twins: (Int32Array | null)[] = [];
  readonly #ties: (readonly Int32Array[])[] = [];
  // The state of the row being expanded, made when the model has to run on it.
  #input: MachineState | null = null;
  readonly #state = (): MachineState =>
    this.#input ??= this.reuse.classes.state(this.#rows[this.#at + 1], this.#rows, this.#at + 2);

  /**
   * A search from `root` (already visited and checked as node 0 of `tree`, class `rootClass`,
   * anchors `rootAnchors`, tied CPUs `rootTies`), learning and reusing moves in `reuse`.
   */
  constructor(
    readonly root: Kernel,
    readonly reuse: Reuse,
    readonly tree: Counterexamples,
    readonly limits: FrontierLimits,
    rootClass: number,
    rootAnchors: Float64Array,
    rootTies: readonly Int32Array[] = [],
  ) {
    this.#ties[rootClass] = rootTies;
    const A = reuse.classes.width;
    this.#w = A + 2;
    this.#levels = new Levels(this.#w);
    const at = this.#levels.slot();
    this.#levels.tail[at] = 0;
    this.#levels.tail[at + 1] = rootClass;
    this.#levels.tail.set(rootAnchors, at + 2);
    this.#levels.advance(true);
    this.#rows = this.#levels.chunk(0);
    this.#v = new Float64Array(A);
    this.#stateHeld = stateBytes(A, true);
    this.#untilReport = limits.every;
    this.#reporting = limits.reports !== false;
  }

  /** Estimated heap bytes the search holds (memory.ts). */
  held(): number {
    return Math.ceil(this.#stateHeld + this.reuse.classes.bytes + this.reuse.bytes);
  }

  /**
   * Expands until a progress report is due (true: call again) or the search is over (false:
   * complete, or `stopped`). Reports are due every `every` transitions and every 16 runs of the
   * model (each may take milliseconds on a big machine), and the caller gets them between
   * operations, where it may stop the search.
   */
  run(): boolean {
    // One loop over rows and levels alike: V8 compiles a long-running loop on the stack (OSR),
    // and such code is thrown away when an inner loop of it is left (at each level's end).
    while (this.#depth < this.limits.depth && this.#levels.count > 0) {
      if (this.#i < this.#levels.count) {
        const out = this.#expand();
        if (out !== null) return out;
        // With one state per class, the class's moves are taken for the last time.
        this.reuse.release(this.#rows[this.#at + 1]);
        this.#i++;
        this.#g = 0;
        this.#input = null;
        this.#row();
      } else this.#nextLevel();
    }
    return false;
  }

  // The level just expanded is let go; the next one is the one to expand.
  #nextLevel(): void {
    const A = this.#w - 2;
    // Its states' anchors are no longer held.
    this.#stateHeld -= this.#levels.count * (stateBytes(A, true) - stateBytes(A, false));
    // Its chunks are written over by the levels after it; the last level queues nothing, so then
    // they are let go.
    this.#levels.advance(this.#depth + 2 < this.limits.depth);
    this.#i = 0;
    this.#row();
    this.#depth++;
    this.depthCovered = this.#depth;
  }

  // Row #i of the level being expanded: its chunk and where it starts (none past the last).
  #row(): void {
    if (this.#i >= this.#levels.count) return;
    this.#rows = this.#levels.chunk(this.#i);
    this.#at = this.#levels.offset(this.#i);
  }

  /**
   * Runs row #i's operations from #g on: null once the row is done, else what run() returns (a
   * report is due, or the search stopped). A method of its own, called per row, rather than an
   * inner loop of run(): V8 optimizes a function called this often by its calls, where a loop
   * nested that deep was compiled on the stack (OSR) and thrown away each time it was left, once
   * per row. Only what every transition needs is written here, the rest is in methods of its own
   * (#halt, #report, #learn, #arrive): V8 inlines the calls of a small function into it and not
   * those of a big one (issue 15: the budget checks written here cost the search about a third).
   */
  #expand(): boolean | null {
    const reuse = this.reuse;
    const classes = reuse.classes;
    const v = this.#v;
    const last = this.#depth + 1 === this.limits.depth;
    const rows = this.#rows;
    const at = this.#at;
    const from = at + 2;
    const node = rows[at];
    const cls = rows[at + 1];
    const c = classes.list[cls];
    if (!c.ops) this.#prepare(cls, c);
    const ops = c.ops!;
    const twin = this.#twins[cls];
    for (; this.#g < ops.length; this.#g++) {
      if (!takes(twin, this.#g, rows, from)) continue;
      if (this.#due) {
        const out = this.#halt();
        if (out !== null) return out;
      }
      const g = this.#g;
      // An operation that reaches the kthread_park() race runs again with the other side.
      let op = ops[g];
      for (let variant = 0; variant < 2; variant++) {
        const move = reuse.learnt(c, g, variant) ?? this.#learn(cls, g, variant, op, node);
        if (!move.ran) break;
        this.transitions++;
        if (this.#reporting) this.#tick();
        reuse.anchorsAfter(move, rows, from, v);
        if (classes.visit(move.to, v, 0)) this.#arrive(move, node, op, c, last);
        else reuse.revisited(move, v, node, c, rows, from);
        if (variant > 0 || !move.race) break;
        op = reuse.variant(c, g);
      }
    }
    return null;
  }

  // Before an operation, when what it reads may have changed since it last found nothing (#due):
  // a report to hand on (true), or the search stopped (false); null to go on. Asked before every
  // operation when the caller has a shouldStop.
  #halt(): boolean | null {
    const { limits, reuse } = this;
    const classes = reuse.classes;
    this.#due = limits.shouldStop !== undefined;
    if (this.reports.length > 0) return (this.#due = true);
    if (classes.states >= limits.maxStates) return this.#stop("state budget");
    // held() >= maxBytes, without its ceiling (maxBytes is an integer): checked per operation.
    // The classes' cache of states met goes first (classes.ts forgetSeen).
    if (this.#over() && (!classes.forgetSeen() || this.#over())) {
      return this.#stop("memory budget");
    }
    const stop = limits.shouldStop?.();
    if (stop) return this.#stop(stop === true ? "interrupted" : stop);
    return null;
  }

  // A move not learnt yet, or not reused as it is (Reuse.move): the model may run, and what the
  // search holds grow, so the budgets are checked before the next operation.
  #learn(cls: number, g: number, variant: number, op: ExploreOperation, node: number): Move {
    this.#due = true;
    return this.reuse.move(cls, g, variant, op, node, this.#state);
  }

  // A transition counted towards the next progress report: due every `every` transitions and
  // every 16 runs of the model. (Counted down rather than `transitions % every`: a division per
  // transition.)
  #tick(): void {
    const due = --this.#untilReport === 0;
    if (due) this.#untilReport = this.limits.every;
    if (due || this.reuse.modelRuns - this.#runsAtReport >= 16) this.#report();
  }

  // A new state, reached by `move` (operation `op`) from node `node`, a state of class `c`: kept
  // in the tree, checked, and queued unless it is on the `last` level.
  #arrive(move: Move, node: number, op: ExploreOperation, c: StateClass, last: boolean): void {
    this.#due = true;
    this.#stateHeld += stateBytes(this.#w - 2, !last);
    const id = this.tree.add(node, op);
    this.reuse.arrived(move, this.#v, id, c, this.#rows, this.#at + 2);
    // The last level is never expanded: its states need not be kept. A class is expanded only
    // once queued: its tied CPUs are kept then, from the first move that queues it.
    if (!last) {
      this.#ties[move.to] ??= move.ties;
      this.#queue(id, move.to);
    }
  }

  // Which operations a state allows depends on its class alone: listed once per class. (This and
  // #report are methods of their own to keep #expand, which V8 compiles again after every full
  // collection, small.)
  #prepare(cls: number, c: StateClass): void {
    const ops = this.limits.kinds.flatMap((kind) => MOVES[kind]({ ...this.root, s: c.rep }));
    c.ops = ops;
    this.#due = true;
    this.#stateHeld += opsBytes(ops.length);
    this.#twins[cls] = this.limits.symmetricMoves
      ? symmetricTwins(this.#ties[cls] ?? [], ops)
      : null;
  }

  #report(): void {
    this.#due = true;
    this.#runsAtReport = this.reuse.modelRuns;
    this.reports.push({
      states: this.reuse.classes.states,
      transitions: this.transitions,
      depth: this.#depth + 1,
      bytes: this.held(),
    });
  }

  #over(): boolean {
    return this.#stateHeld + this.reuse.classes.bytes + this.reuse.bytes > this.limits.maxBytes - 1;
  }

  #stop(why: string): false {
    this.stopped = why;
    return false;
  }

  // Appends a row to the next level: node `id`, class `cls`, the anchors in #v.
  #queue(id: number, cls: number): void {
    const at = this.#levels.slot();
    const next = this.#levels.tail;
    const v = this.#v;
    next[at] = id;
    next[at + 1] = cls;
    // A loop, not set(): a builtin call costs more than copying a few numbers.
    for (let a = 0; a < v.length; a++) next[at + 2 + a] = v[a];
  }
}
