/**
 * Armed failures carried lazily (lib/explore/lazy_failures.ts): a search that keeps a state whose
 * offline CPU has a failure armed without it, and writes the failure right before the `online`
 * that fires it, reaches the same verdicts with the same shortest counterexamples as one that
 * keeps every armed failure, in fewer states; its counterexamples replay from the boot.
 */
import assert from "node:assert/strict";
import {
  explore,
  type ExploreOptions,
  type ExploreResult,
  KERNEL_IDS,
  type VmOptions,
} from "../mod.ts";
import { assertReplays, assertSameVerdicts, FOUR_DESIGNS, runnable } from "./helpers.ts";
import { Frontier } from "../lib/explore/frontier.ts";
import { checkedInvariants, Checker } from "../lib/explore/checker.ts";
import { Counterexamples } from "../lib/explore/counterexamples.ts";
import { Reuse } from "../lib/explore/reuse.ts";
import { workspace } from "../lib/explore/workspace.ts";
import { interchangeable } from "../lib/explore/symmetry.ts";
import { anchorsOf } from "../lib/explore/pack.ts";
import { canonicalAnchors } from "../lib/explore/classes.ts";
import { cloneState } from "../lib/explore/clone.ts";
import { disarmOffline, fromPlainWalk } from "../lib/explore/lazy_failures.ts";
import {
  applyMove,
  type ExploreOperation,
  failable,
  MOVES,
  type OperationKind,
} from "../lib/ops/moves.ts";
import type { Kernel } from "../lib/engine/kernel.ts";
import type { MachineState } from "../lib/engine/state.ts";

const lengths = (r: ExploreResult): Record<string, readonly string[]> =>
  Object.fromEntries(r.violations.map((v) => [`${v.invariant} during ${v.during}`, v.operations]));

// The shortest counterexample per invariant, whatever its last operation.
function shortest(r: ExploreResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of r.violations) {
    out[v.invariant] = Math.min(out[v.invariant] ?? Infinity, v.operations.length);
  }
  return out;
}

function compare(config: VmOptions, options: ExploreOptions): [ExploreResult, ExploreResult] {
  const eager = explore(config, { ...options, lazyFailures: false });
  const lazy = explore(config, options);
  const what = JSON.stringify(config);
  assertSameVerdicts(lazy, eager, what);
  assert.deepEqual(shortest(lazy), shortest(eager), what);
  const [a, b] = [lengths(eager), lengths(lazy)];
  for (const key in b) {
    assert.ok(key in a, `${what}: ${key} only with lazy failures`);
    assert.equal(b[key].length, a[key].length, `${what}: ${key}`);
  }
  // A counterexample whose last `online N` fires a failure written before an earlier operation:
  // carried lazily, that walk is the `fail` move's (the same failure written right before it), so
  // the invariant is found during `fail`, as soon or sooner.
  for (const key in a) {
    if (key in b) continue;
    const ops = a[key];
    const cpu = /(?:^|; )online (\d+)$/.exec(ops[ops.length - 1])?.[1];
    assert.ok(cpu !== undefined, `${what}: ${key} lost, not during online`);
    const fail = `/sys/devices/system/cpu/cpu${cpu}/hotplug/fail`;
    assert.ok(ops.slice(0, -1).some((op) => op.includes(fail)), `${what}: ${key}: ${ops}`);
    const invariant = key.slice(0, key.indexOf(" during "));
    assert.ok(b[`${invariant} during fail`].length <= ops.length, `${what}: ${key}`);
  }
  assert.ok(lazy.states <= eager.states, what);
  return [lazy, eager];
}

Deno.test("lazy failures: every kernel line at 3 vCPUs to depth 3 (fault injection, partial targets), the same verdicts and shortest counterexamples in fewer states", () => {
  const ops: ExploreOptions["ops"] = ["online", "offline", "advance", "fail", "target"];
  let fewer = 0;
  for (const kernel of KERNEL_IDS) {
    const config = { ...runnable("2019", kernel, 3)!, hotplugStateControl: true };
    const [lazy, eager] = compare(config, { depth: 3, ops });
    if (lazy.states < eager.states) fewer++;
    if (kernel === "5.4") assertReplays(config, lazy);
  }
  assert.equal(fewer, KERNEL_IDS.length, "every line has a failure left armed on an offline CPU");
});

Deno.test("lazy failures: four designs at 4 vCPUs with hibernation, kexec and kdump; counterexamples replay", () => {
  for (const config of FOUR_DESIGNS) {
    const [lazy] = compare(config, {
      depth: 4,
      ops: ["online", "offline", "advance", "hibernate", "fail", "kexec", "kdump"],
    });
    assertReplays(config, lazy);
  }
});

Deno.test("lazy failures: only with fail, online and offline all explored", () => {
  // Without `offline` no plain walk reaches the state without the failure: nothing is carried
  // lazily, and the switch changes nothing.
  const config: VmOptions = { hyperv: "2012R2", kernel: "5.4", cpus: 3 };
  const ops: ExploreOptions["ops"] = ["online", "advance", "fail"];
  const on = explore(config, { depth: 3, ops });
  const off = explore(config, { depth: 3, ops, lazyFailures: false });
  assert.deepEqual([on.states, on.transitions], [off.states, off.transitions]);
});

Deno.test("lazy failures: lazyFailures must be true or false", () => {
  assert.throws(
    () => explore({ cpus: 2 }, { lazyFailures: 1 as never }),
    (e: unknown) =>
      e instanceof TypeError && /lazyFailures 1: expected true or false/.test(e.message),
  );
});

// The classes a symmetric search meets (search.ts's loop, without the result), disarming states
// reached lazily or not.
function classesMet(
  config: VmOptions,
  depth: number,
  kinds: OperationKind[],
  lazy: boolean,
  derive = false,
  prepare: (root: Kernel) => void = () => {},
) {
  const { root, config: c, options } = workspace(config);
  prepare(root);
  const group = interchangeable(root);
  const tree = new Counterexamples(root, c, options, group, () => {
    throw new Error("no replay here");
  });
  const checker = new Checker(checkedInvariants(root), root, tree.record);
  const disarm = (s: MachineState) => disarmOffline(root.steps, s);
  const reuse: Reuse = new Reuse(root, checker, tree, {
    reuse: true,
    verify: false,
    group,
    ...(lazy ? { disarm } : {}),
    ...(derive
      ? {
        derive: (cls: number, op: ExploreOperation) =>
          fromPlainWalk(root.steps, reuse.classes, cls, op, () => true),
      }
      : {}),
  });
  const classes = reuse.classes;
  const at = classes.canonical(root.s);
  const anchors = new Float64Array(classes.width);
  anchorsOf(root.s, anchors);
  canonicalAnchors(anchors, 0, at.perm, at.ties);
  classes.visit(at.cls, anchors, 0);
  const limits = { depth, kinds, maxStates: 1e7, maxBytes: 2 ** 31, every: 1e9 };
  const f = new Frontier(root, reuse, tree, { ...limits, symmetricMoves: true }, at.cls, anchors);
  while (f.run()) f.reports.length = 0;
  return { classes, group, disarm };
}

Deno.test("lazy failures: the classes met are exactly the eager search's with the offline CPUs' failures disarmed", () => {
  const kinds: OperationKind[] = ["online", "offline", "advance", "hibernate", "fail"];
  for (const kernel of ["5.4", "5.5", "5.10"]) {
    const config = runnable("2019", kernel, 3)!;
    const eager = classesMet(config, 4, kinds, false);
    const lazy = classesMet(config, 4, kinds, true);
    // Every eager class, disarmed, into the lazy search's classes: none new, and every one met.
    const seen = new Set<number>();
    const before = lazy.classes.list.length;
    for (const c of eager.classes.list) seen.add(lazy.classes.canonical(cloneState(c.rep)).cls);
    assert.equal(lazy.classes.list.length, before, `${kernel}: a class only the eager search met`);
    assert.equal(seen.size, before, `${kernel}: a class only the lazy search met`);
    assert.ok(before < eager.classes.list.length, kernel);
  }
});

Deno.test("lazy failures: only an offline CPU's failure at a state with a startup is disarmed", () => {
  const { root } = workspace({ hyperv: "2019", kernel: "5.5", cpus: 3 });
  const bringup = root.line.cpuhp.BRINGUP_CPU;
  const teardownOnly = root.steps.findIndex((s) => s.name !== null && s.teardown && !s.startup);
  assert.ok(teardownOnly > 0);
  const offline = (s: MachineState, cpu: number) =>
    Object.assign(s.cpus[cpu], { online: false, devOffline: true, state: 0, target: 0 });
  const cases: [string, (s: MachineState) => void, number][] = [
    ["offline", (s) => offline(s, 1), 1],
    ["online", () => {}, 0],
    ["part way", (s) => Object.assign(s.cpus[1], { state: bringup, target: bringup }), 0],
    ["frozen", (s) => (offline(s, 1), s.frozenCpus = [1]), 0],
    ["teardown only", (s) => (offline(s, 1), s.cpus[1].fail = teardownOnly), 0],
    ["in the image", (s) => (s.image = cloneState(s), offline(s.image, 1)), 1],
  ];
  for (const [what, make, disarmed] of cases) {
    const s = cloneState(root.s);
    s.cpus[1].fail = bringup;
    if (what === "in the image") s.cpus[1].fail = -1;
    make(s);
    if (s.image) s.image.cpus[1].fail = bringup;
    assert.equal(disarmOffline(root.steps, s), disarmed, what);
  }
});

Deno.test("lazy failures: a fault injection taken from the plain walk is the move the model makes", () => {
  // Every violation counted as found, so every injection the rule allows is taken: each is then
  // compared with the model's run of it in a search that runs them all.
  const kinds: OperationKind[] = ["online", "offline", "advance", "hibernate", "fail"];
  let taken = 0;
  for (const kernel of ["5.4", "5.5", "5.10"]) {
    const config = runnable("2019", kernel, 3)!;
    const ran = classesMet(config, 4, kinds, true).classes.list;
    const derived = classesMet(config, 4, kinds, true, true).classes.list;
    assert.equal(derived.length, ran.length, kernel);
    derived.forEach((c, cls) => {
      // A move taken from the plain walk shares its counts.
      const plain = new Set(
        c.moves.flatMap((m, g) => c.ops![g].kind === "fail" ? [] : [m?.[0]?.walk]),
      );
      c.moves.forEach((moves, g) => {
        const [a, b] = [ran[cls].moves[g]?.[0], moves?.[0]];
        if (a === undefined || b === undefined) return assert.equal(a, b, `${kernel} ${cls}/${g}`);
        assert.deepEqual(
          [b.ran, b.race, b.to, [...b.delta], b.perm && [...b.perm], [...b.walk], [...b.post]],
          [a.ran, a.race, a.to, [...a.delta], a.perm && [...a.perm], [...a.walk], [...a.post]],
          `${kernel}: ${b.op.ops.map((o) => JSON.stringify(o)).join(" ")}`,
        );
        if (b.op.kind === "fail" && plain.has(b.walk)) taken++;
      });
    });
  }
  assert.ok(taken > 100, `${taken} taken`);
});

Deno.test("lazy failures: an injection that replaces a failure left armed above a CPU part way is not the plain walk's move", () => {
  // CPU1 sent part way down (a partial target), then a failure written at a teardown-only state
  // above it (the search reaches this at depth 5: offline 2; the target; the write, whose offline
  // is refused with CPU0 alone online; online 2). Its plain offline leaves that failure armed (no
  // startup: kept), where `fail S; offline 1` overwrites it with S, which is disarmed.
  let replaced = 0;
  for (const kernel of ["5.10", "6.6"]) {
    const config = { ...runnable("2019", kernel, 3)!, hotplugStateControl: true };
    const prepare = (k: Kernel) => {
      const [target] = MOVES.target(k).filter((m) =>
        m.ops[0].kind === "echo" && m.ops[0].path.includes("/cpu1/")
      );
      assert.ok(applyMove({ k }, target), kernel);
      const from = k.s.cpus[1].state;
      const armed = failable(k, true).find((state) =>
        state > from && k.steps[state].startup === null
      )!;
      const path = "/sys/devices/system/cpu/cpu1/hotplug/fail";
      assert.ok(
        applyMove({ k }, { kind: "fail", ops: [{ kind: "echo", value: `${armed}\n`, path }] }),
      );
      assert.deepEqual([k.s.cpus[1].state > 0, k.s.cpus[1].fail], [true, armed], kernel);
    };
    const kinds: OperationKind[] = ["offline", "fail"];
    const ran = classesMet(config, 1, kinds, true, false, prepare).classes.list;
    const derived = classesMet(config, 1, kinds, true, true, prepare).classes.list;
    assert.equal(derived.length, ran.length, kernel);
    ran[0].moves.forEach((moves, g) => {
      const [a, b] = [moves?.[0], derived[0].moves[g]?.[0]];
      assert.equal(b?.to, a?.to, `${kernel}: ${a?.op.ops.map((o) => JSON.stringify(o)).join(" ")}`);
      if (a?.op.kind === "fail" && ran[a.to]?.rep.cpus[1].fail === -1) replaced++;
    });
  }
  assert.ok(replaced > 0);
});
