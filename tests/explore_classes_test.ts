/**
 * The search runs the model once per class of states and operation, and reuses what it did for
 * every other state of the class. These tests hold that reuse to the full model: a search that
 * reuses nothing gives the same result, `verify` finds every reused operation as the model runs
 * it, and a state rebuilt from its class and anchors is the state.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { explore, type ExploreResult, vm, type VmOptions } from "../mod.ts";
import { anchorCount, anchorsOf, moveAnchors, Packer } from "../lib/explore/pack.ts";
import { type Move, moveDifference, StateClasses } from "../lib/explore/classes.ts";
import { cloneState } from "../lib/explore/clone.ts";
import type { OperationKind } from "../lib/ops/moves.ts";

const ALL: OperationKind[] = [
  "online",
  "offline",
  "advance",
  "hibernate",
  "fail",
  "target",
  "kexec",
];

// Designs that differ in what hotplug does: 4df4cb9e99, the ONLINE-state stimer that hangs on
// hibernation, legacy mode, arm64 before 5.5, and the x86 baseline without Hyper-V.
const CONFIGS: VmOptions[] = [
  { hyperv: "2019", kernel: "5.5", cpus: 3 },
  { hyperv: "2019", kernel: "5.4", cpus: 3 },
  { hyperv: "2012R2", kernel: "5.5", cpus: 3 },
  { hyperv: "2019", kernel: "5.4", arch: "arm64", generation: 2, cpus: 2 },
  { hyperv: "none", kernel: "6.1", cpus: 3, hz: 100 },
  // A kexec that crashes (hv_cpu_die() skipped) and partial targets (hrtimers:prepare).
  { hyperv: "2019", kernel: "6.8", cpus: 2, hotplugStateControl: true },
];

// A user's predicate that always holds: with one, the search reuses nothing and runs the full
// model for every operation of every state.
const HOLDS = { name: "holds", check: () => null };

function withoutHolds(r: ExploreResult): ExploreResult {
  return { ...r, invariants: r.invariants.filter((i) => i.name !== HOLDS.name) };
}

Deno.test("reuse changes nothing: the same states, transitions, verdicts and counterexamples as running the model for every state", async (t) => {
  for (const config of CONFIGS) {
    await t.step(JSON.stringify(config), () => {
      // Symmetry aside (a user's predicate turns it off): symmetry_test.ts compares it.
      const options = { depth: 3, ops: ALL, symmetry: false };
      const reused = explore(config, options);
      const full = explore(config, {
        ...options,
        invariants: [...reused.invariants.map((i) => i.name), HOLDS],
      });
      // What differs is how much the search ran and kept (no moves are kept without reuse).
      assert.deepEqual(
        { ...reused, modelRuns: 0, bytes: 0 },
        { ...withoutHolds(full), modelRuns: 0, bytes: 0 },
      );
      assert.ok(full.modelRuns >= full.transitions);
      assert.ok(reused.modelRuns < full.modelRuns);
    });
  }
});

Deno.test("the model runs once per operation and class: a few hundred runs for a 4-vCPU search of 40,000 transitions", () => {
  const r = explore({ hyperv: "2019", kernel: "5.5", cpus: 4 }, { depth: 10, symmetry: false });
  assert.equal(r.states, 18920);
  assert.ok(r.modelRuns * 50 < r.transitions, `${r.modelRuns} runs, ${r.transitions} transitions`);
});

Deno.test("verify: every reused operation does what the model does when it runs on that state", () => {
  for (const config of CONFIGS) {
    const r = explore({ ...config, cpus: 4 }, {
      depth: 5,
      ops: ["online", "offline", "advance", "hibernate"],
      verify: true,
    });
    assert.equal(r.stopped, null);
  }
  // What verify reports when a reused operation and the model disagree.
  const move: Move = {
    op: { kind: "advance", ops: [{ kind: "advance", ns: 4e6 }] },
    ran: true,
    race: false,
    to: 3,
    delta: Float64Array.of(4e6, 1, 1, 1, 1, 0),
    epoch: null,
    perm: null,
    ties: [],
    walk: new Int32Array(2),
    post: Int32Array.of(1, 0),
    postKeys: null,
    uses: 0,
    postUses: 0,
  };
  assert.equal(moveDifference(move, { ...move }), null);
  assert.equal(
    moveDifference(move, { ...move, delta: Float64Array.of(4e6, 1, 0, 1, 1, 0), to: 4 }),
    "class reached: 4 (reused: 3); anchor deltas: [4000000, 1, 0, 1, 1, 0] " +
      "(reused: [4000000, 1, 1, 1, 1, 0])",
  );
  assert.throws(
    () => explore(CONFIGS[0], { verify: "yes" as never }),
    /Invalid verify "yes": expected true or false/,
  );
});

Deno.test("a state rebuilt from another of its class with its own anchors is that state", () => {
  type Op = { kind: "online" | "offline" | "advance" | "hibernate"; cpu: number };
  const op = fc.record({
    kind: fc.constantFrom(
      "online" as const,
      "offline" as const,
      "advance" as const,
      "hibernate" as const,
    ),
    cpu: fc.integer({ min: 1, max: 2 }),
  });
  const packer = new Packer();
  const width = anchorCount(3);
  fc.assert(
    fc.property(
      fc.constantFrom("5.4", "5.5"),
      fc.array(op, { maxLength: 8 }),
      fc.array(fc.integer({ min: 0, max: 1e9 }), { minLength: width, maxLength: width }),
      (kernel, history: Op[], moved) => {
        const m = vm({ hyperv: "2019", kernel, cpus: 3 }).build();
        m.parkRace = "passes";
        for (const o of history) {
          if (m.hung) break;
          if (o.kind === "advance") m.advance("4ms");
          else if (o.kind === "hibernate") m.power === "hibernated" ? m.resume() : m.hibernate();
          else if (m.power === "on") m[o.kind](o.cpu);
        }
        const s = m.snapshot();
        const from = new Float64Array(width);
        anchorsOf(s, from);
        // New anchors; the epoch moves with `now` when it is `now` (that is part of the class).
        const to = from.map((v, i) => v + moved[i]);
        if (s.refEpoch === s.now) to[width - 1] = to[0];
        const copy = cloneState(s);
        moveAnchors(copy, from, to);
        const got = new Float64Array(width);
        anchorsOf(copy, got);
        assert.deepEqual(got, to);
        const cls = [...packer.pack(s)];
        assert.deepEqual([...packer.pack(copy)], cls);
        // And back: the very state.
        moveAnchors(copy, to, from);
        assert.deepEqual([...packer.packState(copy)], [...packer.packState(cloneState(s))]);
      },
    ),
    { numRuns: 150, seed: 11 },
  );
});

Deno.test("canonical(): a state met again as it was numbered takes the canonical form it took then, and forgetSeen() lets that cache go without changing a class", () => {
  const m = vm({ hyperv: "2019", kernel: "5.5", cpus: 4 }).build();
  const states = [m.snapshot()];
  // CPU3 offline is renumbered (an offline CPU sorts first), then CPU1 too, then CPU3 back.
  for (const line of ["offline 3", "offline 1", "online 3", "advance 4ms"]) {
    m.run(line);
    states.push(m.snapshot());
  }
  const classes = new StateClasses(4, [1, 2, 3]);
  const met = (c: StateClasses) => states.map((s) => c.canonical(cloneState(s)));
  const first = met(classes);
  assert.ok(first.some((c) => c.perm !== null), "a state renumbered");
  const held = classes.bytes;
  assert.deepEqual(met(classes), first);
  assert.equal(classes.bytes, held, "nothing more held for states met before");
  assert.ok(classes.forgetSeen());
  assert.ok(classes.bytes < held);
  assert.ok(!classes.forgetSeen(), "nothing left to let go");
  assert.deepEqual(met(classes), first);
  assert.deepEqual(met(new StateClasses(4, [1, 2, 3])), first);
});
