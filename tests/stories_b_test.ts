/**
 * Issue 13's stories A and C, on both sides of each fix: the hypercall page set up after
 * `irq/affinity:online` (before 9636be85cc5b, 6.4) and the VMbus channel move on offline
 * (3a7f7785eae7, 6.15, VMBus 5.3); what the machine does and what `explore` finds.
 */
import assert from "node:assert/strict";
import { explore, type ExploreResult, runScenario, vm, type VmOptions } from "../mod.ts";
import { vmLine, vmOptions, withFields } from "../lib/ops/vm_line.ts";

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

Deno.test("C: CPU0 (VMBUS_CONNECT_CPU) still refuses on 6.18 (arm64, where CPU0 has an online file)", () => {
  const m = vm({ ...CHANNELS, kernel: "6.18", hyperv: "2022", arch: "arm64" }).build();
  const r = m.offline(0);
  assert.equal(r.ok, false);
  assert.match(r.message, /EBUSY.*CPU0 is VMBUS_CONNECT_CPU/);
  assert.equal(m.offline(2).ok, true);
  assert.deepEqual(m.snapshot().vmbus.channels, [0, 1]);
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
    });
  }
});

// Story B, 7f828d5fff7d: a TDX VM without a paravisor.
const TDX: VmOptions = { hyperv: "2022", cpus: 2, isolation: "tdx" };
const STIMER = "Hyper-V clockevent";

Deno.test("B (7f828d5fff7d): in a TDX VM the stimer binds on 6.6 and 6.8, the LAPIC timer on 6.12 and 6.18", () => {
  for (
    const [kernel, bound] of [["6.6", STIMER], ["6.8", STIMER], ["6.12", "lapic"], [
      "6.18",
      "lapic",
    ]] as const
  ) {
    const m = vm({ ...TDX, kernel }).build();
    for (const cpu of [0, 1]) {
      assert.equal(
        m.read(`/sys/devices/system/clockevents/clockevent${cpu}/current_device`),
        `${bound}\n`,
        `${kernel} CPU${cpu}`,
      );
    }
    const stimer = m.devices().find((d) => d.name === STIMER)!;
    assert.equal(stimer.rating, bound === STIMER ? 1000 : 90);
    // Hotplug keeps it so.
    assert.equal(m.offline(1).ok, true);
    assert.equal(m.online(1).ok, true);
    assert.equal(m.boundDevice(1), bound);
    // The same line without isolation binds the stimer.
    assert.equal(vm({ ...TDX, kernel, isolation: "none" }).build().boundDevice(1), STIMER);
  }
  // Which LAPIC timer: the guest CPU's features (lapic 100, 150 with ARAT; lapic-deadline).
  const deadline = vm({ ...TDX, kernel: "6.18", features: { tscDeadline: true, arat: true } })
    .build();
  assert.equal(deadline.boundDevice(1), "lapic-deadline");
  assert.equal(deadline.devices().find((d) => d.name === "lapic-deadline")!.rating, 150);
});

Deno.test("B: what else differs in such a guest: no TSC page, no PIT/HPET, no parallel bring-up", () => {
  const m = vm({ ...TDX, kernel: "6.12", kconfig: "debian" }).build();
  assert.equal(m.config.features.referenceTscPage, false);
  assert.equal(m.config.isolation, "tdx");
  assert.ok(m.devices().every((d) => d.name !== "pit" && d.name !== "hpet"));
  assert.match(m.dmesg(), /smpboot: Parallel CPU startup disabled by the platform\n/);
  assert.doesNotMatch(m.dmesg(), /hyperv_clocksource_tsc_page/);
  const plain = vm({ ...TDX, kernel: "6.12", kconfig: "debian", isolation: "none" }).build();
  assert.doesNotMatch(plain.dmesg(), /Parallel CPU startup/);
  assert.equal(plain.config.isolation, undefined, "an ordinary VM's configuration is unchanged");
});

Deno.test("B: the option is refused where such a guest cannot run, saying what is valid", () => {
  const problems = (o: VmOptions) => {
    try {
      vm(o).build();
      return "";
    } catch (e) {
      return (e as Error).message;
    }
  };
  assert.match(
    problems({ ...TDX, kernel: "6.1" }),
    /isolation: "tdx" .* not valid with kernel 6\.1: Linux 6\.1\.192 cannot run as a Hyper-V TDX guest .*valid: kernel 6\.6, 6\.8, 6\.12, 6\.18/,
  );
  assert.match(problems({ ...TDX, kernel: "5.15" }), /not valid with kernel 5\.15/);
  assert.match(problems({ ...TDX, kernel: "6.12", hyperv: "2019" }), /valid: hyperv 2022, 2025/);
  assert.match(problems({ ...TDX, kernel: "6.12", arch: "arm64" }), /x86_64 only/);
  assert.match(problems({ ...TDX, kernel: "6.12", generation: 1 }), /Generation 2 VM/);
  assert.match(
    problems({ ...TDX, kernel: "6.12", features: { referenceTscPage: true } }),
    /referenceTscPage cannot be on/,
  );
  assert.match(problems({ isolation: "sev" }), /isolation: "sev" is not valid; valid: none, tdx/);
  assert.equal(problems({ ...TDX, kernel: "6.6", hyperv: "2025" }), "");
});

Deno.test("B: the vm line, compare fields and snapshots carry the option", () => {
  const m = vm({ ...TDX, kernel: "6.12" }).build();
  const line = vmLine(m.config, vm({ ...TDX, kernel: "6.12" }).options());
  assert.match(line, / --isolation tdx/);
  assert.deepEqual(vmOptions({ isolation: "tdx" }).isolation, "tdx");
  assert.equal(withFields({}, "isolation=tdx", "a").isolation, "tdx");
  const again = vm().cpus(2).build().restore(m.snapshot());
  assert.equal(again.config.isolation, "tdx");
  assert.equal(again.boundDevice(1), "lapic");
  assert.doesNotMatch(vmLine(vm().build().config, {}), /isolation/);
});

Deno.test("B: explore finds the stimer bound on 6.6 TDX (at boot, expected: a claim of 7f828d5fff7d) and none on 6.12; lapic-never-bound is expected there", () => {
  const opts = { depth: 2, ops: ["online", "offline"] as ("online" | "offline")[] };
  const old = explore({ ...TDX, kernel: "6.6" }, opts);
  const v = verdict(old, "no-stimer-tick-in-tdx");
  assert.equal(v.holds, "never");
  assert.equal(v.expected, true);
  assert.deepEqual(violation(old, "no-stimer-tick-in-tdx", "boot")!.operations, []);
  assert.match(violation(old, "no-stimer-tick-in-tdx", "boot")!.message, /rating 1000/);
  assert.equal(verdict(old, "lapic-never-bound").holds, "always");

  const fixed = explore({ ...TDX, kernel: "6.12" }, opts);
  assert.equal(verdict(fixed, "no-stimer-tick-in-tdx").holds, "always");
  assert.equal(verdict(fixed, "no-stimer-tick-in-tdx").expected, false);
  const lapic = verdict(fixed, "lapic-never-bound");
  assert.equal(lapic.holds, "sometimes");
  assert.equal(lapic.expected, true, "7f828d5fff7d binds the LAPIC on purpose");
  assert.deepEqual(violation(fixed, "lapic-never-bound", "offline")!.operations, ["offline 1"]);
  assert.match(fixed.design, /rated below the LAPIC timer in a TDX VM/);
  // Outside TDX the invariant has nothing to say.
  assert.equal(
    verdict(explore({ hyperv: "2022", kernel: "6.6", cpus: 2 }, opts), "no-stimer-tick-in-tdx")
      .holds,
    "always",
  );
});
