/**
 * Move reduction by a state's own symmetry: from a state where two interchangeable CPUs are tied
 * (nothing but their tick counts tells them apart, symmetry.ts `canonicalOrder`) and their tick
 * counts are equal too, swapping them gives the state itself, so an operation on one and the same
 * operation on the other lead to the same orbit, through walks that are each other's renumbering
 * (the same checks, the same verdicts). The search (frontier.ts `Frontier.run`) runs one of them:
 * per run of such CPUs, the operation on the first (docs/model.md §Symmetry reduction says why that
 * is exact).
 *
 * @module
 */

import type { ExploreOperation } from "../ops/moves.ts";
import { cpusNamed, renamed } from "./concrete.ts";

/**
 * Per operation `g` of a class (`ops`, in its representative's numbering, whose runs of tied CPUs
 * are `ties`: the class's canonical form, classes.ts `Canonical`): `out[2g]` the CPU it names and
 * `out[2g + 1]` the CPU before that one in its run, when the same operation on that CPU is one of
 * `ops` too; -1, -1 otherwise. Null when no CPUs are tied (nothing to leave out). A state of the
 * class leaves out operation g when those two CPUs have the same tick count ({@linkcode takes}).
 *
 * @example Two offline CPUs of four: one `online` of the two
 * ```ts
 * import { symmetricTwins, takes } from "./move_orbits.ts";
 * import { canonicalOrder } from "./symmetry.ts";
 * import { MOVES } from "../ops/moves.ts";
 * import { workspace } from "./workspace.ts";
 * import { anchorsOf } from "./pack.ts";
 * import { kernelOn } from "../machine/kernel.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const m = vm({ cpus: 4 }).build();
 * m.offline(1);
 * m.offline(2);
 * const s = m.snapshot();
 * const { ties } = canonicalOrder(s, [1, 2, 3]);
 * assert.deepEqual(ties, [[1, 2]]);
 * const ops = MOVES.online(kernelOn(workspace({ cpus: 4 }).root, s));
 * assert.deepEqual(ops.map((op) => op.ops[0]), [
 *   { kind: "online", cpu: 1 },
 *   { kind: "online", cpu: 2 },
 * ]);
 * const twins = symmetricTwins(ties, ops)!;
 * assert.deepEqual([...twins], [-1, -1, 2, 1]);
 * const anchors = new Float64Array(7);
 * anchorsOf(s, anchors);
 * assert.deepEqual(ops.map((_, g) => takes(twins, g, anchors, 0)), [true, false]);
 * ```
 */
export function symmetricTwins(
  ties: readonly ArrayLike<number>[],
  ops: readonly ExploreOperation[],
): Int32Array | null {
  if (ties.length === 0) return null;
  // The CPU before each tied CPU in its run.
  const before = new Map<number, number>();
  let cpus = 0;
  for (const run of ties) {
    for (let i = 0; i < run.length; i++) {
      if (i > 0) before.set(run[i], run[i - 1]);
      cpus = Math.max(cpus, run[i] + 1);
    }
  }
  // Operations as data: renamed() keeps each field's place, so equal operations give equal text
  // (moveScript's REPL lines, the same identity, validate each operation again: a sixth of the
  // search's time at 8 vCPUs with one state per class, where every class is prepared).
  const key = (op: ExploreOperation) => JSON.stringify(op.ops);
  // Only operations on a tied CPU can be another's renumbering (fault injections are most of a
  // class's operations, a few dozen a CPU: keying them all cost 6 % of a search).
  const onTied = (op: ExploreOperation) => {
    const named = cpusNamed(op);
    return named.length === 1 && named[0] < cpus && (before.has(named[0]) || firsts.has(named[0]));
  };
  const firsts = new Set(ties.map((run) => run[0]));
  const index = new Set(ops.filter(onTied).map(key));
  const out = new Int32Array(2 * ops.length).fill(-1);
  // One renumbering, two CPUs swapped at a time and back.
  const swap = Int32Array.from({ length: cpus }, (_, i) => i);
  ops.forEach((op, g) => {
    const named = cpusNamed(op);
    if (named.length !== 1) return;
    const cpu = named[0];
    const prev = before.get(cpu);
    if (prev === undefined) return;
    swap[cpu] = prev;
    swap[prev] = cpu;
    if (index.has(key(renamed(op, swap)))) {
      out[2 * g] = cpu;
      out[2 * g + 1] = prev;
    }
    swap[cpu] = cpu;
    swap[prev] = prev;
  });
  return out;
}

/**
 * Whether a state (anchors `v[at…]`, as pack.ts orders them) takes operation `g` of its class:
 * false when it names a CPU tied with the one before it (`twins`, {@linkcode symmetricTwins}) and
 * the two have the same tick count — then the state is its own renumbering with the two swapped,
 * and the operation on the one before leads to the same orbit.
 *
 * @example
 * ```ts
 * import { takes } from "./move_orbits.ts";
 * import assert from "node:assert/strict";
 * const twins = Int32Array.of(-1, -1, 2, 1);
 * // now, jiffies, three CPUs' tick counts, the epoch
 * assert.equal(takes(twins, 1, [0, 0, 5, 7, 7, 0], 0), false);
 * assert.equal(takes(twins, 1, [0, 0, 5, 6, 7, 0], 0), true);
 * assert.equal(takes(null, 1, [0, 0, 5, 7, 7, 0], 0), true);
 * ```
 */
export function takes(
  twins: Int32Array | null,
  g: number,
  v: ArrayLike<number>,
  at: number,
): boolean {
  if (twins === null) return true;
  const prev = twins[2 * g + 1];
  return prev < 0 || v[at + 2 + twins[2 * g]] !== v[at + 2 + prev];
}
