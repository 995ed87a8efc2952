/**
 * Move reduction by a state's own symmetry (lib/explore/move_orbits.ts): a search that runs one
 * operation per class of CPUs the state cannot tell apart reaches the same orbits as one that runs
 * every operation, with the same verdicts and counterexample lengths, in fewer transitions; its
 * counterexamples still replay from the boot.
 */
import assert from "node:assert/strict";
import { explore, type ExploreResult, KERNEL_IDS, type VmOptions } from "../mod.ts";
import { assertReplays, assertSameVerdicts, FOUR_DESIGNS, runnable } from "./helpers.ts";

const lengths = (r: ExploreResult): Record<string, readonly string[]> =>
  Object.fromEntries(r.violations.map((v) => [`${v.invariant} during ${v.during}`, v.operations]));

function compare(config: VmOptions, options: Parameters<typeof explore>[1]): ExploreResult {
  const every = explore(config, { ...options, symmetricMoves: false });
  const one = explore(config, options);
  const what = JSON.stringify(config);
  assertSameVerdicts(one, every, what);
  const [a, b] = [lengths(every), lengths(one)];
  assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort(), what);
  for (const key in a) assert.equal(b[key].length, a[key].length, `${what}: ${key}`);
  // Hung states too: a hang's reason text is renumbered with its state (symmetry.ts renumberCpus).
  assert.equal(one.states, every.states, what);
  assert.ok(one.transitions < every.transitions, `${what}: no operation left out`);
  assert.ok(one.modelRuns <= every.modelRuns, what);
  return one;
}

Deno.test("move orbits: every kernel line at 3 vCPUs to depth 3 (fault injection, partial targets), the same orbits, verdicts and counterexample lengths in fewer transitions", () => {
  for (const kernel of KERNEL_IDS) {
    const config = { ...runnable("2019", kernel, 3)!, hotplugStateControl: true };
    compare(config, { depth: 3, ops: ["online", "offline", "advance", "fail", "target"] });
  }
});

Deno.test("move orbits: four designs at 4 vCPUs with hibernation, kexec and kdump; counterexamples replay", () => {
  for (
    const config of FOUR_DESIGNS
  ) {
    const r = compare(config, {
      depth: 4,
      ops: ["online", "offline", "advance", "hibernate", "kexec", "kdump"],
    });
    assertReplays(config, r);
  }
});

Deno.test("move orbits: symmetricMoves must be true or false", () => {
  assert.throws(
    () => explore({ cpus: 2 }, { symmetricMoves: "no" as never }),
    (e: unknown) =>
      e instanceof TypeError && /symmetricMoves "no": expected true or false/.test(e.message),
  );
});
