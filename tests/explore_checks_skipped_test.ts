// The checks of a search skip the invariants that cannot be violated at a step (their `firesAt`)
// and add their counts once per walk (lib/explore/invariant_checks.ts): compared, over random histories on
// several hosts and kernel lines, with calling every invariant that applies at every point and
// counting each call, as the checks did before (docs/model.md §Exploration, "Checks skipped").

import assert from "node:assert/strict";
import fc from "fast-check";
import type { VmOptions } from "../mod.ts";
import { type Checked, checkedInvariants, Checker } from "../lib/explore/checker.ts";
import { InvariantChecks } from "../lib/explore/invariant_checks.ts";
import { type CheckPoint, NEW_KERNEL_KINDS } from "../lib/explore/invariants.ts";
import { workspace } from "../lib/explore/workspace.ts";
import { cloneState } from "../lib/explore/clone.ts";
import { kernelOn } from "../lib/machine/kernel.ts";
import { guestMonotonic, type Kernel } from "../lib/engine/kernel.ts";
import { isAtomic } from "../lib/engine/line.ts";
import type { StepPoint } from "../lib/engine/observe.ts";
import {
  applyMove,
  type ExploreOperation,
  MOVES,
  OPERATION_KINDS,
  raceVariant,
} from "../lib/ops/moves.ts";

// Hosts and lines whose histories violate every built-in invariant somewhere (asserted below).
const CONFIGS: readonly VmOptions[] = [
  { hyperv: "2012R2", kernel: "5.5", cpus: 3 },
  { hyperv: "2019", kernel: "5.5", cpus: 3 },
  { hyperv: "2019", kernel: "5.4", cpus: 2 },
  { hyperv: "2019", kernel: "5.10", cpus: 3 },
  { hyperv: "2022", kernel: "6.6", cpus: 2, isolation: "tdx" },
  { hyperv: "2022", kernel: "6.12", cpus: 3, vmbusChannels: [0, 1, 2] },
  { hyperv: "2019", kernel: "6.18", cpus: 3, vmbusChannels: [0, 1, 2] },
  { hyperv: "2025", kernel: "6.8", cpus: 3 },
  { hyperv: "none", kernel: "6.1", cpus: 2 },
  { hyperv: "2019", arch: "arm64", kernel: "5.2", cpus: 2 },
];

// The checks as they were: at every point, every invariant that applies called and counted.
function everyCheck(checked: readonly Checked[], at: CheckPoint, found: string[]): void {
  const list = !at.step
    ? checked.filter((c) => c.inv.inStates)
    : isAtomic(at.k.line, at.step.state)
    ? checked.filter((c) => c.inv.during === "all")
    : checked.filter((c) => c.inv.during !== "none");
  for (const c of list) {
    c.checks++;
    const message = c.inv.check(at);
    if (message !== null) {
      c.violations++;
      found.push(`${c.inv.name}: ${message}`);
    }
  }
}

const counts = (checked: readonly Checked[]) => checked.map((c) => [c.checks, c.violations]);

interface Compared {
  // Violations met, by invariant (to show the comparison is not empty).
  readonly fired: Set<string>;
}

// Runs `picks` (each an index into the operations the state allows, and whether to take its race
// variant) on `config`, checking every point both ways; throws where they differ.
function compare(config: VmOptions, picks: readonly [number, boolean][], out: Compared): void {
  const { root } = workspace(config);
  const k: Kernel = kernelOn(root, cloneState(root.s));
  const plain = checkedInvariants(k);
  const skipping = checkedInvariants(k);
  const checks = new InvariantChecks(skipping);
  // Deferred for the odd operations: counts added at the end of each.
  let point = 0;
  const both = (at: CheckPoint) => {
    const want: string[] = [];
    everyCheck(plain, at, want);
    const got: string[] = [];
    checks.check(at, (c, message) => got.push(`${c.inv.name}: ${message}`));
    const where = at.step
      ? `${at.step.phase} ${at.step.callback} (${at.step.state}) on CPU${at.step.cpu}`
      : "the state";
    assert.deepEqual(got, want, `point ${point} at ${where}`);
    for (const line of want) out.fired.add(line.slice(0, line.indexOf(":")));
    point++;
  };
  k.observers.add({
    step: (step: StepPoint) => both({ k, step, before: current }),
  });
  let current = { now: k.s.now, monotonic: guestMonotonic(k.s) } as CheckPoint["before"];
  both({ k, step: null, before: { ...current, booted: true } });
  for (let i = 0; i < picks.length; i++) {
    const ops = OPERATION_KINDS.flatMap((kind) => MOVES[kind](k));
    if (ops.length === 0 || k.s.hang) break;
    const [pick, race] = picks[i];
    let op: ExploreOperation = ops[pick % ops.length];
    if (race) op = raceVariant(op, pick % 2 ? "passes" : "sleeps");
    current = { now: k.s.now, monotonic: guestMonotonic(k.s) };
    const deferred = i % 2 === 1;
    checks.defer(deferred);
    if (!applyMove({ k }, op)) continue;
    const after = NEW_KERNEL_KINDS.includes(op.kind)
      ? { now: k.s.now, monotonic: guestMonotonic(k.s), booted: true }
      : current;
    both({ k, step: null, before: after });
    checks.flush();
    assert.deepEqual(counts(skipping), counts(plain), `counts after operation ${i}`);
  }
}

Deno.test("property: skipping the invariants a step cannot violate gives the same violations, messages and counts at every point", () => {
  const out: Compared = { fired: new Set() };
  fc.assert(
    fc.property(
      fc.constantFrom(...CONFIGS),
      fc.array(fc.tuple(fc.nat(1000), fc.boolean()), { minLength: 1, maxLength: 7 }),
      (config, picks) => compare(config, picks, out),
    ),
    { numRuns: 300 },
  );
  // Every invariant that is skipped somewhere was violated somewhere in the histories compared,
  // and most of the others too (one-timekeeper and time-monotonic hold on every design).
  const all = checkedInvariants(workspace(CONFIGS[0]).root).map((c) => c.inv);
  const skipped = all.filter((inv) => inv.firesAt !== undefined).map((inv) => inv.name);
  assert.deepEqual(skipped.filter((name) => !out.fired.has(name)), []);
  assert.ok(out.fired.size >= 9, [...out.fired].join(", "));
});

Deno.test("Checker.counted: the counts of a walk, one array per list of numbers, read back as added", () => {
  const { root } = workspace({ hyperv: "2019", kernel: "5.5", cpus: 3 });
  const checked = checkedInvariants(root);
  const checker = new Checker(checked, root, () => {});
  const before = { now: root.s.now, monotonic: root.s.now };
  const run = (cpu: number) => {
    const k = kernelOn(root, cloneState(root.s));
    return checker.counted(() => {
      k.observers.add({ step: (at) => checker.check(k, at, before, 0, null) });
      applyMove({ k }, { kind: "offline", ops: [{ kind: "offline", cpu }] });
    });
  };
  const a = run(1);
  const b = run(2);
  // Offlining CPU1 or CPU2 checks the same points: one array.
  assert.equal(a, b);
  assert.deepEqual(counts(checked).flat(), new Array(2 * checked.length).fill(0));
  // What it holds is what checking every invariant at every point counts.
  const plain = checkedInvariants(root);
  const k = kernelOn(root, cloneState(root.s));
  k.observers.add({ step: (step) => everyCheck(plain, { k, step, before }, []) });
  applyMove({ k }, { kind: "offline", ops: [{ kind: "offline", cpu: 1 }] });
  assert.deepEqual([...a], counts(plain).flat());
  assert.ok(a[0] > 0);
  checker.add(a, 3);
  assert.deepEqual(counts(checked).flat(), counts(plain).flat().map((n) => 3 * n));
});
