/**
 * `explore()`: breadth-first search over every sequence of operations up to a depth, states
 * deduplicated by their packed numbers, invariants checked in every state and at every hotplug
 * step. A violation comes with its shortest operation sequence (breadth-first order finds it
 * first). The model runs once per operation and class of states; the other states of the class
 * take the same move (reuse.ts keeps that account). This file validates and makes the result; the
 * search's parts are built by search_parts.ts, and the breadth-first loop itself is
 * `Frontier.run()` (frontier.ts).
 *
 * @module
 */

import type { MachineConfig } from "../engine/config.ts";
import { didYouMean } from "../util/hint.ts";
import { arrayOf, check, func, object, optional, readInput, show } from "../util/check.ts";
import { OPERATION_KINDS, type OperationKind } from "../ops/moves.ts";
import {
  type Checked,
  checkedInvariants,
  INVARIANT_LIST,
  type InvariantVerdict,
  verdicts,
} from "./checker.ts";
import type { Violation } from "./counterexamples.ts";
import { type CustomInvariant, designOf } from "./invariants.ts";
import { DEFAULT_MAX_BYTES } from "./memory.ts";
import type { ExploreProgress } from "./frontier.ts";
import { type ConfigInput, type Workspace, workspace } from "./workspace.ts";
import { keepShapes, type SearchLimits, searchParts } from "./search_parts.ts";

export type { InvariantVerdict } from "./checker.ts";
export type { ExploreProgress } from "./frontier.ts";
export type { Violation, ViolationStep } from "./counterexamples.ts";

/** How to explore. */
export interface ExploreOptions {
  /** Longest operation sequence, 0 to 64 (default 4). */
  readonly depth?: number;
  /** Operation kinds (default online, offline, advance). */
  readonly ops?: readonly OperationKind[];
  /**
   * Built-in invariants by name and custom ones (default: every built-in). A custom predicate may
   * read anything, so with one the model runs for every operation of every state (no reuse).
   */
  readonly invariants?: readonly (string | CustomInvariant)[];
  /** Stop after this many distinct states (default 1,000,000). */
  readonly maxStates?: number;
  /**
   * Stop before what the search keeps (states, classes, learnt moves) exceeds this many bytes of
   * heap, estimated from the packed states (memory.ts; default 1 GiB, which is about 2 GiB of
   * process memory).
   */
  readonly maxBytes?: number;
  /**
   * Asked between operations: true, or a reason such as "time budget", stops the search
   * (Ctrl-C, a deadline); the result's `stopped` says why ("interrupted" for true).
   */
  readonly shouldStop?: () => boolean | string;
  /** Transitions between progress reports of {@linkcode exploration} (default 5000). */
  readonly progressEvery?: number;
  /**
   * Also run the full model wherever the search reuses what an operation did to another state of
   * the same class, and throw if the two differ (slow: for testing the search).
   */
  readonly verify?: boolean;
  /**
   * Explore the CPUs the configuration makes interchangeable (symmetry.ts `interchangeable`) once
   * per orbit: states equal but for which of those CPUs is which count as one (default true; off
   * with a custom invariant, which may read CPU numbers). Counterexamples still name the CPUs a
   * replay from the boot uses.
   */
  readonly symmetry?: boolean;
  /**
   * With symmetry, of the operations that differ only by which of two CPUs the state itself does
   * not tell apart (tied, with equal tick counts: swapping them gives the same state), run one:
   * the others lead to the same orbit (move_orbits.ts; default true). False runs every one (for
   * checking the reduction: the same orbits, verdicts and counterexample lengths, more
   * `transitions`).
   */
  readonly symmetricMoves?: boolean;
  /**
   * With `fail`, `online` and `offline` among the operations, a failure left armed on an offline
   * CPU is carried lazily: the state is kept without it, and the failure is written right before
   * the `online` that fires it (a `fail` move), at the same place in the path
   * (lazy_failures.ts; default true). False keeps every armed failure (for checking the
   * reduction: the same verdicts and counterexample lengths, more states).
   */
  readonly lazyFailures?: boolean;
  /**
   * Keep states that differ only in their anchors (`now`, `jiffies_64`, tick counts, `refEpoch`)
   * apart (default true). False keeps one state per class: the first met, at its least depth. An
   * operation does the same to every state of a class and no built-in invariant reads an anchor
   * but as a difference within one operation, so the verdicts and each counterexample's length
   * are the same (docs/model.md §Exploration, "One state per class"); `states` then counts
   * classes (orbits of them, with symmetry). Off with a custom invariant, which may read anchors.
   */
  readonly anchors?: boolean;
}

/** What a search covered and found (plain data). */
export interface ExploreResult {
  /** The machine explored. */
  readonly config: MachineConfig;
  /** Its stimer design, in words. */
  readonly design: string;
  /** The requested depth. */
  readonly depth: number;
  /** Every sequence up to this length was explored (less than `depth` when stopped). */
  readonly depthCovered: number;
  /** The operation kinds. */
  readonly ops: readonly OperationKind[];
  /**
   * Distinct states (equal when their fingerprints are: history aside), or with symmetry, distinct
   * orbits of states, told apart by each CPU's order of `clockevent_devices` rather than the whole
   * list's (lib/explore/list_identity.ts); with `anchors: false`, distinct classes (or orbits of
   * them): states equal but for their anchors count once.
   */
  readonly states: number;
  /** The CPUs explored once per orbit (empty: no symmetry reduction). */
  readonly symmetric: readonly number[];
  /**
   * Operations run. With symmetry and `symmetricMoves` (the default), one per class of operations
   * that differ only by CPUs the state cannot tell apart: fewer than with `symmetricMoves: false`
   * on the same orbits.
   */
  readonly transitions: number;
  /**
   * Operations the model ran itself, every callback and invariant checked; the others took the
   * move of the first state of their class (docs/model.md §Exploration). With symmetry, of
   * `transitions` only: the operations `symmetricMoves` leaves out are neither run nor counted.
   */
  readonly modelRuns: number;
  /**
   * null when complete, else why it stopped: "state budget", "memory budget", or the reason
   * `shouldStop` gave.
   */
  readonly stopped: string | null;
  /** Estimated heap bytes the search held at its end (memory.ts). */
  readonly bytes: number;
  /** Verdict per invariant. */
  readonly invariants: readonly InvariantVerdict[];
  /** Shortest counterexample per invariant and kind of last operation. */
  readonly violations: readonly Violation[];
}

// Each option's value is checked below, with its own message; here, the object and its keys.
const given = <T>() => check<T>("(checked below)", (v) => v as T);
const OPTIONS = object<ExploreOptions>({
  depth: optional(given<number>()),
  ops: optional(arrayOf(given<OperationKind>())),
  invariants: optional(INVARIANT_LIST),
  maxStates: optional(given<number>()),
  maxBytes: optional(given<number>()),
  shouldStop: optional(func("a callback () => boolean | string")),
  progressEvery: optional(given<number>()),
  verify: optional(given<boolean>()),
  symmetry: optional(given<boolean>()),
  symmetricMoves: optional(given<boolean>()),
  lazyFailures: optional(given<boolean>()),
  anchors: optional(given<boolean>()),
}, "explore options");

function validate(input: ExploreOptions) {
  const options = OPTIONS(readInput(input, "options"), "options");
  const depth = options.depth ?? 4;
  if (!Number.isInteger(depth) || depth < 0 || depth > 64) {
    throw new RangeError(`Invalid depth ${show(depth)}: expected an integer 0 to 64`);
  }
  const ops = [...(options.ops ?? ["online", "offline", "advance"])];
  for (const [i, op] of ops.entries()) {
    if (typeof op !== "string") {
      throw new TypeError(
        `options.ops[${i}]: ${show(op)} is not an operation kind; valid: ${
          OPERATION_KINDS.join(", ")
        }`,
      );
    }
    if (!(OPERATION_KINDS as readonly string[]).includes(op)) {
      throw new RangeError(
        `Invalid operation ${show(op)}${didYouMean(op, OPERATION_KINDS)}; ` +
          `valid: ${OPERATION_KINDS.join(", ")}`,
      );
    }
  }
  if (ops.length === 0) throw new RangeError(`Invalid ops []: name at least one operation kind`);
  const maxStates = options.maxStates ?? 1_000_000;
  if (!Number.isSafeInteger(maxStates) || maxStates < 1) {
    throw new RangeError(
      `Invalid maxStates ${show(maxStates)}: expected a positive integer`,
    );
  }
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new RangeError(
      `Invalid maxBytes ${show(maxBytes)}: expected a positive integer (bytes)`,
    );
  }
  const every = options.progressEvery ?? 5000;
  if (!Number.isSafeInteger(every) || every < 1) {
    throw new RangeError(
      `Invalid progressEvery ${show(every)}: expected a positive integer`,
    );
  }
  for (const key of ["verify", "symmetry", "symmetricMoves", "lazyFailures", "anchors"] as const) {
    if (options[key] !== undefined && typeof options[key] !== "boolean") {
      throw new TypeError(`Invalid ${key} ${show(options[key])}: expected true or false`);
    }
  }
  return { depth, ops, maxStates, maxBytes, every, options };
}

/**
 * The search as a generator: it yields progress every `progressEvery` operations and returns
 * the result, so a caller can report progress and stop it between yields.
 *
 * @example
 * ```ts
 * import { exploration } from "./search.ts";
 * import assert from "node:assert/strict";
 * const run = exploration({ hyperv: "2019", kernel: "5.5", cpus: 2 }, { depth: 2 });
 * let step = run.next();
 * while (!step.done) step = run.next();
 * assert.equal(step.value.stopped, null);
 * ```
 * @throws {RangeError|TypeError} for bad options; {@linkcode ConfigError} for a bad configuration;
 * with `verify`, an `Error` when a reused operation differs from the full model's run.
 */
export function exploration(
  config: ConfigInput,
  options: ExploreOptions = {},
): Generator<ExploreProgress, ExploreResult, void> {
  return searchOf(config, options, true);
}

// The search, its progress reported or not (explore() reads none).
function searchOf(
  config: ConfigInput,
  options: ExploreOptions,
  reports: boolean,
): Generator<ExploreProgress, ExploreResult, void> {
  // Everything is checked now, before the first next().
  const limits = { ...validate(options), reports };
  const ws = workspace(config);
  return search(ws, limits, checkedInvariants(ws.root, limits.options.invariants));
}

function* search(
  ws: Workspace,
  limits: SearchLimits,
  checked: Checked[],
): Generator<ExploreProgress, ExploreResult, void> {
  const { group, tree, reuse, classes, frontier } = searchParts(ws, limits, checked);
  for (;;) {
    const more = frontier.run();
    yield* frontier.reports;
    frontier.reports.length = 0;
    if (!more) break;
  }
  const { stopped, transitions } = frontier;
  reuse.settle();
  keepShapes(ws, limits);
  return {
    config: ws.config,
    design: designOf(ws.root),
    depth: limits.depth,
    depthCovered: stopped ? frontier.depthCovered : limits.depth,
    ops: limits.ops,
    states: classes.states,
    symmetric: group,
    transitions,
    modelRuns: reuse.modelRuns,
    stopped,
    bytes: frontier.held(),
    invariants: verdicts(checked),
    violations: tree.list(),
  };
}

/**
 * Explores every sequence of operations up to `depth` from a freshly booted machine and checks
 * the invariants in every state and at every hotplug step (see {@linkcode ExploreOptions}).
 *
 * @example
 * ```ts
 * import { explore } from "./search.ts";
 * import assert from "node:assert/strict";
 * const r = explore({ hyperv: "2019", arch: "x86_64", kernel: "5.4", cpus: 2 }, { depth: 1 });
 * const hang = r.violations.find((v) => v.invariant === "no-hang")!;
 * assert.deepEqual(hang.operations, ["offline 1"]);
 * ```
 * @throws {RangeError|TypeError} for bad options; {@linkcode ConfigError} for a bad configuration.
 */
export function explore(
  config: ConfigInput,
  options: ExploreOptions = {},
): ExploreResult {
  // Without progress reports: nobody reads them here (the search stops only by its budgets and
  // shouldStop, asked before every operation either way), and without them the search's loop
  // runs to the end in one call (frontier.ts).
  const run = searchOf(config, options, false);
  for (;;) {
    const step = run.next();
    if (step.done) return step.value;
  }
}
