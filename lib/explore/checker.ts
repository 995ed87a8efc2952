/**
 * Checking invariants (their table is invariants.ts): which apply where, their counts and
 * verdicts, where a violation happened; and for a search, one check point refilled at every check
 * (hundreds per operation), violations handed to the search's recorder with the node and operation
 * they belong to, or collected by name while muted, and counts taken out of a run so the search
 * can add them once per state that takes the move.
 *
 * @module
 */

import {
  arrayOf,
  boolean,
  type Check,
  check,
  func,
  invalid,
  isPlainObject,
  object,
  optional,
  show,
  string,
} from "../util/check.ts";
import type { Kernel } from "../engine/kernel.ts";
import type { StepPoint } from "../engine/observe.ts";
import type { ExploreOperation } from "../ops/moves.ts";
import {
  type BuiltinInvariant,
  type CheckPoint,
  type CustomInvariant,
  INVARIANT_NAMES,
  INVARIANTS,
} from "./invariants.ts";
import { stateName } from "../machine/info.ts";
import { didYouMean } from "../util/hint.ts";
import { type Checked, InvariantChecks } from "./invariant_checks.ts";

export { type Checked, firesAt, InvariantChecks } from "./invariant_checks.ts";

/**
 * What the search does with a violation of `c` in node `node` (inside `last`, at `step`, on `k`):
 * `Counterexamples.record`.
 */
export type Recorder = (
  c: Checked,
  message: string,
  node: number,
  last: ExploreOperation | null,
  step: StepPoint | null,
  k: Kernel,
) => void;

/**
 * Checks invariants and counts them (see the module).
 *
 * @example Counts taken out of a check, then added back twice
 * ```ts
 * import { Checker } from "./checker.ts";
 * import { checkedInvariants } from "./checker.ts";
 * import { workspace } from "./workspace.ts";
 * import assert from "node:assert/strict";
 * const { root } = workspace({ cpus: 2 });
 * const checked = checkedInvariants(root, ["no-hang"]);
 * const checker = new Checker(checked, root, () => {});
 * const before = { now: root.s.now, monotonic: root.s.now };
 * const counts = checker.counted(() => checker.check(root, null, before, 0, null));
 * assert.deepEqual([...counts], [1, 0]);
 * assert.equal(checked[0].checks, 0);
 * checker.add(counts, 2);
 * assert.equal(checked[0].checks, 2);
 * ```
 */
export class Checker {
  readonly #checks: InvariantChecks;
  readonly #point: { -readonly [K in keyof CheckPoint]: CheckPoint[K] };
  #node = 0;
  #last: ExploreOperation | null = null;
  #muted: string[] | null = null;
  // counted()'s array of the counts before, while no call holds it.
  #was: Float64Array | null = null;
  // The count arrays counted() has returned, by the hash of their numbers: one array per list of
  // numbers (the 8-vCPU depth-12 search's 0.43 M calls gave 68 lists; an Int32Array each was an
  // allocation outside the heap, ~0.7 µs, and garbage for the collector).
  readonly #made = new Map<number, Int32Array[]>();
  readonly #out: Int32Array;

  /** Checks `checked`, handing violations to `record`. */
  constructor(readonly checked: readonly Checked[], root: Kernel, readonly record: Recorder) {
    this.#checks = new InvariantChecks(checked);
    this.#point = { k: root, step: null, before: { now: 0, monotonic: 0 } };
    this.#out = new Int32Array(2 * checked.length);
  }

  readonly #report = (c: Checked, message: string): void => {
    if (this.#muted) this.#muted.push(c.inv.name);
    else this.record(c, message, this.#node, this.#last, this.#point.step, this.#point.k);
  };

  /** Checks every invariant that applies at a step (or, with `step` null, in the state). */
  check(
    k: Kernel,
    step: StepPoint | null,
    before: { now: number; monotonic: number; booted?: boolean },
    node: number,
    last: ExploreOperation | null,
  ): void {
    const point = this.#point;
    point.k = k;
    point.step = step;
    point.before = before;
    this.#node = node;
    this.#last = last;
    this.#checks.check(point, this.#report);
  }

  /**
   * Runs `f` and returns the counts its checks made, per invariant checks then violations, taken
   * back out. With `violated`, its violations go there by name instead of being recorded. The
   * array returned may be one returned before with the same numbers: read it, do not change it.
   */
  counted(f: () => void, violated?: string[]): Int32Array {
    // The counts before in one typed array, kept for the next call (twice per model run: a new
    // one each time was ~0.4 M arrays of garbage in the 8-vCPU search); a call inside `f` takes
    // its own.
    const checked = this.checked;
    const checks = this.#checks;
    const was = this.#was ?? new Float64Array(2 * checked.length);
    this.#was = null;
    checks.flush();
    for (let i = 0; i < checked.length; i++) {
      was[2 * i] = checked[i].checks;
      was[2 * i + 1] = checked[i].violations;
    }
    const muted = this.#muted;
    this.#muted = violated ?? null;
    const deferred = checks.defer(true);
    try {
      f();
    } finally {
      this.#muted = muted;
      checks.flush();
      checks.defer(deferred);
    }
    const out = this.#out;
    for (let i = 0; i < checked.length; i++) {
      const c = checked[i];
      out[2 * i] = c.checks - was[2 * i];
      out[2 * i + 1] = c.violations - was[2 * i + 1];
      c.checks = was[2 * i];
      c.violations = was[2 * i + 1];
    }
    this.#was = was;
    return this.#shared(out);
  }

  // The array of `out`'s numbers made before, or a copy of `out` kept as it.
  #shared(out: Int32Array): Int32Array {
    let h = 0x811c9dc5;
    for (let i = 0; i < out.length; i++) h = Math.imul(h ^ out[i], 0x01000193);
    const key = h >>> 2;
    const known = this.#made.get(key);
    if (known !== undefined) {
      for (let j = 0; j < known.length; j++) {
        const a = known[j];
        let same = true;
        for (let i = 0; i < out.length && same; i++) same = a[i] === out[i];
        if (same) return a;
      }
    }
    const copy = out.slice();
    if (known !== undefined) known.push(copy);
    else this.#made.set(key, [copy]);
    return copy;
  }

  /** Adds counts from {@linkcode counted}, `times` over. */
  add(counts: Int32Array, times: number): void {
    for (let i = 0; i < this.checked.length; i++) {
      this.checked[i].checks += times * counts[2 * i];
      this.checked[i].violations += times * counts[2 * i + 1];
    }
  }
}

/** Where a violation happened: the step, or for a hang the step it hangs in. */
export function violationStep(
  k: Kernel,
  inv: BuiltinInvariant,
  step: StepPoint | null,
): { cpu: number; state: number; stateName: string; callback: string; teardown: boolean } | null {
  if (step) {
    return {
      cpu: step.cpu,
      state: step.state,
      stateName: stateName(k, step.state),
      callback: step.callback,
      teardown: step.teardown,
    };
  }
  const hang = inv.name === "no-hang" ? k.s.hang : null;
  if (!hang) return null;
  return {
    cpu: hang.cpu,
    state: hang.state,
    stateName: hang.stateName,
    callback: hang.callback,
    // The walk was going down when its target is below the state it hung at.
    teardown: k.s.cpus[hang.cpu].target < hang.state,
  };
}

function custom(c: CustomInvariant): BuiltinInvariant {
  if (!c || typeof c.name !== "string" || typeof c.check !== "function") {
    throw new TypeError(
      `Invalid invariant ${show(c)}: expected a built-in name or { name, check(state, step) }`,
    );
  }
  return {
    name: c.name,
    description: c.description ?? c.name,
    source: "user",
    during: c.duringSteps === false ? "none" : "all",
    inStates: true,
    check({ k, step }) {
      const out = c.check(k.s, step);
      if (typeof out === "string") return out;
      return out === false ? `${c.name} does not hold` : null;
    },
  };
}

const CUSTOM = object<CustomInvariant>({
  name: string(),
  description: optional(string()),
  duringSteps: optional(boolean),
  check: func("a predicate check(state, step)"),
}, "a custom invariant { name, check(state, step) }");

/**
 * A list of invariants: built-in names (which, checked where they are used) and custom ones.
 *
 * @example
 * ```ts
 * import { INVARIANT_LIST } from "./checker.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(INVARIANT_LIST(["no-hang"], "invariants"), ["no-hang"]);
 * assert.throws(() => INVARIANT_LIST("no-hang", "invariants"), /invariants: "no-hang" is not an array/);
 * assert.throws(() => INVARIANT_LIST([{ name: "x", chek: () => true }], "invariants"), /did you mean "check"/);
 * ```
 */
export const INVARIANT_LIST: Check<readonly (string | CustomInvariant)[]> = arrayOf(
  check<string | CustomInvariant>("a built-in invariant's name or { name, check }", (v, at) => {
    if (typeof v === "string") return v;
    if (!isPlainObject(v)) {
      invalid(at, v, "a built-in invariant's name or { name, check(state, step) }", "type");
    }
    return CUSTOM(v, at);
  }),
);

/**
 * The invariants to check on `k`'s machine: built-in names and custom predicates (default every
 * built-in). @throws {RangeError} for an unknown name; {@linkcode TypeError} for a bad predicate.
 */
export function checkedInvariants(
  k: Kernel,
  list: readonly (string | CustomInvariant)[] = INVARIANT_NAMES,
): Checked[] {
  return list.map((item) => {
    let inv: BuiltinInvariant;
    if (typeof item === "string") {
      const found = INVARIANTS.find((b) => b.name === item);
      if (!found) {
        throw new RangeError(
          `Invalid invariant ${show(item)}${didYouMean(item, INVARIANT_NAMES)}; ` +
            `valid: ${INVARIANT_NAMES.join(", ")}`,
        );
      }
      inv = found;
    } else inv = custom(item);
    return { inv, expected: inv.claimedFor ? !inv.claimedFor(k) : false, checks: 0, violations: 0 };
  });
}

/** One invariant's verdict over everything checked. */
export interface InvariantVerdict {
  /** Name. */
  readonly name: string;
  /** What it says. */
  readonly description: string;
  /** "always" (no violation), "sometimes", or "never" (violated at every check). */
  readonly holds: "always" | "sometimes" | "never";
  /**
   * States and steps it was checked at; where a state took its class's move, the checks of that
   * move, which are what the model gives on that state (docs/model.md §Exploration).
   */
  readonly checks: number;
  /** How many of them violated it. */
  readonly violations: number;
  /** Whether violations are expected on this design (a claim made for another design). */
  readonly expected: boolean;
}

/** The verdicts of checked invariants, in order. */
export function verdicts(checked: readonly Checked[]): InvariantVerdict[] {
  return checked.map((c) => ({
    name: c.inv.name,
    description: c.inv.description,
    holds: c.violations === 0 ? "always" : c.violations === c.checks ? "never" : "sometimes",
    checks: c.checks,
    violations: c.violations,
    expected: c.expected,
  }));
}
