/**
 * One state per class (`anchors: false`, docs/model.md §Exploration, "One state per class"): a
 * search that keeps, of the states equal but for their anchors (`now`, `jiffies_64`, tick counts,
 * `refEpoch`), only the first it meets reaches the same verdicts with counterexamples of the same
 * lengths, for every invariant and kind of last operation, as the search that keeps every state;
 * its counterexamples are paths of operations that ran, so they replay from the boot.
 */
import assert from "node:assert/strict";
import {
  explore,
  type ExploreOptions,
  type ExploreResult,
  HOSTS,
  KERNEL_IDS,
  type VmOptions,
} from "../mod.ts";
import { assertReplays, assertSameVerdicts, FOUR_DESIGNS, runnable } from "./helpers.ts";

const lengths = (r: ExploreResult): Record<string, number> =>
  Object.fromEntries(
    r.violations.map((v) => [`${v.invariant} during ${v.during}`, v.operations.length]),
  );

function compare(config: VmOptions, options: ExploreOptions): [ExploreResult, ExploreResult] {
  const every = explore(config, options);
  const one = explore(config, { ...options, anchors: false });
  const what = JSON.stringify(config);
  assertSameVerdicts(one, every, what);
  assert.deepEqual(lengths(one), lengths(every), what);
  assert.ok(one.states <= every.states, what);
  return [one, every];
}

Deno.test("one state per class: every kernel line at 3 vCPUs to depth 3 (fault injection, partial targets), the same verdicts and counterexample lengths in fewer states", () => {
  const ops: ExploreOptions["ops"] = ["online", "offline", "advance", "fail", "target"];
  let fewer = 0;
  for (const kernel of KERNEL_IDS) {
    const config = { ...runnable("2019", kernel, 3)!, hotplugStateControl: true };
    const [one, every] = compare(config, { depth: 3, ops });
    if (one.states < every.states) fewer++;
    if (kernel === "5.4" || kernel === "6.12") assertReplays(config, one);
  }
  assert.equal(fewer, KERNEL_IDS.length, "advance makes states of one class on every line");
});

Deno.test("one state per class: every host on 5.4 and 6.18 at 3 vCPUs to depth 3 with fault injection", () => {
  let compared = 0;
  for (const kernel of ["5.4", "6.18"]) {
    for (const hyperv of HOSTS) {
      const config = runnable(hyperv.id, kernel, 3);
      if (config) compare(config, { depth: 3, ops: ["online", "offline", "advance", "fail"] });
      if (config) compared++;
    }
  }
  assert.equal(compared, 2 * HOSTS.length, "every host runs both lines");
});

Deno.test("one state per class: four designs at 4 vCPUs with hibernation, kexec and kdump; counterexamples replay", () => {
  for (const config of FOUR_DESIGNS) {
    const [one] = compare(config, {
      depth: 4,
      ops: ["online", "offline", "advance", "hibernate", "fail", "kexec", "kdump"],
    });
    assertReplays(config, one);
  }
});

Deno.test("one state per class: verify runs the full model on every state it keeps", () => {
  const r = explore({ hyperv: "2012R2", kernel: "5.5", cpus: 4 }, {
    depth: 4,
    ops: ["online", "offline", "advance", "hibernate"],
    anchors: false,
    verify: true,
  });
  assert.equal(r.stopped, null);
  assert.ok(r.modelRuns >= r.transitions);
});

Deno.test("one state per class: off with a user's predicate, which may read the anchors", () => {
  const config: VmOptions = { hyperv: "2019", kernel: "5.5", cpus: 2 };
  // Holds while simulated time is under 20 ms: a verdict the anchors decide.
  const early = {
    name: "early",
    check: (s: { readonly now: number }) => s.now < 2e7 ? null : "late",
  };
  const options: ExploreOptions = { depth: 6, ops: ["advance"], invariants: [early] };
  const every = explore(config, options);
  const one = explore(config, { ...options, anchors: false });
  assert.deepEqual(one, every);
  assert.equal(one.states, 7);
  assert.equal(one.invariants[0].holds, "sometimes");
});

Deno.test("one state per class: anchors must be true or false", () => {
  assert.throws(
    () => explore({ cpus: 2 }, { anchors: "no" as never }),
    (e: unknown) =>
      e instanceof TypeError && /anchors "no": expected true or false/.test(e.message),
  );
});
