/**
 * What tells one CPU of a state from another, for symmetry reduction (symmetry.ts
 * `canonicalOrder`): a CPU's key — its record and its devices as the key tables say, its bits in
 * the machine's CPU sets, its devices' places in its own order of `clockevent_devices` — compared
 * entry by entry.
 *
 * @module
 */

import type { CpuState, DeviceState, MachineState } from "../engine/state.ts";
import { CPU_FIELDS, DEVICE_FIELDS } from "../engine/fields.ts";
import { candidateOrder } from "./list_identity.ts";
import { allDevices, deviceOf } from "../engine/device_table.ts";

/**
 * The CPU of a per-CPU device id (`kind:cpu`, lib/engine/device.ts `Device.id`); -1 for a global one.
 *
 * @example
 * ```ts
 * import { cpuOfId } from "./cpu_key.ts";
 * import assert from "node:assert/strict";
 * assert.equal(cpuOfId("hv_stimer:3"), 3);
 * assert.equal(cpuOfId("pit"), -1);
 * ```
 */
export function cpuOfId(id: string): number {
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
 * How each field of a CPU and of its devices enters the CPU's key (symmetry.ts `canonicalOrder`)
 * (the key's writer is straight-line code; tests/explore_symmetry_test.ts checks that every field
 * these tables do not call a key or an anchor tells CPUs apart).
 *
 * @example
 * ```ts
 * import { KEY_OF } from "./cpu_key.ts";
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
  const all = allDevices(s);
  for (let i = 0; i < all.length; i++) {
    const d = all[i];
    const x = d.id;
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
export type KeyItem = number | string;

/**
 * Writes CPU keys (symmetry.ts `canonicalOrder` sorts CPUs by them): what tells a CPU of a state
 * apart, as numbers and strings — its record and its per-CPU devices, whether it holds the
 * timekeeping duty or the hang, its bits in the broadcast masks and among the frozen CPUs, the
 * places of its devices in its own order of `clockevent_devices` (list_identity.ts) and in the
 * released list, the devices bound to it, then the same in the hibernation image (with its tick
 * count less the machine's: the machine's own are anchors). One writer serves one canonicalOrder() call: its lists are made once
 * per state (a kernel's state changes in place between calls).
 *
 * @example At the boot CPUs 1 and 2 have equal keys; offline, CPU2's differs
 * ```ts
 * import { compareKeys, KeyWriter } from "./cpu_key.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const m = vm({ cpus: 3 }).build();
 * const keys = () => {
 *   const w = new KeyWriter(new Set([1, 2]));
 *   return compareKeys(w.key(m.snapshot(), 1).key, w.key(m.snapshot(), 2).key);
 * };
 * assert.equal(keys(), 0);
 * m.offline(2);
 * assert.notEqual(keys(), 0);
 * ```
 */
export class KeyWriter {
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
      const d = deviceOf(s, x)!;
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

/**
 * Key entries in order: numbers by value, strings by their text, a number before a string; then
 * the shorter key first.
 *
 * @example
 * ```ts
 * import { compareKeys } from "./cpu_key.ts";
 * import assert from "node:assert/strict";
 * assert.ok(compareKeys([1, "lapic"], [1, "pit"]) < 0);
 * assert.ok(compareKeys([2], [1, 5]) > 0);
 * assert.ok(compareKeys([7], ["a"]) < 0);
 * ```
 */
export function compareKeys(x: readonly KeyItem[], y: readonly KeyItem[]): number {
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
