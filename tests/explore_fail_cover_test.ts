/**
 * Fault injections that exploration leaves out (lib/ops/moves.ts `covering`, `injections`): on
 * every host and kernel line, from the booted machine, with a CPU offline, from a CPU left part
 * way, and with the kthread_park() race on either side, each left-out injection reaches the same
 * state as the one kept for it, and what it violates on the way is a subset of what the kept one
 * violates; a walk refused before its first callback leaves none out.
 */
import assert from "node:assert/strict";
import { HYPERV_IDS, KERNEL_IDS, runScenario, vm, type VmOptions } from "../mod.ts";
import { covering, failable, injections } from "../lib/ops/moves.ts";
import { workspace } from "../lib/explore/workspace.ts";
import { Packer } from "../lib/explore/pack.ts";
import { runnable } from "./helpers.ts";

// Every kernel line (its step table) on a host whose clockevent stops on offline (2012R2) and on
// one whose does not (2019), and every host on 5.4; as a VM the host can run (Generation 1 where
// it runs no other). All 90 pairs passed too (50 s on a loaded machine: too long to keep).
function configs(cpus: number): VmOptions[] {
  const pairs = [
    ...KERNEL_IDS.flatMap((kernel) => [["2012R2", kernel], ["2019", kernel]]),
    ...HYPERV_IDS.filter((h) => h !== "2012R2" && h !== "2019").map((hyperv) => [hyperv, "5.4"]),
  ];
  return pairs.flatMap(([hyperv, kernel]) => runnable(hyperv, kernel, cpus) ?? []);
}

const packer = new Packer();
// The state a scenario ends in. When the walk hung before it reached the failure, the failure
// stays armed (`cpuhp_cpu_state.fail`): the two end states differ there alone, and a hung machine
// takes no further operation (moves.ts) and no invariant reads the field, so it is left out.
function end(config: VmOptions, lines: string[]) {
  const m = vm(config).build();
  for (const line of lines) m.run(line);
  const s = m.snapshot();
  if (s.hang) s.cpus.forEach((c) => (c as { fail: number }).fail = -1);
  return [...packer.packState(s)];
}

const FAIL = "/sys/devices/system/cpu/cpu1/hotplug/fail";

// After `prefix`, a failure armed at `state` (left out) and at `by` (kept for it), then `walk`:
// the same end state and outcome, and nothing violated that the kept one does not violate.
function compare(config: VmOptions, prefix: string[], walk: string, state: number, by: number) {
  const lines = (s: number) => [...prefix, `echo ${s} > ${FAIL}`, walk];
  const what = `${JSON.stringify(config)} ${lines(state).join("; ")} (kept: ${by})`;
  assert.deepEqual(end(config, lines(state)), end(config, lines(by)), what);
  const [a, b] = [lines(state), lines(by)].map((l) => runScenario(config, l).operations.at(-1)!);
  assert.equal(a.ok, b.ok, what);
  const violated = new Set(b.violations.map((v) => v.invariant));
  for (const v of a.violations) assert.ok(violated.has(v.invariant), `${what}: ${v.invariant}`);
}

Deno.test("fail: every injection left out reaches the state the kept one reaches, violating no more", () => {
  let compared = 0;
  for (const config of configs(2)) {
    const { root } = workspace(config);
    for (const race of ["race passes", "race sleeps"]) {
      for (const down of [true, false]) {
        const prefix = down ? [race] : [race, "offline 1"];
        const walk = down ? "offline 1" : "online 1";
        // From an end (the walks from part way: the next test).
        const m = vm(config).build();
        for (const line of prefix) m.run(line);
        const at = m.snapshot();
        if (at.hang || at.cpus[1].state !== (down ? root.line.cpuhp.ONLINE : 0)) continue;
        const kept = covering(root, down);
        for (const state of failable(root, down)) {
          if (kept.includes(state)) continue;
          // Down: the nearest kept below; up: the nearest kept above.
          const by = down ? kept.filter((s) => s < state).at(-1)! : kept.find((s) => s > state)!;
          compare(config, prefix, walk, state, by);
          compared++;
        }
      }
    }
  }
  assert.ok(compared > 1000, `${compared} compared`);
});

// A CPU a failed walk left part way (5.5: a failure at `acpi/cpu-drv:dead` going down leaves it
// online at `smpboot/threads:online`), or one sent to a partial target (hotplug/target): its next
// walk passes the states on one side of where it stands, and of those the search keeps the
// covering ones too (moves.ts `injections`).
Deno.test("fail: from a CPU left part way, every injection left out reaches the state the kept one reaches, violating no more", () => {
  let compared = 0;
  for (const plain of configs(2)) {
    const config = { ...plain, hotplugStateControl: true };
    const { root } = workspace(config);
    const { ONLINE, BRINGUP_CPU } = root.line.cpuhp;
    // The partial targets exploration sends an online CPU to (moves.ts).
    const targets = failable(root, false).filter((t) => t < BRINGUP_CPU && !root.steps[t].cantStop);
    for (const race of ["race passes", "race sleeps"]) {
      // The places a failed offline or online of CPU1 or a partial target leaves it, once each.
      const seen = new Set<string>();
      const prefixes = [
        ...failable(root, true).map((x) => [race, `echo ${x} > ${FAIL}`, "offline 1"]),
        ...failable(root, false).map((x) => [race, "offline 1", `echo ${x} > ${FAIL}`, "online 1"]),
        ...targets.map((t) => [race, `echo ${t} > /sys/devices/system/cpu/cpu1/hotplug/target`]),
      ];
      for (const prefix of prefixes) {
        const m = vm(config).build();
        for (const line of prefix) if (!m.snapshot().hang) m.run(line);
        const at = m.snapshot();
        const c = at.cpus[1];
        if (at.hang || c.fail !== -1 || c.state === 0 || c.state === ONLINE) continue;
        const down = !c.devOffline;
        if (seen.has(`${down}/${c.state}`)) continue;
        seen.add(`${down}/${c.state}`);
        const walk = down ? "offline 1" : "online 1";
        const kept = injections({ ...root, s: at }, down, c.state);
        for (const state of failable(root, down)) {
          if (kept.includes(state)) continue;
          const covers = covering(root, down);
          const by = down
            ? covers.filter((s) => s < state).at(-1)!
            : covers.find((s) => s > state)!;
          assert.ok(kept.includes(by));
          compare(config, prefix, walk, state, by);
          compared++;
        }
      }
    }
  }
  assert.ok(compared > 300, `${compared} compared`);
});

Deno.test("fail: a walk refused before its first callback keeps every injection (the failure stays armed)", () => {
  const config = { hyperv: "2019", kernel: "5.5", cpus: 2, hotplugStateControl: true } as const;
  const { root } = workspace(config);
  const m = vm(config).build();
  m.run("echo 35 > /sys/devices/system/cpu/cpu1/hotplug/target");
  // CPU1 at workqueue:prepare is not online: CPU0 is the last online CPU, _cpu_down() refuses.
  const s = m.snapshot();
  assert.equal(s.cpus.filter((c) => c.online).length, 1);
  assert.deepEqual(injections({ ...root, s }, true, 35), failable(root, true));
  // With CPU2 online too the walk starts, and passes the states below 35.
  const three = vm({ ...config, cpus: 3 }).build();
  three.run("echo 35 > /sys/devices/system/cpu/cpu1/hotplug/target");
  const k = { ...workspace({ ...config, cpus: 3 }).root, s: three.snapshot() };
  assert.ok(injections(k, true, 35).length < failable(root, true).length);
});
