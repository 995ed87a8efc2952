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
import { candidateKinds } from "./list_identity.ts";
import { allDevices } from "../engine/device_table.ts";
import { DEVICE_KINDS } from "../time/devices.ts";

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

// A state's lists, read once per state and KeyWriter call (a kernel's state changes in place
// between calls): each CPU's devices (its own, and those masked or bound to it), by id; the
// places of each CPU's candidates in its own order of `clockevent_devices` (list_identity.ts: the
// order a reduced search keeps), counted from the end (the list's head is its newest entry, so
// CPUs brought up in CPU order sort in CPU order: the booted machine is its own canonical form,
// and counterexamples name the CPUs a user would try first), per CPU and kind, 0 when not listed.
interface Lists {
  readonly devices: DeviceState[][];
  readonly places: Int32Array;
}

function listsOf(s: MachineState): Lists {
  const cpus = s.cpus.length;
  const devices: DeviceState[][] = [];
  for (let cpu = 0; cpu < cpus; cpu++) devices.push([]);
  const add = (cpu: number, d: DeviceState) => {
    // A CPU number a field holds may lie outside the machine (a "none" value is negative).
    if (cpu < 0 || cpu >= cpus) return;
    const list = devices[cpu];
    if (list.length === 0 || list[list.length - 1] !== d) list.push(d);
  };
  const all = allDevices(s);
  for (let i = 0; i < all.length; i++) {
    const d = all[i];
    add(idParts(d.id).cpu, d);
    add(d.mask, d);
    add(d.boundTo, d);
  }
  // By id (kind, then CPU): the order they were registered in is history, not what they are.
  for (let cpu = 0; cpu < cpus; cpu++) {
    const list = devices[cpu];
    if (list.length > 1) list.sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  }
  const K = DEVICE_KINDS.length;
  const places = new Int32Array(cpus * K);
  const kinds = new Int32Array(K);
  const seqs = new Float64Array(K);
  for (let cpu = 0; cpu < cpus; cpu++) {
    const n = candidateKinds(s, cpu, kinds, seqs);
    for (let i = 0; i < n; i++) places[cpu * K + kinds[i]] = n - i;
  }
  return { devices, places };
}

// A device id's kind, its place in DEVICE_KINDS, and its CPU (-1: a global device), parsed once
// per id.
const ID_PARTS = new Map<string, { kind: string; index: number; cpu: number }>();
function idParts(id: string): { kind: string; index: number; cpu: number } {
  let p = ID_PARTS.get(id);
  if (!p) {
    const cpu = cpuOfId(id);
    const kind = cpu < 0 ? id : id.slice(0, id.lastIndexOf(":"));
    p = { kind, index: DEVICE_KINDS.indexOf(kind), cpu };
    ID_PARTS.set(id, p);
  }
  return p;
}

// Strings enter a key as two numbers: STRING, above every number a key holds, then the string's
// rank in text order among every string met so far — so keys compare as compareKeys() always
// compared them (numbers by value, a number before a string, strings by their text). A string
// met for the first time ranks the others anew (`generation`): keys written before it are
// written again (canonicalOrder).
const STRING = Number.MAX_VALUE;
const names: string[] = [];
const RANK = new Map<string, number>();
let generation = 0;
function rankOf(x: string): number {
  const r = RANK.get(x);
  if (r !== undefined) return r;
  names.push(x);
  names.sort();
  names.forEach((name, i) => RANK.set(name, i));
  generation++;
  return RANK.get(x)!;
}

/**
 * Writes CPU keys (symmetry.ts `canonicalOrder` sorts CPUs by them): what tells a CPU of a state
 * apart, as numbers (a string as two: see compareKeys) — its record and its per-CPU devices,
 * whether it holds the timekeeping duty or the hang, its bits in the broadcast masks and among the
 * frozen CPUs, the places of its devices in its own order of `clockevent_devices`
 * (list_identity.ts) and in the released list, the devices bound to it, then the same in the
 * hibernation image (with its tick count less the machine's: the machine's own are anchors). A
 * state's lists are made once per `keys()` call (a kernel's state changes in place between
 * calls).
 *
 * @example At the boot CPUs 1 and 2 have equal keys; offline, CPU2's differs
 * ```ts
 * import { compareKeys, KeyWriter } from "./cpu_key.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const m = vm({ cpus: 3 }).build();
 * const w = new KeyWriter(new Set([1, 2]));
 * const keys = () => {
 *   const k = w.keys(m.snapshot(), [1, 2]);
 *   return compareKeys(k[1], k[2]);
 * };
 * assert.equal(keys(), 0);
 * m.offline(2);
 * assert.notEqual(keys(), 0);
 * ```
 */
export class KeyWriter {
  #lists: Lists | null = null;
  #listsOf: MachineState | null = null;
  #imageLists: Lists | null = null;
  #imageOf: MachineState | null = null;
  #out = new Float64Array(256);
  #n = 0;
  #cpu = 0;
  #foreign = false;

  /** For the CPUs of `group` (those it may call interchangeable: see `#ref`). */
  constructor(readonly group: ReadonlySet<number>) {}

  /**
   * The keys of the CPUs of `group` in `s`, by CPU number, all written with the same string
   * ranks. A CPU whose key refers to another CPU of the group (a device of one bound to the
   * other) is told apart by its number too: its key ends in `-100 - cpu`.
   */
  keys(s: MachineState, group: readonly number[]): Float64Array[] {
    this.#lists = this.#imageLists = null;
    this.#listsOf = this.#imageOf = null;
    const keys: Float64Array[] = [];
    // Written again when a string met for the first time ranked the others anew.
    let ranks;
    do {
      ranks = generation;
      for (let i = 0; i < group.length; i++) {
        const cpu = group[i];
        this.#n = 0;
        this.#cpu = cpu;
        this.#foreign = false;
        this.#write(s, null);
        if (this.#foreign) this.#push(-100 - cpu);
        keys[cpu] = this.#out.slice(0, this.#n);
      }
    } while (ranks !== generation);
    return keys;
  }

  #push(x: number): void {
    if (this.#n === this.#out.length) {
      const grown = new Float64Array(this.#out.length * 2);
      grown.set(this.#out);
      this.#out = grown;
    }
    this.#out[this.#n++] = x;
  }

  #str(x: string): void {
    this.#push(STRING);
    this.#push(rankOf(x));
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
    this.#push(v === none ? -1 : 0);
    this.#push(v === none ? 0 : v - now);
  }

  // A device id: its kind, and its CPU as seen from this one.
  #device(x: string | null): void {
    if (x === null) {
      this.#push(-1);
      this.#push(-1);
    } else {
      const { kind, cpu } = idParts(x);
      this.#str(kind);
      this.#push(cpu < 0 ? -1 : this.#ref(cpu));
    }
  }

  // A CPU number (or a negative "none"), as seen from this CPU.
  #cpuRef(n: number): number {
    return n < 0 ? n : this.#ref(n);
  }

  #listsFor(s: MachineState, image: boolean): Lists {
    if (image) {
      if (this.#imageOf !== s) [this.#imageLists, this.#imageOf] = [listsOf(s), s];
      return this.#imageLists!;
    }
    if (this.#listsOf !== s) [this.#lists, this.#listsOf] = [listsOf(s), s];
    return this.#lists!;
  }

  // Field by field as CPU_KEY and DEVICE_KEY say, straight-line (this runs per CPU of every state
  // a move reaches; tests/explore_symmetry_test.ts checks every field of the tables counts).
  #write(s: MachineState, base: MachineState | null): void {
    const cpu = this.#cpu;
    const now = s.now;
    const c = s.cpus[cpu];
    this.#push(c.online ? 1 : 0);
    this.#push(c.devOffline ? 1 : 0);
    this.#push(c.state);
    this.#push(c.target);
    this.#push(c.fail);
    this.#device(c.tickDev);
    this.#push(c.tickMode);
    this.#push(c.checkClocks ? 1 : 0);
    this.#push(c.hres ? 1 : 0);
    this.#push(c.hrtimersOffline ? 1 : 0);
    this.#push(c.nohzMode);
    this.#time(c.schedExpires, CPU_FIELDS.schedExpires.time, now);
    this.#push(c.synic ? 1 : 0);
    this.#push(base ? c.ticks - base.cpus[cpu].ticks : 0);
    this.#push(s.doTimerCpu === cpu ? 1 : 0);
    this.#push(s.hang?.cpu === cpu ? 1 : 0);
    this.#push(s.broadcast.mask.includes(cpu) ? 1 : 0);
    this.#push(s.broadcast.oneshotMask.includes(cpu) ? 1 : 0);
    this.#push(s.frozenCpus.includes(cpu) ? 1 : 0);
    const { devices, places } = this.#listsFor(s, base !== null);
    const K = DEVICE_KINDS.length;
    const mine = devices[cpu];
    for (let i = 0; i < mine.length; i++) {
      const d = mine[i];
      const x = d.id;
      this.#device(x);
      this.#str(d.kind);
      this.#str(d.name);
      this.#push(d.features);
      this.#push(d.rating);
      this.#push(this.#cpuRef(d.mask));
      this.#push(d.state);
      this.#time(d.nextEvent, DEVICE_FIELDS.nextEvent.time, now);
      this.#push(d.mult);
      this.#push(d.shift);
      this.#push(d.minDeltaNs);
      this.#push(d.maxDeltaNs);
      if (d.handler === null || d.handler === undefined) this.#push(-1);
      else this.#str(d.handler);
      this.#push(d.retries);
      this.#push(d.perCpu ? 1 : 0);
      this.#push(d.hwFires ? 1 : 0);
      this.#push(d.hwEnabled ? 1 : 0);
      this.#time(d.hwExpires, DEVICE_FIELDS.hwExpires.time, now);
      this.#push(d.hwPeriod);
      this.#push(this.#cpuRef(d.boundTo));
      // Its place in this CPU's candidates (one of them: its own or a global device).
      const { index, cpu: owner } = idParts(x);
      const place = index >= 0 && (owner === cpu || owner < 0) ? places[cpu * K + index] : 0;
      this.#push(place > 0 ? place : -1);
      const r = s.released.lastIndexOf(x);
      this.#push(r < 0 ? -1 : s.released.length - r);
      this.#push(s.broadcast.dev === x ? 1 : 0);
      this.#push(s.ceCorrupt?.dev === x ? 1 : 0);
    }
    this.#push(-99);
    if (s.image) this.#write(s.image, s);
  }
}

/**
 * Keys in order: entry by entry, then the shorter key first. A key's strings are written as two
 * numbers (a marker above every number, then the string's rank in text order), so numbers
 * compare by value, a number before a string, and strings by their text.
 *
 * @example
 * ```ts
 * import { compareKeys } from "./cpu_key.ts";
 * import assert from "node:assert/strict";
 * assert.ok(compareKeys([1, 2], [1, 3]) < 0);
 * assert.ok(compareKeys([2], [1, 5]) > 0);
 * assert.ok(compareKeys([7], [7, 0]) < 0);
 * ```
 */
export function compareKeys(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const a = x[i];
    const b = y[i];
    if (a !== b) return a - b;
  }
  return x.length - y.length;
}
