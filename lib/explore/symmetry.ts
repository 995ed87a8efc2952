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
import { CPU_FIELDS, DEVICE_FIELDS, type TimeField } from "../engine/fields.ts";
import { candidateOrder } from "./list_identity.ts";
import { hotpluggable } from "../hotplug/device.ts";

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

/** Per-CPU device ids are `kind:cpu` (lib/time/devices.ts deviceId). */
function cpuOfId(id: string): number {
  const i = id.lastIndexOf(":");
  return i < 0 ? -1 : Number(id.slice(i + 1));
}

// How each field of a CPU and of a device enters a CPU's key (cpuKey): a value as it is, a time
// relative to `now` (its "none" value apart), a device id or a CPU number as seen from the CPU, an
// anchor (the tick count: kept with the anchors), or a key (its number: not what it is). The tables
// name every field, so a new one does not compile until it says.
type KeyOf = "value" | "time" | "device" | "cpu" | "anchor" | "key";
const CPU_KEY = {
  id: "key",
  online: "value",
  devOffline: "value",
  state: "value",
  target: "value",
  fail: "value",
  tickDev: "device",
  tickMode: "value",
  checkClocks: "value",
  hres: "value",
  hrtimersOffline: "value",
  nohzMode: "value",
  schedExpires: "time",
  synic: "value",
  ticks: "anchor",
} as const satisfies Readonly<Record<keyof CpuState, KeyOf>>;
const DEVICE_KEY = {
  id: "device",
  kind: "value",
  name: "value",
  features: "value",
  rating: "value",
  mask: "cpu",
  state: "value",
  nextEvent: "time",
  mult: "value",
  shift: "value",
  minDeltaNs: "value",
  maxDeltaNs: "value",
  handler: "value",
  retries: "value",
  perCpu: "value",
  hwFires: "value",
  hwEnabled: "value",
  hwExpires: "time",
  hwPeriod: "value",
  boundTo: "cpu",
} as const satisfies Readonly<Record<keyof DeviceState, KeyOf>>;

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
  out.hang = s.hang && { ...s.hang, cpu: cpu(s.hang.cpu) };
  out.cpus = s.cpus.map((_, i): CpuState => {
    const c = s.cpus[p[i]];
    return { ...c, id: i, tickDev: c.tickDev === null ? null : id(c.tickDev) };
  });
  const devices: Record<string, DeviceState> = {};
  for (const x in s.devices) {
    const d = s.devices[x];
    devices[id(x)] = { ...d, id: id(d.id), mask: cpu(d.mask), boundTo: cpu(d.boundTo) };
  }
  out.devices = devices;
  const list: Record<string, number> = {};
  for (const x in s.ceList) list[id(x)] = s.ceList[x];
  out.ceList = list;
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
 * Places of ids in a list, by id, counted from its end: the clockevent list's head is its newest
 * entry, so CPUs brought up in CPU order sort in CPU order (the booted machine is its own
 * canonical form, and counterexamples name the CPUs a user would try first).
 */
function places(xs: readonly string[]): Map<string, number> {
  return new Map(xs.map((x, i) => [x, xs.length - i]));
}

/**
 * A state's lists, by id — `clockevent_devices` per CPU, as the order of that CPU's candidates
 * (list_identity.ts: the order a reduced search keeps) — and each CPU's devices (its own, and
 * those masked or bound to it).
 */
interface Lists {
  readonly listed: Map<string, number>[];
  readonly released: Map<string, number>;
  readonly devices: Map<number, string[]>;
}

// Made once per state and canonicalOrder() call (`cache`): every CPU's key reads them. Not kept
// across calls: a kernel's state changes in place.
function listsOf(s: MachineState, cache: Map<MachineState, Lists>): Lists {
  let lists = cache.get(s);
  if (lists) return lists;
  const devices = new Map<number, string[]>();
  const add = (cpu: number, x: string) => {
    const list = devices.get(cpu);
    if (!list) devices.set(cpu, [x]);
    else if (list[list.length - 1] !== x) list.push(x);
  };
  for (const x in s.devices) {
    const d = s.devices[x];
    const owner = cpuOfId(x);
    if (owner >= 0) add(owner, x);
    if (d.mask >= 0) add(d.mask, x);
    if (d.boundTo >= 0) add(d.boundTo, x);
  }
  // By id (kind, then CPU): the order they were registered in is history, not what they are.
  for (const list of devices.values()) list.sort();
  lists = {
    listed: s.cpus.map((_, cpu) => places(candidateOrder(s, cpu))),
    released: places(s.released),
    devices,
  };
  cache.set(s, lists);
  return lists;
}

/**
 * Writes into `out` what tells CPU `cpu` of `s` apart, as numbers (strings as indexes in
 * `strings`): its record and its per-CPU devices, whether it holds the timekeeping duty or the
 * hang, its bits in the broadcast masks and among the frozen CPUs, the places of its devices in its
 * own order of `clockevent_devices` (list_identity.ts) and in the released list, the devices bound
 * to it, then the same in the hibernation image
 * (with its tick count less the machine's: the machine's own are anchors). Returns whether it
 * refers to another CPU of `group` (then it is tied with none: see {@linkcode canonicalOrder}).
 */
function cpuKey(
  s: MachineState,
  cpu: number,
  group: ReadonlySet<number>,
  strings: Map<string, number>,
  out: number[],
  base: MachineState | null,
  cache: Map<MachineState, Lists>,
): boolean {
  let foreign = false;
  const str = (v: string | null) => {
    if (v === null) return -1;
    let n = strings.get(v);
    if (n === undefined) strings.set(v, n = strings.size);
    return n;
  };
  // Another CPU as seen from this one: itself, another of the group, or a fixed CPU.
  const ref = (n: number) => {
    if (n === cpu) return -10;
    if (group.has(n)) foreign = true;
    return group.has(n) ? -11 : n;
  };
  const kindOf = (x: string) => {
    const n = cpuOfId(x);
    return n < 0 ? str(x) : str(x.slice(0, x.lastIndexOf(":")));
  };
  // A field as its table says (a time's "none" value from the field table).
  const field = (v: unknown, how: KeyOf, none: number | null, anchor: number) => {
    if (how === "key") return;
    if (how === "anchor") out.push(anchor);
    else if (how === "time") out.push(v === none ? -1 : 0, v === none ? 0 : (v as number) - s.now);
    else if (how === "cpu") out.push((v as number) < 0 ? v as number : ref(v as number));
    else if (how === "device") {
      const x = v as string | null;
      out.push(x === null ? -1 : kindOf(x), x === null || cpuOfId(x) < 0 ? -1 : ref(cpuOfId(x)));
    } else if (v === undefined) out.push(-2);
    else if (v === null) out.push(-1);
    else if (typeof v === "boolean") out.push(v ? 1 : 0);
    else if (typeof v === "number") out.push(v);
    else out.push(str(String(v)));
  };
  const noneOf = (kind: unknown) => typeof kind === "object" ? (kind as TimeField).time : null;
  const c = s.cpus[cpu];
  for (const f in CPU_KEY) {
    const k = f as keyof CpuState;
    field(c[k], CPU_KEY[k], noneOf(CPU_FIELDS[k]), base ? c.ticks - base.cpus[cpu].ticks : 0);
  }
  out.push(
    s.doTimerCpu === cpu ? 1 : 0,
    s.hang?.cpu === cpu ? 1 : 0,
    s.broadcast.mask.includes(cpu) ? 1 : 0,
    s.broadcast.oneshotMask.includes(cpu) ? 1 : 0,
    s.frozenCpus.includes(cpu) ? 1 : 0,
  );
  const { listed, released, devices } = listsOf(s, cache);
  for (const x of devices.get(cpu) ?? []) {
    const d = s.devices[x];
    for (const f in DEVICE_KEY) {
      const k = f as keyof DeviceState;
      field(d[k], DEVICE_KEY[k], noneOf(DEVICE_FIELDS[k]), 0);
    }
    out.push(
      listed[cpu].get(x) ?? -1,
      released.get(x) ?? -1,
      s.broadcast.dev === x ? 1 : 0,
      s.ceCorrupt?.dev === x ? 1 : 0,
    );
  }
  out.push(-99);
  if (s.image && cpuKey(s.image, cpu, group, strings, out, s, cache)) foreign = true;
  return foreign;
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
  const set = new Set(group);
  const strings = new Map<string, number>();
  const keys = new Map<number, number[]>();
  const cache = new Map<MachineState, Lists>();
  for (const cpu of group) {
    const key: number[] = [];
    if (cpuKey(s, cpu, set, strings, key, null, cache)) key.push(-100 - cpu);
    keys.set(cpu, key);
  }
  const compare = (a: number, b: number) => {
    const x = keys.get(a)!;
    const y = keys.get(b)!;
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
    return x.length - y.length;
  };
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
