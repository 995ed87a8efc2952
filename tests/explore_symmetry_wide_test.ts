/**
 * Canonical forms on machines whose CPU numbers have two digits (i15-canon's CPU keys
 * as numbers, lib/explore/cpu_key.ts): a state and every renumbering of its interchangeable CPUs
 * have one canonical form, in a snapshot and in a running kernel's state alike.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { vm, type VmOptions } from "../mod.ts";
import { interchangeable, permuteState } from "../lib/explore/symmetry.ts";
import { canonicalPerm } from "../lib/explore/concrete.ts";
import { Packer } from "../lib/explore/pack.ts";
import { createKernel } from "../lib/machine/kernel.ts";
import type { MachineState } from "../lib/engine/state.ts";

// A VMbus channel on a two-digit CPU: it is fixed, the others around it interchangeable.
const WIDE: VmOptions[] = [
  { hyperv: "2019", kernel: "5.5", cpus: 12, vmbusChannels: [0, 10] },
  { hyperv: "2012R2", kernel: "5.4", cpus: 11 },
  { hyperv: "2025", kernel: "6.12", cpus: 13, hotplugStateControl: true },
];

// The reduced search's identity of a state, renumbered in canonical order (anchors included).
function canonical(s: MachineState, group: readonly number[]): number[] {
  return [...new Packer(true).packState(permuteState(s, canonicalPerm(s, group)))];
}

// A renumbering of `group`'s CPUs (the others stay): `perm[i]` is the CPU that becomes CPU i.
function shuffled(cpus: number, group: readonly number[], keys: readonly number[]): number[] {
  const perm = Array.from({ length: cpus }, (_, i) => i);
  const to = [...group].sort((a, b) => keys[a] - keys[b] || a - b);
  group.forEach((cpu, i) => perm[cpu] = to[i]);
  return perm;
}

Deno.test("symmetry at 11-13 vCPUs: every renumbering of a state's interchangeable CPUs has its canonical form", () => {
  for (const options of WIDE) {
    const cpus = options.cpus!;
    // A few CPUs, the last (two digits) among them, taken down, then up and down again with time
    // passing (so that some come back with fewer ticks than the rest) and a hibernation or not.
    const lines = fc.tuple(
      fc.uniqueArray(fc.integer({ min: 1, max: cpus - 2 }), { minLength: 1, maxLength: 2 }),
      fc.array(fc.tuple(fc.nat(5), fc.nat(8)), { maxLength: 10 }),
    ).map(([some, picks]) => {
      const mine = [...some, cpus - 1];
      const line = ([what, n]: [number, number]) =>
        what === 0
          ? `online ${mine[n % mine.length]}`
          : what === 1
          ? `offline ${mine[n % mine.length]}`
          : what < 4
          ? `advance ${n + 1}ms`
          : what === 4
          ? "hibernate"
          : "resume";
      return [...mine.map((cpu) => `offline ${cpu}`), ...picks.map(line)];
    });
    fc.assert(
      fc.property(
        lines,
        fc.array(fc.integer(), { minLength: cpus, maxLength: cpus }),
        (lines, keys) => {
          const m = vm(options).build();
          for (const l of lines) {
            try {
              m.run(l);
            } catch {
              // Refused (a CPU already offline, a hibernation already resumed): nothing ran.
            }
          }
          const snapshot = m.snapshot();
          const running = createKernel(m.snapshot());
          const group = interchangeable(running);
          assert.ok(group.length >= cpus - 2, JSON.stringify(group));
          const perm = shuffled(cpus, group, keys);
          for (const s of [snapshot, running.s]) {
            const want = canonical(s, group);
            assert.deepEqual(canonical(permuteState(s, perm), group), want, JSON.stringify(perm));
          }
        },
      ),
      { numRuns: 25, seed: 22 },
    );
  }
});
