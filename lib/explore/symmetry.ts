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
import { CPU_FIELDS, DEVICE_FIELDS } from "../engine/fields.ts";
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

// How each field of a CPU and of a device enters a CPU's key (KeyWriter): a value as it is, a time
// relative to `now` (its "none" value apart), a device id or a CPU number as seen from the CPU, an
// anchor (the tick count: kept with the anchors), or a key (its number: not what it is). The tables
// name every field, so a new one does not compile until it says.
/** How a field enters a CPU's key. */
export type KeyOf = "value" | "time" | "device" | "cpu" | "anchor" | "key";
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
 * How each field of a CPU and of its devices enters the CPU's key in {@linkcode canonicalOrder}
 * (the key's writer is straight-line code; tests/explore_symmetry_test.ts checks that every field
 * these tables do not call a key or an anchor tells CPUs apart).
 *
 * @example
 * ```ts
 * import { KEY_OF } from "./symmetry.ts";
 * import assert from "node:assert/strict";
 * assert.equal(KEY_OF.cpu.ticks, "anchor");
 * assert.equal(KEY_OF.device.boundTo, "cpu");
 * ```
 */
export const KEY_OF: {
  readonly cpu: Readonly<Record<keyof CpuState, KeyOf>>;
  readonly device: Readonly<Record<keyof DeviceState, KeyOf>>;
} = { cpu: CPU_KEY, device: DEVICE_KEY };

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

// A device id's kind and CPU (-1: a global device), parsed once per id.
const ID_PARTS = new Map<string, { kind: string; cpu: number }>();
function idParts(id: string): { kind: string; cpu: number } {
  let p = ID_PARTS.get(id);
  if (!p) {
    const cpu = cpuOfId(id);
    p = { kind: cpu < 0 ? id : id.slice(0, id.lastIndexOf(":")), cpu };
    ID_PARTS.set(id, p);
  }
  return p;
}

/** A key entry: a number, or a string (compared as itself, so no order of meeting matters). */
type KeyItem = number | string;

/**
 * Writes CPU keys (see {@linkcode canonicalOrder}): what tells a CPU of a state apart, as numbers
 * and strings — its record and its per-CPU devices, whether it holds the timekeeping duty or the
 * hang, its bits in the broadcast masks and among the frozen CPUs, the places of its devices in its
 * own order of `clockevent_devices` (list_identity.ts) and in the released list, the devices bound
 * to it, then the same in the hibernation image (with its tick count less the machine's: the
 * machine's own are anchors). One writer serves one canonicalOrder() call: its lists are made once
 * per state (a kernel's state changes in place between calls).
 */
class KeyWriter {
  readonly #cache = new Map<MachineState, Lists>();
  #out: KeyItem[] = [];
  #cpu = 0;
  #foreign = false;

  constructor(readonly group: ReadonlySet<number>) {}

  /** CPU `cpu`'s key in `s`, and whether it refers to another CPU of the group. */
  key(s: MachineState, cpu: number): { key: KeyItem[]; foreign: boolean } {
    this.#out = [];
    this.#cpu = cpu;
    this.#foreign = false;
    this.#write(s, null);
    return { key: this.#out, foreign: this.#foreign };
  }

  // Another CPU as seen from this one: itself, another of the group, or a fixed CPU.
  #ref(n: number): number {
    if (n === this.#cpu) return -10;
    if (!this.group.has(n)) return n;
    this.#foreign = true;
    return -11;
  }

  // A time relative to `now`, or its "none" value (the field table's).
  #time(v: number, none: number, now: number): void {
    if (v === none) this.#out.push(-1, 0);
    else this.#out.push(0, v - now);
  }

  // A device id: its kind, and its CPU as seen from this one.
  #device(x: string | null): void {
    if (x === null) this.#out.push(-1, -1);
    else {
      const { kind, cpu } = idParts(x);
      this.#out.push(kind, cpu < 0 ? -1 : this.#ref(cpu));
    }
  }

  // A CPU number (or a negative "none"), as seen from this CPU.
  #cpuRef(n: number): number {
    return n < 0 ? n : this.#ref(n);
  }

  // Field by field as CPU_KEY and DEVICE_KEY say, straight-line (this runs per CPU of every state
  // a move reaches; tests/explore_symmetry_test.ts checks every field of the tables counts).
  #write(s: MachineState, base: MachineState | null): void {
    const out = this.#out;
    const cpu = this.#cpu;
    const now = s.now;
    const c = s.cpus[cpu];
    out.push(c.online ? 1 : 0, c.devOffline ? 1 : 0, c.state, c.target, c.fail);
    this.#device(c.tickDev);
    out.push(c.tickMode, c.checkClocks ? 1 : 0, c.hres ? 1 : 0, c.hrtimersOffline ? 1 : 0);
    out.push(c.nohzMode);
    this.#time(c.schedExpires, CPU_FIELDS.schedExpires.time, now);
    out.push(c.synic ? 1 : 0, base ? c.ticks - base.cpus[cpu].ticks : 0);
    out.push(
      s.doTimerCpu === cpu ? 1 : 0,
      s.hang?.cpu === cpu ? 1 : 0,
      s.broadcast.mask.includes(cpu) ? 1 : 0,
      s.broadcast.oneshotMask.includes(cpu) ? 1 : 0,
      s.frozenCpus.includes(cpu) ? 1 : 0,
    );
    const { listed, released, devices } = listsOf(s, this.#cache);
    for (const x of devices.get(cpu) ?? []) {
      const d = s.devices[x];
      this.#device(d.id);
      out.push(d.kind, d.name, d.features, d.rating, this.#cpuRef(d.mask), d.state);
      this.#time(d.nextEvent, DEVICE_FIELDS.nextEvent.time, now);
      out.push(d.mult, d.shift, d.minDeltaNs, d.maxDeltaNs, d.handler ?? -1, d.retries);
      out.push(d.perCpu ? 1 : 0, d.hwFires ? 1 : 0, d.hwEnabled ? 1 : 0);
      this.#time(d.hwExpires, DEVICE_FIELDS.hwExpires.time, now);
      out.push(d.hwPeriod, this.#cpuRef(d.boundTo));
      out.push(
        listed[cpu].get(x) ?? -1,
        released.get(x) ?? -1,
        s.broadcast.dev === x ? 1 : 0,
        s.ceCorrupt?.dev === x ? 1 : 0,
      );
    }
    out.push(-99);
    if (s.image) this.#write(s.image, s);
  }
}

// Key entries in order: numbers by value, strings by their text, a number before a string.
function compareKeys(x: readonly KeyItem[], y: readonly KeyItem[]): number {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const a = x[i];
    const b = y[i];
    if (a === b) continue;
    if (typeof a === "number") return typeof b === "number" ? a - b : -1;
    if (typeof b === "number") return 1;
    return a < b ? -1 : 1;
  }
  return x.length - y.length;
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
  const writer = new KeyWriter(new Set(group));
  const keys = new Map<number, KeyItem[]>();
  for (const cpu of group) {
    const { key, foreign } = writer.key(s, cpu);
    if (foreign) key.push(-100 - cpu);
    keys.set(cpu, key);
  }
  const compare = (a: number, b: number) => compareKeys(keys.get(a)!, keys.get(b)!);
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
