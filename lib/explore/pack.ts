/**
 * Packed state keys for exploration. A machine state is written as two parts:
 *
 * - its *anchors*: simulation time (`now`), `jiffies_64`, each CPU's tick count and the partition
 *   reference counter's epoch: the numbers that grow as the machine runs;
 * - its *class*: every other field as a flat list of numbers in a canonical order (devices by
 *   kind and CPU, the device list by its order, strings as small integers), with each absolute
 *   time written relative to `now` (its "none" value kept apart), the hibernation image's anchors
 *   relative to the machine's, and whether the machine's reference counter epoch is `now`.
 *
 * The two together are the state: equal states give equal parts, and {@linkcode moveAnchors}
 * rebuilds any state of a class from another. The search reuses what an operation did to one
 * state of a class for every other (docs/model.md §Exploration says why that is exact). The
 * tables below name every field, so a new field does not compile until it says what it is.
 *
 * @module
 */

import type { CpuState, DeviceState, Hang, MachineState } from "../engine/state.ts";
import { KTIME_MAX } from "../engine/state.ts";
import { DEVICE_KINDS, deviceId, PER_CPU_KINDS } from "../time/devices.ts";
import { listOrder } from "../time/list.ts";

// "num": a number; "bool": a boolean; "str": a string or null (interned); "skip": fixed for one
// configuration after boot, derived from the key, or history; "anchor": one of the anchors;
// { time: none }: an absolute time in ns (simulation or guest: they move together), where the
// value `none` (if any) means "no time" and does not move.
type Time = { readonly time: number | null };
type Kind = "num" | "bool" | "str" | "skip" | "anchor" | Time;

const CPU_FIELDS: Readonly<Record<keyof CpuState, Kind>> = {
  id: "skip",
  online: "bool",
  devOffline: "bool",
  state: "num",
  target: "num",
  fail: "num",
  tickDev: "str",
  tickMode: "num",
  checkClocks: "bool",
  hres: "bool",
  nohzMode: "num",
  schedExpires: { time: -1 },
  synic: "bool",
  ticks: "anchor",
};

const DEVICE_FIELDS: Readonly<Record<keyof DeviceState, Kind>> = {
  id: "skip",
  kind: "skip",
  name: "str",
  features: "num",
  rating: "num",
  mask: "num",
  state: "num",
  nextEvent: { time: KTIME_MAX },
  mult: "num",
  shift: "num",
  minDeltaNs: "num",
  maxDeltaNs: "num",
  handler: "str",
  retries: "num",
  perCpu: "bool",
  hwFires: "bool",
  hwEnabled: "bool",
  hwExpires: { time: -1 },
  hwPeriod: "num",
  boundTo: "num",
};

const HANG_FIELDS: Readonly<Record<keyof Hang, Kind>> = {
  cpu: "num",
  state: "num",
  stateName: "str",
  callback: "str",
  reason: "str",
  symptom: "str",
  time: { time: null },
};

// The machine's own fields: scalars here; the structured ones are written by `pack` below.
const MACHINE_FIELDS: Readonly<Record<keyof MachineState, Kind | "struct">> = {
  format: "skip",
  config: "skip",
  now: "anchor",
  offNs: "num",
  // No modelled transition reads it; resume sets it to `now` (docs/model.md §Exploration).
  refEpoch: "anchor",
  running: "bool",
  power: "str",
  hang: "struct",
  jiffies: "anchor",
  doTimerCpu: "num",
  tickNextPeriod: { time: null },
  // tick_init_jiffy_update() tests it for 0, "not yet" (55:kernel/time/tick-sched.c:106;
  // handlers.ts tickSetupSchedTimer).
  lastJiffiesUpdate: { time: 0 },
  cpus: "struct",
  devices: "struct",
  ceList: "struct",
  ceSeq: "skip",
  released: "struct",
  broadcast: "struct",
  registered: "skip",
  hotplugDisabled: "num",
  parkRace: "str",
  vmbus: "struct",
  frozenCpus: "struct",
  image: "struct",
  problems: "skip",
  log: "skip",
};

/** The fields the packer writes, per table (tests check the packer against them). */
export const PACKED_FIELDS = {
  cpu: (Object.keys(CPU_FIELDS) as (keyof CpuState)[]).filter((f) => CPU_FIELDS[f] !== "skip"),
  device: (Object.keys(DEVICE_FIELDS) as (keyof DeviceState)[]).filter((f) =>
    DEVICE_FIELDS[f] !== "skip"
  ),
  hang: (Object.keys(HANG_FIELDS) as (keyof Hang)[]).filter((f) => HANG_FIELDS[f] !== "skip"),
  machine: (Object.keys(MACHINE_FIELDS) as (keyof MachineState)[]).filter((f) =>
    MACHINE_FIELDS[f] !== "skip"
  ),
} as const;

/**
 * How many anchors a machine of `cpus` CPUs has: `now`, `jiffies_64`, one tick count per CPU,
 * then the reference counter's epoch (`refEpoch`, the last).
 *
 * @example
 * ```ts
 * import { anchorCount } from "./pack.ts";
 * import assert from "node:assert/strict";
 * assert.equal(anchorCount(4), 7);
 * ```
 */
export function anchorCount(cpus: number): number {
  return 3 + cpus;
}

/**
 * Writes states as numbers; strings become small integers shared by every state it packs. The
 * buffer is reused: a class is valid until the next `pack()`.
 */
export class Packer {
  readonly #strings = new Map<string, number>();
  #out: number[] = [];

  #str(v: string | null | undefined): void {
    if (v === null || v === undefined) {
      this.#out.push(-1);
      return;
    }
    let n = this.#strings.get(v);
    if (n === undefined) this.#strings.set(v, n = this.#strings.size);
    this.#out.push(n);
  }

  // A time relative to `now`, or its "none" value: a flag, then the difference.
  #time(v: number, none: number | null, now: number): void {
    if (v === none) this.#out.push(1, 0);
    else this.#out.push(0, v - now);
  }

  #list(xs: readonly number[]): void {
    this.#out.push(xs.length);
    for (const x of xs) this.#out.push(x);
  }

  #ids(xs: readonly string[]): void {
    this.#out.push(xs.length);
    for (const x of xs) this.#str(x);
  }

  // Field by field, as the tables above say (straight-line: this runs once per transition). The
  // anchors are written relative to `base`'s: zero for the machine itself, the difference for the
  // hibernation image.
  #state(s: MachineState, base: MachineState): void {
    const out = this.#out;
    const now = base.now;
    out.push(s.now - now, s.offNs, s.running ? 1 : 0, s.jiffies - base.jiffies, s.doTimerCpu);
    // The epoch is an anchor. Whether the machine's is `now` tells apart the states where
    // setting it to `now` (resume) changes nothing; the image's is never read.
    out.push(s.refEpoch - base.refEpoch, s === base && s.refEpoch === s.now ? 1 : 0);
    this.#time(s.tickNextPeriod, null, now);
    this.#time(s.lastJiffiesUpdate, 0, now);
    out.push(s.hotplugDisabled);
    this.#str(s.power);
    this.#str(s.parkRace);
    const h = s.hang;
    if (h) {
      out.push(1, h.cpu, h.state);
      this.#time(h.time, null, now);
      this.#str(h.stateName);
      this.#str(h.callback);
      this.#str(h.reason);
      this.#str(h.symptom);
    } else out.push(0);
    for (let i = 0; i < s.cpus.length; i++) {
      const c = s.cpus[i];
      out.push(
        c.online ? 1 : 0,
        c.devOffline ? 1 : 0,
        c.state,
        c.target,
        c.fail,
        c.tickMode,
        c.checkClocks ? 1 : 0,
        c.hres ? 1 : 0,
        c.nohzMode,
        c.synic ? 1 : 0,
        c.ticks - base.cpus[i].ticks,
      );
      this.#time(c.schedExpires, -1, now);
      this.#str(c.tickDev);
    }
    // Devices in a fixed order (kind, then CPU), absent ones as a marker.
    for (let i = 0; i < DEVICE_KINDS.length; i++) {
      const kind = DEVICE_KINDS[i];
      const perCpu = PER_CPU_KINDS.includes(kind);
      for (let cpu = 0; cpu < (perCpu ? s.cpus.length : 1); cpu++) {
        const d = s.devices[perCpu ? deviceId(kind, cpu) : kind];
        if (!d) {
          out.push(0);
          continue;
        }
        out.push(
          1,
          d.features,
          d.rating,
          d.mask,
          d.state,
          d.mult,
          d.shift,
          d.minDeltaNs,
          d.maxDeltaNs,
          d.retries,
          d.perCpu ? 1 : 0,
          d.hwFires ? 1 : 0,
          d.hwEnabled ? 1 : 0,
          d.hwPeriod,
          d.boundTo,
        );
        this.#time(d.nextEvent, KTIME_MAX, now);
        this.#time(d.hwExpires, -1, now);
        this.#str(d.name);
        this.#str(d.handler);
      }
    }
    this.#ids(listOrder(s));
    this.#ids(s.released);
    this.#str(s.broadcast.dev);
    out.push(s.broadcast.mode);
    this.#list(s.broadcast.mask);
    this.#list(s.broadcast.oneshotMask);
    out.push(s.vmbus.up ? 1 : 0, s.vmbus.connected ? 1 : 0);
    this.#list(s.vmbus.channels);
    this.#list(s.frozenCpus);
    if (s.image) {
      out.push(1);
      this.#state(s.image, base);
    } else out.push(0);
  }

  /** The numbers of `s`'s class (without its anchors and history), in canonical order. */
  pack(s: MachineState): readonly number[] {
    this.#out.length = 0;
    this.#state(s, s);
    return this.#out;
  }

  /** The whole state as numbers: its class, then its anchors. */
  packState(s: MachineState): readonly number[] {
    this.pack(s);
    const out = this.#out;
    out.push(s.now, s.jiffies);
    for (const c of s.cpus) out.push(c.ticks);
    out.push(s.refEpoch);
    return out;
  }
}

/**
 * Writes the anchors of `s` into `out` from `at`: see {@linkcode anchorCount}.
 *
 * @example
 * ```ts
 * import { anchorCount, anchorsOf } from "./pack.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const m = vm({ cpus: 2 }).build();
 * m.advance("8ms");
 * const s = m.snapshot();
 * const out = new Float64Array(anchorCount(2));
 * anchorsOf(s, out);
 * assert.deepEqual([...out], [s.now, s.jiffies, s.cpus[0].ticks, s.cpus[1].ticks, s.refEpoch]);
 * ```
 */
export function anchorsOf(s: MachineState, out: Float64Array, at = 0): void {
  out[at] = s.now;
  out[at + 1] = s.jiffies;
  for (let i = 0; i < s.cpus.length; i++) out[at + 2 + i] = s.cpus[i].ticks;
  out[at + 2 + s.cpus.length] = s.refEpoch;
}

/**
 * Moves the anchors of a copy of `s`, with the hibernation image, from `from` to `to`: every
 * time the tables call a time shifts with `now` (its "none" value stays), and every anchor
 * shifts with its own. Applied to a state of one class, it gives the state of that class with
 * anchors `to`. `s` must not be shared (pass a copy).
 *
 * @example Four ticks later, in the same class
 * ```ts
 * import { anchorsOf, moveAnchors, Packer } from "./pack.ts";
 * import { vm } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const m = vm({ cpus: 1 }).build();
 * m.advance("8ms");
 * const s = m.snapshot();
 * const from = new Float64Array(4);
 * anchorsOf(s, from);
 * const to = Float64Array.of(from[0] + 16e6, from[1] + 4, from[2] + 4, from[3]);
 * const later = structuredClone(s);
 * moveAnchors(later, from, to);
 * assert.equal(later.now, s.now + 16e6);
 * const packer = new Packer();
 * assert.deepEqual([...packer.pack(later)], [...packer.pack(s)]);
 * ```
 */
export function moveAnchors(s: MachineState, from: ArrayLike<number>, to: ArrayLike<number>): void {
  const delta = Array.from(to, (v, i) => v - from[i]);
  const shift = <T>(o: T, fields: Readonly<Record<keyof T, Kind | "struct">>) => {
    for (const f in fields) {
      const kind = fields[f];
      if (typeof kind !== "object") continue;
      const v = o[f] as number;
      if (v !== kind.time) (o[f] as number) = v + delta[0];
    }
  };
  const move = (m: MachineState) => {
    m.now += delta[0];
    m.jiffies += delta[1];
    m.refEpoch += delta[2 + m.cpus.length];
    m.cpus.forEach((c, i) => {
      c.ticks += delta[2 + i];
      shift(c, CPU_FIELDS);
    });
    for (const id in m.devices) shift(m.devices[id], DEVICE_FIELDS);
    if (m.hang) shift(m.hang, HANG_FIELDS);
    shift(m, MACHINE_FIELDS);
    if (m.image) move(m.image);
  };
  move(s);
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** A 64-bit hash of packed numbers, as two unsigned 32-bit halves. */
export function hash64(xs: ArrayLike<number>): [number, number] {
  const out = new Uint32Array(2);
  hash64Into(xs, out);
  return [out[0], out[1]];
}

/**
 * {@linkcode hash64} written into `out[0]` and `out[1]` (no allocation: it runs per state).
 *
 * @example
 * ```ts
 * import { hash64, hash64Into } from "./pack.ts";
 * import assert from "node:assert/strict";
 * const out = new Uint32Array(2);
 * hash64Into([3, 1.5, 2 ** 40], out);
 * assert.deepEqual([...out], hash64([3, 1.5, 2 ** 40]));
 * ```
 */
export function hash64Into(xs: ArrayLike<number>, out: Uint32Array): void {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    // Small integers (nearly all of them) hash as themselves; others by their bits.
    if (x === (x | 0)) {
      a = Math.imul(a ^ x, 0x01000193);
      b = Math.imul(b ^ x, 0x5bd1e995) ^ (b >>> 13);
    } else {
      f64[0] = x;
      a = Math.imul(a ^ u32[0], 0x01000193) ^ u32[1];
      b = Math.imul(b ^ u32[1], 0x5bd1e995) ^ (b >>> 13) ^ u32[0];
    }
  }
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b) ^ xs.length;
  b = Math.imul(b ^ (b >>> 15), 0xc2b2ae35);
  out[0] = a >>> 0;
  out[1] = b >>> 0;
}

/**
 * A set of 64-bit keys in two typed arrays (open addressing): 8 bytes a slot, at most half full.
 * Distinct states whose keys collide would be merged; with 64-bit keys the chance is about
 * n²/2^65 (under 10^-7 for a million states).
 */
export class KeySet {
  #hi = new Uint32Array(1 << 12);
  #lo = new Uint32Array(1 << 12);
  #used = new Uint8Array(1 << 12);
  #size = 0;

  /** Keys held. */
  get size(): number {
    return this.#size;
  }

  /** Adds a key; false when it was already there. */
  add(hi: number, lo: number): boolean {
    if ((this.#size + 1) * 2 > this.#used.length) this.#grow();
    const mask = this.#used.length - 1;
    for (let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;; i = (i + 1) & mask) {
      if (!this.#used[i]) {
        this.#used[i] = 1;
        this.#hi[i] = hi;
        this.#lo[i] = lo;
        this.#size++;
        return true;
      }
      if (this.#hi[i] === hi && this.#lo[i] === lo) return false;
    }
  }

  #grow(): void {
    const [hi, lo, used] = [this.#hi, this.#lo, this.#used];
    const n = used.length * 2;
    this.#hi = new Uint32Array(n);
    this.#lo = new Uint32Array(n);
    this.#used = new Uint8Array(n);
    this.#size = 0;
    for (let i = 0; i < used.length; i++) if (used[i]) this.add(hi[i], lo[i]);
  }
}
