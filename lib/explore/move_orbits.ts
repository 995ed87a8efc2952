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
import { concernedCpu } from "../ops/operations.ts";

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
  // The CPU before each tied CPU in its run, -1 for a run's first; -2 for a CPU not tied.
  let cpus = 0;
  for (const run of ties) for (let i = 0; i < run.length; i++) cpus = Math.max(cpus, run[i] + 1);
  const before = new Int32Array(cpus).fill(-2);
  for (const run of ties) {
    for (let i = 0; i < run.length; i++) {
      before[run[i]] = i > 0 ? run[i - 1] : -1;
    }
  }
  // Each operation on one tied CPU (only those can be another's renumbering: fault injections are
  // most of a class's operations, a few dozen a CPU), as its shape: the operation with that CPU
  // left out. Two operations, on CPUs a and b, are each other's renumbering with a and b swapped
  // exactly when their shapes are equal (concrete.ts renamed() changes nothing else).
  const named = new Int32Array(ops.length).fill(-1);
  const shapes: string[] = [];
  // The CPUs each shape is met on (a shape is the same string each time: its hash is kept).
  const index = new Map<string, number[]>();
  for (let g = 0; g < ops.length; g++) {
    const op = ops[g];
    let seen = SEEN.get(op);
    if (seen === undefined) SEEN.set(op, seen = { cpu: onlyCpu(op), shape: null });
    const cpu = seen.cpu;
    if (cpu < 0 || cpu >= cpus || before[cpu] === -2) continue;
    named[g] = cpu;
    shapes[g] = seen.shape ??= shapeOf(op);
    const on = index.get(shapes[g]);
    if (on === undefined) index.set(shapes[g], [cpu]);
    else on.push(cpu);
  }
  const out = new Int32Array(2 * ops.length).fill(-1);
  for (let g = 0; g < ops.length; g++) {
    const cpu = named[g];
    if (cpu < 0) continue;
    const prev = before[cpu];
    if (prev >= 0 && index.get(shapes[g])!.includes(prev)) {
      out[2 * g] = cpu;
      out[2 * g + 1] = prev;
    }
  }
  return out;
}

// Per operation, the one CPU it names and its shape (below), worked out once: the operations on a
// CPU are made once and shared by the classes that allow them (lib/ops/moves.ts).
const SEEN = new WeakMap<ExploreOperation, { cpu: number; shape: string | null }>();

// The one CPU an operation names (cpusNamed), or -1 when it names none or several.
function onlyCpu(op: ExploreOperation): number {
  let cpu = -1;
  for (const o of op.ops) {
    const n = concernedCpu(o);
    if (n < 0 || n === cpu) continue;
    if (cpu >= 0) return -1;
    cpu = n;
  }
  return cpu;
}

// An operation with the CPU it names left out, as text: what renamed() leaves alone, each field
// in its place (as JSON). The CPU online/offline and a sysfs write name are written by hand (they
// are nearly all of a class's operations: JSON and renamed() copies of each were a sixth of
// preparing a class at 8 vCPUs).
function shapeOf(op: ExploreOperation): string {
  let out = "";
  for (const o of op.ops) {
    if (o.kind === "online" || o.kind === "offline") out += `${o.kind};`;
    else if (o.kind === "echo") {
      out += `echo ${JSON.stringify(o.value)} ${
        JSON.stringify(o.path.replace(CPU_IN_PATH, "/cpu#/"))
      };`;
    } else if ("cpu" in o && typeof o.cpu === "number") {
      out += `${JSON.stringify({ ...o, cpu: -1 })};`;
    } else if ("path" in o && typeof o.path === "string") {
      out += `${JSON.stringify({ ...o, path: o.path.replace(CPU_IN_PATH, "/cpu#/") })};`;
    } else out += `${JSON.stringify(o)};`;
  }
  return out;
}

// A CPU in a sysfs path, as renamed() and concernedCpu() find it (the first).
const CPU_IN_PATH = /\/cpu\d+\//;

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
