/**
 * Symmetry reduction holds to the plain search: on every host and kernel line, the same verdicts
 * and shortest counterexamples of the same length; counterexamples name concrete CPUs and replay.
 */
import assert from "node:assert/strict";
import {
  explore,
  HYPERV_IDS,
  KERNEL_IDS,
  OPERATION_KINDS,
  runScenario,
  verifySymmetry,
  vm,
  type VmOptions,
} from "../mod.ts";
import { canonicalOrder, NAMES_CPUS, permuteState } from "../lib/explore/symmetry.ts";
import { KEY_OF } from "../lib/explore/cpu_key.ts";
import { canonicalPerm } from "../lib/explore/concrete.ts";
import { Packer } from "../lib/explore/pack.ts";
import { listOrder } from "../lib/engine/list.ts";
import type { MachineState } from "../lib/engine/state.ts";
import { FOUR_DESIGNS, runnable } from "./helpers.ts";

// Every host and kernel line, as a VM the host can run (Generation 1 where it runs no other).
function configs(cpus: number): VmOptions[] {
  return HYPERV_IDS.flatMap((hyperv) =>
    KERNEL_IDS.flatMap((kernel) => runnable(hyperv, kernel, cpus) ?? [])
  );
}

Deno.test("symmetry: every host and kernel line at 3 vCPUs (depth 2, every operation kind, partial targets on), the same verdicts and counterexample lengths as the plain search", () => {
  const list = configs(3);
  assert.equal(list.length, HYPERV_IDS.length * KERNEL_IDS.length);
  for (const config of list) {
    const check = verifySymmetry({ ...config, hotplugStateControl: true }, {
      depth: 2,
      ops: [...OPERATION_KINDS],
    });
    assert.deepEqual(check.differences, [], JSON.stringify(config));
    assert.deepEqual(check.reduced.symmetric, [1, 2]);
  }
});

// 6.8 with partial targets it missed a violation at depth 5.
Deno.test("symmetry: 4 vCPUs to depth 4, with hibernation, as the plain search", () => {
  for (
    const config of FOUR_DESIGNS
  ) {
    const check = verifySymmetry(config, {
      depth: 4,
      ops: ["online", "offline", "advance", "hibernate"],
    });
    assert.deepEqual(check.differences, [], JSON.stringify(config));
    assert.ok(check.reduced.states < check.plain.states);
  }
});

Deno.test("symmetry: a counterexample names the boot's CPUs and replays to the same violation", () => {
  const config = { hyperv: "2019", kernel: "5.4", cpus: 5 };
  const r = explore(config, { depth: 4, ops: ["online", "offline", "advance", "hibernate"] });
  assert.deepEqual(r.symmetric, [1, 2, 3, 4]);
  assert.ok(r.violations.length > 0);
  for (const v of r.violations) {
    if (v.during === "boot") continue;
    const run = runScenario(config, v.operations.flatMap((o) => o.split("; ")), {
      invariants: [v.invariant],
    });
    const last = run.operations[run.operations.length - 1];
    const found = last.violations.find((x) => x.message === v.message);
    assert.ok(found, `${v.invariant}: ${v.operations.join("; ")} does not replay`);
    assert.deepEqual(found.step, v.step);
  }
  // Two CPUs offlined: the hang during hibernation is met with CPUs the boot numbers 1 and 2.
  const hang = r.violations.find((v) => v.invariant === "no-hang" && v.during === "offline")!;
  assert.deepEqual(hang.operations, ["offline 1"]);
});

Deno.test("symmetry: renumbering a state in canonical order is the same for every renumbering of it", () => {
  const m = vm({ hyperv: "2019", kernel: "5.5", cpus: 5 }).build();
  m.offline(3);
  m.advance("8ms");
  m.offline(1);
  m.online(3);
  const s = m.snapshot();
  // The reduced search's identity: each CPU's order of clockevent_devices, not the whole list's.
  const packer = new Packer(true);
  const canonical = (
    x: MachineState,
  ) => [...packer.packState(permuteState(x, canonicalPerm(x, [1, 2, 3, 4])))];
  const want = canonical(s);
  for (const p of [[0, 2, 1, 3, 4], [0, 4, 3, 2, 1], [0, 3, 1, 4, 2]]) {
    assert.deepEqual(canonical(permuteState(s, p)), want, JSON.stringify(p));
  }
});

Deno.test("symmetry: states whose clockevent lists differ only in how CPUs' devices interleave are one class of the reduced search", () => {
  const ran = (lines: string[]) => {
    const m = vm({ hyperv: "2012R2", kernel: "5.5", cpus: 4 }).build();
    for (const line of lines) m.run(line);
    return m.snapshot();
  };
  // Each CPU's devices go back to the head of the list when it comes back: CPU1's then CPU2's
  // ahead of the rest, or CPU2's then CPU1's.
  const a = ran(["offline 1", "offline 2", "online 1", "online 2"]);
  const b = ran(["offline 2", "offline 1", "online 2", "online 1"]);
  assert.notDeepEqual(listOrder(a), listOrder(b));
  assert.notDeepEqual([...new Packer().pack(a)], [...new Packer().pack(b)]);
  const reduced = new Packer(true);
  assert.deepEqual([...reduced.pack(a)], [...reduced.pack(b)]);
  // Every CPU still has its LAPIC and stimer ahead of the PIT (the global device), as at the boot:
  // the boot's class, which the whole list tells apart.
  const booted = ran([]);
  assert.deepEqual([...reduced.pack(a)], [...reduced.pack(booted)]);
  assert.notDeepEqual([...new Packer().pack(a)], [...new Packer().pack(booted)]);
});

Deno.test("symmetry: every field of a CPU and of its devices that the key tables do not call a key or an anchor tells CPUs apart", () => {
  // At the boot CPUs 1-3 are tied: changing one field of CPU2 (or of its stimer) unties it.
  const base = vm({ hyperv: "2019", kernel: "5.5", cpus: 4 }).build().snapshot();
  assert.deepEqual(canonicalOrder(base, [1, 2, 3]).ties, [[1, 2, 3]]);
  const bump = (o: Record<string, unknown>, f: string) => {
    const v = o[f];
    o[f] = typeof v === "number" ? v + 1 : typeof v === "boolean" ? !v : v == null ? true : `${v}x`;
  };
  const untied = (mutate: (s: typeof base) => void) => {
    const s = structuredClone(base);
    mutate(s);
    return canonicalOrder(s, [1, 2, 3]).ties.every((run) => !run.includes(2) || run.length < 3);
  };
  for (const [f, how] of Object.entries(KEY_OF.cpu)) {
    if (how === "key" || how === "anchor") continue;
    assert.ok(untied((s) => bump(s.cpus[2] as never, f)), `cpu.${f}`);
  }
  for (const [f, how] of Object.entries(KEY_OF.device)) {
    if (how === "key" || how === "anchor") continue;
    const id = "hv_stimer:2";
    const mutate = f === "id"
      ? (s: typeof base) => (s.devices[id].id = "hv_stimer:1")
      : (s: typeof base) => bump(s.devices[id] as never, f);
    assert.ok(untied(mutate), `device.${f}`);
  }
});

Deno.test("symmetry: permuteState renames exactly the machine's fields the table says name CPUs", () => {
  const m = vm({ hyperv: "2019", kernel: "5.4", cpus: 4 }).build();
  m.offline(2);
  m.advance("8ms");
  const s = m.snapshot();
  const out = permuteState(s, [0, 3, 2, 1]);
  for (const [f, names] of Object.entries(NAMES_CPUS)) {
    const [a, b] = [(s as never)[f] as unknown, (out as never)[f] as unknown];
    if (!names) assert.equal(b, a, `${f} holds no CPU number: left as it is`);
    else if (typeof a === "object" && a !== null) assert.notEqual(b, a, `${f}: renamed (a copy)`);
  }
  // The CPU records and devices moved with their CPU.
  assert.equal(out.cpus[3].online, s.cpus[1].online);
  const lapic1 = s.devices["lapic:1"];
  assert.deepEqual(out.devices!["lapic:3"], {
    ...lapic1,
    id: "lapic:3",
    mask: 3,
    boundTo: lapic1.boundTo === 1 ? 3 : lapic1.boundTo,
  });
});

// Fault injection (issue 15): one operation per failable state and CPU, so most of what a search
// with every kind runs; held to the plain search one level deeper than the test above, on four
// designs, and with partial targets (a failure injected into a walk from a partial target).
Deno.test("symmetry: fault injection at 4 vCPUs to depth 3 (and with partial targets at 3 vCPUs), as the plain search", () => {
  for (
    const config of [
      ...FOUR_DESIGNS,
      { hyperv: "2019", kernel: "6.6", cpus: 3, hotplugStateControl: true },
    ]
  ) {
    const ops = config.hotplugStateControl
      ? ["online", "offline", "fail", "target"] as const
      : ["online", "offline", "fail"] as const;
    const check = verifySymmetry(config, { depth: 3, ops: [...ops] });
    assert.deepEqual(check.differences, [], JSON.stringify(config));
    assert.ok(check.reduced.states <= check.plain.states);
    // The reduction is real where fault injection finds something (5.4 on 2019: 1,362 orbits
    // for 5,057 states).
    if (config.kernel === "5.4") {
      assert.ok(check.reduced.states * 3 < check.plain.states);
      assert.ok(check.plain.violations.some((v) => v.during === "fail"));
    }
  }
});
