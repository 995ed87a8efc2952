/**
 * Symmetry reduction for exploration: the CPUs a configuration makes interchangeable, and a
 * canonical renumbering of them in a state, so that a search meets each orbit of states (states
 * equal but for which of those CPUs is which) once. A permutation renames every CPU-indexed part
 * of the state consistently: CPU records, per-CPU device ids, cpumasks, `boundTo`, the
 * timekeeping CPU, the hang's CPU, the broadcast masks, the frozen CPUs, the clockevent and
 * released lists, the corruption record and the hibernation image (docs/model.md §Exploration
 * says why the reduction is exact).
 *
 * @module
 */

import type { Kernel } from "../engine/kernel.ts";
import type { CpuState, DeviceState, MachineState } from "../engine/state.ts";
import { compareKeys, cpuOfId, KeyWriter } from "./cpu_key.ts";
import { hotpluggable } from "../hotplug/device.ts";
import { movedDevice } from "../engine/device.ts";
import { numberOf } from "../engine/device_table.ts";

/**
 * The CPUs of `k`'s machine that no rule tells apart, ascending (empty when fewer than two): not
 * the boot CPU 0, not a VMbus channel's `target_cpu`, not the CPU whose `vmbus_percpu_work()` runs
 * first (`synicFirst`). None when the boot CPU can go offline: the first online CPU takes over the
 * timekeeping duty and the hotplug control (6.6 kernel/time/tick-common.c:393-397 `tick_handover_do_timer()`,
 * cpumask_first), and with CPU0 gone that is the lowest-numbered of the others.
 *
 * @example
 * ```ts
 * import { interchangeable } from "./symmetry.ts";
 * import { workspace } from "./workspace.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(interchangeable(workspace({ cpus: 4 }).root), [1, 2, 3]);
 * assert.deepEqual(interchangeable(workspace({ cpus: 4, vmbusChannels: [0, 2] }).root), [1, 3]);
 * assert.deepEqual(interchangeable(workspace({ cpus: 4, arch: "arm64" }).root), []);
 * ```
 */
export function interchangeable(k: Kernel): number[] {
  const config = k.s.config;
  if (hotpluggable(k, 0)) return [];
  const fixed = new Set([0, config.synicFirst, ...config.vmbusChannels]);
  const out = k.s.cpus.map((c) => c.id).filter((cpu) => !fixed.has(cpu));
  return out.length < 2 ? [] : out;
}

/**
 * The machine's fields that name CPUs (true): {@linkcode permuteState} renames each and the CPU
 * key reads each. The others hold no CPU number (or are history, never packed). A new field does
 * not compile until it says; a test checks that the true ones are the ones renamed.
 */
export const NAMES_CPUS = {
  format: false,
  config: false,
  now: false,
  offNs: false,
  refEpoch: false,
  running: false,
  power: false,
  hang: true,
  jiffies: false,
  doTimerCpu: true,
  tickNextPeriod: false,
  lastJiffiesUpdate: false,
  cpus: true,
  devices: true,
  table: true,
  ceList: true,
  ceSeq: false,
  released: true,
  broadcast: true,
  registered: false,
  hotplugDisabled: false,
  parkRace: false,
  vmbus: true,
  frozenCpus: true,
  ceCorrupt: true,
  modules: false,
  loading: false,
  acpiNamespaceHeld: false,
  image: true,
  pm: false,
  consoleLoglevel: false,
  walk: false,
  problems: false,
  log: false,
} as const satisfies Readonly<Record<keyof MachineState, boolean>>;

/**
 * A hang's text as the renumbered state's producer writes it: its producers name a CPU only as
 * `CPU<n>` (hotplug/invoke.ts `runsWithoutTick` with time/devices.ts `silent`, hotplug/device.ts
 * `leftWithoutTick`) or a list as `CPUs <n>,<m>` in ascending order (platform/hyperv/kexec.ts
 * `vpAssistCrashReason`), so each such number is renumbered by `cpu` (a list sorted again). A
 * task's name in hotplug/oops.ts's reason (`cpuhp/2[23]`) is left: no check reads a hang's texts,
 * so at worst that hung orbit keeps two canonical forms.
 *
 * @example
 * ```ts
 * import { renumberCpus } from "./symmetry.ts";
 * import assert from "node:assert/strict";
 * const swap = (n: number) => [0, 2, 1, 3][n];
 * assert.equal(renumberCpus("CPU2 has no working clockevent device", swap), "CPU1 has no working clockevent device");
 * assert.equal(renumberCpus("stayed enabled on CPUs 1,3", swap), "stayed enabled on CPUs 2,3");
 * ```
 */
export function renumberCpus(text: string, cpu: (n: number) => number): string {
  return text.replace(
    /\bCPUs (\d+(?:,\d+)+)|\bCPU(\d+)/g,
    (_, list, one) =>
      list === undefined
        ? `CPU${cpu(Number(one))}`
        : `CPUs ${
          list.split(",").map((n: string) => cpu(Number(n))).sort((a: number, b: number) => a - b)
            .join(",")
        }`,
  );
}

/**
 * The state with CPU `p[i]` renumbered `i` (for every CPU; `p` is a permutation): a new value,
 * sharing only what the permutation leaves alone (the configuration, the registered steps).
 *
 * @example Two CPUs swapped, twice: the state again
 * ```ts
 * import { permuteState } from "./symmetry.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const m = vm({ cpus: 3 }).build();
 * m.offline(1);
 * const s = m.snapshot();
 * const swapped = permuteState(s, [0, 2, 1]);
 * assert.equal(swapped.cpus[2].online, false);
 * assert.equal(swapped.cpus[1].tickDev, s.cpus[2].tickDev!.replace(":2", ":1"));
 * assert.deepEqual(permuteState(swapped, [0, 2, 1]).cpus, s.cpus);
 * ```
 */
export function permuteState(s: MachineState, p: ArrayLike<number>): MachineState {
  const q = new Array<number>(p.length);
  for (let i = 0; i < p.length; i++) q[p[i]] = i;
  const cpu = (n: number) => (n >= 0 && n < q.length ? q[n] : n);
  const id = (x: string) => {
    const n = cpuOfId(x);
    return n < 0 ? x : `${x.slice(0, x.lastIndexOf(":"))}:${q[n]}`;
  };
  const mask = (xs: readonly number[]) => xs.map(cpu).sort((a, b) => a - b);
  const out: MachineState = { ...s };
  out.doTimerCpu = cpu(s.doTimerCpu);
  out.hang = s.hang && {
    ...s.hang,
    cpu: cpu(s.hang.cpu),
    reason: renumberCpus(s.hang.reason, cpu),
    symptom: renumberCpus(s.hang.symptom, cpu),
  };
  out.cpus = s.cpus.map((_, i): CpuState => {
    const c = s.cpus[p[i]];
    return { ...c, id: i, tickDev: c.tickDev === null ? null : id(c.tickDev) };
  });
  // A snapshot's devices by id, a kernel's by number (lib/engine/device_table.ts).
  if (s.devices !== undefined) {
    const devices: Record<string, DeviceState> = {};
    for (const x in s.devices) {
      const d = s.devices[x];
      devices[id(x)] = movedDevice(d, id(d.id), cpu(d.mask), cpu(d.boundTo));
    }
    out.devices = devices;
  }
  if (s.table !== undefined) {
    const table = new Array<DeviceState | undefined>(s.table.length).fill(undefined);
    for (const d of s.table) {
      if (d === undefined) continue;
      const moved = movedDevice(d, id(d.id), cpu(d.mask), cpu(d.boundTo));
      table[numberOf(moved.id)] = moved;
    }
    out.table = table;
  }
  // A snapshot's list by id (a kernel's moved with its devices).
  if (s.ceList !== undefined) {
    const list: Record<string, number> = {};
    for (const x in s.ceList) list[id(x)] = s.ceList[x];
    out.ceList = list;
  }
  out.released = s.released.map(id);
  out.broadcast = {
    ...s.broadcast,
    dev: s.broadcast.dev === null ? null : id(s.broadcast.dev),
    mask: mask(s.broadcast.mask),
    oneshotMask: mask(s.broadcast.oneshotMask),
  };
  out.vmbus = { ...s.vmbus, channels: s.vmbus.channels.map(cpu) };
  // Frozen in CPU order, ascending or descending by release (power.ts freezeSecondaryCpus).
  const frozen = s.frozenCpus.map(cpu);
  const down = s.frozenCpus.length > 1 && s.frozenCpus[0] > s.frozenCpus[1];
  out.frozenCpus = frozen.sort((a, b) => down ? b - a : a - b);
  if (s.ceCorrupt) {
    out.ceCorrupt = { ...s.ceCorrupt, dev: id(s.ceCorrupt.dev), lost: s.ceCorrupt.lost.map(id) };
  }
  if (s.image) out.image = permuteState(s.image, p);
  return out;
}

/**
 * A canonical order of `group`'s CPUs in `s`: `order[i]` is the CPU that goes to place
 * `group[i]`, sorted by what tells them apart (compared as number lists), equal ones kept in CPU
 * order; `perm`, the same as a renumbering of all of `s`'s CPUs (`perm[i]`: the CPU that becomes
 * CPU i, as {@linkcode permuteState} takes it); and `ties`, the runs of places whose CPUs nothing tells apart: swapping two such CPUs
 * changes nothing but which tick count is whose. A CPU whose state names another of the group
 * (a device of one bound to the other) is told apart by its number too: never tied.
 *
 * @example Two offline CPUs of four are tied, and sort before the online one
 * ```ts
 * import { canonicalOrder } from "./symmetry.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const m = vm({ cpus: 4 }).build();
 * m.offline(1);
 * m.offline(3);
 * const { order, perm, ties } = canonicalOrder(m.snapshot(), [1, 2, 3]);
 * assert.deepEqual(order, [1, 3, 2]);
 * assert.deepEqual([...perm], [0, 1, 3, 2]);
 * assert.deepEqual(ties, [[1, 2]]);
 * ```
 */
export function canonicalOrder(
  s: MachineState,
  group: readonly number[],
): { order: number[]; perm: Int32Array; ties: number[][] } {
  let writer = WRITERS.get(group);
  if (!writer) WRITERS.set(group, writer = new KeyWriter(new Set(group)));
  const keys = writer.keys(s, group);
  const compare = (a: number, b: number) => compareKeys(keys[a], keys[b]);
  const order = [...group].sort((a, b) => compare(a, b) || a - b);
  const ties: number[][] = [];
  for (let i = 0; i < order.length;) {
    let j = i + 1;
    while (j < order.length && compare(order[i], order[j]) === 0) j++;
    if (j - i > 1) ties.push(group.slice(i, j));
    i = j;
  }
  const perm = Int32Array.from(s.cpus, (c) => c.id);
  group.forEach((cpu, i) => perm[cpu] = order[i]);
  return { order, perm, ties };
}

// One key writer per group (a search's: made once).
const WRITERS = new WeakMap<readonly number[], KeyWriter>();
