/**
 * What a search is made of (`searchParts()`: the counterexample tree, the checker, the moves
 * learnt, the classes met, the frontier), and the parts of an empty search kept between searches
 * (`keepShapes()`) so that V8's code for the search's loop outlives the search's objects.
 *
 * @module
 */

import { guestMonotonic } from "../engine/kernel.ts";
import type { MachineState } from "../engine/state.ts";
import { type ExploreOperation, OPERATION_KINDS, type OperationKind } from "../ops/moves.ts";
import { type Checked, checkedInvariants, Checker } from "./checker.ts";
import { Counterexamples, keyOf } from "./counterexamples.ts";
import type { CustomInvariant } from "./invariants.ts";
import { Reuse } from "./reuse.ts";
import { canonicalAnchors, type StateClasses } from "./classes.ts";
import { anchorsOf } from "./pack.ts";
import { interchangeable } from "./symmetry.ts";
import { disarmOffline, fromPlainWalk, lazyFailuresApply } from "./lazy_failures.ts";
import { runScenario } from "./scenario.ts";
import { Frontier } from "./frontier.ts";
import type { Workspace } from "./workspace.ts";

/** A search's validated options (search.ts), and whether it reports progress. */
export interface SearchLimits {
  /** Longest operation sequence. */
  readonly depth: number;
  /** The operation kinds. */
  readonly ops: readonly OperationKind[];
  /** Stop after this many distinct states. */
  readonly maxStates: number;
  /** Stop before the estimated heap exceeds this. */
  readonly maxBytes: number;
  /** Transitions between progress reports. */
  readonly every: number;
  /** The options as given (ExploreOptions): those read here. */
  readonly options: {
    readonly invariants?: readonly (string | CustomInvariant)[];
    readonly shouldStop?: () => boolean | string;
    readonly verify?: boolean;
    readonly symmetry?: boolean;
    readonly symmetricMoves?: boolean;
    readonly lazyFailures?: boolean;
    readonly anchors?: boolean;
  };
  /** Progress is reported (exploration()) or not (explore()). */
  readonly reports: boolean;
}

/** The parts of a search. */
export interface SearchParts {
  /** The CPUs explored once per orbit. */
  readonly group: readonly number[];
  /** The counterexample tree. */
  readonly tree: Counterexamples;
  /** The moves learnt. */
  readonly reuse: Reuse;
  /** The classes met (`reuse.classes`). */
  readonly classes: StateClasses;
  /** The breadth-first loop, ready to run. */
  readonly frontier: Frontier;
}

/**
 * What a search from `ws.root` is made of, built before its first operation: the root visited and
 * checked as node 0, and a frontier to run (`frontier.run()` until it returns false).
 *
 * @example
 * ```ts
 * import { searchParts } from "./search_parts.ts";
 * import { checkedInvariants } from "./checker.ts";
 * import { workspace } from "./workspace.ts";
 * import assert from "node:assert/strict";
 * const ws = workspace({ cpus: 3 });
 * const limits = {
 *   depth: 3,
 *   ops: ["online", "offline"] as const,
 *   maxStates: 1000,
 *   maxBytes: 2 ** 30,
 *   every: 5000,
 *   options: {},
 *   reports: false,
 * };
 * const { frontier, classes } = searchParts(ws, limits, checkedInvariants(ws.root));
 * assert.equal(classes.states, 1);
 * while (frontier.run());
 * assert.equal(frontier.depthCovered, 3);
 * assert.ok(classes.states > 1);
 * ```
 */
export function searchParts(ws: Workspace, limits: SearchLimits, checked: Checked[]): SearchParts {
  const options = limits.options;
  const root = ws.root;
  const kinds = OPERATION_KINDS.filter((kind) => limits.ops.includes(kind));
  // A user's predicate may read anything, anchors and CPU numbers included: then nothing is
  // reused, and no CPUs are interchangeable.
  const builtin = checked.every((c) => c.inv.source !== "user");
  const group = builtin && options.symmetry !== false ? interchangeable(root) : [];
  const tree = new Counterexamples(
    root,
    ws.config,
    ws.options,
    group,
    (lines, invariant) => runScenario(ws.options, lines, { invariants: [invariant] }),
  );
  const checker = new Checker(checked, root, tree.record);
  const reuse: Reuse = new Reuse(root, checker, tree, {
    reuse: builtin,
    verify: options.verify === true,
    group,
    // One state per class only with built-in invariants (a user's predicate may read anchors).
    anchors: !builtin || options.anchors !== false,
    // Armed failures on offline CPUs carried lazily (lazy_failures.ts).
    ...(options.lazyFailures !== false && lazyFailuresApply(kinds)
      ? {
        disarm: (s: MachineState) => disarmOffline(root.steps, s),
        derive: (cls: number, op: ExploreOperation) =>
          fromPlainWalk(
            root.steps,
            reuse.classes,
            cls,
            op,
            (i) => tree.has(keyOf(checked[i].inv.name, "fail")),
          ),
      }
      : {}),
  });
  const classes = reuse.classes;
  const rootCanonical = classes.canonical(root.s);
  const rootAnchors = new Float64Array(classes.width);
  anchorsOf(root.s, rootAnchors);
  canonicalAnchors(rootAnchors, 0, rootCanonical.perm, rootCanonical.ties);
  classes.visit(rootCanonical.cls, rootAnchors, 0);
  const booted = { now: root.s.now, monotonic: guestMonotonic(root.s), booted: true };
  checker.check(root, null, booted, 0, null);
  const frontier = new Frontier(
    root,
    reuse,
    tree,
    {
      depth: limits.depth,
      kinds,
      maxStates: limits.maxStates,
      maxBytes: limits.maxBytes,
      every: limits.every,
      reports: limits.reports,
      shouldStop: options.shouldStop,
      // One move per run of CPUs a state cannot tell apart (move_orbits.ts).
      symmetricMoves: group.length > 0 && options.symmetricMoves !== false,
    },
    rootCanonical.cls,
    rootAnchors,
    rootCanonical.ties,
  );
  return { group, tree, reuse, classes, frontier };
}

// V8 compiles the search's loop for the hidden classes (maps) of the search's objects, and a
// class's map lives only while an object of it does: once a search's objects are let go, a full
// collection drops those maps and the code compiled for them ("embedded weak objects cleared" in
// --trace-deopt: 25-40 functions a collection, the search's loop and the model's walks), and the
// next search runs unoptimised until V8 has compiled it again (issue 15: a 4-vCPU search at depth
// 22 ran at 1.3 M orbits/s with a collection before it, 1.6 without). The parts of an empty
// search, made after each search from its configuration and never run, keep those maps: one set,
// replaced by the next search's. They are made last, from the maps the search ended with (an
// object made before a field of its class changed representation, an integer field given a
// fraction say, keeps a map V8 has since replaced). Without the caller's shouldStop, and with the
// built-in invariants only: they hold nothing of the caller's but its configuration.
const kept: SearchParts[] = [];

/**
 * Makes the parts of an empty search of `ws` with `limits` (as the search just run on them had,
 * without its `shouldStop` and with the built-in invariants) and keeps them, in place of those
 * kept before: call it after a search, when its objects are about to be let go.
 *
 * @example
 * ```ts
 * import { keepShapes } from "./search_parts.ts";
 * import { workspace } from "./workspace.ts";
 * import assert from "node:assert/strict";
 * const ws = workspace({ cpus: 2 });
 * const limits = {
 *   depth: 4,
 *   ops: ["online", "offline", "advance"] as const,
 *   maxStates: 1000,
 *   maxBytes: 2 ** 30,
 *   every: 5000,
 *   options: { shouldStop: () => false },
 *   reports: true,
 * };
 * const idle = keepShapes(ws, limits);
 * assert.equal(idle.frontier.transitions, 0);
 * assert.equal(idle.frontier.limits.shouldStop, undefined);
 * ```
 */
export function keepShapes(ws: Workspace, limits: SearchLimits): SearchParts {
  const { shouldStop: _, invariants: __, ...options } = limits.options;
  kept.length = 0;
  kept.push(searchParts(ws, { ...limits, options }, checkedInvariants(ws.root)));
  return kept[0];
}
