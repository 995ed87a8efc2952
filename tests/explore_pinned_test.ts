/**
 * Searches pinned to what they found: states, transitions, model runs, every invariant's counts
 * and every counterexample. Work on how fast the search runs (hashing, packing, reuse, the visited
 * set) must not change what it finds. The figures were taken from main at bfe0118, before that
 * work, and taken again on purpose twice: when the move reduction (move_orbits.ts) was merged
 * (4e5923d, the two "moves reduced" searches), and when the reduced identity kept each CPU's own
 * clockevent order and fault covering stopped leaving out injections a refused walk keeps armed
 * (i15-fail's merge), and when a hang's reason was renumbered with its state (one canonical form
 * per hung orbit: 2012R2 / 5.4 with every move, 594 -> 563 orbits, all 31 hung). The three 2012R2 searches keep every armed failure (`lazyFailures: false`,
 * as they were found); the default, carrying a failure armed on an offline CPU lazily
 * (lazy_failures.ts), is pinned on its own, and after it the default searches with one state per
 * class (`anchors: false`). A change to what a state is (its packed fields, the symmetry canonical form)
 * changes them on purpose: then take them again and say why in the commit.
 */
import assert from "node:assert/strict";
import { explore, type ExploreOptions, type ExploreResult, type VmOptions } from "../mod.ts";

const ALL: ExploreOptions["ops"] = [
  "online",
  "offline",
  "advance",
  "hibernate",
  "fail",
  "target",
  "kexec",
];

// What a search found, in a form a diff reads: per invariant "checks/violations", per
// counterexample "invariant kind: operations".
function found(r: ExploreResult) {
  return {
    states: r.states,
    transitions: r.transitions,
    modelRuns: r.modelRuns,
    stopped: r.stopped,
    checks: r.invariants.map((i) => `${i.name} ${i.checks}/${i.violations}`),
    violations: r.violations.map((v) => `${v.invariant} ${v.during}: ${v.operations.join("; ")}`),
  };
}

// The bench's machine (tasks/bench.ts sections 5 and 8): the hypercall-page rule broken by an
// offline and the online after it, stimer-after-lapic at boot.
const BENCH: VmOptions = { hyperv: "2019", kernel: "5.5", cpus: 4 };
const BENCH_VIOLATIONS = [
  "stimer-after-lapic boot: ",
  "hypercall-page-before-irq-affinity offline: offline 1",
  "hypercall-page-before-irq-affinity online: offline 1; online 1",
];
// Invariant counts, in INVARIANT_NAMES order, as "checks/violations".
const counts = (names: string[], list: string) => {
  const pairs = list.split(" ");
  return names.map((name, i) => `${name} ${pairs[i]}`);
};
const NAMES = [
  "timer-for-every-step",
  "no-hang",
  "clockevent-list-sound",
  "one-timekeeper",
  "no-device-on-offline-cpu",
  "time-monotonic",
  "lapic-never-bound",
  "hres-needs-oneshot-tick",
  "kexec-vp-assist-released",
  "stimer-after-lapic",
  "kdump-capture-kernel-ticks",
  "hypercall-page-before-irq-affinity",
  "no-stimer-tick-in-tdx",
  "channel-cpu-can-go-offline",
];

Deno.test("pinned: the bench's 4-vCPU machine, plain search to depth 10", () => {
  assert.deepEqual(found(explore(BENCH, { depth: 10, symmetry: false })), {
    states: 18920,
    transitions: 40692,
    modelRuns: 456,
    stopped: null,
    checks: counts(
      NAMES,
      "1210284/0 18920/0 1229204/0 1100447/0 1100447/0 1229204/0 1210284/0 18920/0 18920/0 " +
        "18920/1 18920/0 1210284/30519 18920/0 1210284/0",
    ),
    violations: BENCH_VIOLATIONS,
  });
});

// The symmetry searches are pinned with every move run (`symmetricMoves: false`), as at bfe0118;
// the move reduction (move_orbits.ts) is pinned below against them.
Deno.test("pinned: the bench's 4-vCPU machine, symmetry to depth 14, every move", () => {
  assert.deepEqual(found(explore(BENCH, { depth: 14, symmetricMoves: false })), {
    states: 15465,
    transitions: 42604,
    modelRuns: 96,
    stopped: null,
    checks: counts(
      NAMES,
      "1258734/0 15465/0 1274199/0 1142198/0 1142198/0 1274199/0 1258734/0 " +
        "15465/0 15465/0 15465/1 15465/0 1258734/31953 15465/0 1258734/0",
    ),
    violations: BENCH_VIOLATIONS,
  });
});

// 2012R2 on 5.4 (the ONLINE-state stimer that hangs): many invariants broken, fault injection,
// partial targets and kexec; plain and reduced find the same counterexamples.
const LEGACY: VmOptions = { hyperv: "2012R2", kernel: "5.4", cpus: 3 };
const FAIL1 = "echo 2 > /sys/devices/system/cpu/cpu1/hotplug/fail";
const FAIL87 = "echo 87 > /sys/devices/system/cpu/cpu1/hotplug/fail";
const FAIL139 = "echo 139 > /sys/devices/system/cpu/cpu1/hotplug/fail";
const FAIL183 = "echo 183 > /sys/devices/system/cpu/cpu1/hotplug/fail";
const LEGACY_VIOLATIONS = [
  "timer-for-every-step offline: offline 1",
  "no-hang offline: offline 1",
  "hypercall-page-before-irq-affinity offline: race passes; offline 1",
  "timer-for-every-step hibernate: hibernate",
  "no-hang hibernate: hibernate",
  "hypercall-page-before-irq-affinity hibernate: race passes; hibernate",
  "lapic-never-bound hibernate: race passes; hibernate",
  `timer-for-every-step fail: ${FAIL1}; offline 1`,
  `no-hang fail: ${FAIL1}; offline 1`,
  `hypercall-page-before-irq-affinity fail: race passes; ${FAIL1}; offline 1`,
  `lapic-never-bound fail: race passes; ${FAIL1}; offline 1`,
  `no-device-on-offline-cpu fail: race passes; ${FAIL87}; offline 1`,
  `clockevent-list-sound fail: race passes; ${FAIL139}; offline 1`,
  "kexec-vp-assist-released kexec: kexec",
  "lapic-never-bound online: race passes; offline 1; online 1",
  "hypercall-page-before-irq-affinity online: race passes; offline 1; online 1",
  `lapic-never-bound offline: race passes; ${FAIL1}; offline 1; offline 1`,
  `no-device-on-offline-cpu offline: race passes; ${FAIL87}; offline 1; offline 1`,
  `no-device-on-offline-cpu advance: race passes; ${FAIL87}; offline 1; advance 4ms`,
  `no-device-on-offline-cpu hibernate: race passes; ${FAIL87}; offline 1; hibernate`,
  "no-device-on-offline-cpu online: race passes; offline 1; " +
  "echo 87 > /sys/devices/system/cpu/cpu2/hotplug/fail; offline 2; online 1",
  `timer-for-every-step online: race passes; ${FAIL1}; offline 1; ${FAIL183}; offline 1; online 1`,
  `no-hang online: race passes; ${FAIL1}; offline 1; ${FAIL183}; offline 1; race sleeps; online 1`,
  `clockevent-list-sound offline: race passes; ${FAIL87}; offline 1; ${FAIL139}; offline 1; offline 1`,
  `clockevent-list-sound advance: race passes; ${FAIL87}; offline 1; ${FAIL139}; offline 1; advance 4ms`,
  `clockevent-list-sound hibernate: race passes; ${FAIL87}; offline 1; ${FAIL139}; offline 1; hibernate`,
];

Deno.test("pinned: 2012R2 on 5.4, every operation kind to depth 3, plain", () => {
  assert.deepEqual(
    found(explore(LEGACY, { depth: 3, ops: ALL, symmetry: false, lazyFailures: false })),
    {
      states: 1224,
      transitions: 2521,
      modelRuns: 2453,
      stopped: null,
      checks: counts(
        NAMES,
        "65095/16118 1224/696 66319/3012 58455/0 58455/4544 66319/0 65095/7368 " +
          "1224/0 1224/4 1224/0 1224/0 65095/1554 1224/0 65095/0",
      ),
      violations: LEGACY_VIOLATIONS,
    },
  );
});

Deno.test("pinned: 2012R2 on 5.4, every operation kind to depth 3, symmetry, every move", () => {
  assert.deepEqual(
    found(explore(LEGACY, {
      depth: 3,
      ops: ALL,
      symmetricMoves: false,
      lazyFailures: false,
    })),
    {
      states: 563,
      transitions: 1298,
      modelRuns: 1264,
      stopped: null,
      checks: counts(
        NAMES,
        "33821/8460 563/330 34384/1552 30374/0 30374/1944 34384/0 33821/3723 " +
          "563/0 563/4 563/0 563/0 33821/798 563/0 33821/0",
      ),
      violations: LEGACY_VIOLATIONS,
    },
  );
});

Deno.test("pinned: 6.8 with hotplug state control (partial targets, kexec), 2 vCPUs, depth 3", () => {
  const config: VmOptions = { hyperv: "2019", kernel: "6.8", cpus: 2, hotplugStateControl: true };
  assert.deepEqual(found(explore(config, { depth: 3, ops: ALL })), {
    states: 2018,
    transitions: 21328,
    modelRuns: 21172,
    stopped: null,
    checks: counts(
      NAMES,
      "21044/0 2018/0 23062/0 19282/0 19282/0 23062/0 21044/0 2018/1 2018/2 2018/0 2018/0 " +
        "21044/0 2018/0 21044/0",
    ),
    violations: [
      "kexec-vp-assist-released kexec: kexec",
      "hres-needs-oneshot-tick target: advance 4ms; " +
      "echo 41 > /sys/devices/system/cpu/cpu1/hotplug/target; " +
      "echo 233 > /sys/devices/system/cpu/cpu1/hotplug/target",
    ],
  });
});

// The same two searches with the move reduction (move_orbits.ts, the default): the operations a
// state's own symmetry leaves out are not run, so transitions, model runs and checks drop; the
// verdicts and counterexamples stay, and so do the orbits: a hang's reason text is renumbered with
// its state (symmetry.ts renumberCpus), so a hung orbit has one canonical form (before, running
// every move met 31 hung orbits twice on 2012R2 / 5.4: 594 where the reduced moves met 563).
Deno.test("pinned: the bench's 4-vCPU machine, symmetry to depth 14, moves reduced", () => {
  assert.deepEqual(found(explore(BENCH, { depth: 14 })), {
    states: 15465,
    transitions: 39857,
    modelRuns: 86,
    stopped: null,
    checks: counts(
      NAMES,
      "1151220/0 15465/0 1166685/0 1045799/0 1045799/0 1166685/0 1151220/0 " +
        "15465/0 15465/0 15465/1 15465/0 1151220/29206 15465/0 1151220/0",
    ),
    violations: BENCH_VIOLATIONS,
  });
});

Deno.test("pinned: 2012R2 on 5.4, every operation kind to depth 3, symmetry, moves reduced", () => {
  assert.deepEqual(found(explore(LEGACY, { depth: 3, ops: ALL, lazyFailures: false })), {
    states: 563,
    transitions: 1155,
    modelRuns: 1121,
    stopped: null,
    checks: counts(
      NAMES,
      "30977/7635 563/330 31540/1456 27883/0 27883/1912 31540/0 30977/3478 " +
        "563/0 563/4 563/0 563/0 30977/732 563/0 30977/0",
    ),
    violations: LEGACY_VIOLATIONS,
  });
});

// The default: a failure left armed on an offline CPU is carried lazily (lazy_failures.ts): the
// state is kept without it and the failure written right before the `online` that fires it. 563
// orbits become 393; every counterexample above is found with the same operations, but for the two
// whose last `online` fires a failure armed two operations before (`timer-for-every-step online`,
// `no-hang online`): that walk is now the `fail` move's, and both invariants have a shorter
// counterexample during `fail`. 70 of its 779 fault injections do not run the model: their walk
// does not read the failure and ends with the CPU offline, so they take the plain walk's move
// (lazy_failures.ts fromPlainWalk); every count but `modelRuns` is as when they ran.
Deno.test("pinned: 2012R2 on 5.4, every operation kind to depth 3, armed failures carried lazily", () => {
  assert.deepEqual(found(explore(LEGACY, { depth: 3, ops: ALL })), {
    states: 393,
    transitions: 813,
    modelRuns: 709,
    stopped: null,
    checks: counts(
      NAMES,
      "20353/5183 393/230 20746/1206 18185/0 18185/1822 20746/0 20353/2234 " +
        "393/0 393/4 393/0 393/0 20353/500 393/0 20353/0",
    ),
    violations: LEGACY_VIOLATIONS.filter((v) => !/^(timer-for-every-step|no-hang) online/.test(v)),
  });
});

// One state per class (`anchors: false`, docs/model.md §Exploration "One state per class"): the
// two default searches above keep the first state of each class they meet. The counterexamples
// are the same, operation for operation; the bench's 15,465 orbits are 24 classes, each expanded
// once, so each of its operations runs the model (66 runs where 86 served 39,857 transitions).
Deno.test("pinned: the bench's 4-vCPU machine, symmetry to depth 14, one state per class", () => {
  assert.deepEqual(found(explore(BENCH, { depth: 14, anchors: false })), {
    states: 24,
    transitions: 66,
    modelRuns: 66,
    stopped: null,
    checks: counts(
      NAMES,
      "1674/0 24/0 1698/0 1518/0 1518/0 1698/0 1674/0 24/0 24/0 24/1 24/0 1674/42 24/0 1674/0",
    ),
    violations: BENCH_VIOLATIONS,
  });
});

Deno.test("pinned: 2012R2 on 5.4, every operation kind to depth 3, one state per class", () => {
  assert.deepEqual(found(explore(LEGACY, { depth: 3, ops: ALL, anchors: false })), {
    states: 365,
    transitions: 779,
    modelRuns: 709,
    stopped: null,
    checks: counts(
      NAMES,
      "19321/4941 365/219 19686/1180 17229/0 17229/1810 19686/0 19321/2116 " +
        "365/0 365/4 365/0 365/0 19321/478 365/0 19321/0",
    ),
    violations: LEGACY_VIOLATIONS.filter((v) => !/^(timer-for-every-step|no-hang) online/.test(v)),
  });
});
