/**
 * The CPUs running their hotplug thread (`k.awake`, lib/time/tick_nohz_idle.ts `whileAwake`) as a
 * stack (i15-effect): what a tick interrupt asks of it — is this CPU awake? — is what the Set it
 * replaced answered, through nested walks, walks of the same CPU, and walks that throw (a walk
 * stopped at a breakpoint, an internal error). Nothing reads its order: `tickNohzIdleRestop()`
 * asks `includes()` only.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { vm } from "../mod.ts";
import { createKernel } from "../lib/machine/kernel.ts";
import { whileAwake } from "../lib/time/tick_nohz_idle.ts";
import type { Kernel } from "../lib/engine/kernel.ts";

// A walk: of CPU `cpu`, with walks nested in it, and whether it throws once they are done.
interface Walk {
  readonly cpu: number;
  readonly nested: readonly Walk[];
  readonly throws: boolean;
}

const CPUS = 4;
// Walks nested up to `depth` deep.
function walks(depth: number): fc.Arbitrary<Walk> {
  return fc.record({
    cpu: fc.integer({ min: 0, max: CPUS - 1 }),
    nested: depth === 0 ? fc.constant([]) : fc.array(walks(depth - 1), { maxLength: 3 }),
    throws: fc.boolean(),
  });
}

// The Set before i15-effect: a CPU added when its walk starts, deleted when it ends unless a walk
// of it was running already.
function setModel(set: Set<number>, w: Walk, seen: boolean[][]): void {
  const nested = set.has(w.cpu);
  set.add(w.cpu);
  try {
    seen.push(Array.from({ length: CPUS }, (_, cpu) => set.has(cpu)));
    for (const inner of w.nested) {
      try {
        setModel(set, inner, seen);
      } catch {
        // An inner walk that threw: the outer one goes on.
      }
    }
    seen.push(Array.from({ length: CPUS }, (_, cpu) => set.has(cpu)));
    if (w.throws) throw new Error("stopped");
  } finally {
    if (!nested) set.delete(w.cpu);
  }
}

function stackRun(k: Kernel, w: Walk, seen: boolean[][]): void {
  const awake = () => Array.from({ length: CPUS }, (_, cpu) => k.awake!.includes(cpu));
  whileAwake(
    k,
    w.cpu,
    (k) => {
      seen.push(awake());
      for (const inner of w.nested) {
        try {
          stackRun(k, inner, seen);
        } catch {
          // As above.
        }
      }
      seen.push(awake());
      if (w.throws) throw new Error("stopped");
    },
    null,
    null,
  );
}

Deno.test("whileAwake(): through nested walks, walks of one CPU and walks that throw, each CPU is awake exactly when the Set said so", () => {
  const k = createKernel(vm({ cpus: CPUS }).build().snapshot());
  fc.assert(
    fc.property(fc.array(walks(3), { minLength: 1, maxLength: 4 }), (list) => {
      // Each run from no walk running (a failed run's leftovers are not the next run's).
      k.awake = undefined;
      const want: boolean[][] = [];
      const got: boolean[][] = [];
      const set = new Set<number>();
      for (const w of list) {
        try {
          setModel(set, w, want);
        } catch {
          // A walk that threw.
        }
        try {
          stackRun(k, w, got);
        } catch {
          // The same.
        }
        want.push(Array.from({ length: CPUS }, (_, cpu) => set.has(cpu)));
        got.push(Array.from({ length: CPUS }, (_, cpu) => k.awake!.includes(cpu)));
      }
      assert.deepEqual(got, want);
      assert.deepEqual(k.awake ?? [], []);
    }),
    { numRuns: 200, seed: 7 },
  );
});
