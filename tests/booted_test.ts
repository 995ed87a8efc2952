/**
 * Boots kept by configuration (lib/machine/booted.ts): a kernel on a copy of a kept boot is that
 * boot's, so a scenario run from it is the run from a fresh boot.
 */
import assert from "node:assert/strict";
import { runScenario, type VmOptions } from "../mod.ts";
import { vm } from "../mod.ts";
import { boot } from "../lib/machine/boot.ts";
import { bootedKernel } from "../lib/machine/booted.ts";
import { fingerprintOf } from "../lib/engine/fingerprint.ts";
import type { Kernel } from "../lib/engine/kernel.ts";

const CONFIGS: VmOptions[] = [
  { hyperv: "2019", kernel: "5.5", cpus: 4 },
  { hyperv: "2012R2", kernel: "5.4", cpus: 3 },
  { hyperv: "2025", kernel: "6.6", cpus: 2, hz: 1000 },
  { hyperv: "none", kernel: "6.12", cpus: 3 },
  { hyperv: "2019", kernel: "6.18", cpus: 2, traceTicks: true },
];

// What a kernel context holds besides its state's fingerprint.
function context(k: Kernel) {
  return {
    fingerprint: fingerprintOf(k.s),
    log: k.s.log,
    problems: k.s.problems,
    trace: k.trace.events(0),
    next: k.timers.peek(),
    period: k.period,
    direct: k.direct,
    history: k.history,
    exec: k.exec,
    preemptCount: k.preemptCount,
    threads: k.threads,
    hresValid: k.hresValid,
    maxDefermentNs: k.maxDefermentNs,
    // Made when first needed: none and an empty set are alike.
    awake: [...(k.awake ?? [])],
    steps: k.steps.map((s) => s.name),
  };
}

Deno.test("a kernel on a kept boot is a fresh boot's, whatever was done to the ones before it", () => {
  for (const options of CONFIGS) {
    const config = vm(options).build().config;
    const fresh = context(boot(config));
    // The first boots; the next are made on copies of it, each changed after it is checked.
    for (let i = 0; i < 3; i++) {
      const k = bootedKernel(config);
      assert.deepEqual(context(k), fresh, `${JSON.stringify(options)}, kernel ${i}`);
      k.s.cpus[1].online = false;
      k.s.log.dmesg.pop();
    }
  }
});

Deno.test("a scenario run again, from a kept boot, is the same run", () => {
  const lines = ["offline 1", "advance 25ms", "online 1", "offline 2", "hibernate", "kexec"];
  // Configurations the test above did not boot: the first run boots.
  for (const options of CONFIGS.map((c) => ({ ...c, cpus: c.cpus! + 1 }))) {
    const first = runScenario(options, lines);
    assert.deepEqual(runScenario(options, lines), first, JSON.stringify(options));
  }
});
