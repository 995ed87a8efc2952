/**
 * Boots kept by configuration (lib/machine/booted.ts) own their configuration: a configuration
 * object a caller holds — the one it gave, or a search's result's — changed afterwards changes no
 * later boot, search or scenario of that configuration (the kept boot's state held the caller's
 * object itself, and every kernel made from it read it).
 */
import assert from "node:assert/strict";
import { explore, runScenario, vm, type VmOptions } from "../mod.ts";
import { boot } from "../lib/machine/boot.ts";
import { bootedKernel } from "../lib/machine/booted.ts";
import { fingerprintOf } from "../lib/engine/fingerprint.ts";
import type { MachineConfig } from "../lib/engine/config.ts";

// Writes over a configuration's fields as plain JavaScript can (the type says readonly): another
// kernel line, no synthetic timers, and one CPU fewer.
function scribble(config: MachineConfig): void {
  const c = config as { -readonly [K in keyof MachineConfig]: MachineConfig[K] };
  c.kernel = c.kernel === "6.12" ? "5.4" : "6.12";
  c.cpus -= 1;
  (c.features as { syntheticTimers: boolean }).syntheticTimers = false;
}

// Configurations no other test in this file boots first (each test starts with a cache miss).
const SEARCHED: VmOptions = { hyperv: "2019", kernel: "5.4", cpus: 3 };
const BOOTED: VmOptions = { hyperv: "2016", kernel: "5.10", cpus: 3 };
const SCENARIO: VmOptions = { hyperv: "2022", kernel: "6.6", cpus: 3 };

Deno.test("a search's result's config changed afterwards: the next search of that configuration finds what the first did", () => {
  const options = { depth: 4 } as const;
  const first = explore(SEARCHED, options);
  const want = structuredClone(first);
  scribble(first.config);
  // The next search starts from the kept boot: its root is a copy of that boot's state.
  assert.deepEqual(explore(SEARCHED, options), want);
});

Deno.test("a configuration changed after it was booted: a kernel made from its kept boot is still a fresh boot's", () => {
  const config = vm(BOOTED).build().config;
  const want = fingerprintOf(boot(structuredClone(config)).s);
  const k = bootedKernel(config);
  assert.equal(fingerprintOf(k.s), want);
  const key = JSON.stringify(config);
  scribble(config);
  // The same configuration, written anew: the kept boot's.
  const again = bootedKernel(JSON.parse(key));
  assert.equal(fingerprintOf(again.s), want);
  assert.deepEqual(again.s.config, JSON.parse(key));
});

Deno.test("a scenario run after a search's result's config was changed is the run from a fresh boot", () => {
  const lines = ["offline 1", "advance 10ms", "online 1", "hibernate", "resume", "kexec"];
  const first = explore(SCENARIO, { depth: 1 });
  scribble(first.config);
  // A scenario of that configuration is run on a kernel made from the same kept boot.
  const run = runScenario(SCENARIO, lines);
  assert.deepEqual(run.config, vm(SCENARIO).config());
  const m = vm(SCENARIO).build();
  for (const line of lines) m.run(line);
  assert.deepEqual(run.operations.at(-1)!.bound, m.cpus().map((c) => c.device));
  assert.equal(run.end, m.now);
});
