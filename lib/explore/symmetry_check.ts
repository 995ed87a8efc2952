/**
 * `verifySymmetry()`: a search with symmetry reduction held to the plain search on the same
 * machine — the same verdict for every invariant and a counterexample of the same length for
 * every (invariant, kind of last operation) — what the reduction promises (docs/model.md
 * §Exploration).
 *
 * @module
 */

import { explore, type ExploreOptions, type ExploreResult } from "./search.ts";
import type { ConfigInput } from "./workspace.ts";
import { isPlainObject, readInput, show } from "../util/check.ts";

/** Both searches and what differs between them. */
export interface SymmetryCheck {
  /** The search without symmetry reduction. */
  readonly plain: ExploreResult;
  /** The search with it. */
  readonly reduced: ExploreResult;
  /** Each difference in words (empty: they agree). */
  readonly differences: readonly string[];
}

/**
 * Explores `config` with and without symmetry reduction (`options` as {@linkcode explore} takes
 * them; both searches must complete) and compares their verdicts and shortest counterexamples.
 *
 * @example
 * ```ts
 * import { verifySymmetry } from "./symmetry_check.ts";
 * import assert from "node:assert/strict";
 * const check = verifySymmetry({ hyperv: "2019", kernel: "5.4", cpus: 3 }, { depth: 3 });
 * assert.deepEqual(check.differences, []);
 * assert.ok(check.reduced.states < check.plain.states);
 * ```
 * @throws {RangeError|TypeError} for bad options, as `explore()`; {@linkcode RangeError} when a
 * search stops before its depth (a budget: nothing to compare).
 */
export function verifySymmetry(
  config: ConfigInput,
  options: Omit<ExploreOptions, "symmetry"> = {},
): SymmetryCheck {
  const read = readInput(options, "options");
  if (!isPlainObject(read)) {
    throw new TypeError(`options: ${show(read)} is not an object of explore options`);
  }
  if ("symmetry" in read) {
    throw new TypeError(`options: unknown key "symmetry" (verifySymmetry runs both searches)`);
  }
  options = read;
  const plain = explore(config, { ...options, symmetry: false });
  const reduced = explore(config, { ...options, symmetry: true });
  for (const r of [plain, reduced]) {
    if (r.stopped !== null) {
      throw new RangeError(
        `verifySymmetry: the search ${r === plain ? "without" : "with"} symmetry stopped ` +
          `(${r.stopped}) at depth ${r.depthCovered} of ${r.depth}: give a smaller depth or a ` +
          `larger budget`,
      );
    }
  }
  const differences: string[] = [];
  plain.invariants.forEach((p, i) => {
    const q = reduced.invariants[i];
    if (p.holds !== q.holds) {
      differences.push(`${p.name} holds ${p.holds} without symmetry, ${q.holds} with it`);
    }
  });
  const key = (v: ExploreResult["violations"][number]) => `${v.invariant} during ${v.during}`;
  const lengths = (r: ExploreResult) =>
    new Map(r.violations.map((v) => [key(v), v.operations.length]));
  const [a, b] = [lengths(plain), lengths(reduced)];
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    if (a.get(k) !== b.get(k)) {
      const say = (n: number | undefined) =>
        n === undefined ? "no counterexample" : `a shortest counterexample of ${n} operations`;
      differences.push(`${k}: ${say(a.get(k))} without symmetry, ${say(b.get(k))} with it`);
    }
  }
  return { plain, reduced, differences };
}
