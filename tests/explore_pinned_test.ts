/**
 * Searches pinned to what they found: states, transitions, model runs, every invariant's counts
 * and every counterexample. Work on how fast the search runs (hashing, packing, reuse, the visited
 * set) must not change what it finds; these figures were taken from main at bfe0118, before that
 * work, except the two "moves reduced" searches, taken when the move reduction (move_orbits.ts)
 * was merged (4e5923d). A change to what a state is (its packed fields, the symmetry canonical
 * form) changes them on purpose: then take them again and say why in the commit.
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
    states: 21832,
    transitions: 58704,
    modelRuns: 96,
    stopped: null,
    checks: counts(
      NAMES,
      "1756884/0 21832/0 1778716/0 1589340/0 1589340/0 1778716/0 1756884/0 21832/0 21832/0 " +
        "21832/1 21832/0 1756884/44028 21832/0 1756884/0",
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
  assert.deepEqual(found(explore(LEGACY, { depth: 3, ops: ALL, symmetry: false })), {
    states: 1122,
    transitions: 2719,
    modelRuns: 2651,
    stopped: null,
    checks: counts(
      NAMES,
      "74625/16178 1122/726 75747/3012 65483/0 65483/4412 75747/0 74625/9558 1122/0 1122/4 " +
        "1122/0 1122/0 74625/1854 1122/0 74625/0",
    ),
    violations: LEGACY_VIOLATIONS,
  });
});

Deno.test("pinned: 2012R2 on 5.4, every operation kind to depth 3, symmetry, every move", () => {
  assert.deepEqual(found(explore(LEGACY, { depth: 3, ops: ALL, symmetricMoves: false })), {
    states: 593,
    transitions: 1440,
    modelRuns: 1406,
    stopped: null,
    checks: counts(
      NAMES,
      "39741/8771 593/385 40334/1583 34947/0 34947/2230 40334/0 39741/4991 593/0 593/4 593/0 " +
        "593/0 39741/980 593/0 39741/0",
    ),
    violations: LEGACY_VIOLATIONS,
  });
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
// verdicts and counterexamples stay. 2012R2 on 5.4 finds one orbit fewer: a hung state whose
// reason text names its CPU gets two canonical forms, and running every move reaches both
// (docs/model.md, Exploration).
Deno.test("pinned: the bench's 4-vCPU machine, symmetry to depth 14, moves reduced", () => {
  assert.deepEqual(found(explore(BENCH, { depth: 14 })), {
    states: 21832,
    transitions: 57394,
    modelRuns: 93,
    stopped: null,
    checks: counts(
      NAMES,
      "1709724/0 21832/0 1731556/0 1546110/0 1546110/0 1731556/0 1709724/0 21832/0 21832/0 " +
        "21832/1 21832/0 1709724/42718 21832/0 1709724/0",
    ),
    violations: BENCH_VIOLATIONS,
  });
});

Deno.test("pinned: 2012R2 on 5.4, every operation kind to depth 3, symmetry, moves reduced", () => {
  assert.deepEqual(found(explore(LEGACY, { depth: 3, ops: ALL })), {
    states: 592,
    transitions: 1430,
    modelRuns: 1396,
    stopped: null,
    checks: counts(
      NAMES,
      "39331/8755 592/384 39923/1583 34574/0 34574/2230 39923/0 39331/4892 592/0 592/4 592/0 " +
        "592/0 39331/971 592/0 39331/0",
    ),
    violations: LEGACY_VIOLATIONS,
  });
});
