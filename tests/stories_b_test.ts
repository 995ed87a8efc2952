/**
 * Issue 13's stories A and C, on both sides of each fix: the hypercall page set up after
 * `irq/affinity:online` (before 9636be85cc5b, 6.4) and the VMbus channel move on offline
 * (3a7f7785eae7, 6.15, VMBus 5.3); what the machine does and what `explore` finds.
 */
import assert from "node:assert/strict";
import { explore, type ExploreResult, runScenario, vm, type VmOptions } from "../mod.ts";

function verdict(r: ExploreResult, name: string) {
  return r.invariants.find((i) => i.name === name)!;
}

function violation(r: ExploreResult, invariant: string, during: string) {
  return r.violations.find((v) => v.invariant === invariant && v.during === during);
}

const PAGE = "hypercall-page-before-irq-affinity";

Deno.test("A (9636be85cc5b): 6.1's hyperv_init state follows irq/affinity:online; 6.6's precedes it", () => {
  const states = (kernel: string) =>
    vm({ kernel, cpus: 2 }).build().read("/sys/devices/system/cpu/hotplug/states");
  const order = (text: string) => {
    const at = (name: string) => text.split("\n").findIndex((l) => l.endsWith(` ${name}`));
    return at("x86/hyperv_init:online") - at("irq/affinity:online");
  };
  assert.ok(order(states("6.1")) > 0);
  assert.ok(order(states("6.6")) < 0);
});

Deno.test("A: explore finds the latent order on 6.1 (offline 1, then online 1), expected there; none on 6.6", async (t) => {
  for (const arch of ["x86_64", "arm64"]) {
    await t.step(arch, () => {
      const config: VmOptions = { hyperv: "2019", arch, kernel: "6.1", cpus: 2 };
      const r = explore(config, { depth: 2, ops: ["online", "offline"] });
      const v = verdict(r, PAGE);
      assert.equal(v.holds, "sometimes");
      assert.equal(v.expected, true, "latent on 6.1: a claim of 9636be85cc5b's design");
      const off = violation(r, PAGE, "offline")!;
      assert.deepEqual(off.operations, ["offline 1"]);
      assert.equal(off.step?.callback, "takedown_cpu");
      assert.match(off.message, /freed its hypercall input page/);
      const on = violation(r, PAGE, "online")!;
      assert.deepEqual(on.operations, ["offline 1", "online 1"]);
      assert.equal(on.step?.callback, "irq_affinity_online_cpu");
      assert.match(on.message, /hyperv_init:online\) has set up/);
      // The shortest: no single operation breaks it while onlining.
      const shorter = explore(config, { depth: 1, ops: ["online", "offline"] });
      assert.equal(violation(shorter, PAGE, "online"), undefined);
      // The scenario runner replays it at the same step.
      const run = runScenario(config, on.operations, { invariants: [PAGE] });
      const seen = run.operations.at(-1)!.violations.find((x) => x.invariant === PAGE)!;
      assert.deepEqual(seen.step, on.step);
    });
  }
  for (const kernel of ["6.6", "6.8", "6.12", "6.18"]) {
    await t.step(`Linux ${kernel} holds it`, () => {
      const r = explore({ hyperv: "2019", kernel, cpus: 2 }, {
        depth: 3,
        ops: ["online", "offline", "fail"],
      });
      const v = verdict(r, PAGE);
      assert.equal(v.holds, "always");
      assert.equal(v.expected, false);
      assert.ok(v.checks > 0);
    });
  }
  await t.step("without Hyper-V there is no page to check", () => {
    const r = explore({ hyperv: "none", kernel: "6.1", cpus: 2 }, { depth: 2 });
    assert.equal(verdict(r, PAGE).holds, "always");
  });
});

const CHANNELS: VmOptions = { cpus: 3, vmbusChannels: [0, 1, 2] };

Deno.test("C (3a7f7785eae7): offlining a channel's CPU: EBUSY on 6.12, the channel moves on 6.18 with VMBus 5.3", () => {
  const old = vm({ ...CHANNELS, kernel: "6.12", hyperv: "2022" }).build();
  const refused = old.offline(1);
  assert.equal(refused.ok, false);
  assert.match(refused.message, /EBUSY|busy/i);
  assert.deepEqual(old.snapshot().vmbus.channels, [0, 1, 2]);

  const m = vm({ ...CHANNELS, kernel: "6.18", hyperv: "2022" }).build();
  assert.equal(m.offline(1).ok, true);
  assert.equal(m.read("/sys/devices/system/cpu/cpu1/online"), "0\n");
  // hv_pick_new_cpu() with hvtick's draw of 0: CPU0 (docs/model.md §Hyper-V).
  assert.deepEqual(m.snapshot().vmbus.channels, [0, 2]);
  assert.equal(m.offline(2).ok, true);
  assert.deepEqual(m.snapshot().vmbus.channels, [0]);
  assert.equal(m.online(1).ok, true);
  assert.deepEqual(m.snapshot().vmbus.channels, [0], "the channel stays where it moved");
});

Deno.test("C: 6.18 on a 2019 host (VMBus 5.2) still refuses, saying why", () => {
  const m = vm({ ...CHANNELS, kernel: "6.18", hyperv: "2019" }).build();
  const r = m.offline(2);
  assert.equal(r.ok, false);
  assert.match(r.message, /VMBus 5\.3 or later \(this host negotiated 5\.2\)/);
  assert.deepEqual(m.snapshot().vmbus.channels, [0, 1, 2]);
});

Deno.test("C: explore finds the EBUSY on 6.12 (expected) and on 6.18 with VMBus 5.2, none on 6.18 with 5.3", async (t) => {
  const opts = { depth: 3, ops: ["online", "offline"] as ("online" | "offline")[] };
  for (
    const [kernel, hyperv, found] of [["6.12", "2022", true], ["6.18", "2019", true], [
      "6.18",
      "2022",
      false,
    ], ["6.18", "2025", false]] as const
  ) {
    await t.step(`${kernel} on ${hyperv}`, () => {
      const r = explore({ ...CHANNELS, kernel, hyperv }, opts);
      const v = verdict(r, "channel-cpu-can-go-offline");
      if (found) {
        assert.equal(v.expected, true);
        assert.deepEqual(violation(r, "channel-cpu-can-go-offline", "offline")!.operations, [
          "offline 1",
        ]);
      } else {
        assert.equal(v.holds, "always");
        assert.equal(v.expected, false);
      }
      // Either way no channel is left on an offline CPU.
      assert.equal(verdict(r, "no-channel-on-offline-cpu").holds, "always");
    });
  }
});
