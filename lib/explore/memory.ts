/**
 * What a search's memory is estimated from: the bytes each thing it keeps costs on the heap,
 * measured from the packed states (pack.ts) and calibrated against V8's heap use
 * (`Deno.memoryUsage().heapUsed` after a GC) on searches of 4, 8 and 64 vCPUs: the estimate is
 * never below what was measured. The core reads no memory counter itself (it is pure); the budget
 * is `ExploreOptions.maxBytes`.
 *
 * @module
 */

/** The default memory budget of a search: 1 GiB of heap (about 2 GiB of process memory). */
export const DEFAULT_MAX_BYTES = 2 ** 30;

/**
 * Estimated heap bytes of one class: its representative state (a machine state on the heap takes
 * about twice its packed numbers as doubles) and its entry in the class index.
 *
 * @example
 * ```ts
 * import { classBytes } from "./memory.ts";
 * import assert from "node:assert/strict";
 * assert.ok(classBytes(3895) > 3895 * 8);
 * ```
 */
export function classBytes(packedNumbers: number): number {
  return 400 + packedNumbers * 8 * 2.2;
}

/**
 * Estimated heap bytes of one state met as it was numbered, with symmetry (classes.ts
 * `StateClasses.canonical`): its packed numbers, their index entry and its canonical form (the
 * renumbering, a machine's `anchors - 3` CPUs, and the runs of tied CPUs).
 *
 * @example
 * ```ts
 * import { seenBytes } from "./memory.ts";
 * import assert from "node:assert/strict";
 * assert.ok(seenBytes(565, 11) > 565 * 8);
 * ```
 */
export function seenBytes(packedNumbers: number, anchors: number): number {
  return 600 + packedNumbers * 8 + (anchors - 3) * 8;
}

/**
 * Estimated heap bytes of one learnt move: the object, its anchor deltas and its invariant counts.
 *
 * @example
 * ```ts
 * import { moveBytes } from "./memory.ts";
 * import assert from "node:assert/strict";
 * assert.equal(moveBytes(4, 10), 1100 + 32 + 160);
 * ```
 */
export function moveBytes(anchors: number, invariants: number): number {
  return 1100 + 8 * anchors + 16 * invariants;
}

/**
 * Estimated heap bytes of the operations a class allows, once listed: one operation object each.
 *
 * @example
 * ```ts
 * import { opsBytes } from "./memory.ts";
 * import assert from "node:assert/strict";
 * assert.equal(opsBytes(10), 2000);
 * ```
 */
export function opsBytes(count: number): number {
  return 200 * count;
}

/**
 * Estimated heap bytes of one visited state: its key in the visited set (two 32-bit words side by
 * side, the table at most three quarters full) and its counterexample-tree slots; plus its anchors
 * while it waits in the next level.
 *
 * @example
 * ```ts
 * import { stateBytes } from "./memory.ts";
 * import assert from "node:assert/strict";
 * assert.ok(stateBytes(4, true) > stateBytes(4, false));
 * ```
 */
export function stateBytes(anchors: number, queued: boolean): number {
  return 48 + (queued ? 8 * (anchors + 2) : 0);
}
