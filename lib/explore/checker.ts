/**
 * Invariant checking for a search: one check point refilled at every check (hundreds per
 * operation), violations handed to the search's recorder with the node and operation they belong
 * to, or collected by name while muted, and counts taken out of a run so the search can add them
 * once per state that takes the move.
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import type { StepPoint } from "../engine/observe.ts";
import type { Counterexamples } from "./counterexamples.ts";
import type { ExploreOperation } from "../ops/moves.ts";
import { type Checked, type CheckPoint, InvariantChecks } from "./invariants.ts";

/** What the search does with a violation: {@linkcode Counterexamples.record}'s signature. */
export type Recorder = Counterexamples["record"];

/**
 * Checks invariants and counts them (see the module).
 *
 * @example Counts taken out of a check, then added back twice
 * ```ts
 * import { Checker } from "./checker.ts";
 * import { checkedInvariants } from "./invariants.ts";
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
  #where = { node: 0, last: null as ExploreOperation | null };
  #muted: string[] | null = null;

  /** Checks `checked`, handing violations to `record`. */
  constructor(readonly checked: readonly Checked[], root: Kernel, readonly record: Recorder) {
    this.#checks = new InvariantChecks(checked);
    this.#point = { k: root, step: null, before: { now: 0, monotonic: 0 } };
  }

  readonly #report = (c: Checked, message: string): void => {
    if (this.#muted) this.#muted.push(c.inv.name);
    else {
      const { node, last } = this.#where;
      this.record(c, message, node, last, this.#point.step, this.#point.k);
    }
  };

  /** Checks every invariant that applies at a step (or, with `step` null, in the state). */
  check(
    k: Kernel,
    step: StepPoint | null,
    before: { now: number; monotonic: number },
    node: number,
    last: ExploreOperation | null,
  ): void {
    const point = this.#point;
    point.k = k;
    point.step = step;
    point.before = before;
    if (this.#where.node !== node || this.#where.last !== last) this.#where = { node, last };
    this.#checks.check(point, this.#report);
  }

  /**
   * Runs `f` and returns the counts its checks made, per invariant checks then violations, taken
   * back out. With `violated`, its violations go there by name instead of being recorded.
   */
  counted(f: () => void, violated?: string[]): Int32Array {
    const was = this.checked.map((c) => [c.checks, c.violations]);
    this.#muted = violated ?? null;
    try {
      f();
    } finally {
      this.#muted = null;
    }
    const out = new Int32Array(2 * this.checked.length);
    this.checked.forEach((c, i) => {
      out[2 * i] = c.checks - was[i][0];
      out[2 * i + 1] = c.violations - was[i][1];
      [c.checks, c.violations] = was[i];
    });
    return out;
  }

  /** Adds counts from {@linkcode counted}, `times` over. */
  add(counts: Int32Array, times: number): void {
    for (let i = 0; i < this.checked.length; i++) {
      this.checked[i].checks += times * counts[2 * i];
      this.checked[i].violations += times * counts[2 * i + 1];
    }
  }
}
