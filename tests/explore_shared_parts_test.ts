/**
 * What i15-canon, i15-canon2 and i15-orbit made shared or kept between uses, held to stay as it
 * was: the one trace ring of a search's model runs (written by none of them: they keep no
 * history), the booted kernel's step table a kexec or kdump takes (and the kept boot's, a
 * scenario's), `Checker.counted()`'s array of the counts before (never the one it returns), and
 * the idle search parts `keepShapes()` keeps (nothing of the caller's but its configuration).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { type Machine, runScenario, vm, type VmOptions } from "../mod.ts";
import { fingerprintOf } from "../lib/engine/fingerprint.ts";
import { during } from "./helpers.ts";
import { workspace } from "../lib/explore/workspace.ts";
import { cloneState } from "../lib/explore/clone.ts";
import { kernelOn } from "../lib/machine/kernel.ts";
import { TraceRing } from "../lib/engine/trace_ring.ts";
import { TimerQueue } from "../lib/engine/timers.ts";
import { applyMove, MOVES, OPERATION_KINDS } from "../lib/ops/moves.ts";
import { checkedInvariants, Checker } from "../lib/explore/checker.ts";
import { keepShapes } from "../lib/explore/search_parts.ts";
import type { Kernel } from "../lib/engine/kernel.ts";

// Designs whose walks write the most trace events when history is on: ticks traced, partial
// targets and a crashing kexec, arm64's timer-less windows, the baseline, ftrace on the command
// line.
const TRACED: VmOptions[] = [
  { hyperv: "2019", kernel: "5.5", cpus: 3, traceTicks: true },
  { hyperv: "2019", kernel: "6.8", cpus: 3, hotplugStateControl: true, traceTicks: true },
  { hyperv: "2019", kernel: "5.4", arch: "arm64", generation: 2, cpus: 3 },
  { hyperv: "none", kernel: "6.12", cpus: 3, cmdline: "ftrace=function_graph trace_event=cpuhp:*" },
];

// One of the operations the state allows: of the kinds it allows any of, kind `kind`, then its
// operation `n` (each kind as likely: most operations are fault injections).
function pickMove(k: Kernel, kind: number, n: number) {
  const kinds = OPERATION_KINDS.map((kind) => MOVES[kind](k)).filter((ops) => ops.length > 0);
  if (kinds.length === 0) return null;
  const ops = kinds[kind % kinds.length];
  return ops[n % ops.length];
}

Deno.test("the trace ring a search's model runs share: no operation of any kind writes to it", () => {
  for (const options of TRACED) {
    const { root } = workspace(options);
    const ring = new TraceRing();
    const timers = new TimerQueue();
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 8 }),
        (picks) => {
          // As Reuse.#run makes them: a copy of a state, the shared ring and timer index.
          let s = cloneState(root.s);
          for (const [kind, n] of picks) {
            const k = kernelOn(root, s, timers, ring);
            const move = pickMove(k, kind, n);
            if (move === null) break;
            applyMove({ k }, move);
            assert.equal(ring.length, 0, `${JSON.stringify(options)}: ${JSON.stringify(move)}`);
            s = cloneState(k.s);
          }
        },
      ),
      { numRuns: 40, seed: 15 },
    );
  }
});

// Debian's 6.1 with VMbus loaded only by `modprobe` (which registers its hotplug states then).
const MANUAL: VmOptions = {
  hyperv: "2019",
  kernel: "6.1",
  kconfig: "debian",
  modules: "manual",
  cpus: 3,
  hotplugStateControl: true,
};
const STATES = "/sys/devices/system/cpu/hotplug/states";

Deno.test("a kexec or kdump kernel's step table, taken from the boot kept for it, is the boot's whatever an earlier one loaded or injected", () => {
  // What the new kernel does with its table: hotplug walks through every state.
  const walks = ["offline 1", "online 1", "offline 2"];
  const walked = (m: Machine) => {
    const { events } = during(m, () => walks.forEach((line) => m.run(line)));
    return { fingerprint: m.fingerprint(), events, states: m.read(STATES) };
  };
  for (const into of ["kexec", "kdump"]) {
    const m = vm(MANUAL).build();
    m.run(into);
    const booted = m.snapshot();
    // The same kernel restored from its snapshot: a step table of its own.
    const want = walked(vm(MANUAL).build().restore(booted));
    // The kernel the first kexec booted changes its step table and registered states.
    const states = m.read(STATES);
    for (
      const line of [
        "modprobe hv_vmbus",
        "echo 100 > /sys/devices/system/cpu/cpu1/hotplug/fail",
        "offline 1",
        "online 2",
      ]
    ) {
      try {
        m.run(line);
      } catch {
        // A refused fault injection or hotplug: what ran before it stays.
      }
    }
    assert.notEqual(m.read(STATES), states, "modprobe registered hotplug states");
    // The next kernel of the same machine boots from the same kept boot.
    m.run(into);
    assert.equal(m.fingerprint(), fingerprintOf(booted), into);
    assert.deepEqual(walked(m), want, into);
  }
});

Deno.test("a scenario that loads a module and kexecs, run again from the kept boot, is the same run", () => {
  const lines = ["modprobe hv_vmbus", "offline 1", "kexec", "modprobe hv_vmbus", "online 1"];
  const first = runScenario(MANUAL, lines);
  assert.deepEqual(runScenario(MANUAL, lines), first);
  assert.deepEqual(runScenario(MANUAL, ["kexec"]), runScenario(MANUAL, ["kexec"]));
});

Deno.test("Checker.counted(): each call's counts are its own, a nested call's too", () => {
  const { root } = workspace({ hyperv: "2019", kernel: "5.5", cpus: 2 });
  const checked = checkedInvariants(root);
  const checker = new Checker(checked, root, () => {});
  const before = { now: root.s.now, monotonic: root.s.now };
  const check = () => checker.check(root, null, before, 0, null);
  const once = checker.counted(check);
  const want = [...once];
  let inner: Int32Array | null = null;
  const twice = checker.counted(() => {
    check();
    inner = checker.counted(check);
    check();
  });
  const thrice = checker.counted(() => [check, check, check].forEach((f) => f()));
  assert.deepEqual([...once], want, "the first call's counts, after three more calls");
  assert.deepEqual([...inner!], want);
  // The nested call's checks were taken out of the outer one's.
  assert.deepEqual([...twice], want.map((n) => 2 * n));
  assert.deepEqual([...thrice], want.map((n) => 3 * n));
  assert.ok(want.some((n) => n > 0));
  assert.deepEqual(checked.map((c) => c.checks), checked.map(() => 0));
});

Deno.test("keepShapes(): the idle search it keeps holds neither the caller's shouldStop nor its invariants", () => {
  const ws = workspace({ hyperv: "2019", kernel: "5.5", cpus: 3 });
  const mine = { name: "mine", check: () => null };
  const shouldStop = () => false;
  const idle = keepShapes(ws, {
    depth: 3,
    ops: ["online", "offline"],
    maxStates: 100,
    maxBytes: 2 ** 30,
    every: 10,
    options: { shouldStop, invariants: ["no-hang", mine] },
    reports: true,
  });
  assert.equal(idle.frontier.limits.shouldStop, undefined);
  const names = idle.reuse.checker.checked.map((c) => c.inv.name);
  assert.ok(!names.includes("mine"));
  assert.deepEqual(names, checkedInvariants(ws.root).map((c) => c.inv.name));
  // Built-in invariants only: it reuses moves and explores CPUs once per orbit, as a search does.
  assert.equal(idle.reuse.options.reuse, true);
  assert.deepEqual(idle.group, [1, 2]);
});
